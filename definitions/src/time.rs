//! Strict ASL timestamps.
//!
//! ASL timestamps follow the RFC 3339 profile of ISO 8601 with two extra rules: an uppercase
//! `T` separates date and time, and an uppercase `Z` stands for UTC when no numeric offset is
//! given. chrono's own RFC 3339 parser is more lenient (lowercase `t`/`z`, a space separator,
//! leap second `:60`, more than nine fraction digits), so the syntax is checked here, byte by
//! byte, before the calendar values go to chrono:
//!
//! ```text
//! YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|+HH:MM|-HH:MM)
//! ```

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// Parses an ASL timestamp (`2016-03-14T01:59:00Z`, `2016-03-14T01:59:00.123+01:00`).
///
/// Returns `None` for anything outside the profile: a lowercase `t` or `z`, a space
/// separator, a missing offset, a fraction of 0 or more than 9 digits, an offset without a
/// colon, or a date or time that does not exist (month 13, February 30, hour 24, second 60).
pub fn parse_timestamp(s: &str) -> Option<DateTime<FixedOffset>> {
    let b = s.as_bytes();
    if b.len() < 20 {
        return None;
    }
    let year = digits(b, 0, 4)?;
    expect(b, 4, b'-')?;
    let month = digits(b, 5, 2)?;
    expect(b, 7, b'-')?;
    let day = digits(b, 8, 2)?;
    expect(b, 10, b'T')?;
    let hour = digits(b, 11, 2)?;
    expect(b, 13, b':')?;
    let minute = digits(b, 14, 2)?;
    expect(b, 16, b':')?;
    let second = digits(b, 17, 2)?;

    let mut i = 19;
    let mut nanos = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let count = i - start;
        if !(1..=9).contains(&count) {
            return None;
        }
        nanos = digits(b, start, count)? * 10u32.pow(9 - count as u32);
    }

    let offset_seconds = match b.get(i)? {
        b'Z' if i + 1 == b.len() => 0,
        sign @ (b'+' | b'-') if i + 6 == b.len() => {
            let hours = digits(b, i + 1, 2)?;
            expect(b, i + 3, b':')?;
            let minutes = digits(b, i + 4, 2)?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let total = (hours * 3600 + minutes * 60) as i32;
            if *sign == b'-' { -total } else { total }
        }
        _ => return None,
    };

    let date = NaiveDate::from_ymd_opt(year as i32, month, day)?;
    // `from_hms_nano_opt` rejects second 60 here because `nanos` is below one second.
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?;
    let offset = FixedOffset::east_opt(offset_seconds)?;
    offset
        .from_local_datetime(&NaiveDateTime::new(date, time))
        .single()
}

/// Formats an instant the way AWS prints `$$.Execution.StartTime` and history timestamps:
/// RFC 3339 in UTC with exactly three fraction digits, e.g. `2024-01-02T03:04:05.678Z`.
pub fn format_timestamp<Tz: TimeZone>(dt: &DateTime<Tz>) -> String {
    dt.with_timezone(&Utc)
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// [`format_timestamp`] of milliseconds since the Unix epoch (the epoch itself when out
/// of range).
pub fn format_timestamp_ms(ms: i64) -> String {
    format_timestamp(&DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default())
}

/// `count` ASCII digits starting at `at`, as a number.
fn digits(b: &[u8], at: usize, count: usize) -> Option<u32> {
    let slice = b.get(at..at.checked_add(count)?)?;
    slice.iter().try_fold(0u32, |n, &c| {
        c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
    })
}

fn expect(b: &[u8], at: usize, byte: u8) -> Option<()> {
    (b.get(at) == Some(&byte)).then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_the_asl_profile() {
        for s in [
            "2016-03-14T01:59:00Z",
            "2012-10-09T19:00:55Z",
            "2012-10-09T19:00:55+01:00",
            "2012-10-09T19:00:55-00:00",
            "2012-10-09T19:00:55.1Z",
            "2012-10-09T19:00:55.123456789Z",
            "2012-10-09T19:00:55.5-23:59",
            "2024-02-29T23:59:59Z",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999999999+14:00",
        ] {
            assert!(parse_timestamp(s).is_some(), "{s} should parse");
        }
    }

    #[test]
    fn rejects_everything_else() {
        for s in [
            "",
            "2012-10-09",
            "2012-10-09T19:00:55",
            "2012-10-09t19:00:55Z",
            "2012-10-09T19:00:55z",
            "2012-10-09 19:00:55Z",
            "2023-02-24 12:15:56.832957",
            "2012-10-09T19:00Z",
            "2012-10-09T19:00:55.Z",
            "2012-10-09T19:00:55.1234567890Z",
            "2012-10-09T19:00:55+0100",
            "2012-10-09T19:00:55+01",
            "2012-10-09T19:00:55+24:00",
            "2012-10-09T19:00:55+01:60",
            "2012-10-09T19:00:55ZZ",
            "2012-10-09T19:00:55Z ",
            " 2012-10-09T19:00:55Z",
            "2012-13-09T19:00:55Z",
            "2012-00-09T19:00:55Z",
            "2012-10-00T19:00:55Z",
            "2023-02-29T19:00:55Z",
            "2012-04-31T19:00:55Z",
            "2012-10-09T25:00:55Z",
            "2012-10-09T24:00:00Z",
            "2012-10-09T19:60:55Z",
            "2016-12-31T23:59:60Z",
            "12012-10-09T19:00:55Z",
            "+2012-10-09T19:00:55Z",
            "2012-1a-09T19:00:55Z",
            "２０１２-10-09T19:00:55Z",
            "2012-10-09T19:00:55.１Z",
        ] {
            assert!(parse_timestamp(s).is_none(), "{s:?} should be rejected");
        }
    }

    #[test]
    fn compares_instants_across_offsets() {
        let a = parse_timestamp("2012-10-09T19:00:55Z").unwrap();
        let b = parse_timestamp("2012-10-09T20:00:55+01:00").unwrap();
        let c = parse_timestamp("2012-10-09T19:00:55.001Z").unwrap();
        assert_eq!(a, b);
        assert!(a < c);
        assert_eq!(
            parse_timestamp("2012-10-09T19:00:55.5Z")
                .unwrap()
                .timestamp_subsec_millis(),
            500
        );
    }

    #[test]
    fn formats_utc_with_milliseconds() {
        let dt = parse_timestamp("2024-01-02T04:04:05.678901+01:00").unwrap();
        assert_eq!(format_timestamp(&dt), "2024-01-02T03:04:05.678Z");
        assert_eq!(
            format_timestamp_ms(dt.timestamp_millis()),
            "2024-01-02T03:04:05.678Z"
        );
        assert_eq!(format_timestamp_ms(i64::MAX), "1970-01-01T00:00:00.000Z");
        let whole = parse_timestamp("2024-01-02T03:04:05Z").unwrap();
        assert_eq!(format_timestamp(&whole), "2024-01-02T03:04:05.000Z");
        assert_eq!(
            format_timestamp(&whole.with_timezone(&Utc)),
            "2024-01-02T03:04:05.000Z"
        );
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            let _ = parse_timestamp(&s);
        }

        #[test]
        fn near_misses_never_panic(s in "[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{0,11})?([Zz]|[+-][0-9]{2}:?[0-9]{2})?") {
            if let Some(dt) = parse_timestamp(&s) {
                prop_assert!(s.contains('T'));
                prop_assert!(dt.timestamp_subsec_nanos() < 1_000_000_000);
            }
        }

        #[test]
        fn formatted_output_parses_back(secs in 0i64..253_402_300_799, millis in 0u32..1000) {
            let dt = DateTime::from_timestamp(secs, millis * 1_000_000).unwrap();
            let text = format_timestamp(&dt);
            prop_assert_eq!(parse_timestamp(&text).map(|p| p.with_timezone(&Utc)), Some(dt));
        }
    }
}
