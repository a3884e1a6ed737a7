//! Tests of the harness.

use super::*;
use crate::Hook;

#[test]
fn runs_without_a_charm_dir_get_a_temporary_one_deleted_with_the_context() {
    let charm = Charm::new().on(Hook::Install, |event| {
        std::fs::write(event.env().charm_dir.join("../data"), "demo")?;
        Ok(())
    });
    let mut ctx = Context::from_yaml_str(charm, "name: demo\n").unwrap();
    let first = ctx.run(Event::install(), State::default()).unwrap();
    let second = ctx.run(Event::install(), State::default()).unwrap();
    let first = first.state.charm_dir.unwrap();
    let second = second.state.charm_dir.unwrap();
    assert_ne!(first, second);
    assert!(first.is_dir() && first.ends_with("charm"), "{first:?}");
    assert!(first.with_file_name("data").is_file());

    let root = first.parent().and_then(Path::parent).unwrap().to_path_buf();
    assert_eq!(second.parent().and_then(Path::parent), Some(root.as_path()));
    let name = root.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("ops-testing-"), "{name}");
    drop(ctx);
    assert!(!root.exists(), "{root:?} is left behind");
}
