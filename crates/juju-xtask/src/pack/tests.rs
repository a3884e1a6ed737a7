//! Tests of pack: the plan read from charmcraft.yaml, the archive's contents (the endpoints
//! `sync` writes among them), modes and determinism, and every bad-input case.

use std::io::Read;

use super::{charm_bytes, plan, write_charm, zip_time};

const GOOD: &str = "\
type: charm
name: my-db
title: My DB
summary: A database.
description: |
  Stores things.
links:
  documentation: https://example.com/docs
  contact: Someone <someone@example.com>
  source: https://example.com/src
base: ubuntu@24.04
platforms:
  amd64:
parts:
  charm: {plugin: dump, source: .}
requires:
  db: {interface: pgsql}
config:
  options:
    level: {type: int, default: 5}
actions:
  go:
    params: {on: {type: string, default: \"on\"}}
";

fn files_of(bytes: &[u8]) -> Vec<(String, u32, String, zip::DateTime)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).unwrap();
            let mut text = String::new();
            let _ = file.read_to_string(&mut text);
            (
                file.name().unwrap().into_owned(),
                file.unix_mode().unwrap(),
                text,
                file.last_modified().unwrap(),
            )
        })
        .collect()
}

#[test]
fn archive_has_sorted_entries_modes_and_fixed_times() {
    let plan = plan(GOOD).unwrap();
    let files = plan.files(&plan.platforms[0]).unwrap();
    let bytes = charm_bytes(b"\x7fELF fake", &files, zip_time(315_532_800).unwrap()).unwrap();
    let entries = files_of(&bytes);
    let names: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "actions.yaml",
            "config.yaml",
            "dispatch",
            "manifest.yaml",
            "metadata.yaml"
        ]
    );
    for (name, mode, _, time) in &entries {
        let want = if name == "dispatch" {
            0o100755
        } else {
            0o100644
        };
        assert_eq!(*mode, want, "{name}");
        assert_eq!(
            (time.year(), time.month(), time.day()),
            (1980, 1, 1),
            "{name}"
        );
    }
    let text = |name: &str| entries.iter().find(|e| e.0 == name).unwrap().2.clone();
    assert_eq!(
        text("manifest.yaml"),
        "bases:\n- architectures:\n  - amd64\n  channel: \"24.04\"\n  name: ubuntu\n"
    );
    assert_eq!(
        text("metadata.yaml"),
        "description: |\n  Stores things.\ndisplay-name: My DB\ndocs: https://example.com/docs\nmaintainers:\n- Someone <someone@example.com>\nname: my-db\nrequires:\n  db:\n    interface: pgsql\nsource: https://example.com/src\nsummary: A database.\n"
    );
    assert_eq!(
        text("actions.yaml"),
        "go:\n  params:\n    \"on\":\n      default: \"on\"\n      type: string\n"
    );
    assert_eq!(
        text("config.yaml"),
        "options:\n  level:\n    default: 5\n    type: int\n"
    );
}

#[test]
fn packing_twice_gives_identical_bytes_and_source_date_epoch_is_used() {
    let plan = plan(GOOD).unwrap();
    let files = plan.files(&plan.platforms[0]).unwrap();
    let t = zip_time(1_700_000_000).unwrap();
    assert_eq!(
        (t.year(), t.month(), t.day(), t.hour(), t.minute()),
        (2023, 11, 14, 22, 13)
    );
    let a = charm_bytes(b"bin", &files, t).unwrap();
    let b = charm_bytes(b"bin", &files, t).unwrap();
    assert_eq!(a, b);
    assert_ne!(
        a,
        charm_bytes(b"bin", &files, zip_time(0).unwrap()).unwrap()
    );
}

#[test]
fn platforms_name_the_archives_like_charmcraft() {
    let multi = GOOD.replace(
        "base: ubuntu@24.04\nplatforms:\n  amd64:\n",
        "platforms:\n  ubuntu@22.04:amd64:\n  ubuntu@24.04:arm64:\n",
    );
    let plan = plan(&multi).unwrap();
    let names: Vec<&str> = plan
        .platforms
        .iter()
        .map(|p| p.charm_file_name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "my-db_ubuntu@22.04-amd64.charm",
            "my-db_ubuntu@24.04-arm64.charm"
        ]
    );
    assert_eq!(
        (
            plan.platforms[1].channel.as_str(),
            plan.platforms[1].arch.as_str()
        ),
        ("24.04", "arm64")
    );

    let explicit = GOOD.replace(
        "  amd64:\n",
        "  mine:\n    build-on: [amd64]\n    build-for: [arm64]\n",
    );
    let plan = super::plan(&explicit).unwrap();
    assert_eq!(
        (
            plan.platforms[0].charm_file_name.as_str(),
            plan.platforms[0].arch.as_str()
        ),
        ("my-db_mine.charm", "arm64")
    );
}

fn error(yaml: &str) -> String {
    plan(yaml).unwrap_err().to_string()
}

#[test]
fn bad_charmcraft_yaml_is_refused_naming_the_field() {
    let cases = [
        (
            GOOD.replace("name: my-db\n", ""),
            "field `name`: is required",
        ),
        (
            GOOD.replace("name: my-db", "name: My_DB"),
            "field `name`: \"My_DB\" is not a valid charm name",
        ),
        (
            GOOD.replace("name: my-db", "name: db-1"),
            "is not a valid charm name",
        ),
        (
            GOOD.replace("summary: A database.\n", ""),
            "field `summary`: is required",
        ),
        (
            GOOD.replace("description: |\n  Stores things.\n", "description: \"\"\n"),
            "field `description`: must not be empty",
        ),
        (
            GOOD.replace("base: ubuntu@24.04", "base: debian@12"),
            "field `base`: unknown base \"debian@12\"",
        ),
        (
            GOOD.replace("platforms:\n  amd64:\n", ""),
            "field `platforms`: is required",
        ),
        (
            GOOD.replace("  amd64:\n", "  x86:\n"),
            "field `platforms.x86`: \"x86\" is not a valid Debian architecture",
        ),
        (
            GOOD.replace("type: charm", "type: bundle"),
            "field `type`: must be `charm`",
        ),
        (
            GOOD.replace("level: {type: int, default: 5}", "level: {default: 5}"),
            "field `config.options.level`: must have a `type`",
        ),
        (
            GOOD.replace("actions:\n", "actions: 3\nx:\n"),
            "field `actions`: must be a mapping",
        ),
        ("name: [\n".to_owned(), "invalid YAML"),
        ("- a\n".to_owned(), "the document must be a mapping"),
    ];
    for (yaml, want) in cases {
        let got = error(&yaml);
        assert!(got.contains(want), "want {want:?}, got {got:?}");
    }
}

#[test]
fn a_failed_write_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan(GOOD).unwrap();
    let files = plan.files(&plan.platforms[0]).unwrap();
    let out = dir.path().join("missing-dir").join("x.charm");
    assert!(write_charm(&out, b"bin", &files, zip_time(0).unwrap()).is_err());
    let blocked = dir.path().join("blocked.charm");
    std::fs::create_dir(&blocked).unwrap();
    std::fs::write(blocked.join("keep"), "x").unwrap();
    assert!(write_charm(&blocked, b"bin", &files, zip_time(0).unwrap()).is_err());
    let mut left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["blocked.charm"]);
    let good = dir.path().join("ok.charm");
    write_charm(&good, b"bin", &files, zip_time(0).unwrap()).unwrap();
    assert_eq!(files_of(&std::fs::read(&good).unwrap()).len(), 5);
}

#[test]
fn path_remap_flags_are_a_cargo_config_array_of_quoted_flags() {
    let config = super::path_remap_config("x86_64-unknown-linux-musl").unwrap();
    let (key, value) = config.split_once('=').unwrap();
    assert_eq!(key, "target.x86_64-unknown-linux-musl.rustflags");
    // A TOML array of basic strings is also a JSON array of strings.
    let flags: Vec<String> = serde_json::from_str(value).unwrap();
    assert!(flags.len() >= 2, "{flags:?}");
    assert!(
        flags.iter().all(|f| f.starts_with("--remap-path-prefix=")),
        "{flags:?}"
    );
    let root = crate::project::project()
        .unwrap()
        .root
        .display()
        .to_string();
    assert!(
        flags.contains(&format!("--remap-path-prefix={root}=/build")),
        "{flags:?}"
    );
}

#[test]
fn the_endpoints_sync_writes_reach_the_packed_metadata() {
    let schema = serde_json::json!({
        "requires": {"database": {"interface": "postgresql_client", "limit": 1, "optional": true}},
        "provides": {"website": {"interface": "http"}},
        "peers": {"replicas": {"interface": "snapshot_peers"}},
        "hooks": ["install"]
    });
    let synced = crate::sync::update_sections(GOOD, &schema, &crate::sync::SECTIONS).unwrap();
    let plan = plan(&synced).unwrap();
    let files = plan.files(&plan.platforms[0]).unwrap();
    let bytes = charm_bytes(b"bin", &files, zip_time(0).unwrap()).unwrap();
    let entries = files_of(&bytes);
    let metadata = &entries.iter().find(|e| e.0 == "metadata.yaml").unwrap().2;
    let metadata = crate::sync::parse(metadata).unwrap();
    for section in ["requires", "provides", "peers"] {
        assert_eq!(metadata[section], schema[section], "{section}");
    }
    assert!(
        metadata.get("hooks").is_none(),
        "the hook list is not metadata"
    );
    // A role sync removed is not in the metadata either.
    let none = serde_json::json!({"requires": {}, "provides": {}, "peers": {}});
    let synced = crate::sync::update_sections(GOOD, &none, &crate::sync::SECTIONS).unwrap();
    let plan = super::plan(&synced).unwrap();
    let files = plan.files(&plan.platforms[0]).unwrap();
    let metadata = &files.iter().find(|f| f.0 == "metadata.yaml").unwrap().1;
    let metadata = crate::sync::parse(metadata).unwrap();
    for section in ["requires", "provides", "peers"] {
        assert!(metadata.get(section).is_none(), "{section}: {metadata}");
    }
    assert_eq!(metadata["name"], "my-db");
}
