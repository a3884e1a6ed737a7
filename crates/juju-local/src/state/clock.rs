//! The clock and ids of the local Juju's state: now, times as Go prints them, and
//! random-enough hex ids and UUIDs.

use std::time::{SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;

/// Seconds and nanoseconds since the Unix epoch.
pub fn now() -> (i64, u32) {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (
        i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        d.subsec_nanos(),
    )
}

/// Now, as Go's `time.Time.String()` prints a UTC time: `2024-05-01 10:00:00 +0000 UTC`.
pub fn now_string() -> String {
    go_time(now().0)
}

/// A Unix time in UTC; a time beyond the years 1 to 9999 reads as the epoch.
pub fn utc(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// A Unix time's UTC date and time of day (`2024-05-01`, `10:00:00`), which Go's layouts join.
fn date_and_time(secs: i64) -> (String, String) {
    let t = utc(secs);
    (
        format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day()),
        format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second()),
    )
}

/// A Unix time as Go's `time.Time.String()` prints it in UTC (`2024-05-01 10:00:00 +0000 UTC`);
/// a time beyond the years 1 to 9999 reads as the epoch.
pub fn go_time(secs: i64) -> String {
    let (date, time) = date_and_time(secs);
    format!("{date} {time} +0000 UTC")
}

/// A Unix time as Go's `time.Time` marshals to JSON and YAML in UTC (RFC 3339, whole seconds
/// here): `2025-06-03T11:39:23Z`.
pub fn rfc3339(secs: i64) -> String {
    let (date, time) = date_and_time(secs);
    format!("{date}T{time}Z")
}

/// A random-enough hex string (time, pid and a counter through a hash); ids, not secrets.
pub fn unique_hex(len: usize) -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let mut out = String::new();
    while out.len() < len {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u128(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos(),
        );
        hasher.write_u32(std::process::id());
        out.push_str(&format!("{:016x}", hasher.finish()));
    }
    out.truncate(len);
    out
}

/// A UUID-shaped identifier.
pub fn uuid() -> String {
    let h = unique_hex(32);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_print_as_go_prints_utc() {
        assert_eq!(go_time(0), "1970-01-01 00:00:00 +0000 UTC");
        assert_eq!(go_time(-1), "1969-12-31 23:59:59 +0000 UTC");
        assert_eq!(go_time(951_782_400), "2000-02-29 00:00:00 +0000 UTC");
        assert_eq!(go_time(1_714_557_600), "2024-05-01 10:00:00 +0000 UTC");
        assert_eq!(go_time(4_102_444_799), "2099-12-31 23:59:59 +0000 UTC");
        assert_eq!(go_time(-62_135_596_800), "0001-01-01 00:00:00 +0000 UTC");
        assert_eq!(rfc3339(1_714_557_600), "2024-05-01T10:00:00Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
    }
}
