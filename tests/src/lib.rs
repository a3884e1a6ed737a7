//! Integration tests of the charm against a Juju model.
