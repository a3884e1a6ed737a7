//! `cargo xtask template`: generate a charm from `template/` as a charm author would, with the
//! toolkit taken from a git repository, and check it builds, tests, packs, passes its integration
//! tests and upgrades.
//!
//! No git host is involved: the current tree (committed or not) is committed into a scratch
//! repository under `target/template-check/`, tagged `v<version>` as a release would be, and the
//! charm is generated from that repository's `template/` folder with `toolkit_git` pointing at
//! it (`file://`), so cargo fetches the toolkit exactly as it fetches it from the canonical
//! repository. Then a toolkit fix is released in the scratch repository under the next version,
//! and bumping the generated charm's tag must bring it in.
//!
//! The generated charm shares this repository's target dir and starts from its `Cargo.lock`, so
//! crates.io dependencies are compiled once.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use juju_xtask::project::project;
use xshell::{Shell, cmd};

/// The cargo-generate release that builds on the stable Rust used here (0.24+ need a newer rustc).
pub const CARGO_GENERATE_VERSION: &str = "0.23.14";

/// What a generated charm holds at its top level, and nothing else.
const GENERATED_TOP_LEVEL: [&str; 9] = [
    ".cargo",
    ".github",
    ".gitignore",
    "Cargo.toml",
    "README.md",
    "charm",
    "charmcraft.yaml",
    "tests",
    "xtask",
];

#[derive(Debug, clap::Args)]
pub struct Template {
    /// Charm name to generate (Juju's charm-name rule applies).
    #[arg(long, default_value = "my-db")]
    name: String,
    /// Only generate and check the rendered files; skip building and the upgrade check.
    #[arg(long)]
    no_build: bool,
    /// Measure a charm author's first run instead: the generated charm's first `itest`, then
    /// `test`, with an empty target dir and an empty cargo cache (crates are downloaded).
    #[arg(long, conflicts_with = "no_build")]
    cold: bool,
}

impl Template {
    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        let started = Instant::now();
        let toolkit = project()?;
        ensure_cargo_generate(sh)?;
        let work = toolkit.target_dir.join("template-check");
        if work.exists() {
            fs::remove_dir_all(&work)
                .with_context(|| format!("cannot clear {}", work.display()))?;
        }
        fs::create_dir_all(&work)?;
        let version = workspace_version(&toolkit.root)?;

        let scratch = work.join("toolkit");
        release_current_tree(sh, &toolkit.root, &scratch, &version)?;
        let url = format!("file://{}", scratch.display());
        let name = &self.name;
        println!("template: generating `{name}` from {url} (template/)");
        cmd!(
            sh,
            "cargo-generate generate --git {url} template --name {name} --destination {work} --vcs none -d toolkit_git={url}"
        )
        .run()
        .context("cargo generate failed")?;
        let charm = work.join(name);
        check_generated(&charm, name)?;
        if self.no_build {
            return Ok(());
        }
        if self.cold {
            return measure_cold(sh, &work, &charm);
        }

        // Seed the lock file so crates.io dependencies resolve to the versions the toolkit's
        // target dir has already compiled.
        fs::copy(toolkit.root.join("Cargo.lock"), charm.join("Cargo.lock"))?;
        let _dir = sh.push_dir(&charm);
        let _env = sh.push_env("CARGO_TARGET_DIR", &toolkit.target_dir);
        timed(
            "itest (first run: builds the local Juju and the charm)",
            || {
                cmd!(sh, "cargo xtask itest --backend local").run()?;
                Ok(())
            },
        )?;
        timed("test", || Ok(cmd!(sh, "cargo xtask test").run()?))?;
        timed("pack", || Ok(cmd!(sh, "cargo xtask pack").run()?))?;
        let packed = toolkit.target_dir.join(format!("charm/{name}_amd64.charm"));
        if !packed.is_file() {
            bail!("pack did not write {}", packed.display());
        }
        timed("fmt and clippy", || {
            cmd!(sh, "cargo fmt --all -- --check").run()?;
            cmd!(sh, "cargo clippy --workspace --all-targets -- -D warnings").run()?;
            Ok(())
        })?;
        timed(
            "itest --model: a reused model gets the changed charm",
            || check_reused_model(sh, &charm, name),
        )?;
        timed("upgrade to a toolkit release with a fix", || {
            check_upgrade(sh, &scratch, &charm, name, &version)
        })?;
        println!(
            "template: generated charm `{name}` tests, packs, passes its integration tests and upgrades ({:.1?})",
            started.elapsed()
        );
        Ok(())
    }
}

/// The first `itest` and then `test` of the generated charm as its author runs them: no lock
/// file, an empty target dir and an empty cargo home (so every crate is downloaded and the
/// toolkit fetched from its git repository). Prints the wall times against the targets.
fn measure_cold(sh: &Shell, work: &Path, charm: &Path) -> anyhow::Result<()> {
    let target = work.join("cold-target");
    let cargo_home = work.join("cold-cargo-home");
    let _dir = sh.push_dir(charm);
    let _target = sh.push_env("CARGO_TARGET_DIR", &target);
    let _home = sh.push_env("CARGO_HOME", &cargo_home);
    let mut figures = Vec::new();
    for (step, args, target_secs) in [
        (
            "first `cargo xtask itest`",
            ["itest", "--backend", "local"].as_slice(),
            120,
        ),
        ("`cargo xtask test` after it", ["test"].as_slice(), 30),
    ] {
        println!("template: cold: {step}");
        let started = Instant::now();
        cmd!(sh, "cargo xtask {args...}")
            .run()
            .with_context(|| format!("generated charm: {step} failed"))?;
        figures.push((step, started.elapsed(), target_secs));
    }
    println!(
        "\ntemplate: a generated charm from cold (empty target dir and cargo cache), {} cores:",
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    for (step, elapsed, target_secs) in figures {
        println!(
            "  {step:<30} {:>6.1} s   (target < {target_secs} s)",
            elapsed.as_secs_f64()
        );
    }
    Ok(())
}

fn timed(step: &str, f: impl FnOnce() -> anyhow::Result<()>) -> anyhow::Result<()> {
    println!("template: {step}");
    let started = Instant::now();
    f().with_context(|| format!("generated charm: {step} failed"))?;
    println!("template: {step}: done in {:.1?}", started.elapsed());
    Ok(())
}

/// Installs the cargo-generate release that builds on this toolchain when none is on PATH.
fn ensure_cargo_generate(sh: &Shell) -> anyhow::Result<()> {
    let installed = cmd!(sh, "cargo-generate --version")
        .quiet()
        .ignore_stderr()
        .read();
    if installed.is_ok() {
        return Ok(());
    }
    eprintln!(
        "template: installing cargo-generate {CARGO_GENERATE_VERSION} (once; several minutes on 2 cores): cargo install cargo-generate --locked --version {CARGO_GENERATE_VERSION}"
    );
    cmd!(
        sh,
        "cargo install cargo-generate --locked --version {CARGO_GENERATE_VERSION}"
    )
    .run()
    .context("installing cargo-generate failed")
}

/// The toolkit's version, `[workspace.package] version` of the root `Cargo.toml`.
pub fn workspace_version(root: &Path) -> anyhow::Result<String> {
    let metadata = cargo_metadata::MetadataCommand::new()
        .current_dir(root)
        .no_deps()
        .exec()?;
    metadata
        .workspace_packages()
        .into_iter()
        .find(|p| p.name.as_str() == "juju-ops")
        .map(|p| p.version.to_string())
        .context("the workspace has no juju-ops package")
}

/// Commits `root`'s work tree (what git does not ignore) into a fresh repository at `scratch`
/// and tags it `v<version>`, as a release of the toolkit would be.
fn release_current_tree(
    sh: &Shell,
    root: &Path,
    scratch: &Path,
    version: &str,
) -> anyhow::Result<()> {
    fs::create_dir_all(scratch)?;
    let git_dir = scratch.join(".git");
    cmd!(sh, "git init --quiet --initial-branch=main {scratch}").run()?;
    cmd!(sh, "git --git-dir={git_dir} --work-tree={root} add --all").run()?;
    commit_and_tag(
        sh,
        &git_dir,
        root,
        "the toolkit as it is in the work tree",
        version,
    )?;
    cmd!(
        sh,
        "git --git-dir={git_dir} --work-tree={scratch} checkout --quiet --force main"
    )
    .run()?;
    Ok(())
}

fn commit_and_tag(
    sh: &Shell,
    git_dir: &Path,
    work_tree: &Path,
    message: &str,
    version: &str,
) -> anyhow::Result<()> {
    let tag = format!("v{version}");
    let identity = [
        "-c",
        "user.name=template check",
        "-c",
        "user.email=template-check@localhost",
    ];
    cmd!(
        sh,
        "git {identity...} --git-dir={git_dir} --work-tree={work_tree} commit --quiet --no-verify -m {message}"
    )
    .run()?;
    cmd!(sh, "git --git-dir={git_dir} tag {tag}").run()?;
    Ok(())
}

/// Checks the rendered project holds the charm's own files only: the expected top level, no
/// template machinery left, the charm's name everywhere it belongs, and no toolkit source.
fn check_generated(charm: &Path, name: &str) -> anyhow::Result<()> {
    let mut top: Vec<String> = fs::read_dir(charm)?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    top.sort();
    if top != GENERATED_TOP_LEVEL {
        bail!("generated charm's top level is {top:?}; expected {GENERATED_TOP_LEVEL:?}");
    }
    let charmcraft = fs::read_to_string(charm.join("charmcraft.yaml"))?;
    if !charmcraft.contains(&format!("\nname: \"{name}\"\n")) {
        bail!("generated charmcraft.yaml does not say `name: \"{name}\"`");
    }
    let manifest = fs::read_to_string(charm.join("charm/Cargo.toml"))?;
    if !manifest.contains(&format!("name = \"{name}\"")) {
        bail!("generated charm/Cargo.toml does not name the package `{name}`");
    }
    let mut rust_lines = 0;
    for file in files_under(charm)? {
        let rel = file
            .strip_prefix(charm)
            .unwrap_or(&file)
            .display()
            .to_string();
        let text = fs::read_to_string(&file).unwrap_or_default();
        if rel.ends_with(".template") || rel.ends_with(".rhai") {
            bail!("generated charm still has template machinery: {rel}");
        }
        if text.contains(concat!("{", "{")) && !rel.starts_with(".github/") {
            bail!("{rel} still holds an unrendered placeholder");
        }
        if rel.ends_with(".rs") {
            rust_lines += text.lines().count();
        }
    }
    if rust_lines > 1000 {
        bail!("the generated charm has {rust_lines} lines of Rust: toolkit source leaked in?");
    }
    println!(
        "template: generated {} ({rust_lines} lines of Rust)",
        charm.display()
    );
    Ok(())
}

fn files_under(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir)? {
            let path = entry?.path();
            if path
                .file_name()
                .is_some_and(|n| n == "target" || n == ".git")
            {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// `itest --model` three times: the first deploys; after a change to the charm's code the second
/// must refresh the application; the third, with nothing changed, must not.
fn check_reused_model(sh: &Shell, charm: &Path, name: &str) -> anyhow::Result<()> {
    let model = format!("template-reuse-{}", std::process::id());
    let itest = || -> anyhow::Result<String> {
        let out = cmd!(sh, "cargo xtask itest --backend local --model {model}").read()?;
        println!("{out}");
        Ok(out)
    };
    let result = (|| {
        let first = itest()?;
        if first.contains("juju refresh") {
            bail!("the first run on a new model refreshed instead of deploying");
        }
        let handlers = charm.join("charm/src/handlers.rs");
        let text = fs::read_to_string(&handlers)?;
        let changed = text.replace("\"snapshot of task {}", "\"snapshot (changed) of task {}");
        if changed == text {
            bail!(
                "cannot find the snapshot text to change in {}",
                handlers.display()
            );
        }
        fs::write(&handlers, changed)?;
        let second = itest()?;
        if !second.contains(&format!("juju refresh {name} --path")) {
            bail!("the charm changed, but itest on the reused model did not refresh it");
        }
        let third = itest()?;
        if !third.contains("runs this .charm already") || third.contains("juju refresh") {
            bail!("nothing changed, but itest on the reused model did not reuse the application");
        }
        fs::write(&handlers, text)?;
        Ok(())
    })();
    // The generated charm's local Juju (already built by its itest) destroys the kept model.
    let juju_local = juju_xtask::itest::build_juju_local(sh, &["--quiet"])?;
    let home = project()?.target_dir.join("juju-local");
    cmd!(sh, "{juju_local} destroy-model {model} --no-prompt --force")
        .env("JUJU_LOCAL_HOME", home)
        .quiet()
        .run()?;
    result
}

/// Releases a runtime fix as the next patch version in the scratch repository; the generated
/// charm's test of the fix must fail at the old tag and pass once the tag is bumped.
fn check_upgrade(
    sh: &Shell,
    scratch: &Path,
    charm: &Path,
    name: &str,
    version: &str,
) -> anyhow::Result<()> {
    let next = next_patch(version)?;
    // The fix: a function the runtime did not have.
    let lib = scratch.join("crates/juju-ops/src/lib.rs");
    let mut text = fs::read_to_string(&lib)?;
    text.push_str(
        "\n/// Released by the template check's upgrade test.\npub fn released_fix() -> &'static str {\n    \"fixed\"\n}\n",
    );
    fs::write(&lib, text)?;
    let manifest = scratch.join("Cargo.toml");
    let text = fs::read_to_string(&manifest)?;
    fs::write(
        &manifest,
        text.replace(&format!("\"{version}\""), &format!("\"{next}\""))
            .replace(&format!("\"={version}\""), &format!("\"={next}\"")),
    )?;
    let git_dir = scratch.join(".git");
    cmd!(
        sh,
        "git --git-dir={git_dir} --work-tree={scratch} add --all"
    )
    .run()?;
    commit_and_tag(sh, &git_dir, scratch, "a fix in the runtime", &next)?;

    let test = charm.join("charm/tests/toolkit_upgrade.rs");
    fs::write(
        &test,
        "//! The fix released in the next toolkit version is in.\n\n#[test]\nfn the_released_fix_is_in() {\n    assert_eq!(ops::released_fix(), \"fixed\");\n}\n",
    )?;
    let before = cmd!(
        sh,
        "cargo test --quiet --package {name} --test toolkit_upgrade"
    )
    .quiet()
    .ignore_stderr()
    .ignore_stdout()
    .run();
    if before.is_ok() {
        bail!("the fix is already there at v{version}: the upgrade check proves nothing");
    }
    let manifest = charm.join("Cargo.toml");
    let text = fs::read_to_string(&manifest)?;
    let bumped = text.replace(
        &format!("tag = \"v{version}\""),
        &format!("tag = \"v{next}\""),
    );
    if bumped.matches(&format!("tag = \"v{next}\"")).count() != 3 {
        bail!("the generated Cargo.toml does not name the toolkit tag v{version} three times");
    }
    fs::write(&manifest, bumped)?;
    cmd!(
        sh,
        "cargo test --quiet --package {name} --test toolkit_upgrade"
    )
    .run()
    .with_context(|| format!("bumping the tag to v{next} did not bring the fix in"))?;
    let lock = fs::read_to_string(charm.join("Cargo.lock"))?;
    if !lock.contains(&format!("name = \"juju-ops\"\nversion = \"{next}\"")) {
        bail!("Cargo.lock does not name juju-ops {next} after the upgrade");
    }
    println!("template: bumping the tag from v{version} to v{next} brought the runtime fix in");
    Ok(())
}

/// `1.2.3` → `1.2.4`.
fn next_patch(version: &str) -> anyhow::Result<String> {
    let mut parts: Vec<u64> = version
        .split('.')
        .map(str::parse)
        .collect::<Result<_, _>>()
        .with_context(|| format!("cannot read the version {version:?}"))?;
    match parts.as_mut_slice() {
        [_, _, patch] => *patch += 1,
        _ => bail!("the version {version:?} is not major.minor.patch"),
    }
    Ok(parts
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_upgrade_check_releases_the_next_patch_version() {
        assert_eq!(next_patch("0.1.0").unwrap(), "0.1.1");
        assert_eq!(next_patch("1.9.9").unwrap(), "1.9.10");
        assert!(next_patch("1.0").is_err());
        assert!(next_patch("1.0.x").is_err());
    }
}
