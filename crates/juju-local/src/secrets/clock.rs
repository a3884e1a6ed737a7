//! Secret times: the model clock (`clock.json`, the real clock moved by `juju-local
//! advance-clock`), `--expire` (RFC 3339, a time without a zone, or a positive duration), the
//! rotate policies and Go's `AddDate` behind the next rotation time.

use serde::{Deserialize, Serialize};
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use crate::gofmt::go_quote;
use crate::state::{self, Model};

/// The model clock's offset from the real clock, in seconds.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Clock {
    offset: i64,
}

/// The model's time, in Unix seconds: the real time moved by `juju-local advance-clock`.
pub fn now(model: &Model) -> i64 {
    let clock: Clock = state::read_json(&model.dir.join("clock.json")).unwrap_or_default();
    state::now().0.saturating_add(clock.offset)
}

/// Moves the model clock forward by `seconds`.
pub fn advance_clock(model: &Model, seconds: i64) -> crate::error::Result<()> {
    model.locked(|| {
        let path = model.dir.join("clock.json");
        let mut clock: Clock = state::read_json(&path).unwrap_or_default();
        clock.offset = clock.offset.saturating_add(seconds);
        state::write_json(&path, &clock)
    })
}

/// The rotate policies (`RotatePolicy.IsValid`).
pub const ROTATE_POLICIES: [&str; 7] = [
    "never",
    "hourly",
    "daily",
    "weekly",
    "monthly",
    "quarterly",
    "yearly",
];

/// Whether a policy rotates at all (`WillRotate`).
pub fn will_rotate(policy: Option<&str>) -> bool {
    policy.is_some_and(|p| p != "never" && ROTATE_POLICIES.contains(&p))
}

/// `RotatePolicy.NextRotateTime`: the period after `last`, and never before `now`.
pub fn next_rotate_time(policy: &str, last: i64, now: i64) -> Option<i64> {
    let next = match policy {
        "hourly" => last.saturating_add(3600),
        "daily" => add_date(last, 0, 0, 1),
        "weekly" => add_date(last, 0, 0, 7),
        "monthly" => add_date(last, 0, 1, 0),
        "quarterly" => add_date(last, 0, 3, 0),
        "yearly" => add_date(last, 1, 0, 0),
        _ => return None,
    };
    Some(next.max(now))
}

/// How long after a rotation that left the secret unchanged it is due again
/// (`RotateRetryDelay`).
pub const ROTATE_RETRY_SECONDS: i64 = 5 * 60;

/// Go's `Time.AddDate` in UTC: the month and day overflow into the next ones (31 January plus
/// one month is 3 March, or 2 March in a leap year).
pub fn add_date(secs: i64, years: i32, months: i32, days: i64) -> i64 {
    let Ok(t) = OffsetDateTime::from_unix_timestamp(secs) else {
        return secs;
    };
    let total_months = i64::from(t.year()) * 12
        + i64::from(u8::from(t.month()) - 1)
        + i64::from(years) * 12
        + i64::from(months);
    let year = i32::try_from(total_months.div_euclid(12)).unwrap_or(t.year());
    let month = u8::try_from(total_months.rem_euclid(12) + 1).unwrap_or(1);
    let Ok(month) = Month::try_from(month) else {
        return secs;
    };
    let Ok(first) = Date::from_calendar_date(year, month, 1) else {
        return secs;
    };
    let first = PrimitiveDateTime::new(first, t.time()).assume_utc();
    let day_offset = i64::from(t.day()) - 1 + days;
    first
        .unix_timestamp()
        .saturating_add(day_offset.saturating_mul(86_400))
}

/// `--expire`: an RFC 3339 time, a time without a zone (UTC), or a positive Go duration from
/// `now`; Juju's messages otherwise.
pub fn parse_expire(spec: &str, now: i64) -> Result<i64, String> {
    if let Some(t) = parse_time(spec, true).or_else(|| parse_time(spec, false)) {
        return Ok(t);
    }
    match crate::cli::wait::go_duration(spec) {
        Ok(nanos) if nanos <= 0 => Err(format!(
            "negative expire duration {} not valid",
            go_quote(spec)
        )),
        Ok(nanos) => Ok(now.saturating_add(nanos.div_euclid(1_000_000_000))),
        Err(_) => Err(format!(
            "expire time or duration {} not valid",
            go_quote(spec)
        )),
    }
}

/// `time.Parse` with `time.RFC3339` (`zone`) or `2006-01-02T15:04:05` (no zone: UTC); the
/// seconds may carry a fraction, which is dropped.
fn parse_time(s: &str, zone: bool) -> Option<i64> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<u32> {
        let part = s.get(from..from + len)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    if b[16] != b':' {
        return None;
    }
    let year = i32::try_from(num(0, 4)?).ok()?;
    let month = Month::try_from(u8::try_from(num(5, 2)?).ok()?).ok()?;
    let day = u8::try_from(num(8, 2)?).ok()?;
    let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &frac[digits..];
    }
    let offset = if zone {
        match rest {
            "Z" => 0,
            _ => {
                let rb = rest.as_bytes();
                if rb.len() != 6 || !matches!(rb[0], b'+' | b'-') || rb[3] != b':' {
                    return None;
                }
                let h = i32::try_from(rest.get(1..3)?.parse::<u32>().ok()?).ok()?;
                let m = i32::try_from(rest.get(4..6)?.parse::<u32>().ok()?).ok()?;
                if h > 23 || m > 59 {
                    return None;
                }
                let sign = if rb[0] == b'-' { -1 } else { 1 };
                sign * (h * 3600 + m * 60)
            }
        }
    } else {
        if !rest.is_empty() {
            return None;
        }
        0
    };
    let date = Date::from_calendar_date(year, month, day).ok()?;
    let time = Time::from_hms(
        u8::try_from(hour).ok()?,
        u8::try_from(minute).ok()?,
        u8::try_from(second).ok()?,
    )
    .ok()?;
    let offset = UtcOffset::from_whole_seconds(offset).ok()?;
    Some(
        PrimitiveDateTime::new(date, time)
            .assume_offset(offset)
            .unix_timestamp(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expire_specs_parse_as_juju_parses_them() {
        // jujuc/secret-add_test.go TestAddSecretInvalidArgs, TestAddSecretExpireTimestamp.
        let now = 1_700_000_000;
        assert_eq!(parse_expire("1h", now), Ok(now + 3600));
        assert_eq!(
            parse_expire("-1h", now).unwrap_err(),
            "negative expire duration \"-1h\" not valid"
        );
        assert_eq!(
            parse_expire("2022-01-01", now).unwrap_err(),
            "expire time or duration \"2022-01-01\" not valid"
        );
        assert_eq!(parse_expire("2022-03-04T06:06:06", now), Ok(1_646_373_966));
        assert_eq!(parse_expire("2022-03-04T06:06:06Z", now), Ok(1_646_373_966));
        assert_eq!(
            parse_expire("2022-03-04T08:06:06.5+02:00", now),
            Ok(1_646_373_966)
        );
        assert!(parse_expire("2022-03-04T06:06:06+2", now).is_err());
        assert!(parse_expire("0s", now).is_err());
    }

    #[test]
    fn add_date_overflows_as_go_does() {
        let jan31 = 1_706_659_200; // 2024-01-31T00:00:00Z
        assert_eq!(
            crate::state::rfc3339(add_date(jan31, 0, 1, 0)),
            "2024-03-02T00:00:00Z"
        );
        assert_eq!(
            crate::state::rfc3339(add_date(jan31, 1, 0, 0)),
            "2025-01-31T00:00:00Z"
        );
        assert_eq!(
            crate::state::rfc3339(add_date(jan31, 0, 0, 1)),
            "2024-02-01T00:00:00Z"
        );
        assert_eq!(
            crate::state::rfc3339(add_date(jan31, 0, 3, 0)),
            "2024-05-01T00:00:00Z"
        );
        assert_eq!(next_rotate_time("hourly", jan31, 0), Some(jan31 + 3600));
        assert_eq!(next_rotate_time("daily", jan31, jan31 * 2), Some(jan31 * 2));
        assert_eq!(next_rotate_time("never", jan31, 0), None);
        assert!(will_rotate(Some("daily")));
        assert!(!will_rotate(Some("never")) && !will_rotate(None));
    }

    proptest::proptest! {
        #[test]
        fn no_time_panics(spec in ".{0,30}") {
            let _ = parse_expire(&spec, i64::MAX - 10);
            let _ = parse_expire(&spec, i64::MIN + 10);
            let _ = add_date(i64::MAX, 1, 1, 1);
            let _ = next_rotate_time("yearly", i64::MAX, 0);
        }
    }
}
