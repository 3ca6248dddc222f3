//! The SPARQL 1.1 Protocol endpoint (read-only): `GET`/`POST /sparql`,
//! results and graphs in the negotiated format, a timeout and a result cap
//! from `[sparql]`.

use super::error::{negotiate, not_acceptable};
use super::{ApiError, AppState, ClientAddr};
use crate::sparql::Outcome;
use crate::store::CatalogStore;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use oxigraph::io::RdfFormat;
use oxigraph::model::{GraphName, NamedNode, NamedOrBlankNode};
use oxigraph::sparql::results::{QueryResultsFormat, QueryResultsSerializer};
use oxigraph::sparql::{CancellationToken, QueryResults, SparqlEvaluator};
use std::sync::Arc;

/// The parameters of a SPARQL protocol request.
#[derive(Debug, Default)]
struct SparqlRequest {
    query: Option<String>,
    default_graphs: Vec<String>,
    named_graphs: Vec<String>,
    format: Option<String>,
    update: bool,
}

/// The answers of `GET` and `POST /sparql` (`POST` adds 408 and 415).
pub struct SparqlAnswers;

impl utoipa::IntoResponses for SparqlAnswers {
    fn responses(
    ) -> std::collections::BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::Response>> {
        use utoipa::openapi::schema::{ObjectBuilder, Ref, Type};
        use utoipa::openapi::{ContentBuilder, HeaderBuilder, ResponseBuilder};
        let content = |schema: ObjectBuilder| ContentBuilder::new().schema(Some(schema)).build();
        let text = || content(ObjectBuilder::new().schema_type(Type::String));
        let any = || content(ObjectBuilder::new());
        let mut ok = ResponseBuilder::new().description(
            "Query results (SELECT, ASK: in the SPARQL results format of `format`/`output`, else of the Accept header, JSON by default; CONSTRUCT, DESCRIBE: in an RDF syntax, Turtle by default); for a browser (HTML preferred, no `format`) the query editor with the results as a table, and the editor alone when no query is given.",
        );
        for (media, json) in [
            ("application/sparql-results+json", true),
            ("application/sparql-results+xml", false),
            ("text/csv", false),
            ("text/tab-separated-values", false),
            ("text/turtle", false),
            ("application/n-triples", false),
            ("application/rdf+xml", false),
            ("application/ld+json", true),
            ("text/html", false),
        ] {
            ok = ok.content(media, if json { any() } else { text() });
        }
        let mut answers = std::collections::BTreeMap::new();
        answers.insert("200".to_owned(), ok.build().into());
        for (status, description) in [
            ("400", "Missing or invalid query, an invalid graph IRI or result format, or a query refused before evaluation (size, nesting, SERVICE, string growth, Cartesian products under gathering operators); the message names the limit."),
            ("403", "An update: the endpoint is read-only."),
            ("406", "None of the accepted media types can be produced."),
            ("413", "The result has more rows than sparql.max_results or more bytes than sparql.max_result_bytes (or, POST, the body is larger than http.max_query)."),
            ("422", "The evaluation needed more memory than sparql.max_memory and was stopped."),
            ("500", "The evaluation failed."),
            ("503", "Busy (sparql.max_concurrent evaluations and sparql.max_queued waiting; with Retry-After), or the evaluation ran longer than sparql.timeout."),
        ] {
            let mut error = ResponseBuilder::new().description(description).content(
                "text/plain",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ApiError")))
                    .build(),
            );
            if status == "503" {
                error = error.header(
                    "Retry-After",
                    HeaderBuilder::new()
                        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                        .description(Some("Seconds to wait, when busy."))
                        .build(),
                );
            }
            answers.insert(status.to_owned(), error.build().into());
        }
        answers
    }
}

/// The query-string parameters of `/sparql`, as [`SparqlRequest::absorb`]
/// reads them.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Describes the parameters for the OpenAPI document only.
pub struct SparqlParams {
    /// The SPARQL query (without it, GET answers the query editor page).
    query: Option<String>,
    /// Graphs whose union is the default graph (default: the union of all graphs).
    #[param(rename = "default-graph-uri", style = Form, explode)]
    default_graph_uri: Option<Vec<String>>,
    /// The named graphs the query may use.
    #[param(rename = "named-graph-uri", style = Form, explode)]
    named_graph_uri: Option<Vec<String>>,
    /// The answer's format, overriding the Accept header: json, xml, csv, tsv
    /// (results) or ttl, nt, rdf, jsonld (graphs), or a media type.
    format: Option<String>,
    /// The same as format.
    output: Option<String>,
}

/// The form fields of `POST /sparql` (`application/x-www-form-urlencoded`),
/// as [`SparqlRequest::absorb`] reads them.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // Describes the form for the OpenAPI document only.
pub struct SparqlForm {
    /// The SPARQL query.
    #[schema(required = false)]
    query: String,
    /// Graphs whose union is the default graph (repeatable).
    #[schema(rename = "default-graph-uri", required = false)]
    default_graph_uri: Vec<String>,
    /// The named graphs the query may use (repeatable).
    #[schema(rename = "named-graph-uri", required = false)]
    named_graph_uri: Vec<String>,
    /// The answer's format (json, xml, csv, tsv, ttl, nt, rdf, jsonld, or a media type).
    #[schema(required = false)]
    format: String,
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

/// A SPARQL query in the query string.
#[utoipa::path(
    get,
    path = "/sparql",
    tag = "sparql",
    params(SparqlParams),
    responses(SparqlAnswers)
)]
pub(super) async fn sparql_get(
    State(state): State<Arc<AppState>>,
    client: ClientAddr,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let mut req = SparqlRequest::default();
    req.absorb(raw.unwrap_or_default().as_bytes());
    if req.query.is_none() && !req.update {
        // A browser visiting the endpoint: the query editor.
        return super::web::sparql::page(state, headers, None, None).await;
    }
    let offered: Vec<&str> = RESULT_TYPES
        .iter()
        .map(|(m, _)| *m)
        .chain(crate::export::RDF_MEDIA_TYPES.iter().map(|(m, _)| *m))
        .collect();
    if !req.update && req.format.is_none() && super::web::prefers_html(&headers, &offered) {
        // A browser sending the editor's form: the results as a table.
        let query = req.query.clone();
        let mut asked = headers.clone();
        asked.insert(
            header::ACCEPT,
            HeaderValue::from_static(super::web::sparql::PAGE_ACCEPT),
        );
        let answer = run_sparql(state.clone(), req, &asked, client).await;
        return super::web::sparql::page(state, headers, query, Some(answer)).await;
    }
    run_sparql(state, req, &headers, client).await
}

/// A SPARQL query in the body (a form or the query itself); the
/// parameters of GET may also be given in the query string.
#[utoipa::path(
    post,
    path = "/sparql",
    tag = "sparql",
    params(SparqlParams),
    request_body(description = "The query: a form with a `query` field, or the query itself (`application/sparql-query`); at most http.max_query bytes. Updates (`application/sparql-update`, or an `update` field) are refused.", content(
        (SparqlForm = "application/x-www-form-urlencoded"),
        (String = "application/sparql-query"),
        (String = "application/sparql-update"),
    )),
    responses(
        SparqlAnswers,
        (status = 408, description = "The body did not arrive within http.body_timeout.", body = ApiError, content_type = "text/plain"),
        (status = 415, description = "Another Content-Type.", body = ApiError, content_type = "text/plain"),
    )
)]
pub(super) async fn sparql_post(
    State(state): State<Arc<AppState>>,
    client: ClientAddr,
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
    run_sparql(state, req, &headers, client).await
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

async fn run_sparql(
    state: Arc<AppState>,
    req: SparqlRequest,
    headers: &HeaderMap,
    client: ClientAddr,
) -> Response {
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
    let sparql = &config.sparql;
    let limits = crate::sparql::Limits::from_config(sparql);
    // The text first: no parser sees a query too long or too deep.
    if let Err(refusal) = crate::sparql::check_text(&query, &limits) {
        return ApiError::bad_request(refusal.to_string()).into_response();
    }
    let (timeout, cap) = (sparql.timeout, sparql.max_results);
    let max_bytes = usize::try_from(sparql.max_result_bytes).unwrap_or(usize::MAX);
    let memory = usize::try_from(sparql.max_memory).unwrap_or(usize::MAX);
    let store = state.store.clone();
    let outcome = state
        .sparql
        .run(memory, timeout, move |token| {
            evaluate(
                &store,
                &query,
                &req,
                accept.as_deref(),
                Caps {
                    rows: cap,
                    bytes: max_bytes,
                },
                &limits,
                token,
            )
        })
        .await;
    match outcome {
        Err(busy) => {
            // A client that asks again before the Retry-After it was given
            // gets this refusal only when that time is over (see
            // `RefusalPacing`).
            let close = state
                .limits
                .refusals
                .pace(client.0.map(|a| a.ip()), BUSY_RETRY_AFTER)
                .await;
            let mut response =
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, busy.to_string()).into_response();
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(BUSY_RETRY_AFTER.as_secs()),
            );
            if close {
                response
                    .headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            response
        }
        Ok(Outcome::Done(Ok((content_type, body)))) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
            body,
        )
            .into_response(),
        Ok(Outcome::Done(Err(e))) => e.into_response(),
        Ok(Outcome::TimedOut) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "the query ran longer than the limit of {} s (sparql.timeout) and was stopped",
                timeout.as_secs_f64()
            ),
        )
        .into_response(),
        Ok(Outcome::OutOfMemory) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "the query needed more than {} of memory (sparql.max_memory) and was stopped; narrow it (fewer variables in ORDER BY, DISTINCT or GROUP BY, a LIMIT, more specific patterns)",
                bytesize::ByteSize::b(sparql.max_memory)
            ),
        )
        .into_response(),
        Ok(Outcome::Failed(e)) => {
            ApiError::internal(format!("query evaluation failed: {e}")).into_response()
        }
    }
}

/// The `Retry-After` of a refusal when every evaluation slot and queue
/// place is taken.
const BUSY_RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(5);

/// The most an answer may hold.
#[derive(Debug, Clone, Copy)]
struct Caps {
    rows: usize,
    bytes: usize,
}

fn evaluate(
    store: &CatalogStore,
    query: &str,
    req: &SparqlRequest,
    accept: Option<&str>,
    caps: Caps,
    limits: &crate::sparql::Limits,
    token: CancellationToken,
) -> Result<(&'static str, Vec<u8>), ApiError> {
    let parsed = spargebra::SparqlParser::new()
        .parse_query(query)
        .map_err(|e| ApiError::bad_request(format!("invalid SPARQL query: {e}")))?;
    crate::sparql::check_algebra(&parsed, limits)
        .map_err(|refusal| ApiError::bad_request(refusal.to_string()))?;
    let cap = caps.rows;
    // The evaluator looks at the token when it reads the store; the loops
    // below look at it for every solution too.
    let stop = token.clone();
    let stopped = || ApiError::internal("query evaluation was cancelled");
    let mut prepared = SparqlEvaluator::new()
        .with_cancellation_token(token)
        .for_query(parsed);
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
    }
    // A query naming no graphs (no FROM, no default-graph-uri or
    // named-graph-uri) sees the published records as its default graph.
    let results = if prepared.dataset().is_default_dataset() {
        let published = crate::sparql::PublishedRecords::new(store)
            .map_err(|e| ApiError::internal(format!("reading the withdrawn records: {e}")))?;
        prepared.on_queryable_dataset(published).execute()
    } else {
        prepared.on_store(store.oxigraph()).execute()
    }
    .map_err(|e| eval_error(&e.to_string()))?;
    match results {
        QueryResults::Solutions(solutions) => {
            let (media, format) = pick_results_format(req, accept)?;
            let variables = solutions.variables().to_vec();
            let mut w = QueryResultsSerializer::from_format(format)
                .serialize_solutions_to_writer(Capped::new(caps.bytes), variables)
                .map_err(|e| write_error(&e, caps.bytes))?;
            let mut n = 0;
            for s in solutions {
                let row = s.map_err(|e| eval_error(&e.to_string()))?;
                if stop.is_cancelled() {
                    return Err(stopped());
                }
                n += 1;
                if n > cap {
                    return Err(too_many(cap, "rows"));
                }
                w.serialize(&row).map_err(|e| write_error(&e, caps.bytes))?;
            }
            let body = w.finish().map_err(|e| write_error(&e, caps.bytes))?;
            Ok((media, body.0))
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
            let mut w = crate::export::serializer(format).for_writer(Capped::new(caps.bytes));
            let mut n = 0;
            for t in triples {
                let t = t.map_err(|e| eval_error(&e.to_string()))?;
                if stop.is_cancelled() {
                    return Err(stopped());
                }
                n += 1;
                if n > cap {
                    return Err(too_many(cap, "triples"));
                }
                w.serialize_triple(&t)
                    .map_err(|e| write_error(&e, caps.bytes))?;
            }
            let body = w.finish().map_err(|e| write_error(&e, caps.bytes))?;
            Ok((media, body.0))
        }
    }
}

/// The answer being written, refusing to grow past a limit.
struct Capped(Vec<u8>, usize);

impl Capped {
    fn new(limit: usize) -> Self {
        Self(Vec::new(), limit)
    }
}

/// The message of the error [`Capped`] returns.
const ANSWER_TOO_LARGE: &str = "the answer is larger than sparql.max_result_bytes";

impl std::io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.0.len() + buf.len() > self.1 {
            return Err(std::io::Error::other(ANSWER_TOO_LARGE));
        }
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn write_error(e: &std::io::Error, limit: usize) -> ApiError {
    if e.to_string().contains(ANSWER_TOO_LARGE) {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the answer is larger than {} (sparql.max_result_bytes); add a LIMIT or narrow the query",
                bytesize::ByteSize::b(limit as u64)
            ),
        )
    } else {
        ApiError::internal(e.to_string())
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
