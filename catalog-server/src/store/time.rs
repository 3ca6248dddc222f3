//! Times as the store writes them: canonical UTC `xsd:dateTime` strings.

use std::time::SystemTime;

/// A time as a canonical UTC `xsd:dateTime` (seconds). Such values compare
/// correctly as strings.
pub fn xsd_time(t: SystemTime) -> String {
    humantime::format_rfc3339_seconds(t).to_string()
}

/// Parses a time written by [`xsd_time`].
pub fn parse_xsd_time(s: &str) -> Option<SystemTime> {
    humantime::parse_rfc3339_weak(s.trim_end_matches('Z')).ok()
}

/// Reads an ISO 8601 date (`2026-12-01`, midnight UTC) or date-time
/// (`2026-12-01T10:00:00Z`, `2026-12-01T11:00:00+01:00`; UTC without an
/// offset; fractions of a second dropped) as a canonical UTC
/// `xsd:dateTime`, which compares correctly as a string; `None` when it is
/// neither.
pub fn utc_xsd_time(value: &str) -> Option<String> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
    let v = value.trim();
    let utc: DateTime<Utc> = if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        t.with_timezone(&Utc)
    } else if let Ok(t) = NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S%.f") {
        t.and_utc()
    } else if let Ok(t) = NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M") {
        t.and_utc()
    } else if let Ok(d) = NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        d.and_hms_opt(0, 0, 0)?.and_utc()
    } else {
        return None;
    };
    Some(utc.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}
