//! Juju's name rules (`juju/names`, `juju/charm` `meta.go`) that the runtime checks before a
//! hook tool runs and the harness checks as Juju does: endpoint and binding names, application
//! and storage names, and unit names.

/// Lowercase letters, digits and hyphens, starting with a letter: the names of endpoints and
/// extra bindings (what `network-get` and `open-port --endpoints` take), and of storage and
/// containers as hook-name prefixes.
pub(crate) fn is_endpoint_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_lowercase())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Juju's application name rule (`names.ApplicationSnippet`, which storage names share as
/// `storageNameSnippet`): lowercase letters and digits in hyphen-separated segments, the first
/// starting with a letter, every one holding a letter.
pub(crate) fn is_application_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.split('-').all(|segment| {
            segment.bytes().any(|b| b.is_ascii_lowercase())
                && segment
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// A unit name's application and number, `<app>/<n>` with `n` decimal digits; the application
/// is not checked against its rule (see [`is_unit_name`]).
pub(crate) fn split_unit(name: &str) -> Option<(&str, &str)> {
    name.split_once('/').filter(|(app, n)| {
        !app.is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
    })
}

/// Juju's unit name rule (`names.IsValidUnit`): `<application>/<number>`.
#[cfg(feature = "testing")]
pub(crate) fn is_unit_name(name: &str) -> bool {
    split_unit(name).is_some_and(|(app, _)| is_application_name(app))
}

/// Whether `unit` names a unit of the application `app` (`<app>/<n>`).
pub(crate) fn is_unit_of(unit: &str, app: &str) -> bool {
    split_unit(unit).is_some_and(|(of, _)| of == app)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_names() {
        for good in ["db", "juju-info", "a1-b", "a--b", "a-"] {
            assert!(is_endpoint_name(good), "{good}");
        }
        for bad in ["", "-r", "Db", "1db", "a b", "a,b"] {
            assert!(!is_endpoint_name(bad), "{bad}");
        }
    }

    #[test]
    fn application_and_unit_names() {
        for good in ["data", "a1", "pg-data", "a-1b", "logs-2x"] {
            assert!(is_application_name(good), "{good}");
        }
        for bad in ["", "1a", "Data", "a-", "a--b", "a-1", "a_b", "-a"] {
            assert!(!is_application_name(bad), "{bad}");
        }
        assert!(is_unit_name("pg-data/10"));
        for bad in ["pg", "pg/", "pg/x", "/0", "pg-1/0", "pg/0/1"] {
            assert!(!is_unit_name(bad), "{bad}");
        }
        assert_eq!(split_unit("pg-1/0"), Some(("pg-1", "0")));
        assert!(is_unit_of("pg/3", "pg"));
        assert!(!is_unit_of("pg/3", "p"));
        assert!(!is_unit_of("pg", "pg"));
    }
}
