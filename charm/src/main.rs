//! The charm binary: Juju runs it as `dispatch`.

use std::process::ExitCode;

fn main() -> ExitCode {
    charm::charm().main()
}
