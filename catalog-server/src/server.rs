//! HTTP: the SPARQL 1.1 Protocol endpoint (read-only), health and index pages.

use crate::config::Config;
use crate::pipeline::{Current, Harvesting};
use crate::store::CatalogStore;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use oxigraph::io::RdfFormat;
use oxigraph::model::{GraphName, NamedNode, NamedOrBlankNode};
use oxigraph::sparql::results::{QueryResultsFormat, QueryResultsSerializer};
use oxigraph::sparql::{CancellationToken, QueryResults, SparqlEvaluator};
use std::sync::Arc;
use tower_http::cors::{Any, CorsLayer};

/// What request handlers share.
pub struct AppState {
    pub store: Arc<CatalogStore>,
    /// The harvesting in force (config, validation profiles): a reload swaps
    /// it, so handlers read it per request through [`AppState::config`] and
    /// [`AppState::harvesting`], never keep it.
    pub current: Arc<Current>,
    /// The search index (a follower of the store).
    pub search: Arc<catalog_search::SearchIndex>,
}

impl AppState {
    /// The config in force now.
    pub fn config(&self) -> Arc<Config> {
        self.current.config()
    }

    /// The harvesting in force now.
    pub fn harvesting(&self) -> Arc<Harvesting> {
        self.current.get()
    }
}

pub fn router(state: Arc<AppState>) -> Router {
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers([header::CONTENT_TYPE, header::ACCEPT, header::AUTHORIZATION]);
    Router::new()
        .route("/", get(index))
        .route("/health", get(health))
        .route("/sparql", get(sparql_get).post(sparql_post))
        .route(
            "/api/validate",
            axum::routing::post(crate::validation_api::validate_upload).layer(
                axum::extract::DefaultBodyLimit::max(crate::validation_api::MAX_UPLOAD),
            ),
        )
        .route(
            "/api/datasets/{rid}/validation",
            get(crate::validation_api::stored_report),
        )
        .merge(crate::search_api::routes())
        .layer(cors)
        .with_state(state)
}

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

async fn index(State(state): State<Arc<AppState>>) -> Html<String> {
    let c = state.config();
    let mut sources = String::new();
    for s in &c.sources {
        sources.push_str(&format!(
            "<li><code>{}</code> — {} ({}{})</li>",
            escape(&s.id.0),
            escape(&s.title),
            s.kind.as_str(),
            if s.enabled { "" } else { ", disabled" }
        ));
    }
    Html(format!(
        r#"<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:50em;margin:2em auto;line-height:1.5}}code{{background:#eee;padding:0 .2em}}</style></head>
<body><h1>{title}</h1>
<p>A federated DCAT-AP catalog. Endpoints:</p>
<ul>
<li><a href="/sparql">/sparql</a> — SPARQL 1.1 query endpoint (GET <code>?query=</code>, POST form or <code>application/sparql-query</code>); the default graph is the union of all graphs.
 Try <a href="/sparql?query=SELECT%20(COUNT(DISTINCT%20%3Fd)%20AS%20%3Fdatasets)%20WHERE%20%7B%20%3Fd%20a%20%3Chttp%3A%2F%2Fwww.w3.org%2Fns%2Fdcat%23Dataset%3E%20%7D&amp;format=json">counting the datasets</a>.</li>
<li><a href="/api/search?q=">/api/search</a> — full-text search with facets (<a href="/api/openapi.json">OpenAPI</a>).</li>
<li><a href="/health">/health</a> — liveness and store status.</li>
</ul>
<h2>Sources</h2><ul>{sources}</ul>
</body></html>"#,
        title = escape(&c.catalog.title),
    ))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn health(State(state): State<Arc<AppState>>) -> Response {
    let store = state.store.clone();
    let result = tokio::task::spawn_blocking(move || store.stored_sources()).await;
    match result {
        Ok(Ok(sources)) => axum::Json(serde_json::json!({
            "status": "ok",
            "version": env!("CARGO_PKG_VERSION"),
            "sources_configured": state.config().sources.len(),
            "sources_stored": sources.len(),
        }))
        .into_response(),
        Ok(Err(e)) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("store unavailable: {e}"),
        )
        .into_response(),
        Err(e) => ApiError::internal(e.to_string()).into_response(),
    }
}

/// The parameters of a SPARQL protocol request.
#[derive(Debug, Default)]
struct SparqlRequest {
    query: Option<String>,
    default_graphs: Vec<String>,
    named_graphs: Vec<String>,
    format: Option<String>,
    update: bool,
}

impl SparqlRequest {
    fn absorb(&mut self, form: &[u8]) {
        for (k, v) in url::form_urlencoded::parse(form) {
            match k.as_ref() {
                "query" => self.query = Some(v.into_owned()),
                "default-graph-uri" => self.default_graphs.push(v.into_owned()),
                "named-graph-uri" => self.named_graphs.push(v.into_owned()),
                "format" | "output" => self.format = Some(v.into_owned()),
                "update" | "using-graph-uri" | "using-named-graph-uri" => self.update = true,
                _ => {}
            }
        }
    }
}

async fn sparql_get(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let mut req = SparqlRequest::default();
    req.absorb(raw.unwrap_or_default().as_bytes());
    if req.query.is_none() && !req.update {
        // A browser visiting the endpoint: explain how to use it.
        return index(State(state)).await.into_response();
    }
    run_sparql(state, req, &headers).await
}

async fn sparql_post(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut req = SparqlRequest::default();
    req.absorb(raw.unwrap_or_default().as_bytes());
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(harvester::fetch::media_type_of)
        .unwrap_or_default();
    match content_type.as_str() {
        "application/x-www-form-urlencoded" => req.absorb(&body),
        "application/sparql-query" => match String::from_utf8(body.to_vec()) {
            Ok(q) => req.query = Some(q),
            Err(_) => return ApiError::bad_request("the query is not valid UTF-8").into_response(),
        },
        "application/sparql-update" => req.update = true,
        other => {
            return ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!(
                    "unsupported Content-Type {other:?}: send application/sparql-query or \
                     application/x-www-form-urlencoded with a 'query' parameter"
                ),
            )
            .into_response()
        }
    }
    run_sparql(state, req, &headers).await
}

const RESULT_TYPES: &[(&str, QueryResultsFormat)] = &[
    ("application/sparql-results+json", QueryResultsFormat::Json),
    ("application/json", QueryResultsFormat::Json),
    ("application/sparql-results+xml", QueryResultsFormat::Xml),
    ("application/xml", QueryResultsFormat::Xml),
    ("text/csv", QueryResultsFormat::Csv),
    ("text/tab-separated-values", QueryResultsFormat::Tsv),
];

const GRAPH_TYPES: &[(&str, &str)] = &[
    ("text/turtle", "ttl"),
    ("application/n-triples", "nt"),
    ("application/rdf+xml", "rdf"),
    ("application/ld+json", "jsonld"),
    ("text/plain", "nt"),
];

fn results_format_by_name(name: &str) -> Option<QueryResultsFormat> {
    Some(match name {
        "json" | "srj" => QueryResultsFormat::Json,
        "xml" | "srx" => QueryResultsFormat::Xml,
        "csv" => QueryResultsFormat::Csv,
        "tsv" => QueryResultsFormat::Tsv,
        other => {
            return RESULT_TYPES
                .iter()
                .find(|(m, _)| *m == other)
                .map(|(_, f)| *f)
        }
    })
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

async fn run_sparql(state: Arc<AppState>, req: SparqlRequest, headers: &HeaderMap) -> Response {
    if req.update {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "this SPARQL endpoint is read-only: updates are not accepted (the catalog changes only through harvesting)",
        )
        .into_response();
    }
    let Some(query) = req.query.clone() else {
        return ApiError::bad_request("missing 'query' parameter").into_response();
    };
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let config = state.config();
    let (timeout, cap) = (config.sparql.timeout, config.sparql.max_results);
    let token = CancellationToken::new();
    let canceller = token.clone();
    let timer = tokio::spawn(async move {
        tokio::time::sleep(timeout).await;
        canceller.cancel();
    });
    let store = state.store.clone();
    let result = tokio::task::spawn_blocking(move || {
        evaluate(&store, &query, &req, accept.as_deref(), cap, token)
    })
    .await;
    timer.abort();
    match result {
        Ok(Ok((content_type, body))) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
            body,
        )
            .into_response(),
        Ok(Err(e)) => {
            let e = if e.message.contains("cancelled") || e.message.contains("canceled") {
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    format!(
                        "the query ran longer than the limit of {} s (sparql.timeout) and was stopped",
                        timeout.as_secs_f64()
                    ),
                )
            } else {
                e
            };
            e.into_response()
        }
        Err(e) => ApiError::internal(format!("query evaluation failed: {e}")).into_response(),
    }
}

fn evaluate(
    store: &CatalogStore,
    query: &str,
    req: &SparqlRequest,
    accept: Option<&str>,
    cap: usize,
    token: CancellationToken,
) -> Result<(&'static str, Vec<u8>), ApiError> {
    let mut prepared = SparqlEvaluator::new()
        .with_cancellation_token(token)
        .parse_query(query)
        .map_err(|e| ApiError::bad_request(format!("invalid SPARQL query: {e}")))?;
    let named = |iri: &String| {
        NamedNode::new(iri.clone())
            .map_err(|e| ApiError::bad_request(format!("invalid graph IRI {iri:?}: {e}")))
    };
    if !req.default_graphs.is_empty() || !req.named_graphs.is_empty() {
        let defaults = req
            .default_graphs
            .iter()
            .map(|g| named(g).map(GraphName::NamedNode))
            .collect::<Result<Vec<_>, _>>()?;
        let nameds = req
            .named_graphs
            .iter()
            .map(|g| named(g).map(NamedOrBlankNode::NamedNode))
            .collect::<Result<Vec<_>, _>>()?;
        let dataset = prepared.dataset_mut();
        dataset.set_default_graph(defaults);
        if !nameds.is_empty() {
            dataset.set_available_named_graphs(nameds);
        }
    } else if prepared.dataset().is_default_dataset() {
        prepared.dataset_mut().set_default_graph_as_union();
    }
    let results = prepared
        .on_store(store.oxigraph())
        .execute()
        .map_err(|e| eval_error(&e.to_string()))?;
    match results {
        QueryResults::Solutions(solutions) => {
            let (media, format) = pick_results_format(req, accept)?;
            let variables = solutions.variables().to_vec();
            let mut rows = Vec::new();
            for s in solutions {
                rows.push(s.map_err(|e| eval_error(&e.to_string()))?);
                if rows.len() > cap {
                    return Err(too_many(cap, "rows"));
                }
            }
            let mut w = QueryResultsSerializer::from_format(format)
                .serialize_solutions_to_writer(Vec::new(), variables)
                .map_err(|e| ApiError::internal(e.to_string()))?;
            for row in &rows {
                w.serialize(row)
                    .map_err(|e| ApiError::internal(e.to_string()))?;
            }
            let body = w.finish().map_err(|e| ApiError::internal(e.to_string()))?;
            Ok((media, body))
        }
        QueryResults::Boolean(b) => {
            let (media, format) = pick_results_format(req, accept)?;
            let body = QueryResultsSerializer::from_format(format)
                .serialize_boolean_to_writer(Vec::new(), b)
                .map_err(|e| ApiError::internal(e.to_string()))?;
            Ok((media, body))
        }
        QueryResults::Graph(triples) => {
            let (media, format) = pick_graph_format(req, accept)?;
            let mut all = Vec::new();
            for t in triples {
                all.push(t.map_err(|e| eval_error(&e.to_string()))?);
                if all.len() > cap {
                    return Err(too_many(cap, "triples"));
                }
            }
            let mut w = crate::export::serializer(format).for_writer(Vec::new());
            for t in &all {
                w.serialize_triple(t)
                    .map_err(|e| ApiError::internal(e.to_string()))?;
            }
            let body = w.finish().map_err(|e| ApiError::internal(e.to_string()))?;
            Ok((media, body))
        }
    }
}

fn eval_error(message: &str) -> ApiError {
    ApiError::bad_request(format!("query evaluation failed: {message}"))
}

fn too_many(cap: usize, what: &str) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "the result has more than {cap} {what} (sparql.max_results); add a LIMIT or narrow the query"
        ),
    )
}

fn pick_results_format(
    req: &SparqlRequest,
    accept: Option<&str>,
) -> Result<(&'static str, QueryResultsFormat), ApiError> {
    if let Some(name) = &req.format {
        let format = results_format_by_name(name).ok_or_else(|| {
            ApiError::bad_request(format!(
                "unknown result format {name:?}: use json, xml, csv or tsv"
            ))
        })?;
        return Ok((format.media_type(), format));
    }
    let offered: Vec<&str> = RESULT_TYPES.iter().map(|(m, _)| *m).collect();
    let media = negotiate(accept, &offered).ok_or_else(|| not_acceptable(&offered))?;
    let format = RESULT_TYPES
        .iter()
        .find(|(m, _)| *m == media)
        .map(|(_, f)| *f)
        .unwrap_or(QueryResultsFormat::Json);
    Ok((format.media_type(), format))
}

fn pick_graph_format(
    req: &SparqlRequest,
    accept: Option<&str>,
) -> Result<(&'static str, RdfFormat), ApiError> {
    let name = match &req.format {
        Some(name) => {
            let short = GRAPH_TYPES
                .iter()
                .find(|(m, _)| m == name)
                .map(|(_, n)| *n)
                .unwrap_or(name.as_str());
            match short {
                "ttl" | "turtle" => "ttl",
                "nt" | "ntriples" => "nt",
                "rdf" | "xml" => "rdf",
                "jsonld" | "json" => "jsonld",
                _ => {
                    return Err(ApiError::bad_request(format!(
                        "unknown graph format {name:?}: use ttl, nt, rdf or jsonld"
                    )))
                }
            }
        }
        None => {
            let offered: Vec<&str> = GRAPH_TYPES.iter().map(|(m, _)| *m).collect();
            let media = negotiate(accept, &offered).ok_or_else(|| not_acceptable(&offered))?;
            GRAPH_TYPES
                .iter()
                .find(|(m, _)| *m == media)
                .map(|(_, n)| *n)
                .unwrap_or("ttl")
        }
    };
    let format = crate::export::format_by_name(name).unwrap_or(RdfFormat::Turtle);
    Ok((format.media_type(), format))
}

fn not_acceptable(offered: &[&str]) -> ApiError {
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
