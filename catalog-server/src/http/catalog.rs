//! The catalog endpoint that harvesters upstream read (ckanext-dcat's
//! endpoint conventions): `GET /catalog` (by content negotiation),
//! `/catalog.ttl`, `.rdf`, `.jsonld`, `.nt`, and the same per source at
//! `/catalogs/{source}[.ext]`, with `?page=N`, `?modified_since=` and the
//! paging cursor `after=` that the `next` links carry. Pages carry a weak
//! `ETag` (of the body) and `Last-Modified`, answer conditional requests
//! with `304`, and are gzip-compressed for clients that accept it. The
//! pages themselves are made by [`crate::export::pages`].

use super::error::negotiate_rdf;
use super::{ApiError, AppState};
use crate::export::pages::{
    parse_modified_since, select, write_page, Endpoint, PageError, PageRequest,
};
use crate::export::ExportError;
use crate::store::StoreError;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use oxigraph::io::RdfFormat;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tower_http::compression::CompressionLayer;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The syntaxes served, by file extension.
const EXTENSIONS: &[&str] = &["ttl", "rdf", "jsonld", "nt"];

/// How often a page is read again when a record changed under it.
const ATTEMPTS: usize = 3;

pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(land_negotiated))
        .routes(routes!(land_ttl))
        .routes(routes!(land_rdf))
        .routes(routes!(land_jsonld))
        .routes(routes!(land_nt))
        .routes(routes!(source_catalog))
        .layer(
            CompressionLayer::new()
                .gzip(true)
                .no_br()
                .no_deflate()
                .no_zstd(),
        )
}

/// The query parameters of every catalog page, for the OpenAPI document
/// (the handlers read the raw query, see [`parse_query`]).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Describes the parameters for the OpenAPI document only.
pub struct CatalogQuery {
    /// Page number (default 1; page size: [catalog] page_size).
    #[param(minimum = 1)]
    page: Option<u64>,
    /// Only records changed in this catalog at or after this ISO 8601 date
    /// (YYYY-MM-DD) or date-time (YYYY-MM-DDThh:mm[:ss[.f][zone]]; UTC
    /// without a zone).
    #[param(
        pattern = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]((:[0-5][0-9](\\.[0-9]{1,9})?)(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?)?)?$",
        example = "2026-12-01"
    )]
    modified_since: Option<String>,
    /// The paging cursor that the next links carry (the last record id of
    /// the page before).
    after: Option<String>,
}

/// The Land catalog in the syntax the Accept header asks for (Turtle by default).
#[utoipa::path(
    get,
    path = "/catalog",
    tag = "catalog",
    params(CatalogQuery),
    responses(
        (status = 200, description = "A page of the catalog with Hydra paging.", content(
            (String = "text/turtle"), (String = "application/rdf+xml"),
            (serde_json::Value = "application/ld+json"), (String = "application/n-triples"))),
        (status = 304, description = "Not modified (If-None-Match or If-Modified-Since)."),
        (status = 400, description = "A bad or unknown parameter: the message names it.", body = ApiError, content_type = "text/plain"),
        (status = 404, description = "No such page or source.", body = ApiError, content_type = "text/plain"),
        (status = 406, description = "None of the accepted media types can be produced.", body = ApiError, content_type = "text/plain"),
        (status = 500, description = "The store failed.", body = ApiError, content_type = "text/plain"),
        (status = 503, description = "The store changed under the page too often; try again.", body = ApiError, content_type = "text/plain"),
    )
)]
async fn land_negotiated(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    respond(state, None, None, raw, headers).await
}

/// The Land catalog as Turtle.
#[utoipa::path(
    get,
    path = "/catalog.ttl",
    tag = "catalog",
    params(CatalogQuery),
    responses(
        (status = 200, description = "A page of the catalog with Hydra paging.", content(
            (String = "text/turtle"), (String = "application/rdf+xml"),
            (serde_json::Value = "application/ld+json"), (String = "application/n-triples"))),
        (status = 304, description = "Not modified (If-None-Match or If-Modified-Since)."),
        (status = 400, description = "A bad or unknown parameter: the message names it.", body = ApiError, content_type = "text/plain"),
        (status = 404, description = "No such page or source.", body = ApiError, content_type = "text/plain"),
        (status = 406, description = "None of the accepted media types can be produced.", body = ApiError, content_type = "text/plain"),
        (status = 500, description = "The store failed.", body = ApiError, content_type = "text/plain"),
        (status = 503, description = "The store changed under the page too often; try again.", body = ApiError, content_type = "text/plain"),
    )
)]
async fn land_ttl(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    respond(state, None, Some("ttl".to_owned()), raw, headers).await
}

/// The Land catalog as RDF/XML.
#[utoipa::path(
    get,
    path = "/catalog.rdf",
    tag = "catalog",
    params(CatalogQuery),
    responses(
        (status = 200, description = "A page of the catalog with Hydra paging.", content(
            (String = "text/turtle"), (String = "application/rdf+xml"),
            (serde_json::Value = "application/ld+json"), (String = "application/n-triples"))),
        (status = 304, description = "Not modified (If-None-Match or If-Modified-Since)."),
        (status = 400, description = "A bad or unknown parameter: the message names it.", body = ApiError, content_type = "text/plain"),
        (status = 404, description = "No such page or source.", body = ApiError, content_type = "text/plain"),
        (status = 406, description = "None of the accepted media types can be produced.", body = ApiError, content_type = "text/plain"),
        (status = 500, description = "The store failed.", body = ApiError, content_type = "text/plain"),
        (status = 503, description = "The store changed under the page too often; try again.", body = ApiError, content_type = "text/plain"),
    )
)]
async fn land_rdf(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    respond(state, None, Some("rdf".to_owned()), raw, headers).await
}

/// The Land catalog as JSON-LD.
#[utoipa::path(
    get,
    path = "/catalog.jsonld",
    tag = "catalog",
    params(CatalogQuery),
    responses(
        (status = 200, description = "A page of the catalog with Hydra paging.", content(
            (String = "text/turtle"), (String = "application/rdf+xml"),
            (serde_json::Value = "application/ld+json"), (String = "application/n-triples"))),
        (status = 304, description = "Not modified (If-None-Match or If-Modified-Since)."),
        (status = 400, description = "A bad or unknown parameter: the message names it.", body = ApiError, content_type = "text/plain"),
        (status = 404, description = "No such page or source.", body = ApiError, content_type = "text/plain"),
        (status = 406, description = "None of the accepted media types can be produced.", body = ApiError, content_type = "text/plain"),
        (status = 500, description = "The store failed.", body = ApiError, content_type = "text/plain"),
        (status = 503, description = "The store changed under the page too often; try again.", body = ApiError, content_type = "text/plain"),
    )
)]
async fn land_jsonld(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    respond(state, None, Some("jsonld".to_owned()), raw, headers).await
}

/// The Land catalog as N-Triples.
#[utoipa::path(
    get,
    path = "/catalog.nt",
    tag = "catalog",
    params(CatalogQuery),
    responses(
        (status = 200, description = "A page of the catalog with Hydra paging.", content(
            (String = "text/turtle"), (String = "application/rdf+xml"),
            (serde_json::Value = "application/ld+json"), (String = "application/n-triples"))),
        (status = 304, description = "Not modified (If-None-Match or If-Modified-Since)."),
        (status = 400, description = "A bad or unknown parameter: the message names it.", body = ApiError, content_type = "text/plain"),
        (status = 404, description = "No such page or source.", body = ApiError, content_type = "text/plain"),
        (status = 406, description = "None of the accepted media types can be produced.", body = ApiError, content_type = "text/plain"),
        (status = 500, description = "The store failed.", body = ApiError, content_type = "text/plain"),
        (status = 503, description = "The store changed under the page too often; try again.", body = ApiError, content_type = "text/plain"),
    )
)]
async fn land_nt(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    respond(state, None, Some("nt".to_owned()), raw, headers).await
}

/// One source's (municipality's) catalog: `{file}` is the source id,
/// optionally with `.ttl`, `.rdf`, `.jsonld` or `.nt` (else the Accept
/// header decides).
#[utoipa::path(
    get,
    path = "/catalogs/{file}",
    tag = "catalog",
    params(
        ("file" = String, Path, description = "The source id, optionally with .ttl, .rdf, .jsonld or .nt."),
        CatalogQuery,
    ),
    responses(
        (status = 200, description = "A page of the catalog with Hydra paging.", content(
            (String = "text/turtle"), (String = "application/rdf+xml"),
            (serde_json::Value = "application/ld+json"), (String = "application/n-triples"))),
        (status = 304, description = "Not modified (If-None-Match or If-Modified-Since)."),
        (status = 400, description = "A bad or unknown parameter: the message names it.", body = ApiError, content_type = "text/plain"),
        (status = 404, description = "No such page or source.", body = ApiError, content_type = "text/plain"),
        (status = 406, description = "None of the accepted media types can be produced.", body = ApiError, content_type = "text/plain"),
        (status = 500, description = "The store failed.", body = ApiError, content_type = "text/plain"),
        (status = 503, description = "The store changed under the page too often; try again.", body = ApiError, content_type = "text/plain"),
    )
)]
async fn source_catalog(
    State(state): State<Arc<AppState>>,
    Path(file): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let (source, ext) = match file.rsplit_once('.') {
        Some((s, e)) if EXTENSIONS.contains(&e) => (s.to_owned(), Some(e.to_owned())),
        _ => (file, None),
    };
    respond(state, Some(source), ext, raw, headers).await
}

/// Reads the query: `page`, `modified_since`, `after`; anything else is refused.
fn parse_query(raw: Option<&str>) -> Result<PageRequest, ApiError> {
    let mut req = PageRequest {
        page: 1,
        ..Default::default()
    };
    for (k, v) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        match k.as_ref() {
            "page" => {
                req.page = v.parse::<u64>().ok().filter(|p| *p >= 1).ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "parameter 'page': {v:?} is not a page number (1, 2, …)"
                    ))
                })?
            }
            "modified_since" => {
                req.modified_since = Some(parse_modified_since(&v).ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "parameter 'modified_since': {v:?} is not an ISO 8601 date or date-time \
                         (2026-12-01, 2026-12-01T10:00:00Z, 2026-12-01T11:00:00+01:00)"
                    ))
                })?)
            }
            "after" => {
                if v.len() != 20 || !v.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(ApiError::bad_request(format!(
                        "parameter 'after': {v:?} is not a record id (20 hex digits, as in the next links)"
                    )));
                }
                req.after = Some(v.to_ascii_lowercase());
            }
            other => {
                return Err(ApiError::bad_request(format!(
                    "unknown parameter '{other}': only 'page', 'modified_since' and 'after' are accepted"
                )))
            }
        }
    }
    Ok(req)
}

/// The syntax: by extension, else by `Accept`.
fn pick_format(ext: Option<&str>, headers: &HeaderMap) -> Result<&'static str, ApiError> {
    if let Some(ext) = ext {
        return EXTENSIONS
            .iter()
            .find(|e| **e == ext)
            .copied()
            .ok_or_else(|| {
                ApiError::new(StatusCode::NOT_FOUND, format!("no catalog syntax .{ext}"))
            });
    }
    negotiate_rdf(headers)
}

/// A rendered page with its validators.
struct Rendered {
    body: Vec<u8>,
    etag: String,
    last_modified: SystemTime,
}

async fn respond(
    state: Arc<AppState>,
    source: Option<String>,
    ext: Option<String>,
    raw: Option<String>,
    headers: HeaderMap,
) -> Response {
    let req = match parse_query(raw.as_deref()) {
        Ok(r) => PageRequest { source, ..r },
        Err(e) => return e.into_response(),
    };
    let short = match pick_format(ext.as_deref(), &headers) {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    let path = match (&req.source, &ext) {
        (None, None) => "catalog".to_owned(),
        (None, Some(e)) => format!("catalog.{e}"),
        (Some(s), None) => format!("catalogs/{s}"),
        (Some(s), Some(e)) => format!("catalogs/{s}.{e}"),
    };
    let format = crate::export::format_by_name(short).unwrap_or(RdfFormat::Turtle);
    let st = state.clone();
    let result = tokio::task::spawn_blocking(move || -> Result<Rendered, ApiError> {
        render(&st, &req, &path, format)
    })
    .await;
    let rendered = match result {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return e.into_response(),
        Err(e) => return ApiError::internal(e.to_string()).into_response(),
    };
    let last_modified = httpdate::fmt_http_date(rendered.last_modified);
    let mut response = if not_modified(&headers, &rendered) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, format.media_type())],
            rendered.body,
        )
            .into_response()
    };
    let h = response.headers_mut();
    for (name, value) in [
        (header::ETAG, rendered.etag.as_str()),
        (header::LAST_MODIFIED, last_modified.as_str()),
        (header::VARY, "Accept, Accept-Encoding"),
        (header::CACHE_CONTROL, "no-cache"),
    ] {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(name, v);
        }
    }
    response
}

/// `If-None-Match` decides when given (weak comparison); else `If-Modified-Since`.
fn not_modified(headers: &HeaderMap, r: &Rendered) -> bool {
    if let Some(inm) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        let ours = r.etag.trim_start_matches("W/");
        return inm
            .split(',')
            .map(|t| t.trim())
            .any(|t| t == "*" || t.trim_start_matches("W/") == ours);
    }
    let Some(since) = headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok())
    else {
        return false;
    };
    // HTTP dates have whole seconds.
    let ours = r
        .last_modified
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| Duration::from_secs(d.as_secs()))
        .unwrap_or_default();
    let theirs = since
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    ours <= theirs
}

/// Renders a page, reading the view again when a record changed under it.
fn render(
    state: &AppState,
    req: &PageRequest,
    path: &str,
    format: RdfFormat,
) -> Result<Rendered, ApiError> {
    let config = state.config();
    if let Some(s) = &req.source {
        if config.source(s).is_none() {
            let view = state
                .catalog_view
                .get(&state.store)
                .map_err(|e| ApiError::internal(format!("store: {e}")))?;
            if !view.sources.iter().any(|x| x == s) {
                return Err(ApiError::new(
                    StatusCode::NOT_FOUND,
                    format!("no source {s:?}"),
                ));
            }
        }
    }
    let endpoint = Endpoint(format!("{}{path}", config.base_iri));
    let mut attempt = 0;
    loop {
        attempt += 1;
        let view = state
            .catalog_view
            .get(&state.store)
            .map_err(|e| ApiError::internal(format!("store: {e}")))?;
        let selection = select(&view, req, config.catalog.page_size).map_err(page_error)?;
        let mut body = Vec::new();
        match write_page(
            &state.store,
            &config,
            req,
            &selection,
            Some(&endpoint),
            format,
            &mut body,
        ) {
            Ok(_) => {
                let digest = Sha256::digest(&body);
                return Ok(Rendered {
                    etag: format!("W/\"{}\"", hex::encode(&digest[..16])),
                    last_modified: state.catalog_view.last_modified(&view, &config),
                    body,
                });
            }
            Err(PageError::Export(ExportError::Store(StoreError::MissingBlob { .. })))
                if attempt < ATTEMPTS =>
            {
                state.catalog_view.invalidate();
            }
            Err(e) => return Err(page_error(e)),
        }
    }
}

fn page_error(e: PageError) -> ApiError {
    match e {
        PageError::NotFound(m) => ApiError::new(StatusCode::NOT_FOUND, m),
        PageError::Export(e) => ApiError::internal(format!("catalog page: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_names_the_bad_parameter() {
        let e = parse_query(Some("modified_since=gestern")).unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert!(e.message.contains("'modified_since'"), "{}", e.message);
        let e = parse_query(Some("page=0")).unwrap_err();
        assert!(e.message.contains("'page'"), "{}", e.message);
        let e = parse_query(Some("after=xyz")).unwrap_err();
        assert!(e.message.contains("'after'"), "{}", e.message);
        let e = parse_query(Some("q=wasser")).unwrap_err();
        assert!(e.message.contains("'q'"), "{}", e.message);
        let ok = parse_query(Some(
            "page=3&after=0123456789ABCDEF0123&modified_since=2026-12-01",
        ))
        .unwrap();
        assert_eq!(ok.page, 3);
        assert_eq!(ok.after.as_deref(), Some("0123456789abcdef0123"));
        assert_eq!(ok.modified_since.as_deref(), Some("2026-12-01T00:00:00Z"));
    }

    #[test]
    fn the_syntax_comes_from_the_extension_or_the_accept_header() {
        let mut h = HeaderMap::new();
        assert_eq!(pick_format(Some("rdf"), &h).unwrap(), "rdf");
        assert_eq!(pick_format(None, &h).unwrap(), "ttl");
        h.insert(
            header::ACCEPT,
            HeaderValue::from_static("application/ld+json"),
        );
        assert_eq!(pick_format(None, &h).unwrap(), "jsonld");
        h.insert(header::ACCEPT, HeaderValue::from_static("image/png"));
        assert_eq!(
            pick_format(None, &h).unwrap_err().status,
            StatusCode::NOT_ACCEPTABLE
        );
    }
}
