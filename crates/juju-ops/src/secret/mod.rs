//! Secrets: Juju's secret URIs ([`Secret`], also the type of a `secret` config option, in
//! `uri.rs`), the metadata the `secret-*` hook tools take and print ([`SecretOwner`],
//! [`RotatePolicy`], [`Expire`], [`SecretOptions`], [`SecretInfo`], here), secret content
//! ([`SecretContent`], `content.rs`), the secret hooks ([`SecretEvent`], `event.rs`) and the
//! [`Unit`](crate::Unit) methods that add, read, update, share and remove secrets (`unit.rs`).
//!
//! A secret's content is a map of keys to string values; the runtime writes it from, and reads
//! it into, a serde type whose fields are the keys (or a `BTreeMap<String, String>`, or
//! [`SecretContent`]). Keys follow Juju's rule (`^([a-z](?:-?[a-z0-9]){2,})$`), checked before
//! any hook tool is called.
//!
//! **Values never leave the content.** No error, `Debug` output, log line or panic message of
//! this crate holds a secret value: [`SecretContent`]'s `Debug` shows its keys only, a content
//! type that does not decode is reported by the key that failed (never the value or serde's
//! message about it), and the real hook tools get the content in a private temporary file, not
//! on their command line (see `subprocess.rs`).

mod content;
mod event;
pub(crate) mod subprocess;
#[cfg(test)]
mod tests;
mod unit;
mod uri;

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

pub use content::{SecretContent, SecretDecodeError, SecretEncodeError, is_valid_key};
pub(crate) use event::secret_runner;
pub use event::{SecretEnv, SecretEvent, SecretKind};
pub use unit::{SecretError, SecretLookup};
pub use uri::{Secret, SecretUriError};

/// Who owns a secret a charm creates (`secret-add --owner`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SecretOwner {
    /// The application: every unit reads its latest revision, and the leader manages it.
    Application,
    /// The unit that creates it, alone.
    Unit,
}

impl SecretOwner {
    /// As `secret-add --owner` and `secret-info-get` spell it: `application` or `unit`.
    pub fn as_str(self) -> &'static str {
        match self {
            SecretOwner::Application => "application",
            SecretOwner::Unit => "unit",
        }
    }

    /// Reads `application` or `unit`.
    pub fn parse(s: &str) -> Option<SecretOwner> {
        match s {
            "application" => Some(SecretOwner::Application),
            "unit" => Some(SecretOwner::Unit),
            _ => None,
        }
    }
}

impl fmt::Display for SecretOwner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How often Juju asks the owner to rotate a secret (`--rotate`; `secret-rotate` hooks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RotatePolicy {
    Never,
    Hourly,
    Daily,
    Weekly,
    Monthly,
    Quarterly,
    Yearly,
}

impl RotatePolicy {
    /// Every policy, shortest period last but `Never` first.
    pub const ALL: [RotatePolicy; 7] = [
        RotatePolicy::Never,
        RotatePolicy::Hourly,
        RotatePolicy::Daily,
        RotatePolicy::Weekly,
        RotatePolicy::Monthly,
        RotatePolicy::Quarterly,
        RotatePolicy::Yearly,
    ];

    /// As Juju spells it: `never`, `hourly`, …
    pub fn as_str(self) -> &'static str {
        match self {
            RotatePolicy::Never => "never",
            RotatePolicy::Hourly => "hourly",
            RotatePolicy::Daily => "daily",
            RotatePolicy::Weekly => "weekly",
            RotatePolicy::Monthly => "monthly",
            RotatePolicy::Quarterly => "quarterly",
            RotatePolicy::Yearly => "yearly",
        }
    }

    /// Reads a policy as Juju spells it.
    pub fn parse(s: &str) -> Option<RotatePolicy> {
        RotatePolicy::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

impl fmt::Display for RotatePolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// When a secret's current revision expires (`--expire`; a `secret-expired` hook follows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expire {
    /// This long after the hook tool runs (a positive duration).
    In(Duration),
    /// At this time.
    At(SystemTime),
}

impl Expire {
    /// The `--expire` argument: a Go duration (`3600s`, `1500ms`) or an RFC 3339 time in UTC.
    /// Juju refuses a duration that is not positive; so does this.
    pub fn to_arg(&self) -> Result<String, String> {
        match self {
            Expire::In(d) if d.is_zero() => {
                Err("the expiry duration must be positive (Juju refuses 0s)".to_owned())
            }
            // Go's `time.ParseDuration` reads an int64 of nanoseconds.
            Expire::In(d) if d.as_nanos() > i64::MAX as u128 => Err(format!(
                "the expiry duration {d:?} is longer than Go's time.Duration holds (about 292 years)"
            )),
            Expire::In(d) if d.subsec_nanos() == 0 => Ok(format!("{}s", d.as_secs())),
            Expire::In(d) => Ok(format!("{}ns", d.as_nanos())),
            Expire::At(t) => rfc3339(*t),
        }
    }

    /// The time this expiry names, counting a duration from `now`, as RFC 3339.
    #[cfg(feature = "testing")]
    pub(crate) fn resolve(&self, now: SystemTime) -> Result<String, String> {
        match self {
            Expire::In(d) => {
                self.to_arg()?;
                let at = now
                    .checked_add(*d)
                    .ok_or_else(|| format!("{d:?} from now is out of range"))?;
                rfc3339(at)
            }
            Expire::At(t) => rfc3339(*t),
        }
    }
}

/// `t` as RFC 3339 in UTC, to the second: `2025-01-01T06:06:06Z`.
pub(crate) fn rfc3339(t: SystemTime) -> Result<String, String> {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map_err(|_| "times before 1970 are not supported".to_owned())?
        .as_secs();
    let days = secs / 86_400;
    let rem = secs % 86_400;
    // Days since 1970-01-01 to a civil date (Howard Hinnant's `civil_from_days`).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    if year > 9999 {
        return Err("times after year 9999 are not supported".to_owned());
    }
    Ok(format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    ))
}

/// The metadata `secret-add` and `secret-set` take: each is left as it is when `None`.
///
/// ```
/// # extern crate juju_ops as ops;
/// use ops::{RotatePolicy, SecretOptions};
///
/// let options = SecretOptions::new().label("db-password").rotate(RotatePolicy::Monthly);
/// assert_eq!(options.label.as_deref(), Some("db-password"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretOptions {
    /// The owner's label for the secret (unique among the owner's secrets).
    pub label: Option<String>,
    pub description: Option<String>,
    pub expire: Option<Expire>,
    pub rotate: Option<RotatePolicy>,
}

impl SecretOptions {
    pub fn new() -> SecretOptions {
        SecretOptions::default()
    }

    pub fn label(mut self, label: impl Into<String>) -> SecretOptions {
        self.label = Some(label.into());
        self
    }

    pub fn description(mut self, description: impl Into<String>) -> SecretOptions {
        self.description = Some(description.into());
        self
    }

    pub fn expire(mut self, expire: Expire) -> SecretOptions {
        self.expire = Some(expire);
        self
    }

    pub fn rotate(mut self, rotate: RotatePolicy) -> SecretOptions {
        self.rotate = Some(rotate);
        self
    }

    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        self.label.is_none()
            && self.description.is_none()
            && self.expire.is_none()
            && self.rotate.is_none()
    }
}

/// Which revision `secret-get` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SecretRead {
    /// The revision this unit tracks (a consumer's first read tracks the latest); an owner
    /// always reads the latest.
    #[default]
    Tracked,
    /// The latest revision, this once (`--peek`).
    Peek,
    /// The latest revision, tracked from now on (`--refresh`).
    Refresh,
}

/// One grant of a secret, as `secret-info-get` lists it (`access`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretAccess {
    /// Who may read it: an application or unit tag (`application-pg`, `unit-pg-0`).
    pub target: String,
    /// What the grant lives as long as: a relation tag.
    pub scope: String,
    /// `view` for a grant.
    pub role: String,
}

/// A secret's metadata, as its owner sees it (`secret-info-get`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretInfo {
    /// The secret (`secret:<id>`).
    pub id: Secret,
    /// The owner's label.
    pub label: Option<String>,
    /// The latest revision.
    pub revision: u32,
    pub owner: SecretOwner,
    pub description: Option<String>,
    pub rotation: Option<RotatePolicy>,
    /// When the latest revision expires (RFC 3339, as Juju prints it).
    pub expiry: Option<String>,
    /// When the next rotation is due (RFC 3339).
    pub rotates: Option<String>,
    /// The grants.
    pub access: Vec<SecretAccess>,
}

/// Reads `secret-info-get --format=json`: `{"<id>": {"revision", "label", "owner",
/// "description"?, "rotation"?, "expiry"?, "rotates"?, "access"?}}` (`jujuc/secret-info-get.go`,
/// `metadataDisplay`). Metadata only: an error may quote the output.
pub(crate) fn parse_info(value: &Value) -> Result<SecretInfo, String> {
    let Value::Object(map) = value else {
        return Err(format!("expected a map of one secret id, got {value}"));
    };
    let mut entries = map.iter();
    let (Some((id, fields)), None) = (entries.next(), entries.next()) else {
        return Err(format!("expected one secret, got {} entries", map.len()));
    };
    let id = Secret::parse(id).map_err(|e| e.to_string())?;
    let text = |key: &str| -> Result<Option<String>, String> {
        match fields.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(format!("`{key}` is {other}, not a string")),
        }
    };
    let revision = fields
        .get("revision")
        .and_then(Value::as_u64)
        .and_then(|r| u32::try_from(r).ok())
        .ok_or_else(|| format!("no revision number in {fields}"))?;
    let owner = text("owner")?.unwrap_or_default();
    let owner = SecretOwner::parse(&owner)
        .ok_or_else(|| format!("the owner {owner:?} is neither application nor unit"))?;
    let access = match fields.get("access") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                let field = |k: &str| {
                    item.get(k)
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                        .ok_or_else(|| format!("an access entry has no string `{k}`: {item}"))
                };
                Ok(SecretAccess {
                    target: field("target")?,
                    scope: field("scope")?,
                    role: field("role")?,
                })
            })
            .collect::<Result<_, String>>()?,
        Some(other) => return Err(format!("`access` is {other}, not a list")),
    };
    Ok(SecretInfo {
        id,
        label: text("label")?,
        revision,
        owner,
        description: text("description")?,
        // ops reads a rotation it does not know as none.
        rotation: text("rotation")?.and_then(|r| RotatePolicy::parse(&r)),
        expiry: text("expiry")?,
        rotates: text("rotates")?,
        access,
    })
}
