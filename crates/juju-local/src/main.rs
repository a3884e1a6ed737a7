//! `juju-local`: a local Juju for integration tests (the program is the library's `main`).

fn main() -> std::process::ExitCode {
    juju_local::main()
}
