//! This charm's tasks, run as `cargo xtask <command>` (`sync`, `test`, `pack`, `itest`): the
//! toolkit's `juju-xtask` does the work.

fn main() -> std::process::ExitCode {
    juju_xtask::main()
}

#[cfg(test)]
mod tests {
    /// Plain `cargo test` fails when charmcraft.yaml is stale, like `cargo xtask sync --check`.
    #[test]
    fn charmcraft_yaml_in_sync() {
        if let Err(e) = juju_xtask::check_sync() {
            panic!("{e:#}");
        }
    }
}
