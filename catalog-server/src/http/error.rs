//! Errors and content negotiation, shared by every endpoint: an error answer
//! says what to fix in plain text; the media type of an answer is the first
//! offered one that the `Accept` header allows.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// An error answer: status and a plain-text message saying what to fix.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
}

/// In the OpenAPI document an `ApiError` is its body: one line of plain
/// text (`text/plain; charset=utf-8`) saying what to fix.
impl utoipa::PartialSchema for ApiError {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "An error answer of the public endpoints: plain text (text/plain; charset=utf-8) saying what was wrong and what to fix.",
            ))
            .into()
    }
}

impl utoipa::ToSchema for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("{}\n", self.message),
        )
            .into_response()
    }
}

/// Picks the first offered media type the `Accept` header allows, by q-value.
pub fn negotiate<'a>(accept: Option<&str>, offered: &[&'a str]) -> Option<&'a str> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return offered.first().copied();
    };
    let mut ranges: Vec<(String, f32, usize)> = accept
        .split(',')
        .enumerate()
        .filter_map(|(i, part)| {
            let mut pieces = part.split(';');
            let range = pieces.next()?.trim().to_ascii_lowercase();
            let mut q = 1.0f32;
            for p in pieces {
                if let Some(v) = p.trim().strip_prefix("q=") {
                    q = v.trim().parse().unwrap_or(0.0);
                }
            }
            (q > 0.0).then_some((range, q, i))
        })
        .collect();
    ranges.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.2.cmp(&b.2)));
    for (range, _, _) in &ranges {
        if range == "*/*" {
            return offered.first().copied();
        }
        if let Some(prefix) = range.strip_suffix("/*") {
            if let Some(m) = offered
                .iter()
                .find(|m| m.starts_with(&format!("{prefix}/")))
            {
                return Some(m);
            }
        }
        if let Some(m) = offered.iter().find(|m| **m == range.as_str()) {
            return Some(m);
        }
    }
    None
}

/// The RDF syntax (a [`crate::export::format_by_name`] name) that the
/// `Accept` header asks for among [`crate::export::RDF_MEDIA_TYPES`];
/// 406 when none.
pub fn negotiate_rdf(headers: &axum::http::HeaderMap) -> Result<&'static str, ApiError> {
    use crate::export::RDF_MEDIA_TYPES;
    let offered: Vec<&str> = RDF_MEDIA_TYPES.iter().map(|(m, _)| *m).collect();
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let media = negotiate(accept, &offered).ok_or_else(|| not_acceptable(&offered))?;
    Ok(RDF_MEDIA_TYPES
        .iter()
        .find(|(m, _)| *m == media)
        .map(|(_, short)| *short)
        .unwrap_or("ttl"))
}

pub fn not_acceptable(offered: &[&str]) -> ApiError {
    ApiError::new(
        StatusCode::NOT_ACCEPTABLE,
        format!(
            "none of the accepted media types can be produced; available: {}",
            offered.join(", ")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::negotiate;

    #[test]
    fn content_negotiation() {
        let offered = [
            "application/sparql-results+json",
            "application/sparql-results+xml",
            "text/csv",
        ];
        assert_eq!(
            negotiate(None, &offered),
            Some("application/sparql-results+json")
        );
        assert_eq!(negotiate(Some("text/csv"), &offered), Some("text/csv"));
        assert_eq!(
            negotiate(
                Some("text/csv;q=0.5, application/sparql-results+xml"),
                &offered
            ),
            Some("application/sparql-results+xml")
        );
        assert_eq!(
            negotiate(Some("text/html, */*;q=0.1"), &offered),
            Some("application/sparql-results+json")
        );
        assert_eq!(
            negotiate(Some("application/*"), &offered),
            Some("application/sparql-results+json")
        );
        assert_eq!(negotiate(Some("image/png"), &offered), None);
        assert_eq!(negotiate(Some("text/csv;q=0"), &offered), None);
    }
}
