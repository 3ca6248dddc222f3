//! Search for citizens: `GET /api/search` (parameters checked and named in
//! errors, hits with links to the dataset views, facets), and the OpenAPI
//! document `GET /api/openapi.json`.

use super::{ApiError, AppState};
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use catalog_search::extract::parse_date;
use catalog_search::{BBox, SearchRequest, Sort, FACETS};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The OpenAPI 3 description of the public API.
pub const OPENAPI: &str = include_str!("openapi.json");

/// Largest page size; larger requests get this many hits.
pub const MAX_SIZE: usize = 100;
/// Deepest hit that can be paged to.
pub const MAX_WINDOW: usize = 10_000;
/// Longest accepted query text.
pub const MAX_Q: usize = 1000;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/search", get(search))
        .route("/api/suggest", get(suggest))
        .route("/api/openapi.json", get(openapi))
}

async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        OPENAPI.to_owned(),
    )
        .into_response()
}

/// A parsed `/api/search` request: what the index gets, and the page.
#[derive(Debug)]
pub struct SearchParams {
    pub request: SearchRequest,
    pub page: usize,
    pub size: usize,
}

fn parse_time(name: &str, value: &str) -> Result<i64, ApiError> {
    parse_date(value).ok_or_else(|| {
        ApiError::bad_request(format!(
            "parameter '{name}': {value:?} is not a date (YYYY-MM-DD, YYYY-MM, YYYY) or date-time (RFC 3339)"
        ))
    })
}

fn parse_bbox(value: &str) -> Result<BBox, ApiError> {
    let bad = |why: &str| {
        ApiError::bad_request(format!(
            "parameter 'bbox': {why} (expected minLon,minLat,maxLon,maxLat in degrees, e.g. bbox=9.9,54.2,10.3,54.5; got {value:?})"
        ))
    };
    let n: Vec<f64> = value
        .split(',')
        .map(|s| s.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad("not four numbers"))?;
    if n.len() != 4 {
        return Err(bad(&format!("{} numbers instead of 4", n.len())));
    }
    if n.iter().any(|x| !x.is_finite()) {
        return Err(bad("numbers must be finite"));
    }
    let b = BBox {
        min_lon: n[0],
        min_lat: n[1],
        max_lon: n[2],
        max_lat: n[3],
    };
    if b.min_lon < -180.0 || b.max_lon > 180.0 || b.min_lat < -90.0 || b.max_lat > 90.0 {
        return Err(bad(
            "longitudes must be within ±180 and latitudes within ±90",
        ));
    }
    if b.min_lon > b.max_lon || b.min_lat > b.max_lat {
        return Err(bad("the minimum is larger than the maximum"));
    }
    Ok(b)
}

fn parse_count(name: &str, value: &str, min: usize) -> Result<usize, ApiError> {
    match value.trim().parse::<usize>() {
        Ok(n) if n >= min => Ok(n),
        _ => Err(ApiError::bad_request(format!(
            "parameter '{name}': {value:?} is not a whole number of at least {min}"
        ))),
    }
}

/// Parses the query string of `/api/search`.
pub fn parse_params(raw: &str) -> Result<SearchParams, ApiError> {
    let mut req = SearchRequest::default();
    let mut page = 1usize;
    let mut size = 10usize;
    let mut seen_q = false;
    for (k, v) in url::form_urlencoded::parse(raw.as_bytes()) {
        let (k, v) = (k.as_ref(), v.as_ref());
        if let Some(i) = FACETS.iter().position(|f| *f == k) {
            let v = v.trim();
            if v.is_empty() {
                return Err(ApiError::bad_request(format!(
                    "parameter '{k}': empty value (give a facet value, e.g. from the 'facets' of a previous answer)"
                )));
            }
            let v = if k == "format" {
                v.to_uppercase()
            } else {
                v.to_owned()
            };
            req.filters[i].push(v);
            continue;
        }
        match k {
            "q" => {
                if seen_q {
                    return Err(ApiError::bad_request(
                        "parameter 'q': given more than once",
                    ));
                }
                seen_q = true;
                if v.chars().count() > MAX_Q {
                    return Err(ApiError::bad_request(format!(
                        "parameter 'q': longer than {MAX_Q} characters"
                    )));
                }
                req.q = v.to_owned();
            }
            "bbox" => req.bbox = Some(parse_bbox(v)?),
            "modified_since" => req.modified_since = Some(parse_time(k, v)?),
            "temporal_from" => req.temporal_from = Some(parse_time(k, v)?),
            "temporal_to" => req.temporal_to = Some(parse_time(k, v)?),
            "sort" => {
                req.sort = match v {
                    "relevance" => Sort::Relevance,
                    "modified" => Sort::Modified,
                    "title" => Sort::Title,
                    other => {
                        return Err(ApiError::bad_request(format!(
                            "parameter 'sort': {other:?} is not one of relevance, modified, title"
                        )))
                    }
                }
            }
            "page" => page = parse_count(k, v, 1)?,
            "size" => size = parse_count(k, v, 0)?.min(MAX_SIZE),
            "facet_size" => req.facet_size = parse_count(k, v, 0)?.min(MAX_WINDOW),
            other => {
                return Err(ApiError::bad_request(format!(
                    "unknown parameter '{other}': use q, {}, bbox, modified_since, temporal_from, temporal_to, sort, page, size, facet_size",
                    FACETS.join(", ")
                )))
            }
        }
    }
    if let (Some(from), Some(to)) = (req.temporal_from, req.temporal_to) {
        if from > to {
            return Err(ApiError::bad_request(
                "parameters 'temporal_from'/'temporal_to': the start is after the end",
            ));
        }
    }
    let offset = (page - 1).saturating_mul(size);
    if offset.saturating_add(size) > MAX_WINDOW {
        return Err(ApiError::bad_request(format!(
            "parameter 'page': only the first {MAX_WINDOW} hits can be paged through (page {page} of size {size} starts at hit {}); narrow the query with words or filters",
            offset + 1
        )));
    }
    // An empty query has no relevance: newest first.
    if req.q.trim().is_empty() && req.sort == Sort::Relevance {
        req.sort = Sort::Modified;
    }
    req.offset = offset;
    req.size = size;
    Ok(SearchParams {
        request: req,
        page,
        size,
    })
}

async fn search(State(state): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> Response {
    let params = match parse_params(raw.as_deref().unwrap_or("")) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let index = state.search.clone();
    let SearchParams {
        request,
        page,
        size,
    } = params;
    let q = request.q.clone();
    let sort = request.sort;
    let result = tokio::task::spawn_blocking(move || index.search(&request)).await;
    let result = match result {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return ApiError::internal(format!("search failed: {e}")).into_response(),
        Err(e) => return ApiError::internal(format!("search failed: {e}")).into_response(),
    };
    // Source titles of the config in force (a reload may have changed one
    // since the record was indexed).
    let titles = crate::search_index::SourceTitles::from_config(&state.config());
    let hits: Vec<HitJson<'_>> = result
        .hits
        .iter()
        .map(|h| HitJson {
            id: &h.id,
            title: &h.title,
            snippet: &h.snippet,
            publisher: h.publisher.as_deref(),
            source: &h.source,
            source_title: titles.configured(&h.source).unwrap_or(&h.source_title),
            modified: h.modified.as_deref(),
            formats: &h.formats,
            licenses: &h.licenses,
            themes: &h.themes,
            dataset: &h.dataset,
            score: h.score,
            links: Links {
                json: format!("/api/datasets/{}", h.id),
                rdf: format!("/datasets/{}", h.id),
            },
        })
        .collect();
    let facets: BTreeMap<&str, &[catalog_search::FacetValue]> = result
        .facets
        .iter()
        .map(|(name, values)| (name.as_str(), values.as_slice()))
        .collect();
    // Typed serialization: no intermediate `serde_json::Value` tree per
    // answer (facets and hits make up ~12 KB of JSON).
    axum::Json(SearchJson {
        did_you_mean: result.did_you_mean.as_deref(),
        facets,
        fuzzy: result.fuzzy,
        hits,
        matched: result.matched,
        page,
        q: &q,
        query_fallback: result.fallback,
        size,
        sort,
        total: result.total,
    })
    .into_response()
}

/// Most completions of each kind in a `/api/suggest` answer.
pub const MAX_SUGGEST: usize = 20;

/// `GET /api/suggest?q=…&size=…`: completions of what a citizen is typing
/// (titles, keywords, publishers; `size` of each, default 5, at most
/// [`MAX_SUGGEST`]).
async fn suggest(State(state): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> Response {
    let mut q = String::new();
    let mut size = 5usize;
    for (k, v) in url::form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes()) {
        match k.as_ref() {
            "q" if v.chars().count() <= MAX_Q => q = v.into_owned(),
            "q" => {
                return ApiError::bad_request(format!(
                    "parameter 'q': longer than {MAX_Q} characters"
                ))
                .into_response()
            }
            "size" => match parse_count("size", &v, 0) {
                Ok(n) => size = n.min(MAX_SUGGEST),
                Err(e) => return e.into_response(),
            },
            other => {
                return ApiError::bad_request(format!("unknown parameter '{other}': use q, size"))
                    .into_response()
            }
        }
    }
    let index = state.search.clone();
    let typed = q.clone();
    let result = tokio::task::spawn_blocking(move || index.suggest(&typed, size)).await;
    match result {
        Ok(Ok(s)) => axum::Json(SuggestJson {
            keywords: s.keywords,
            publishers: s.publishers,
            q,
            titles: s.titles,
        })
        .into_response(),
        Ok(Err(e)) => ApiError::internal(format!("suggest failed: {e}")).into_response(),
        Err(e) => ApiError::internal(format!("suggest failed: {e}")).into_response(),
    }
}

/// The `/api/suggest` answer (fields in alphabetical order).
#[derive(serde::Serialize)]
struct SuggestJson {
    keywords: Vec<String>,
    publishers: Vec<String>,
    q: String,
    titles: Vec<String>,
}

/// The `/api/search` answer. Fields in alphabetical order, like the other
/// JSON answers (`serde_json` objects are sorted maps).
#[derive(serde::Serialize)]
struct SearchJson<'a, S: serde::Serialize> {
    /// For a fuzzy answer, the query with unknown words corrected.
    did_you_mean: Option<&'a str>,
    facets: BTreeMap<&'a str, &'a [catalog_search::FacetValue]>,
    fuzzy: bool,
    hits: Vec<HitJson<'a>>,
    /// Which step produced the hits: `all`, `relaxed` or `fuzzy`.
    #[serde(rename = "match")]
    matched: catalog_search::Match,
    page: usize,
    q: &'a str,
    query_fallback: bool,
    size: usize,
    sort: S,
    total: u64,
}

#[derive(serde::Serialize)]
struct HitJson<'a> {
    dataset: &'a str,
    formats: &'a [String],
    id: &'a str,
    licenses: &'a [String],
    links: Links,
    modified: Option<&'a str>,
    publisher: Option<&'a str>,
    score: f32,
    snippet: &'a str,
    source: &'a str,
    source_title: &'a str,
    themes: &'a [String],
    title: &'a str,
}

#[derive(serde::Serialize)]
struct Links {
    json: String,
    rdf: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;
    use serde_json::Value;

    fn err(raw: &str) -> String {
        match parse_params(raw) {
            Ok(_) => String::new(),
            Err(e) => {
                assert_eq!(e.status, StatusCode::BAD_REQUEST, "{raw}");
                e.message
            }
        }
    }

    #[test]
    fn parameters_are_checked_and_errors_name_them() {
        assert!(err("bbox=1,2,3").contains("'bbox'"));
        assert!(err("bbox=10,50,9,51").contains("'bbox'"));
        assert!(err("bbox=a,b,c,d").contains("'bbox'"));
        assert!(err("modified_since=yesterday").contains("'modified_since'"));
        assert!(err("temporal_from=2020-01-01&temporal_to=2019-01-01").contains("temporal_from"));
        assert!(err("sort=date").contains("'sort'"));
        assert!(err("page=0").contains("'page'"));
        assert!(err("size=x").contains("'size'"));
        assert!(err("page=1000&size=100").contains("'page'"));
        assert!(err("sizee=10").contains("'sizee'"));
        assert!(err("theme=").contains("'theme'"));
        assert!(err("q=a&q=b").contains("'q'"));
        let p = match parse_params("q=B%C3%A4ume&theme=a&theme=b&format=csv&size=500&page=2") {
            Ok(p) => p,
            Err(e) => panic!("{}", e.message),
        };
        assert_eq!(p.size, MAX_SIZE);
        assert_eq!(p.request.offset, MAX_SIZE);
        assert_eq!(p.request.q, "Bäume");
        assert_eq!(p.request.filters[0], vec!["a", "b"]);
        assert_eq!(p.request.filters[3], vec!["CSV"]);
    }

    #[test]
    fn openapi_is_openapi_3_and_documents_the_routes() {
        let doc: Value = serde_json::from_str(OPENAPI).unwrap_or(Value::Null);
        assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
        for path in [
            "/api/search",
            "/api/suggest",
            "/api/datasets/{id}",
            "/datasets/{id}",
            "/api/openapi.json",
        ] {
            assert!(doc["paths"][path]["get"].is_object(), "{path}");
        }
        let params: Vec<&str> = doc["paths"]["/api/search"]["get"]["parameters"]
            .as_array()
            .map(|a| a.iter().filter_map(|p| p["name"].as_str()).collect())
            .unwrap_or_default();
        for name in FACETS.iter().copied().chain([
            "q",
            "bbox",
            "modified_since",
            "temporal_from",
            "temporal_to",
            "sort",
            "page",
            "size",
            "facet_size",
        ]) {
            assert!(params.contains(&name), "{name} not documented");
        }
    }
}
