//! `cargo xtask tidy`: repository policy checked as code, also run as a `#[test]`.
//!
//! - every `.rs` file opens with a `//!` doc saying what it is for;
//! - no test is switched off (`#[ignore]`) or inverted (`#[should_panic]`);
//! - no template placeholder in Rust sources or `Cargo.toml`s, so the repository compiles
//!   as it stands and `cargo generate` only touches the files meant for it;
//! - `charmcraft.yaml.template`, rendered with this charm's name, summary and description, is
//!   byte-for-byte `charmcraft.yaml` (the twin `cargo generate` renders for new charms);
//! - crate dependencies point one way: `charm` depends on the runtime only, `tests` on the Juju
//!   client, and `xtask` on no crate of the workspace;
//! - the GitHub workflows parse, every job says where it runs and every step either `uses` an
//!   action pinned to a full commit SHA or `run`s a command (the structural part of actionlint,
//!   which `.ci/run` also runs when it is installed).

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde_json::Value;
use xshell::{Shell, cmd};

use crate::util::{cargo, project_root};

#[derive(Debug, clap::Args)]
pub struct Tidy {}

impl Tidy {
    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        let root = project_root();
        let mut problems = Vec::new();
        for file in source_files(&root)? {
            let text = fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let rel = file
                .strip_prefix(&root)
                .unwrap_or(&file)
                .display()
                .to_string();
            problems.extend(check_source(&rel, &text));
        }
        problems.extend(check_twin(&root)?);
        problems.extend(check_dependency_edges(sh)?);
        problems.extend(check_workflows(&root.join(".github/workflows"))?);
        if problems.is_empty() {
            return Ok(());
        }
        bail!("repository policy is broken:\n  {}", problems.join("\n  "))
    }
}

/// Every workflow in `dir`: parses, has jobs with `runs-on` and steps, each step one of
/// `uses` (pinned to a 40-hex commit) or `run`.
fn check_workflows(dir: &Path) -> anyhow::Result<Vec<String>> {
    let mut problems = Vec::new();
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    files.sort();
    for file in files {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = fs::read_to_string(&file)?;
        problems.extend(check_workflow(&name, &text));
    }
    Ok(problems)
}

fn check_workflow(name: &str, text: &str) -> Vec<String> {
    let workflow: Value = match serde_saphyr::from_str(text) {
        Ok(v) => v,
        Err(e) => return vec![format!("{name}: not valid YAML: {e}")],
    };
    let mut problems = Vec::new();
    if workflow.get("on").is_none() {
        problems.push(format!("{name}: no `on:` trigger"));
    }
    let Some(jobs) = workflow.get("jobs").and_then(Value::as_object) else {
        return vec![format!("{name}: no `jobs:` mapping")];
    };
    for (job_id, job) in jobs {
        if job.get("runs-on").is_none() {
            problems.push(format!("{name}: job {job_id}: no `runs-on`"));
        }
        let Some(steps) = job.get("steps").and_then(Value::as_array) else {
            problems.push(format!("{name}: job {job_id}: no `steps` list"));
            continue;
        };
        for (i, step) in steps.iter().enumerate() {
            let at = format!("{name}: job {job_id}, step {}", i + 1);
            match (step.get("uses"), step.get("run")) {
                (Some(Value::String(uses)), None) => {
                    let pinned = uses.rsplit_once('@').is_some_and(|(_, sha)| {
                        sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit())
                    });
                    if !pinned && !uses.starts_with("./") {
                        problems.push(format!(
                            "{at}: `uses: {uses}` must be pinned to a full commit SHA"
                        ));
                    }
                }
                (None, Some(Value::String(_))) => {}
                _ => problems.push(format!("{at}: needs exactly one of `uses` or `run`")),
            }
        }
    }
    problems
}

/// The policy checks for one file's text.
fn check_source(rel: &str, text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if rel.ends_with(".rs") && !text.trim_start().starts_with("//!") {
        problems.push(format!(
            "{rel}: must open with a `//!` comment saying what the module is for"
        ));
    }
    // Spelled in two parts so this file does not trip its own checks.
    let switched_off = [concat!("#[", "ignore"), concat!("#[", "should_panic")];
    for (n, line) in text.lines().enumerate() {
        if rel.ends_with(".rs") {
            for pattern in switched_off {
                if line.trim_start().starts_with(pattern) {
                    problems.push(format!(
                        "{rel}:{}: `{pattern}]` is not allowed: a test either runs and can fail, or is deleted",
                        n + 1
                    ));
                }
            }
        }
        if let Some(name) = placeholder_in(line) {
            problems.push(format!(
                "{rel}:{}: template placeholder `{name}`: placeholders belong in charmcraft.yaml, the README and workflows only",
                n + 1
            ));
        }
    }
    problems
}

/// The variables `cargo generate` substitutes (see cargo-generate.toml).
const TEMPLATE_VARIABLES: [&str; 5] = [
    "project-name",
    "crate_name",
    "summary",
    "description",
    "authors",
];

/// The template variable used in a Liquid `{{ … }}` expression on `line`, if any.
fn placeholder_in(line: &str) -> Option<&'static str> {
    let open = concat!("{", "{");
    line.match_indices(open).find_map(|(i, _)| {
        let rest = line[i + 2..].trim_start();
        let ident: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        TEMPLATE_VARIABLES.iter().copied().find(|v| *v == ident)
    })
}

/// `.rs` files and `Cargo.toml`s tracked in the workspace (target/ and hidden dirs skipped).
fn source_files(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).with_context(|| format!("cannot list {}", dir.display()))? {
            let path = entry?.path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if name.starts_with('.') || name == "target" {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if name.ends_with(".rs") || name == "Cargo.toml" {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The value of a top-level `key:` line (quotes removed), the way the template twins write it.
fn top_level_value(yaml: &str, key: &str) -> Option<String> {
    let prefix = format!("{key}:");
    let line = yaml.lines().find(|l| l.starts_with(&prefix))?;
    let value = line[prefix.len()..].trim();
    let value = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value);
    Some(value.to_owned())
}

/// The charm name in a `charmcraft.yaml` text.
pub fn charm_name(yaml: &str) -> Option<String> {
    top_level_value(yaml, "name")
}

/// Renders `charmcraft.yaml.template` with the values `charmcraft.yaml` holds and compares.
fn check_twin(root: &Path) -> anyhow::Result<Vec<String>> {
    let twin = root.join("charmcraft.yaml.template");
    if !twin.exists() {
        return Ok(Vec::new());
    }
    let concrete = fs::read_to_string(root.join("charmcraft.yaml"))?;
    let template = fs::read_to_string(&twin)?;
    let description = concrete
        .lines()
        .skip_while(|l| !l.starts_with("description:"))
        .nth(1)
        .map(|l| l.trim().to_owned())
        .unwrap_or_default();
    let values = [
        ("project-name", charm_name(&concrete).unwrap_or_default()),
        (
            "summary",
            top_level_value(&concrete, "summary").unwrap_or_default(),
        ),
        ("description", description),
    ];
    let mut rendered = template;
    for (name, value) in &values {
        rendered = rendered.replace(
            &format!("{}{name}{}", concat!("{", "{"), concat!("}", "}")),
            value,
        );
    }
    if rendered == concrete {
        return Ok(Vec::new());
    }
    let line = rendered
        .lines()
        .zip(concrete.lines())
        .position(|(a, b)| a != b)
        .map_or_else(
            || rendered.lines().count().min(concrete.lines().count()) + 1,
            |i| i + 1,
        );
    Ok(vec![format!(
        "charmcraft.yaml.template:{line}: differs from charmcraft.yaml once rendered; make the same change in both (`cargo xtask sync` updates the generated sections of both)"
    )])
}

/// Which workspace crates each workspace crate may depend on (normal dependencies).
const ALLOWED_EDGES: [(&str, &[&str]); 7] = [
    ("ops", &[]),
    ("echo-charm", &["ops"]),
    ("charm", &["ops"]),
    ("juju", &[]),
    ("juju-local", &["ops"]),
    ("tests", &["juju"]),
    ("xtask", &[]),
];

fn check_dependency_edges(sh: &Shell) -> anyhow::Result<Vec<String>> {
    let cargo = cargo();
    let json = cmd!(
        sh,
        "{cargo} metadata --format-version 1 --no-deps --offline"
    )
    .quiet()
    .read()?;
    let metadata: Value = serde_json::from_str(&json).context("cannot parse `cargo metadata`")?;
    let packages = metadata["packages"].as_array().cloned().unwrap_or_default();
    let members: Vec<String> = packages
        .iter()
        .filter_map(|p| p["name"].as_str().map(str::to_owned))
        .collect();
    let mut problems = Vec::new();
    for package in &packages {
        let name = package["name"].as_str().unwrap_or_default();
        let allowed = ALLOWED_EDGES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, a)| *a);
        let Some(allowed) = allowed else {
            problems.push(format!(
                "crate `{name}` has no entry in tidy's ALLOWED_EDGES: add one"
            ));
            continue;
        };
        for dep in package["dependencies"].as_array().into_iter().flatten() {
            let dep_name = dep["name"].as_str().unwrap_or_default();
            let normal = dep["kind"].is_null();
            if normal && members.iter().any(|m| m == dep_name) && !allowed.contains(&dep_name) {
                problems.push(format!(
                    "crate `{name}` depends on `{dep_name}`; allowed: {allowed:?} (see ARCHITECTURE.md)"
                ));
            }
        }
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_checks_catch_unpinned_actions_and_malformed_steps() {
        let good = "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683\n      - run: cargo test\n";
        assert_eq!(check_workflow("ci.yml", good), Vec::<String>::new());
        let bad = "on: push\njobs:\n  a:\n    steps:\n      - uses: actions/checkout@v4\n      - name: nothing\n";
        assert_eq!(
            check_workflow("ci.yml", bad),
            [
                "ci.yml: job a: no `runs-on`",
                "ci.yml: job a, step 1: `uses: actions/checkout@v4` must be pinned to a full commit SHA",
                "ci.yml: job a, step 2: needs exactly one of `uses` or `run`",
            ]
        );
        assert!(check_workflow("x.yml", "jobs: [")[0].starts_with("x.yml: not valid YAML"));
    }

    #[test]
    fn tidy() {
        let sh = Shell::new().unwrap();
        sh.change_dir(project_root());
        if let Err(e) = (Tidy {}).run(&sh) {
            panic!("{e:#}\n\nFix the files above; `cargo xtask tidy` re-runs this check.");
        }
    }

    #[test]
    fn checks_catch_what_they_promise() {
        assert_eq!(
            check_source("a.rs", "//! ok\nfn main() {}\n"),
            Vec::<String>::new()
        );
        assert!(check_source("a.rs", "fn main() {}")[0].contains("must open with a `//!`"));
        let ignored = format!("//! x\n{}]\nfn t() {{}}\n", concat!("#[", "ignore"));
        assert!(check_source("a.rs", &ignored)[0].contains("a.rs:2:"));
        let templated = format!(
            "[package]\nname = \"{} project-name }}}}\"\n",
            concat!("{", "{")
        );
        assert!(
            check_source("Cargo.toml", &templated)[0]
                .contains("Cargo.toml:2: template placeholder `project-name`")
        );
        assert!(check_source("a.rs", "//! x\nlet s = format!(\"{{}}\", 1);\n").is_empty());
    }
}
