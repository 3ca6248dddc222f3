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
