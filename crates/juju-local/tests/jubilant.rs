//! The local Juju under Python's `jubilant` (the client Juju users' integration tests use),
//! unmodified, from PyPI at a pinned version: `tests/jubilant/check.py` drives it through
//! every `Juju` method that makes sense on one machine (models, deploy, wait, status, run,
//! exec, config, model config, show-model, show-unit, version, cli, the secret methods,
//! destroy-model).

mod support;

use std::path::{Path, PathBuf};

const METADATA: &[u8] =
    b"name: jubilant-check\nsummary: s\ndescription: d\nresources:\n  data: {type: file, filename: data.txt}\n";
const MANIFEST: &[u8] =
    b"bases:\n- {name: ubuntu, channel: '24.04', architectures: [amd64, arm64, ppc64el, s390x, riscv64]}\n";
const ACTIONS: &[u8] = b"
greet: {params: {name: {type: string, default: world}}}
fail: {}
";
const CONFIG: &[u8] = b"options:\n  greeting: {type: string, default: hi}\n";
const DISPATCH: &[u8] = br#"#!/bin/sh
case "$JUJU_DISPATCH_PATH" in
hooks/install|hooks/start|hooks/config-changed) status-set active ready ;;
hooks/*) ;;
actions/greet)
  name="$(action-get name)"
  action-log "greeting $name"
  juju-log "greeted $name"
  action-set greeting="$(config-get greeting) $name" nested.k=v ;;
actions/fail) action-fail "it broke" ;;
esac
"#;

/// Writes the test charm: `metadata.yaml`, `manifest.yaml`, `actions.yaml`, `config.yaml` and
/// an executable `dispatch`.
fn charm(dir: &Path) -> PathBuf {
    support::charm(
        &dir.join("jubilant-check.charm"),
        &[
            ("metadata.yaml", METADATA),
            ("manifest.yaml", MANIFEST),
            ("actions.yaml", ACTIONS),
            ("config.yaml", CONFIG),
        ],
        DISPATCH,
    )
}

#[test]
fn jubilant_drives_the_local_juju() {
    let work = tempfile::tempdir().unwrap();
    let charm = charm(work.path());
    support::run_jubilant("check.py", &[charm.as_os_str()], work.path());
}
