//! Talking to the CKAN action API: URLs, bounded retries on 429/503, and the
//! checks every `package_search` answer must pass.

use crate::fetch::{FetchError, Fetcher};
use crate::record::snippet;
use serde_json::Value;
use std::time::{Duration, Instant};
use url::Url;

/// The largest page CKAN answers by default (`ckan.search.rows_max`).
pub const CKAN_MAX_ROWS: usize = 1000;

/// How often a 429/503 answer is retried before the page fails.
pub const MAX_RETRIES: u32 = 3;

/// The longest we wait for one retry, whatever `Retry-After` says.
pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(60);

/// Wait when a 429/503 answer has no `Retry-After`.
const DEFAULT_RETRY_WAIT: Duration = Duration::from_secs(2);

const JSON_ACCEPT: &str = "application/json, text/json;q=0.9, */*;q=0.1";

/// A successful `package_search` answer.
#[derive(Debug)]
pub struct SearchPage {
    /// `result.count`: how many packages match, over all pages.
    pub count: u64,
    /// `result.results`.
    pub results: Vec<Value>,
    /// Bytes received (after decompression).
    pub bytes: u64,
    /// Time spent fetching, retries included.
    pub fetch_time: Duration,
}

/// The URL of an action, e.g. `{base}/api/3/action/package_search`.
pub fn action_url(base: &Url, action: &str) -> Result<Url, String> {
    let mut base = base.clone();
    if !base.path().ends_with('/') {
        let path = format!("{}/", base.path());
        base.set_path(&path);
    }
    base.set_query(None);
    base.set_fragment(None);
    base.join(&format!("api/3/action/{action}"))
        .map_err(|e| format!("cannot build the CKAN API URL from {base}: {e}"))
}

/// Fetches one URL, retrying 429 and 503 answers (honouring `Retry-After`,
/// bounded by [`MAX_RETRIES`] and [`MAX_RETRY_WAIT`]) when the fetcher does
/// not retry by itself (`FetchLimits::retries` = 0).
pub async fn get_with_retries(
    fetcher: &Fetcher,
    url: &str,
    headers: &[(String, String)],
) -> Result<crate::fetch::Document, FetchError> {
    let budget = if fetcher.limits().retries > 0 {
        0
    } else {
        MAX_RETRIES
    };
    let mut attempt = 0u32;
    loop {
        match fetcher.get(url, JSON_ACCEPT, headers).await {
            Err(FetchError::Status {
                status,
                retry_after,
                url: failed_url,
            }) if (status == 429 || status == 503) && attempt < budget => {
                attempt += 1;
                let wait = retry_after
                    .map(Duration::from_secs)
                    .unwrap_or(DEFAULT_RETRY_WAIT)
                    .min(MAX_RETRY_WAIT);
                tracing::info!(url = %failed_url, status, attempt, wait_s = wait.as_secs(), "CKAN asks to retry later; waiting");
                tokio::time::sleep(wait).await;
            }
            other => return other,
        }
    }
}

/// Fetches and checks one `package_search` page. Errors name the URL and,
/// where the body is the problem, carry a snippet of it.
pub async fn package_search(
    fetcher: &Fetcher,
    url: &str,
    headers: &[(String, String)],
) -> Result<SearchPage, String> {
    let started = Instant::now();
    let doc = get_with_retries(fetcher, url, headers)
        .await
        .map_err(|e| e.to_string())?;
    let fetch_time = started.elapsed();
    let bytes = doc.body.len() as u64;
    let (count, results) = parse_search_body(&doc.body).map_err(|e| format!("{url}: {e}"))?;
    Ok(SearchPage {
        count,
        results,
        bytes,
        fetch_time,
    })
}

/// Checks a `package_search` body: JSON, `success: true`, `result.count` and
/// `result.results`.
pub fn parse_search_body(body: &[u8]) -> Result<(u64, Vec<Value>), String> {
    let text = String::from_utf8_lossy(&body[..body.len().min(400)]).into_owned();
    let trimmed = text.trim_start();
    if trimmed.starts_with('<') {
        let kind = if trimmed.to_ascii_lowercase().contains("<html")
            || trimmed.to_ascii_lowercase().starts_with("<!doctype html")
        {
            "an HTML page"
        } else {
            "XML"
        };
        return Err(format!(
            "expected CKAN API JSON but got {kind} (wrong base URL, or an error page?): {}",
            snippet(&text, 200)
        ));
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        let what = if e.is_eof() {
            "truncated JSON"
        } else {
            "not valid JSON"
        };
        format!("response is {what} ({e}): {}", snippet(&text, 200))
    })?;
    let Some(obj) = value.as_object() else {
        return Err(format!(
            "response is JSON but not an object: {}",
            snippet(&text, 200)
        ));
    };
    if obj.get("success").and_then(Value::as_bool) != Some(true) {
        let error = obj.get("error");
        let message = error
            .and_then(|e| e.get("message"))
            .map(value_text)
            .unwrap_or_default();
        let kind = error
            .and_then(|e| e.get("__type"))
            .map(value_text)
            .unwrap_or_default();
        let detail = match (kind.is_empty(), message.is_empty()) {
            (false, false) => format!("{kind}: {message}"),
            (false, true) => kind,
            (true, false) => message,
            (true, true) => error
                .map(|e| snippet(&e.to_string(), 200))
                .unwrap_or_else(|| "no error given".into()),
        };
        return Err(format!("CKAN reports success: false ({detail})"));
    }
    let result = obj
        .get("result")
        .and_then(Value::as_object)
        .ok_or_else(|| format!("success but no result object: {}", snippet(&text, 200)))?;
    let count = match result.get("count") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| {
        format!(
            "result.count is missing or not a number: {}",
            snippet(&text, 200)
        )
    })?;
    let results = match result.get("results") {
        Some(Value::Array(a)) => a.clone(),
        _ => {
            return Err(format!(
                "result.results is missing or not a list: {}",
                snippet(&text, 200)
            ))
        }
    };
    Ok((count, results))
}

/// Checks a `package_show` body: JSON, `success: true` and a `result`
/// object (the package).
pub fn parse_show_body(body: &[u8]) -> Result<Value, String> {
    let head = String::from_utf8_lossy(&body[..body.len().min(400)]).into_owned();
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| format!("response is not valid JSON ({e}): {}", snippet(&head, 200)))?;
    let Some(obj) = value.as_object() else {
        return Err(format!(
            "response is JSON but not an object: {}",
            snippet(&head, 200)
        ));
    };
    if obj.get("success").and_then(Value::as_bool) != Some(true) {
        let error = obj.get("error");
        let detail = [
            error.and_then(|e| e.get("__type")).map(value_text),
            error.and_then(|e| e.get("message")).map(value_text),
        ]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(": ");
        return Err(format!(
            "CKAN reports success: false ({})",
            if detail.is_empty() {
                "no error given"
            } else {
                &detail
            }
        ));
    }
    match obj.get("result") {
        Some(result @ Value::Object(_)) => Ok(result.clone()),
        _ => Err(format!(
            "success but no result object: {}",
            snippet(&head, 200)
        )),
    }
}

/// A JSON value as text (strings without quotes).
pub fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Turns a caller's `modified_since` into a Solr date (`2024-05-01T00:00:00Z`),
/// or explains why it cannot.
pub fn solr_date(since: &str) -> Result<String, String> {
    let s = since.trim();
    let bytes = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| bytes.len() >= r.end && bytes[r].iter().all(u8::is_ascii_digit);
    let date_ok = digits(0..4)
        && bytes.get(4) == Some(&b'-')
        && digits(5..7)
        && bytes.get(7) == Some(&b'-')
        && digits(8..10);
    if !date_ok {
        return Err(format!(
            "modified_since {since:?} is not an ISO date or dateTime (YYYY-MM-DD[THH:MM:SS[.fff][Z]])"
        ));
    }
    if s.len() == 10 {
        return Ok(format!("{s}T00:00:00Z"));
    }
    let time = &s[10..];
    let time = time.strip_suffix('Z').unwrap_or(time);
    let ok = time.len() >= 9
        && (time.starts_with('T') || time.starts_with(' '))
        && time[1..]
            .chars()
            .all(|c| c.is_ascii_digit() || c == ':' || c == '.');
    if !ok {
        return Err(format!(
            "modified_since {since:?} must be UTC without an offset (YYYY-MM-DDTHH:MM:SS[.fff][Z]), \
             as CKAN stores metadata_modified in UTC"
        ));
    }
    Ok(format!("{}T{}Z", &s[..10], &time[1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_urls() {
        let u = |s: &str| {
            action_url(&Url::parse(s).unwrap(), "package_search")
                .unwrap()
                .to_string()
        };
        assert_eq!(
            u("https://ckan.example"),
            "https://ckan.example/api/3/action/package_search"
        );
        assert_eq!(
            u("https://x.example/ckan"),
            "https://x.example/ckan/api/3/action/package_search"
        );
        assert_eq!(
            u("https://x.example/ckan/?a=b"),
            "https://x.example/ckan/api/3/action/package_search"
        );
    }

    #[test]
    fn bodies() {
        assert!(parse_search_body(b"<!DOCTYPE html><html>Error</html>")
            .unwrap_err()
            .contains("HTML page"));
        assert!(
            parse_search_body(b"{\"success\": true, \"result\": {\"count\": 3, \"res")
                .unwrap_err()
                .contains("truncated JSON")
        );
        assert!(parse_search_body(b"Internal error")
            .unwrap_err()
            .contains("not valid JSON"));
        let e = parse_search_body(
            br#"{"success": false, "error": {"message": "Access denied", "__type": "Authorization Error"}}"#,
        )
        .unwrap_err();
        assert!(e.contains("Authorization Error: Access denied"), "{e}");
        let (count, results) = parse_search_body(
            br#"{"success": true, "result": {"count": "2", "results": [{}, {}]}}"#,
        )
        .unwrap();
        assert_eq!((count, results.len()), (2, 2));
        assert!(parse_search_body(br#"{"success": true, "result": {"count": 2}}"#).is_err());
    }

    #[test]
    fn show_bodies() {
        let pkg = parse_show_body(br#"{"success": true, "result": {"id": "s", "name": "reihe"}}"#)
            .unwrap();
        assert_eq!(pkg["name"], "reihe");
        let e = parse_show_body(
            br#"{"success": false, "error": {"__type": "Not Found Error", "message": "Not found"}}"#,
        )
        .unwrap_err();
        assert!(e.contains("Not Found Error: Not found"), "{e}");
        assert!(parse_show_body(b"<html>Fehler</html>")
            .unwrap_err()
            .contains("not valid JSON"));
        assert!(parse_show_body(br#"{"success": true, "result": []}"#).is_err());
    }

    #[test]
    fn solr_dates() {
        assert_eq!(solr_date("2024-05-01").unwrap(), "2024-05-01T00:00:00Z");
        assert_eq!(
            solr_date("2024-05-01T10:11:12").unwrap(),
            "2024-05-01T10:11:12Z"
        );
        assert_eq!(
            solr_date("2024-05-01T10:11:12.123456Z").unwrap(),
            "2024-05-01T10:11:12.123456Z"
        );
        assert!(solr_date("2024-05-01T10:11:12+02:00").is_err());
        assert!(solr_date("gestern").is_err());
        assert!(solr_date("2024-05-01T10:11:12] OR *:*").is_err());
    }
}
