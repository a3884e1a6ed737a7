//! Relations on the local Juju under Python's `jubilant` and Python `ops` charms, all unmodified
//! and pinned: `tests/jubilant/relations.py` deploys the two charms of `tests/charms/` (a
//! provider and a requirer of one interface, each with a peer relation, each recording every
//! event it sees), integrates them, adds and removes units, removes and re-adds the relation,
//! and checks each unit's hooks, their environment and the data each side read against what
//! Juju 3.6 gives.

mod support;

#[test]
fn jubilant_and_ops_charms_relate_on_the_local_juju() {
    let work = tempfile::tempdir().unwrap();
    let provider = support::python_charm("relations-provider", work.path());
    let requirer = support::python_charm("relations-requirer", work.path());
    support::run_jubilant(
        "relations.py",
        &[provider.as_os_str(), requirer.as_os_str()],
        work.path(),
    );
}
