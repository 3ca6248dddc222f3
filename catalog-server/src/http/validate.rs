//! HTTP for data stewards: validate an uploaded document, read the stored
//! validation report of a record.
//!
//! * `POST /api/validate?profile=P&format=json|turtle`: the body is an RDF
//!   document in any syntax (Content-Type, sniffed when missing or wrong),
//!   at most `http.max_upload`. At most `http.validate_concurrency` uploads
//!   are validated at once (the slot is taken before the body is read, so
//!   memory stays bounded; beyond it 503 with `Retry-After`). Each runs on a
//!   thread of its own, off the async runtime, and is awaited at most
//!   `http.validate_timeout`. SHACL validation cannot be interrupted, so a
//!   validation that timed out runs on to its end and keeps its slot until
//!   then: timed-out validations cannot pile up.
//! * `GET /api/datasets/{rid}/validation?format=json|turtle`: the stored
//!   `sh:ValidationReport` of a record with its counts.

use super::limits::{Busy, Slot};
use super::{ApiError, AppState};
use crate::store::vocab::{cat, graphs};
use crate::validation::{
    preferred_message_of, report_turtle, ReportFormat, ReportView, ResultView,
};
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use oxigraph::model::{GraphNameRef, NamedNodeRef, NamedOrBlankNode, Term};
use oxrdf::Graph;
use std::collections::HashMap;
use std::sync::Arc;

const SH: &str = "http://www.w3.org/ns/shacl#";

/// A term of the SHACL namespace, from its full IRI.
fn sh(iri: &str) -> NamedNodeRef<'_> {
    NamedNodeRef::new_unchecked(iri)
}

/// The answer format: `format=` wins, then the Accept header; JSON by default.
fn answer_format(
    query: &HashMap<String, String>,
    headers: &HeaderMap,
) -> Result<ReportFormat, ApiError> {
    if let Some(f) = query.get("format") {
        return match f.parse::<ReportFormat>() {
            Ok(ReportFormat::Text) | Err(_) => Err(ApiError::bad_request(format!(
                "parameter format: {f:?} is not supported here (json or turtle)"
            ))),
            Ok(f) => Ok(f),
        };
    }
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    Ok(if accept.contains("text/turtle") {
        ReportFormat::Turtle
    } else {
        ReportFormat::Json
    })
}

fn respond(format: ReportFormat, body: String) -> Response {
    let ct = match format {
        ReportFormat::Turtle => "text/turtle; charset=utf-8",
        ReportFormat::Json => "application/json",
        ReportFormat::Text => "text/plain; charset=utf-8",
    };
    ([(header::CONTENT_TYPE, ct)], body).into_response()
}

/// A validation slot of `POST /api/validate`, taken before the body is
/// read; the request is refused (503, `Retry-After`) when none is free.
pub struct ValidationSlot(Slot);

impl FromRequestParts<Arc<AppState>> for ValidationSlot {
    type Rejection = Busy;

    async fn from_request_parts(
        _: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        state.limits.validations.try_take().map(ValidationSlot)
    }
}

/// `POST /api/validate`
#[utoipa::path(
    post,
    path = "/api/validate",
    tag = "validation",
    params(
        ("profile" = Option<String>, Query, description = "The validation profile (default dcat-ap-de-3; shipped: dcat-ap-3, dcat-ap-de-3, dcat-ap-2.1.1, dcat-ap-de-2, dcat-ap-de-2-konventionen)."),
        ("format" = Option<String>, Query, pattern = "^([Jj][Ss][Oo][Nn]|[Tt][Uu][Rr][Tt][Ll][Ee]|[Tt][Tt][Ll])$", description = "The report's format, overriding the Accept header: json (default) or turtle."),
    ),
    request_body(description = "An RDF document, at most http.max_upload bytes. Its syntax comes from the Content-Type, and is sniffed when that is missing, wrong or says nothing (application/octet-stream, text/plain, a form): a body of any media type is read as whichever RDF syntax it is in, so no schema constrains it.", content(
        (serde_json::Value = "text/turtle"),
        (serde_json::Value = "application/rdf+xml"),
        (serde_json::Value = "application/ld+json"),
        (serde_json::Value = "application/n-triples"),
        (serde_json::Value = "application/n-quads"),
        (serde_json::Value = "application/trig"),
        (serde_json::Value = "application/octet-stream"),
    )),
    responses(
        (status = 200, description = "The validation report.", content(
            (ReportView = "application/json"),
            (String = "text/turtle"),
        )),
        (status = 400, description = "An empty or unparsable body, an unknown profile or parameter.", body = ApiError, content_type = "text/plain"),
        (status = 408, description = "The body did not arrive within http.body_timeout.", body = ApiError, content_type = "text/plain"),
        (status = 413, description = "The body is larger than http.max_upload.", body = ApiError, content_type = "text/plain"),
        (status = 500, description = "The validation failed.", body = ApiError, content_type = "text/plain"),
        (status = 503, description = "http.validate_concurrency uploads are being validated already (with Retry-After), or this one took longer than http.validate_timeout.", body = ApiError, content_type = "text/plain",
            headers(("Retry-After" = String, description = "Seconds to wait, when busy."))),
    )
)]
pub async fn validate_upload(
    State(state): State<Arc<AppState>>,
    ValidationSlot(slot): ValidationSlot,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let format = answer_format(&query, &headers)?;
    if let Some(k) = query
        .keys()
        .find(|k| !matches!(k.as_str(), "profile" | "format"))
    {
        return Err(ApiError::bad_request(format!(
            "unknown parameter {k:?} (profile, format)"
        )));
    }
    if body.is_empty() {
        return Err(ApiError::bad_request(
            "the request body is empty: send an RDF document (Turtle, RDF/XML, JSON-LD, N-Triples...)",
        ));
    }
    let profile_name = query
        .get("profile")
        .cloned()
        .unwrap_or_else(|| "dcat-ap-de-3".to_owned());
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        // Form posts and curl's default say nothing about the syntax.
        .filter(|m| {
            !m.starts_with("application/x-www-form-urlencoded")
                && !m.starts_with("application/octet-stream")
                && !m.starts_with("text/plain")
        });
    let result = run_validation(&state, slot, body, media_type, profile_name, format).await?;
    Ok(respond(format, result))
}

/// Validates a document against a profile on a thread of its own (holding
/// `slot` until the validation ends), awaited at most
/// `http.validate_timeout`; the report rendered in `format`. Used by
/// `POST /api/validate` and the validate page.
pub(crate) async fn run_validation(
    state: &AppState,
    slot: Slot,
    body: Bytes,
    media_type: Option<String>,
    profile_name: String,
    format: ReportFormat,
) -> Result<String, ApiError> {
    let profiles = state.harvesting().profiles.clone();
    let work = move || -> Result<String, ApiError> {
        let profile = match profiles.get(&profile_name) {
            Ok(Some(p)) => p,
            Ok(None) => {
                return Err(ApiError::bad_request(
                    "parameter profile: \"none\" validates nothing; choose a profile",
                ))
            }
            Err(e) => {
                return Err(match e {
                    crate::validation::ProfileError::Unknown { .. } => {
                        ApiError::bad_request(format!("parameter profile: {e}"))
                    }
                    other => ApiError::internal(other.to_string()),
                })
            }
        };
        let parsed = crate::validation::parse_rdf(&body, media_type.as_deref(), "request body")
            .map_err(ApiError::bad_request)?;
        let report = profile
            .check_document(&parsed.triples)
            .map_err(ApiError::internal)?;
        profile
            .render(&report, "request body", format, &parsed.repairs)
            .map_err(ApiError::internal)
    };
    let timeout = state.limits.config.validate_timeout;
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("validate-upload".into())
        .spawn(move || {
            // The slot is freed when the work ends, not when the request does.
            let _slot = slot;
            let _ = tx.send(work());
        })
        .map_err(|e| ApiError::internal(format!("cannot start the validation: {e}")))?;
    match tokio::time::timeout(timeout, rx).await {
        Ok(Ok(result)) => result,
        Ok(Err(_)) => Err(ApiError::internal("the validation failed unexpectedly")),
        Err(_) => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "the validation took longer than the limit of {} s (http.validate_timeout): \
                     validate a document this large with `catalog-server validate`",
                timeout.as_secs_f64()
            ),
        )),
    }
}

/// `GET /api/datasets/{rid}/validation`
#[utoipa::path(
    get,
    path = "/api/datasets/{rid}/validation",
    tag = "datasets",
    params(
        ("rid" = String, Path, pattern = "^[0-9a-fA-F]{1,64}$", description = "The record id (hex), as in search hits."),
        ("format" = Option<String>, Query, pattern = "^([Jj][Ss][Oo][Nn]|[Tt][Uu][Rr][Tt][Ll][Ee]|[Tt][Tt][Ll])$", description = "The report's format, overriding the Accept header: json (default) or turtle."),
    ),
    responses(
        (status = 200, description = "The stored validation report of the record.", content(
            (StoredView = "application/json"),
            (String = "text/turtle"),
        )),
        (status = 400, description = "Not a record id, or an unknown format.", body = ApiError, content_type = "text/plain"),
        (status = 404, description = "No dataset with this id, or it has no validation report.", body = ApiError, content_type = "text/plain"),
        (status = 500, description = "The store failed.", body = ApiError, content_type = "text/plain"),
    )
)]
pub async fn stored_report(
    State(state): State<Arc<AppState>>,
    Path(rid): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let format = answer_format(&query, &headers)?;
    if rid.is_empty() || rid.len() > 64 || !rid.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(ApiError::bad_request(format!(
            "dataset id {rid:?}: expected the record id (hex), as in search results"
        )));
    }
    let store = state.store.clone();
    let (graph, summary) = tokio::task::spawn_blocking(move || read_report(&store, &rid))
        .await
        .map_err(|e| ApiError::internal(format!("reading the report failed: {e}")))??;
    match format {
        ReportFormat::Turtle => Ok(respond(
            format,
            report_turtle(&graph).map_err(ApiError::internal)?,
        )),
        _ => {
            let view = view_of(&graph, summary);
            let body = serde_json::to_string_pretty(&view)
                .map_err(|e| ApiError::internal(e.to_string()))?;
            Ok(respond(ReportFormat::Json, body))
        }
    }
}

/// What the record's meta says about its validation.
struct Summary {
    rid: String,
    dataset: String,
    source: String,
    validated_with: String,
}

fn read_report(
    store: &crate::store::CatalogStore,
    rid: &str,
) -> Result<(Graph, Summary), ApiError> {
    let oxi = store.oxigraph();
    let record = graphs::record(rid);
    // The record's meta graph: any graph holding `<record> cat:source ?s`.
    let mut meta = None;
    for q in oxi.quads_for_pattern(Some(record.as_ref().into()), Some(cat::SOURCE), None, None) {
        let q = q.map_err(|e| ApiError::internal(e.to_string()))?;
        if let Term::Literal(l) = &q.object {
            meta = Some((q.graph_name.clone(), l.value().to_owned()));
            break;
        }
    }
    let Some((meta_graph, source)) = meta else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no dataset with id {rid}"),
        ));
    };
    let value_of = |p: NamedNodeRef<'_>| -> Result<Option<Term>, ApiError> {
        oxi.quads_for_pattern(
            Some(record.as_ref().into()),
            Some(p),
            None,
            Some(meta_graph.as_ref()),
        )
        .next()
        .transpose()
        .map(|q| q.map(|q| q.object))
        .map_err(|e| ApiError::internal(e.to_string()))
    };
    let validated_with = match value_of(cat::VALIDATED_WITH)? {
        Some(Term::Literal(l)) => l.value().to_owned(),
        _ => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                format!(
                    "dataset {rid} has no validation report (its source's profile is \"none\", \
                     or it was stored before validation was enabled and has not changed since)"
                ),
            ))
        }
    };
    let dataset = match value_of(harvester::vocab::foaf::PRIMARY_TOPIC)? {
        Some(Term::NamedNode(n)) => n.as_str().to_owned(),
        _ => String::new(),
    };
    let vg = graphs::validation(rid);
    let mut graph = Graph::new();
    for q in oxi.quads_for_pattern(None, None, None, Some(GraphNameRef::NamedNode(vg.as_ref()))) {
        let q = q.map_err(|e| ApiError::internal(e.to_string()))?;
        graph.insert(oxrdf::TripleRef::new(&q.subject, &q.predicate, &q.object));
    }
    Ok((
        graph,
        Summary {
            rid: rid.to_owned(),
            dataset,
            source,
            validated_with,
        },
    ))
}

/// A record's stored validation report.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct StoredView {
    pub(crate) id: String,
    pub(crate) dataset: String,
    pub(crate) source: String,
    /// `{profile}@{fingerprint}` the record was validated with.
    pub(crate) validated_with: String,
    #[serde(flatten)]
    pub(crate) report: ReportView,
}

/// A record's stored validation report as the JSON view (404 when it has
/// none).
pub(crate) fn stored_view(
    store: &crate::store::CatalogStore,
    rid: &str,
) -> Result<StoredView, ApiError> {
    let (graph, summary) = read_report(store, rid)?;
    Ok(view_of(&graph, summary))
}

/// The stored report graph as the JSON view.
fn view_of(graph: &Graph, s: Summary) -> StoredView {
    let term = |t: oxrdf::TermRef<'_>| -> String {
        match t {
            oxrdf::TermRef::NamedNode(n) => n.as_str().to_owned(),
            oxrdf::TermRef::BlankNode(b) => format!("_:{}", b.as_str()),
            oxrdf::TermRef::Literal(l) => l.to_string(),
        }
    };
    let iri = |local: &str| format!("{SH}{local}");
    let (p_result, p_focus, p_path, p_value, p_sev, p_shape, p_comp, p_msg, p_conforms) = (
        iri("result"),
        iri("focusNode"),
        iri("resultPath"),
        iri("value"),
        iri("resultSeverity"),
        iri("sourceShape"),
        iri("sourceConstraintComponent"),
        iri("resultMessage"),
        iri("conforms"),
    );
    let conforms = graph
        .triples_for_predicate(sh(&p_conforms))
        .any(|t| matches!(t.object, oxrdf::TermRef::Literal(l) if l.value() == "true"));
    let mut results = Vec::new();
    for t in graph.triples_for_predicate(sh(&p_result)) {
        let r: NamedOrBlankNode = match t.object {
            oxrdf::TermRef::BlankNode(b) => b.into_owned().into(),
            oxrdf::TermRef::NamedNode(n) => n.into_owned().into(),
            _ => continue,
        };
        let one = |p: &str| graph.object_for_subject_predicate(&r, sh(p));
        let path = one(&p_path).map(|p| match p {
            oxrdf::TermRef::NamedNode(n) => format!("<{}>", n.as_str()),
            oxrdf::TermRef::BlankNode(b) => shacl::Path::from_graph(graph, b.into())
                .map(|p| p.to_string())
                .unwrap_or_else(|_| "(complex path)".to_owned()),
            oxrdf::TermRef::Literal(l) => l.value().to_owned(),
        });
        let messages: Vec<oxrdf::Literal> = graph
            .objects_for_subject_predicate(&r, sh(&p_msg))
            .filter_map(|m| match m {
                oxrdf::TermRef::Literal(l) => Some(l.into_owned()),
                _ => None,
            })
            .collect();
        let severity = one(&p_sev)
            .map(term)
            .map(|s| s.strip_prefix(SH).map(str::to_owned).unwrap_or(s))
            .unwrap_or_else(|| "Violation".to_owned());
        results.push(ResultView {
            focus_node: one(&p_focus).map(term).unwrap_or_default(),
            path,
            value: one(&p_value).map(term),
            severity,
            source_shape: one(&p_shape).map(term).unwrap_or_default(),
            constraint_component: one(&p_comp).map(term).unwrap_or_default(),
            message: preferred_message_of(&messages).unwrap_or_default(),
            messages: messages
                .iter()
                .map(|m| crate::validation::MessageView {
                    text: m.value().to_owned(),
                    language: m.language().map(str::to_owned),
                })
                .collect(),
        });
    }
    let profile = s
        .validated_with
        .split('@')
        .next()
        .unwrap_or_default()
        .to_owned();
    StoredView {
        id: s.rid,
        dataset: s.dataset,
        source: s.source,
        validated_with: s.validated_with,
        report: ReportView::from_results(&profile, conforms, results),
    }
}
