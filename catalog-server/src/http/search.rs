//! Search for citizens: `GET /api/search` (parameters checked and named in
//! errors, hits with links to the dataset views, facets).

use super::{ApiError, AppState};
use crate::validation::quality::Band;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use catalog_search::extract::parse_date;
use catalog_search::{BBox, SearchRequest, Sort, FACETS};
use regex::Regex;
use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Largest page size; larger requests get this many hits.
pub const MAX_SIZE: usize = 100;
/// Deepest hit that can be paged to.
pub const MAX_WINDOW: usize = 10_000;
/// Longest accepted query text.
pub const MAX_Q: usize = 1000;

/// What `modified_since`, `temporal_from` and `temporal_to` accept: a date
/// (YYYY, YYYY-MM, YYYY-MM-DD) or an RFC 3339 date-time (seconds, fraction
/// and zone optional). The OpenAPI document states the same pattern (a test
/// compares them); it uses only what ECMA-262 and Rust's regex agree on.
pub const DATE_PATTERN: &str = "^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]{1,9})?)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?)?)?)?$";
/// What `bbox` accepts: four decimal numbers separated by commas.
pub const BBOX_PATTERN: &str = "^-?[0-9]+(\\.[0-9]+)?(,-?[0-9]+(\\.[0-9]+)?){3}$";

static DATE_RE: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(DATE_PATTERN).ok());
static BBOX_RE: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(BBOX_PATTERN).ok());

fn matches(re: &LazyLock<Option<Regex>>, value: &str) -> bool {
    re.as_ref().is_some_and(|re| re.is_match(value))
}

/// A facet filter value in the OpenAPI document: any non-empty text.
pub struct FacetFilter;

impl utoipa::PartialSchema for FacetFilter {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .min_length(Some(1))
            .description(Some(
                "A facet value (surrounding white space is ignored), e.g. from the facets of a previous answer.",
            ))
            .into()
    }
}

impl utoipa::ToSchema for FacetFilter {}

/// A whole number of at least 0 in the OpenAPI document, of any size (the
/// parser caps what it caps; no `int64` bound).
pub struct Count;

impl utoipa::PartialSchema for Count {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Integer)
            .minimum(Some(0))
            .into()
    }
}

impl utoipa::ToSchema for Count {}

/// A page number (at least 1) in the OpenAPI document.
pub struct Page;

impl utoipa::PartialSchema for Page {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Integer)
            .minimum(Some(1))
            .into()
    }
}

impl utoipa::ToSchema for Page {}

pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(search))
        .routes(routes!(suggest))
}

/// A parsed `/api/search` request: what the index gets, and the page.
#[derive(Debug)]
pub struct SearchParams {
    pub request: SearchRequest,
    pub page: usize,
    pub size: usize,
}

fn parse_time(name: &str, value: &str) -> Result<i64, ApiError> {
    matches(&DATE_RE, value)
        .then(|| parse_date(value))
        .flatten()
        .ok_or_else(|| {
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
    if !matches(&BBOX_RE, value) {
        return Err(bad("not four decimal numbers separated by commas"));
    }
    let n: Vec<f64> = value
        .split(',')
        .map(|s| s.parse::<f64>())
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

/// A whole number of at least `min`; one too large for `usize` counts as
/// `usize::MAX` (page sizes are capped, pages beyond the window refused).
fn parse_count(name: &str, value: &str, min: usize) -> Result<usize, ApiError> {
    let digits = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
    let n = match value.parse::<usize>() {
        Ok(n) => Some(n),
        Err(_) if digits => Some(usize::MAX),
        Err(_) => None,
    };
    match n {
        Some(n) if n >= min => Ok(n),
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
            if v.is_empty() {
                return Err(ApiError::bad_request(format!(
                    "parameter '{k}': empty value (give a facet value, e.g. from the 'facets' of a previous answer)"
                )));
            }
            let v = v.trim();
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
                    "quality" => Sort::Quality,
                    other => {
                        return Err(ApiError::bad_request(format!(
                            "parameter 'sort': {other:?} is not one of relevance, modified, title, quality"
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
            offset.saturating_add(1)
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

/// Searches the published datasets.
#[utoipa::path(
    get,
    path = "/api/search",
    tag = "search",
    params(
        ("q" = Option<String>, Query, max_length = 1000, description = "Words (all must match; stop words such as und, mit, für/fuer never have to), \"phrases\", -exclusions, a OR b, and field prefixes title:, description:, keyword:, publisher:, source:, theme:, format:, license:, geocoding:, id:, iri:. A query that does not follow this grammar is searched as plain words (query_fallback=true). When all words find fewer than 3 datasets, more forgiving steps follow, reported in `match`: relaxed (all but a quarter of 3 or more words) and fuzzy (words also match index terms with typos that start alike, and compounds by their parts; fuzzy=true, with did_you_mean). At most 1,000 characters; given at most once."),

        ("theme" = Option<Vec<FacetFilter>>, Query, style = Form, explode, description = "Facet filter, repeatable: several values of one facet are ORed, different facets are ANDed. Theme IRI (e.g. http://publications.europa.eu/resource/authority/data-theme/TRAN)."),
        ("publisher" = Option<Vec<FacetFilter>>, Query, style = Form, explode, description = "Facet filter, repeatable: several values of one facet are ORed, different facets are ANDed. Publisher name, as in the facet values."),
        ("source" = Option<Vec<FacetFilter>>, Query, style = Form, explode, description = "Facet filter, repeatable: several values of one facet are ORed, different facets are ANDed. Source (municipality catalog) id."),
        ("format" = Option<Vec<FacetFilter>>, Query, style = Form, explode, description = "Facet filter, repeatable: several values of one facet are ORed, different facets are ANDed. Distribution format label (compared upper-cased, e.g. CSV)."),
        ("license" = Option<Vec<FacetFilter>>, Query, style = Form, explode, description = "Facet filter, repeatable: several values of one facet are ORed, different facets are ANDed. Licence IRI."),
        ("keyword" = Option<Vec<FacetFilter>>, Query, style = Form, explode, description = "Facet filter, repeatable: several values of one facet are ORed, different facets are ANDed. Keyword, exactly as in the facet values."),
        ("geocoding" = Option<Vec<FacetFilter>>, Query, style = Form, explode, description = "Facet filter, repeatable: several values of one facet are ORed, different facets are ANDed. Political geocoding IRI (dcatde:politicalGeocodingURI)."),
        ("hvd_category" = Option<Vec<FacetFilter>>, Query, style = Form, explode, description = "Facet filter, repeatable: several values of one facet are ORed, different facets are ANDed. High-value dataset category IRI (dcatap:hvdCategory, e.g. http://data.europa.eu/bna/c_ac64a52d for Geospatial)."),
        ("quality" = Option<Vec<FacetFilter>>, Query, style = Form, explode, description = "Facet filter, repeatable: several values of one facet are ORed, different facets are ANDed. Metadata quality band of data.europa.eu's MQA: Excellent (351–405 points), Good (221–350), Sufficient (121–220) or Bad (0–120). Only records of sources with a validation profile are scored."),
        ("bbox" = Option<String>, Query, pattern = "^-?[0-9]+(\\.[0-9]+)?(,-?[0-9]+(\\.[0-9]+)?){3}$", description = "minLon,minLat,maxLon,maxLat (WGS 84 degrees, longitudes within ±180, latitudes within ±90, minimum not above maximum): datasets whose bounding box intersects this box.", example = "9.9,54.2,10.3,54.5"),
        ("modified_since" = Option<String>, Query, pattern = "^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]{1,9})?)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?)?)?)?$", description = "Datasets modified (dct:modified, else dct:issued) at or after this date (YYYY-MM-DD, YYYY-MM, YYYY) or date-time (RFC 3339).", example = "2024-01-01"),
        ("temporal_from" = Option<String>, Query, pattern = "^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]{1,9})?)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?)?)?)?$", description = "Datasets whose temporal coverage (dct:temporal) ends at or after this date or date-time (formats as modified_since).", example = "2020"),
        ("temporal_to" = Option<String>, Query, pattern = "^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]{1,9})?)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?)?)?)?$", description = "Datasets whose temporal coverage starts at or before this date or date-time; not before temporal_from.", example = "2024-12-31"),
        ("sort" = Option<Sort>, Query, description = "Order of hits (default relevance; without q, relevance means modified). quality: the metadata quality score, best first, equal scores by relevance, unscored records last."),
        ("page" = Option<Page>, Query, description = "Page number (default 1). Only the first 10,000 hits can be paged through: (page - 1) * size + size must not exceed 10,000."),
        ("size" = Option<Count>, Query, description = "Hits per page (default 10; 0: only total and facets); larger values are capped at 100."),
        ("facet_size" = Option<Count>, Query, description = "Values returned per facet, most frequent first (default 20); larger values are capped at 10,000."),
    ),
    responses(
        (status = 200, description = "Hits and facet counts.", body = SearchAnswer),
        (status = 400, description = "A bad or unknown parameter: the message names it and says why.", body = ApiError, content_type = "text/plain"),
        (status = 500, description = "The search index failed.", body = ApiError, content_type = "text/plain"),
    )
)]
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
            quality: h.quality.map(|score| HitQuality {
                score,
                band: Band::of(score).name(),
            }),
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
    axum::Json(SearchAnswer {
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

/// Completions of what a citizen is typing: titles (every typed word, the
/// last as a prefix), keyword and publisher values (by prefix, any case or
/// umlaut spelling).
#[utoipa::path(
    get,
    path = "/api/suggest",
    tag = "search",
    params(
        ("q" = Option<String>, Query, max_length = 1000, description = "What has been typed so far."),
        ("size" = Option<Count>, Query, description = "Completions of each kind (default 5); larger values are capped at 20."),
    ),
    responses(
        (status = 200, description = "Completions of each kind.", body = SuggestAnswer),
        (status = 400, description = "A bad or unknown parameter: the message names it and says why.", body = ApiError, content_type = "text/plain"),
        (status = 500, description = "The search index failed.", body = ApiError, content_type = "text/plain"),
    )
)]
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
        Ok(Ok(s)) => axum::Json(SuggestAnswer {
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
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SuggestAnswer {
    /// Keyword values that begin with the last typed word.
    keywords: Vec<String>,
    /// Publisher names that begin with the typed text.
    publishers: Vec<String>,
    /// The text completed.
    q: String,
    /// Titles that contain every typed word, the last as a prefix.
    titles: Vec<String>,
}

/// The `/api/search` answer (fields in alphabetical order).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SearchAnswer<'a> {
    /// For a fuzzy answer, the query with unknown words corrected.
    did_you_mean: Option<&'a str>,
    /// Per facet (theme, publisher, source, format, license, keyword,
    /// geocoding): its most frequent values among the datasets that match
    /// the query and every other facet's filter.
    #[schema(value_type = BTreeMap<String, Vec<catalog_search::FacetValue>>)]
    facets: BTreeMap<&'a str, &'a [catalog_search::FacetValue]>,
    /// Words were also matched with typos (the exact words found fewer
    /// than 3 datasets).
    fuzzy: bool,
    hits: Vec<HitJson<'a>>,
    /// Which step produced the hits: `all`, `relaxed` or `fuzzy`.
    #[serde(rename = "match")]
    #[schema(value_type = String, pattern = "^(all|relaxed|fuzzy)$")]
    matched: catalog_search::Match,
    page: usize,
    q: &'a str,
    /// The query did not follow the query grammar and was searched as
    /// plain words.
    query_fallback: bool,
    size: usize,
    sort: Sort,
    /// Datasets matching the query and filters.
    total: u64,
}

/// One hit of a search.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = Hit)]
struct HitJson<'a> {
    dataset: &'a str,
    formats: &'a [String],
    id: &'a str,
    licenses: &'a [String],
    links: Links,
    modified: Option<&'a str>,
    publisher: Option<&'a str>,
    /// The record's metadata quality (absent: not scored, its source has
    /// no validation profile).
    quality: Option<HitQuality>,
    score: f32,
    snippet: &'a str,
    source: &'a str,
    source_title: &'a str,
    themes: &'a [String],
    title: &'a str,
}

/// A hit's metadata quality: score (0–405) and band.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct HitQuality {
    score: u32,
    band: &'static str,
}

/// Where the hit's dataset views are.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = HitLinks)]
struct Links {
    json: String,
    rdf: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

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

    /// The patterns of the document are the ones the parser applies.
    #[test]
    fn documented_patterns_are_the_parsers() {
        let doc = routes().into_openapi();
        let value = serde_json::to_value(&doc).unwrap_or_default();
        let params = value["paths"]["/api/search"]["get"]["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let pattern = |name: &str| {
            params
                .iter()
                .find(|p| p["name"] == name)
                .and_then(|p| p["schema"]["pattern"].as_str())
                .map(str::to_owned)
        };
        assert_eq!(pattern("bbox").as_deref(), Some(BBOX_PATTERN));
        for name in ["modified_since", "temporal_from", "temporal_to"] {
            assert_eq!(pattern(name).as_deref(), Some(DATE_PATTERN), "{name}");
        }
        assert!(DATE_RE.is_some() && BBOX_RE.is_some());
        for ok in [
            "2024",
            "2024-02",
            "2024-02-29",
            "2024-02-29T10:00",
            "2024-02-29T10:00:05.25+02:00",
        ] {
            assert!(
                parse_params(&format!(
                    "modified_since={}",
                    url::form_urlencoded::byte_serialize(ok.as_bytes()).collect::<String>()
                ))
                .is_ok(),
                "{ok}"
            );
        }
        for bad in [
            "",
            "24",
            "2024-1-1",
            "2024-02-29 10:00",
            "0000",
            " 2024",
            "2024\n",
        ] {
            let raw = format!(
                "modified_since={}",
                url::form_urlencoded::byte_serialize(bad.as_bytes()).collect::<String>()
            );
            assert!(parse_params(&raw).is_err(), "{bad:?}");
        }
        assert!(parse_params("bbox=-9.5,54,10.25,54.5").is_ok());
        for bad in ["1e1,2,3,4", " 1,2,3,4", "1,2,3,4,", "+1,2,3,4", "1.,2,3,4"] {
            let raw = format!(
                "bbox={}",
                url::form_urlencoded::byte_serialize(bad.as_bytes()).collect::<String>()
            );
            assert!(parse_params(&raw).is_err(), "{bad:?}");
        }
    }

    /// Regression (schemathesis): sizes beyond `usize` are capped like any
    /// other large size, a page beyond `usize` is refused (writing the
    /// refusal overflowed), and a blank facet value is a filter, not an
    /// error.
    #[test]
    fn huge_sizes_are_capped_and_blank_facet_values_accepted() {
        let p = match parse_params("size=99999999999999999999999&facet_size=99999999999999999999") {
            Ok(p) => p,
            Err(e) => panic!("{}", e.message),
        };
        assert_eq!(p.size, MAX_SIZE);
        assert_eq!(p.request.facet_size, MAX_WINDOW);
        assert!(err("page=99999999999999999999999").contains("'page'"));
        assert!(parse_params("publisher=%20").is_ok());
    }

    #[test]
    fn every_search_parameter_is_documented() {
        let doc = serde_json::to_value(routes().into_openapi()).unwrap_or_default();
        let params: Vec<String> = doc["paths"]["/api/search"]["get"]["parameters"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .filter_map(|p| p["name"].as_str().map(str::to_owned))
                    .collect()
            })
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
            assert!(params.iter().any(|p| p == name), "{name} not documented");
        }
        // Every documented parameter is one the handler reads.
        for p in &params {
            let answer = parse_params(&format!("{p}=x"));
            assert!(
                !answer.is_err_and(|e| e.message.contains("unknown parameter")),
                "{p} is documented but unknown"
            );
        }
    }
}
