//! The in-memory secret tools' rules and messages, and the ids the harness makes.

use super::store::*;
use super::tools::*;
use super::*;
use crate::secret::{SecretOptions, SecretRead};
use crate::tools::ToolError;

#[test]
fn new_ids_are_juju_xids() {
    let a = new_id();
    let b = new_id();
    assert_ne!(a, b);
    for id in [a, b] {
        assert_eq!(id.len(), 20, "{id}");
        assert!(
            id.bytes()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'v').contains(&c))
        );
        assert!(id.ends_with('0') || id.ends_with('g'), "{id}");
        assert!(SecretUri::parse(&id).is_ok());
    }
}

fn stderr(e: ToolError) -> (Option<i32>, String) {
    match e.kind {
        crate::tools::ToolErrorKind::Failed { code, stderr } => (code, stderr),
        other => panic!("{other:?}"),
    }
}

fn fixture() -> (SecretStore, Secret, Secret, Secret) {
    let consumed = Secret::new([("token", "a")]).label("api");
    let mine = Secret::new([("token", "b")]).owner(SecretOwner::Unit);
    let app = Secret::new([("token", "c")]).owner(SecretOwner::Application);
    let store = SecretStore::new(&[consumed.clone(), mine.clone(), app.clone()]);
    (store, consumed, mine, app)
}

const LEADER: Caller<'static> = Caller {
    leader: true,
    remote_app: None,
};
const FOLLOWER: Caller<'static> = Caller {
    leader: false,
    remote_app: None,
};

#[test]
fn changes_juju_refuses_at_commit_are_recorded_not_refused() {
    let (mut store, consumed, _, _) = fixture();
    let content = SecretContent::from_pairs([("token", "x")]);
    // Setting a consumed secret: the tool succeeds, the commit fails.
    store
        .set(
            LEADER,
            consumed.id.as_str(),
            Some(&content),
            &SecretOptions::new(),
        )
        .unwrap();
    assert_eq!(
        store.commit_error(),
        Some(format!("permission denied (from `secret-set {}`)", consumed.id).as_str())
    );
    let (mut store, _, _, _) = fixture();
    let unknown = "secret:cj4v5vm78ohs79o84r4g";
    store.remove(LEADER, unknown, None).unwrap();
    assert!(
        store
            .commit_error()
            .unwrap()
            .starts_with("secret \"secret:cj4v5vm78ohs79o84r4g\" not found"),
        "{:?}",
        store.commit_error()
    );
    // Nothing is applied either way when the run does not commit.
    let (mut store, _, mine, _) = fixture();
    store
        .set(
            LEADER,
            mine.id.as_str(),
            Some(&content),
            &SecretOptions::new(),
        )
        .unwrap();
    assert_eq!(store.into_secrets(false)[1], mine);
}

#[test]
fn tool_errors_are_juju_s() {
    let (mut store, consumed, mine, app) = fixture();
    let content = SecretContent::from_pairs([("token", "x")]);
    let cases = [
        (
            store.get(LEADER, None, None, SecretRead::Tracked),
            2,
            "require either a secret URI or label",
        ),
        (
            store.get(LEADER, Some("secret:x"), None, SecretRead::Tracked),
            2,
            "secret URI \"secret:x\" not valid",
        ),
        (
            store
                .info(LEADER, Some(mine.id.as_str()), Some("l"))
                .map(|_| SecretContent::new()),
            2,
            "specify either a secret URI or label but not both",
        ),
        (
            store
                .info(FOLLOWER, Some(app.id.as_str()), None)
                .map(|_| SecretContent::new()),
            1,
            &format!("secret {:?} not found", app.id.id()),
        ),
        (
            store
                .set(
                    FOLLOWER,
                    app.id.as_str(),
                    Some(&content),
                    &SecretOptions::new(),
                )
                .map(|()| SecretContent::new()),
            1,
            "this unit is not the leader",
        ),
        (
            store
                .add(
                    FOLLOWER,
                    SecretOwner::Application,
                    &content,
                    &SecretOptions::new(),
                )
                .map(|_| SecretContent::new()),
            1,
            "this unit is not the leader",
        ),
        (
            store
                .add(
                    LEADER,
                    SecretOwner::Unit,
                    &SecretContent::from_pairs([("Token", "x")]),
                    &SecretOptions::new(),
                )
                .map(|_| SecretContent::new()),
            2,
            "key \"Token\" not valid",
        ),
        (
            store
                .add(
                    LEADER,
                    SecretOwner::Unit,
                    &SecretContent::new(),
                    &SecretOptions::new(),
                )
                .map(|_| SecretContent::new()),
            1,
            "empty secret value not valid",
        ),
        (
            store
                .grant(LEADER, mine.id.as_str(), 9, None)
                .map(|()| SecretContent::new()),
            2,
            "invalid value \"9\" for option -r: relation not found",
        ),
        (
            store
                .grant(LEADER.on(Some("pg")), mine.id.as_str(), 9, Some("other/0"))
                .map(|()| SecretContent::new()),
            2,
            "cannot specify unit \"other/0\" in relation to application \"pg\"",
        ),
        (
            store
                .grant(LEADER.on(Some("pg")), mine.id.as_str(), 9, Some("pg"))
                .map(|()| SecretContent::new()),
            2,
            "unit \"pg\" not valid",
        ),
        (
            store
                .grant(LEADER.on(Some("pg")), consumed.id.as_str(), 9, None)
                .map(|()| SecretContent::new()),
            1,
            &format!("secret {:?} not found", consumed.id.id()),
        ),
    ];
    for (result, code, message) in cases {
        let (got_code, got) = stderr(result.unwrap_err());
        assert_eq!(
            (got_code, got.as_str()),
            (Some(code), format!("ERROR {message}\n").as_str())
        );
    }
    assert_eq!(store.commit_error(), None);
    // What a unit lists: its own secrets, and its application's on the leader.
    assert_eq!(store.ids(FOLLOWER), [mine.id.id()]);
    let mut both = vec![mine.id.id().to_owned(), app.id.id().to_owned()];
    both.sort();
    assert_eq!(store.ids(LEADER), both);
}

#[test]
fn base64_lengths() {
    assert_eq!(base64_len(""), 0);
    assert_eq!(base64_len("a"), 4);
    assert_eq!(base64_len("abc"), 4);
    assert_eq!(base64_len("abcd"), 8);
}
