//! `juju version`: the Juju release this local Juju follows, printed as Juju prints its own
//! client version (`cmd/juju/commands/version.go`): `<number>-<os type>-<arch>`, and with
//! `--all` the version details (`version`, `compiler`, `official`; Juju leaves out the git
//! commit, tree state, build number and grade when it has none, and so does this one). The
//! compiler is `gc`, as every Juju release reports it (the field describes the Juju whose
//! output this copies), and `official` is false: this is not a Juju build. The
//! `smart` format (the default) prints the bare version or, for `--all`, YAML; `json` and
//! `yaml` print the value in that format.

use super::{FORMAT, Output};
use crate::args::Args;
use crate::error::{Result, usage};
use crate::state::JUJU_VERSION;

/// `juju version [--all] [--format smart|json|yaml] [-o FILE]`.
pub fn version(args: &[String]) -> Result<Output> {
    let a = Args::parse(args, &[FORMAT, (&["all"], false), (&["o", "output"], true)])?;
    if let Some(extra) = a.positional.first() {
        return Err(usage(format!("unrecognized args: [\"{extra}\"]")));
    }
    let number = binary_version();
    let all = a.has("all");
    // Built by hand: Go marshals a struct in field order (serde_json's maps would sort).
    let text = match a.get("format").unwrap_or("smart") {
        "json" if all => {
            format!("{{\"version\":\"{number}\",\"compiler\":\"gc\",\"official\":false}}\n")
        }
        "json" => format!("\"{number}\"\n"),
        "yaml" | "smart" if all => format!("version: {number}\ncompiler: gc\nofficial: false\n"),
        "yaml" | "smart" => format!("{number}\n"),
        other => {
            return Err(usage(format!(
                "invalid value \"{other}\" for option --format: unknown format \"{other}\""
            )));
        }
    };
    Output::out(text).written_to(a.get("output"))
}

/// `3.6.7-<os type>-<arch>`, as Juju's `semversion.Binary` prints: the OS type is `ubuntu` on
/// Ubuntu and `genericlinux` on any other Linux (`core/os.HostOSTypeName`; the Juju snap, whose
/// base is Ubuntu Core, says `genericlinux` too), the architecture in Juju's names.
pub fn binary_version() -> String {
    let os_release = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
    format!("{JUJU_VERSION}-{}-{}", os_type(&os_release), arch())
}

/// Juju's OS type for an `/etc/os-release`: `ubuntu` when `ID=ubuntu`, else `genericlinux`.
fn os_type(os_release: &str) -> &'static str {
    let id = os_release
        .lines()
        .find_map(|l| l.strip_prefix("ID="))
        .map(|v| v.trim().trim_matches('"'));
    if id == Some("ubuntu") {
        "ubuntu"
    } else {
        "genericlinux"
    }
}

/// The host architecture as Juju names it (`core/arch`).
fn arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "powerpc64" => "ppc64el",
        "s390x" => "s390x",
        "riscv64" => "riscv64",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Output {
        let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
        version(&args).expect("version")
    }

    #[test]
    fn the_forms_print_as_juju_prints_them() {
        let number = binary_version();
        assert_eq!(run(&[]).stdout, format!("{number}\n"));
        assert_eq!(run(&["--format", "json"]).stdout, format!("\"{number}\"\n"));
        assert_eq!(
            run(&["--format", "json", "--all"]).stdout,
            format!("{{\"version\":\"{number}\",\"compiler\":\"gc\",\"official\":false}}\n")
        );
        assert_eq!(
            run(&["--all"]).stdout,
            format!("version: {number}\ncompiler: gc\nofficial: false\n")
        );
    }

    #[test]
    fn the_os_type_is_ubuntu_only_on_ubuntu() {
        assert_eq!(os_type("NAME=\"Ubuntu\"\nID=ubuntu\n"), "ubuntu");
        assert_eq!(os_type("ID=debian\n"), "genericlinux");
        assert_eq!(os_type(""), "genericlinux");
    }
}
