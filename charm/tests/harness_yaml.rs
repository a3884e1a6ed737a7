//! The harness itself against a broken or hostile `charmcraft.yaml` (kept apart from the
//! charm's own unit tests in `snapshot.rs`, which `cargo xtask bench` times against their
//! `ops.testing` twins).

use ops::testing::Context;

/// A broken or hostile `charmcraft.yaml` is an error naming the problem (the parser's budgets
/// bound alias expansion and nesting): never a panic, or a harness that silently validates
/// against nothing.
#[test]
fn the_harness_refuses_a_broken_charmcraft_yaml() {
    let bomb = {
        let mut yaml = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..30 {
            let p = i - 1;
            yaml.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        yaml
    };
    let deep = format!(
        "name: x\nactions: {}{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let huge = format!(
        "name: x\ndescription: \"{}\"\n",
        "x".repeat(5 * 1024 * 1024)
    );
    let cases: [(&str, &str); 7] = [
        ("name: x\nactions: {snapshot: [\n", "invalid YAML"),
        (&bomb, "invalid YAML"),
        (&deep, "invalid YAML"),
        (&huge, "byte limit"),
        ("- just\n- a list\n", "must be a mapping"),
        ("name: x\nactions: 5\n", "actions"),
        ("name: x\nactions:\n  Bad_Name: {}\n", "Bad_Name"),
    ];
    for (yaml, want) in cases {
        let err = match Context::from_yaml_str(charm::charm(), yaml) {
            Ok(_) => panic!("accepted {:?}", &yaml[..yaml.len().min(60)]),
            Err(e) => e.to_string(),
        };
        assert!(err.contains(want), "{want:?} not in {err:?}");
    }
}
