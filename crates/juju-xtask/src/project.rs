//! The charm project the commands work on, read once from `cargo metadata`: its root, cargo's
//! target directory (which honours `CARGO_TARGET_DIR` and `build.target-dir`), the charm crate in
//! `charm/` and the integration-test crate in `tests/`.
//!
//! The layout is the one `cargo generate` gives every charm: `charmcraft.yaml` at the root, the
//! charm crate in `charm/` (any package name; its binary is the charm's `dispatch`), the
//! integration tests in `tests/`, one test target per file.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{Context, bail};
use cargo_metadata::{Metadata, MetadataCommand, Package, TargetKind};

/// A charm project: a cargo workspace with `charmcraft.yaml`, `charm/` and `tests/`.
#[derive(Debug, Clone)]
pub struct Project {
    /// The workspace root, where `charmcraft.yaml` is.
    pub root: PathBuf,
    /// Cargo's target directory for this workspace.
    pub target_dir: PathBuf,
    /// The package in `charm/` and its binary.
    pub charm: CharmCrate,
    /// The package in `tests/`, when the project has integration tests.
    pub tests: Option<TestsCrate>,
}

/// The charm crate: its package and the binary that becomes `dispatch`.
#[derive(Debug, Clone)]
pub struct CharmCrate {
    pub package: String,
    pub bin: String,
}

/// The integration-test crate: its package, its test targets and the `.rs` files beside them.
#[derive(Debug, Clone)]
pub struct TestsCrate {
    pub package: String,
    pub dir: PathBuf,
    /// `(target name, source file)` for each `[[test]]` target.
    pub targets: Vec<(String, PathBuf)>,
    /// Source files of the package's other targets (its library).
    pub other_sources: Vec<PathBuf>,
}

static PROJECT: OnceLock<Project> = OnceLock::new();

/// The project of the running `cargo xtask`: the workspace that holds the crate cargo ran
/// (`CARGO_MANIFEST_DIR`, set by `cargo run`), else the one around the current directory.
pub fn project() -> anyhow::Result<&'static Project> {
    if let Some(project) = PROJECT.get() {
        return Ok(project);
    }
    let start = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    let project = Project::load(&start)?;
    Ok(PROJECT.get_or_init(|| project))
}

impl Project {
    /// Reads the workspace around `dir` with `cargo metadata --no-deps` (no dependency is
    /// resolved or fetched).
    pub fn load(dir: &Path) -> anyhow::Result<Project> {
        let metadata = MetadataCommand::new()
            .cargo_path(crate::util::cargo())
            .current_dir(dir)
            .no_deps()
            .exec()
            .with_context(|| format!("`cargo metadata` failed in {}", dir.display()))?;
        Project::from_metadata(&metadata)
    }

    fn from_metadata(metadata: &Metadata) -> anyhow::Result<Project> {
        let root = metadata.workspace_root.clone().into_std_path_buf();
        let member_in = |dir: &str| -> Option<&Package> {
            let manifest = root.join(dir).join("Cargo.toml");
            metadata
                .workspace_packages()
                .into_iter()
                .find(|p| p.manifest_path.as_std_path() == manifest)
        };
        let Some(charm) = member_in("charm") else {
            bail!(
                "no charm crate in {}: a charm project has its charm in charm/ (charm/Cargo.toml, a workspace member)",
                root.join("charm").display()
            );
        };
        let bins: Vec<&str> = charm
            .targets
            .iter()
            .filter(|t| t.kind.contains(&TargetKind::Bin))
            .map(|t| t.name.as_str())
            .collect();
        let bin = match bins.as_slice() {
            [bin] => (*bin).to_owned(),
            [] => bail!(
                "the charm crate `{}` has no binary: charm/src/main.rs (`fn main() {{ charm::charm().main() }}`) is the charm's dispatch",
                charm.name
            ),
            _ => bail!(
                "the charm crate `{}` has several binaries ({}); the charm's dispatch must be the only one",
                charm.name,
                bins.join(", ")
            ),
        };
        let tests = member_in("tests").map(|p| TestsCrate {
            package: p.name.to_string(),
            dir: root.join("tests"),
            targets: p
                .targets
                .iter()
                .filter(|t| t.kind.contains(&TargetKind::Test))
                .map(|t| (t.name.clone(), t.src_path.clone().into_std_path_buf()))
                .collect(),
            other_sources: p
                .targets
                .iter()
                .filter(|t| !t.kind.contains(&TargetKind::Test))
                .map(|t| t.src_path.clone().into_std_path_buf())
                .collect(),
        });
        Ok(Project {
            target_dir: metadata.target_directory.clone().into_std_path_buf(),
            charm: CharmCrate {
                package: charm.name.to_string(),
                bin,
            },
            tests,
            root,
        })
    }

    /// `charmcraft.yaml` at the root.
    pub fn charmcraft_yaml(&self) -> PathBuf {
        self.root.join("charmcraft.yaml")
    }
}

impl TestsCrate {
    /// The `.rs` files directly in `tests/` that no target of the package compiles: a test file
    /// that would silently never run. Each problem says how to fix it.
    pub fn unrun_files(&self) -> anyhow::Result<Vec<String>> {
        let mut problems = Vec::new();
        let entries = std::fs::read_dir(&self.dir)
            .with_context(|| format!("cannot list {}", self.dir.display()))?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "rs"))
            .collect();
        files.sort();
        for file in files {
            let compiled = self.targets.iter().any(|(_, src)| *src == file)
                || self.other_sources.contains(&file)
                || self.declared_as_module(&file);
            if !compiled {
                let stem = file
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                problems.push(format!(
                    "tests/{stem}.rs is not a test target, so it would never run: add to tests/Cargo.toml\n\n[[test]]\nname = \"{stem}\"\npath = \"{stem}.rs\"\ntest = false # run by `cargo xtask itest`, which hands it a model\n"
                ));
            }
        }
        Ok(problems)
    }

    /// Whether some source of the package declares `file` as a module (`mod <stem>;`).
    fn declared_as_module(&self, file: &Path) -> bool {
        let Some(stem) = file.file_stem().and_then(|s| s.to_str()) else {
            return false;
        };
        let declaration = format!("mod {stem};");
        self.targets
            .iter()
            .map(|(_, src)| src)
            .chain(&self.other_sources)
            .filter_map(|src| std::fs::read_to_string(src).ok())
            .any(|text| {
                text.lines().any(|l| {
                    l.trim_start()
                        .trim_start_matches("pub ")
                        .starts_with(&declaration)
                })
            })
    }

    /// `--test <name>` for every test target.
    pub fn test_args(&self) -> Vec<String> {
        self.targets
            .iter()
            .flat_map(|(name, _)| ["--test".to_owned(), name.clone()])
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    fn tests_crate(dir: &Path, targets: &[&str]) -> TestsCrate {
        TestsCrate {
            package: "tests".into(),
            dir: dir.to_path_buf(),
            targets: targets
                .iter()
                .map(|t| ((*t).to_owned(), dir.join(format!("{t}.rs"))))
                .collect(),
            other_sources: vec![dir.join("lib.rs")],
        }
    }

    #[test]
    fn a_test_file_that_no_target_compiles_is_reported_with_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        for file in ["lib.rs", "snapshot.rs", "relations.rs", "helpers.rs"] {
            fs::write(dir.path().join(file), "//! x\n").unwrap();
        }
        fs::write(dir.path().join("lib.rs"), "//! x\npub mod helpers;\n").unwrap();
        fs::write(dir.path().join("notes.md"), "not rust").unwrap();
        let problems = tests_crate(dir.path(), &["snapshot"])
            .unrun_files()
            .unwrap();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("tests/relations.rs is not a test target"),
            "{}",
            problems[0]
        );
        assert!(
            problems[0].contains("[[test]]\nname = \"relations\"\npath = \"relations.rs\""),
            "{}",
            problems[0]
        );
        let all = tests_crate(dir.path(), &["snapshot", "relations"]);
        assert_eq!(all.unrun_files().unwrap(), Vec::<String>::new());
        assert_eq!(
            all.test_args(),
            ["--test", "snapshot", "--test", "relations"]
        );
    }

    #[test]
    fn this_workspace_is_read_as_a_charm_project() {
        let project = project().unwrap();
        assert!(project.charmcraft_yaml().is_file());
        assert_eq!(project.charm.package, "snapshot-demo");
        assert_eq!(project.charm.bin, "snapshot-demo");
        let tests = project.tests.as_ref().unwrap();
        assert_eq!(tests.package, "tests");
        assert_eq!(
            tests.test_args(),
            ["--test", "database", "--test", "integration"]
        );
        assert_eq!(tests.unrun_files().unwrap(), Vec::<String>::new());
    }
}
