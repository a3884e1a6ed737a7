//! Secrets, ports and bindings on the local Juju under Python's `jubilant` and Python `ops`
//! charms, all unmodified and pinned: `tests/jubilant/secrets_ports.py` adds, grants, updates
//! and removes a user secret that configures the consumer charm of `tests/charms/`, integrates
//! it with the owner charm, which shares credentials through an application-owned secret as
//! data_interfaces does, rotates and removes that secret, and checks what jubilant shows
//! (`secrets`, `show_secret`, `status` open ports, `show_unit`), what each charm read and which
//! secret hooks it got, and that no secret value reaches `debug-log`.

mod support;

#[test]
fn jubilant_and_ops_charms_use_secrets_and_ports_on_the_local_juju() {
    let work = tempfile::tempdir().unwrap();
    let owner = support::python_charm("secrets-owner", work.path());
    let consumer = support::python_charm("secrets-consumer", work.path());
    support::run_jubilant(
        "secrets_ports.py",
        &[owner.as_os_str(), consumer.as_os_str()],
        work.path(),
    );
}
