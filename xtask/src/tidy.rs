//! `cargo xtask tidy`: repository policy checked as code, also run as a `#[test]`.
//!
//! - every `.rs` file opens with a `//!` doc saying what it is for;
//! - no test is switched off (`#[ignore]`) or inverted (`#[should_panic]`);
//! - no template placeholder in Rust sources or `Cargo.toml`s (placeholders live only in the
//!   template's `Cargo.toml.template`s, `charmcraft.yaml` and README);
//! - one toolkit version: every crate under `crates/` has the workspace version, the workspace
//!   pins its siblings at `=<version>`, and the template takes the toolkit at tag `v<version>`
//!   from the workspace's `repository`;
//! - crate dependencies point one way (see `ALLOWED_EDGES`);
//! - the Python oracles are pinned once (`juju_xtask::oracle`), and the local Juju's Python
//!   charm test installs the same versions;
//! - the GitHub workflows, this repository's and the template's, parse, every job says where it
//!   runs and every step either `uses` an action pinned to a full commit SHA or `run`s a command
//!   (the structural part of actionlint, which `.ci/run` also runs when it is installed).

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use cargo_metadata::{DependencyKind, Metadata};
use serde_json::Value;
use xshell::Shell;

use juju_xtask::project::project;

#[derive(Debug, clap::Args)]
pub struct Tidy {}

impl Tidy {
    pub fn run(self, _sh: &Shell) -> anyhow::Result<()> {
        let root = project()?.root.clone();
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
        let metadata = cargo_metadata::MetadataCommand::new()
            .current_dir(&root)
            .no_deps()
            .exec()
            .context("`cargo metadata` failed")?;
        problems.extend(check_dependency_edges(&metadata));
        problems.extend(check_versions(&metadata, &root)?);
        problems.extend(check_oracle_pins(&root)?);
        problems.extend(check_workflows(&root.join(".github/workflows"))?);
        problems.extend(check_workflows(&root.join("template/.github/workflows"))?);
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
const TEMPLATE_VARIABLES: [&str; 6] = [
    "project-name",
    "toolkit_git",
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

/// The local Juju's test of a Python `ops` charm installs the same pinned packages as the bench
/// (it cannot link `juju_xtask::oracle`, where the pins live).
fn check_oracle_pins(root: &Path) -> anyhow::Result<Vec<String>> {
    let test = "crates/juju-local/tests/local_juju.rs";
    let text = fs::read_to_string(root.join(test))?;
    Ok([juju_xtask::oracle::OPS, juju_xtask::oracle::PYDANTIC]
        .iter()
        .filter(|pin| !text.contains(&format!("\"{pin}\"")))
        .map(|pin| format!("{test}: must install {pin:?}, as juju_xtask::oracle pins it"))
        .collect())
}

/// Which workspace crates each workspace crate may depend on (normal dependencies).
const ALLOWED_EDGES: [(&str, &[&str]); 8] = [
    ("juju-ops", &[]),
    ("juju-client", &[]),
    ("juju-local", &["juju-ops"]),
    ("juju-xtask", &["juju-ops", "juju-client", "juju-local"]),
    ("snapshot-demo", &["juju-ops"]),
    ("echo-charm", &["juju-ops"]),
    ("tests", &["juju-client"]),
    ("xtask", &["juju-xtask", "juju-client", "juju-local"]),
];

fn check_dependency_edges(metadata: &Metadata) -> Vec<String> {
    let packages = metadata.workspace_packages();
    let members: Vec<&str> = packages.iter().map(|p| p.name.as_str()).collect();
    let mut problems = Vec::new();
    for package in &packages {
        let name = package.name.as_str();
        let Some((_, allowed)) = ALLOWED_EDGES.iter().find(|(n, _)| *n == name) else {
            problems.push(format!(
                "crate `{name}` has no entry in tidy's ALLOWED_EDGES: add one"
            ));
            continue;
        };
        for dep in &package.dependencies {
            let normal = dep.kind == DependencyKind::Normal;
            let dep_name = dep.name.as_str();
            if normal && members.contains(&dep_name) && !allowed.contains(&dep_name) {
                problems.push(format!(
                    "crate `{name}` depends on `{dep_name}`; allowed: {allowed:?} (see ARCHITECTURE.md)"
                ));
            }
        }
    }
    problems
}

/// The toolkit's one version: the crates under `crates/` carry it and pin each other at it, the
/// template takes the toolkit at its tag from the canonical repository, and the CHANGELOG has
/// a section for it.
fn check_versions(metadata: &Metadata, root: &Path) -> anyhow::Result<Vec<String>> {
    let mut problems = Vec::new();
    let toolkit: Vec<_> = metadata
        .workspace_packages()
        .into_iter()
        .filter(|p| p.manifest_path.starts_with(root.join("crates")))
        .collect();
    let Some(version) = toolkit
        .iter()
        .find(|p| p.name.as_str() == "juju-ops")
        .map(|p| p.version.to_string())
    else {
        return Ok(vec!["no juju-ops crate under crates/".into()]);
    };
    let repository = toolkit
        .iter()
        .find_map(|p| p.repository.clone())
        .unwrap_or_default();
    for package in &toolkit {
        if package.version.to_string() != version {
            problems.push(format!(
                "crates/{}: version {} differs from the toolkit's {version} (use `version.workspace = true`)",
                package.name, package.version
            ));
        }
        if package.publish.as_ref().is_some_and(Vec::is_empty) {
            problems.push(format!(
                "crates/{}: a toolkit crate must be publishable",
                package.name
            ));
        }
        for dep in &package.dependencies {
            let sibling = toolkit.iter().any(|p| p.name.as_str() == dep.name.as_str());
            if sibling && dep.req.to_string() != format!("={version}") {
                problems.push(format!(
                    "crates/{}: depends on {} at `{}`; siblings are pinned at `={version}` in the root Cargo.toml",
                    package.name, dep.name, dep.req
                ));
            }
        }
    }
    let template = fs::read_to_string(root.join("template/Cargo.toml.template"))?;
    let tag = format!("tag = \"v{version}\"");
    let toolkit_lines: Vec<&str> = template.lines().filter(|l| l.contains("git = ")).collect();
    if toolkit_lines.is_empty() || toolkit_lines.iter().any(|l| !l.contains(&tag)) {
        problems.push(format!(
            "template/Cargo.toml.template: every toolkit dependency must say `{tag}` (the toolkit's version is {version})"
        ));
    }
    let hook = fs::read_to_string(root.join("template/hooks/pre.rhai"))?;
    if repository.is_empty() || !hook.contains(&format!("\"{repository}\"")) {
        problems.push(format!(
            "template/hooks/pre.rhai: the default toolkit_git must be the crates' repository {repository:?}"
        ));
    }
    let changelog = fs::read_to_string(root.join("CHANGELOG.md")).unwrap_or_default();
    if !changelog
        .lines()
        .any(|l| l.starts_with(&format!("## [{version}]")))
    {
        problems.push(format!(
            "CHANGELOG.md: no `## [{version}]` section for the toolkit's version"
        ));
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
        sh.change_dir(&project().unwrap().root);
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
