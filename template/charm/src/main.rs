//! The charm binary: Juju runs it as `dispatch`.

fn main() -> std::process::ExitCode {
    charm::charm().main()
}
