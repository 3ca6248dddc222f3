//! The dataset views: `GET /api/datasets/{id}` (JSON: the indexed
//! description with provenance and validation counts) and
//! `GET /datasets/{id}` (the record's exact graph as RDF, by content
//! negotiation).

use super::error::negotiate_rdf;
use super::{ApiError, AppState};
use crate::store::vocab::{cat, graphs};
use crate::store::StoredRecord;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use catalog_search::extract::format_time;
use catalog_search::extract::{DistributionView, Text};
use catalog_search::BBox;
use harvester::vocab::{dct, foaf};
use oxigraph::io::RdfFormat;
use oxigraph::model::{GraphName, Term};
use serde::Serialize;
use std::sync::Arc;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(dataset_json))
        .routes(routes!(dataset_rdf))
}

/// The JSON view of a dataset (`GET /api/datasets/{id}`).
#[derive(Debug, Serialize, ToSchema)]
pub struct DatasetView {
    /// The record id.
    pub id: String,
    /// The dataset's IRI.
    pub dataset: String,
    /// The display title: German (or untagged) first, then English, then any.
    pub title: String,
    pub description: String,
    pub titles: Vec<Text>,
    pub descriptions: Vec<Text>,
    pub keywords: Vec<String>,
    pub publisher: Option<String>,
    pub themes: Vec<String>,
    pub formats: Vec<String>,
    pub licenses: Vec<String>,
    pub geocoding: Vec<String>,
    /// High-value dataset categories (`dcatap:hvdCategory`, IRIs of
    /// `http://data.europa.eu/bna/`).
    pub hvd_categories: Vec<String>,
    /// `dcatap:applicableLegislation` (IRIs; the HVD regulation is
    /// `http://data.europa.eu/eli/reg_impl/2023/138/oj`).
    pub applicable_legislation: Vec<String>,
    /// `dct:issued` (RFC 3339).
    pub issued: Option<String>,
    /// `dct:modified` (RFC 3339).
    pub modified: Option<String>,
    /// `dct:temporal`, when the dataset has one.
    pub temporal: Option<Temporal>,
    pub bbox: Option<BBox>,
    pub distributions: Vec<DistributionView>,
    /// The source (municipality catalog) id.
    pub source: String,
    pub source_title: String,
    /// The metadata quality score (data.europa.eu's MQA); null when the
    /// record was not validated (its source's profile is `none`).
    pub quality: Option<super::quality::QualityView>,
    pub catalog_record: CatalogRecordView,
    /// The record id of the record shown instead of this one, when this
    /// one is a duplicate of another source's record (it is then left out
    /// of the catalog endpoint and of search).
    pub duplicate_of: Option<String>,
    /// The other published records of the same dataset (same
    /// `dct:identifier` or dataset IRI) in other sources or this one.
    pub also_published: Vec<OtherRecord>,
    pub links: DatasetLinks,
}

/// Another record of the same dataset.
#[derive(Debug, Serialize, ToSchema)]
pub struct OtherRecord {
    /// Its record id (`/api/datasets/{id}`).
    pub id: String,
    pub source: String,
    /// Its dataset IRI.
    pub dataset: String,
    /// The winner's record id when it is a duplicate.
    pub duplicate_of: Option<String>,
}

/// A temporal coverage; either end may be open.
#[derive(Debug, Serialize, ToSchema)]
pub struct Temporal {
    pub start: Option<String>,
    pub end: Option<String>,
}

/// The catalog's provenance of a record.
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogRecordView {
    /// Always `published` (withdrawn records are answered 410).
    pub status: String,
    /// SHA-256 of the record's canonical N-Triples.
    pub content_hash: String,
    /// The page the record was harvested from.
    pub page: String,
    pub first_harvested: Option<String>,
    pub last_changed: Option<String>,
}

/// The record's RDF views.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatasetLinks {
    pub rdf: String,
    pub turtle: String,
    pub rdfxml: String,
    pub jsonld: String,
    pub ntriples: String,
}

/// A record looked up by id, with its provenance.
struct Found {
    record: StoredRecord,
    status: String,
    first_harvest: Option<String>,
    last_change: Option<String>,
}

fn check_id(id: &str) -> Result<(), ApiError> {
    if id.len() == 20
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "dataset id {id:?}: expected the 20 lowercase hex digits of a record id (as in search hits)"
        )))
    }
}

fn lookup(state: &AppState, id: &str) -> Result<Found, ApiError> {
    let store = state.store.oxigraph();
    let node = graphs::record(id);
    let mut found: Option<Found> = None;
    let internal = |e: oxigraph::store::StorageError| ApiError::internal(format!("store: {e}"));
    for q in store.quads_for_pattern(Some(node.as_ref().into()), None, None, None) {
        let q = q.map_err(internal)?;
        let GraphName::NamedNode(g) = &q.graph_name else {
            continue;
        };
        let Some(source) = g.as_str().strip_prefix(graphs::META_PREFIX) else {
            continue;
        };
        let f = found.get_or_insert_with(|| Found {
            record: StoredRecord {
                rid: id.to_owned(),
                source: source.to_owned(),
                dataset: String::new(),
                hash: String::new(),
                page_url: String::new(),
                harvested: String::new(),
            },
            status: String::new(),
            first_harvest: None,
            last_change: None,
        });
        let value = match &q.object {
            Term::NamedNode(n) => n.as_str().to_owned(),
            Term::Literal(l) => l.value().to_owned(),
            Term::BlankNode(b) => b.as_str().to_owned(),
        };
        let p = q.predicate.as_ref();
        if p == cat::CONTENT_HASH {
            f.record.hash = value;
        } else if p == cat::STATUS {
            f.status = value;
        } else if p == foaf::PRIMARY_TOPIC {
            f.record.dataset = value;
        } else if p == dct::ISSUED {
            f.first_harvest = Some(value);
        } else if p == dct::MODIFIED {
            f.last_change = Some(value);
        } else if p == harvester::vocab::prov::WAS_DERIVED_FROM {
            f.record.page_url = value;
        }
    }
    let Some(f) = found else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no dataset with id {id}"),
        ));
    };
    if f.status != "published" {
        return Err(ApiError::new(
            StatusCode::GONE,
            format!(
                "dataset {id} ({}) was withdrawn from the catalog",
                f.record.dataset
            ),
        ));
    }
    Ok(f)
}

/// A dataset's description as JSON.
#[utoipa::path(
    get,
    path = "/api/datasets/{id}",
    tag = "datasets",
    params(("id" = String, Path, pattern = "^[0-9a-f]{20}$", description = "The record id: 20 lowercase hex digits, as in search hits.")),
    responses(
        (status = 200, description = "The dataset as indexed, with provenance.", body = DatasetView),
        (status = 400, description = "Not a record id.", body = ApiError, content_type = "text/plain"),
        (status = 404, description = "No dataset with this id.", body = ApiError, content_type = "text/plain"),
        (status = 410, description = "The dataset was withdrawn from the catalog.", body = ApiError, content_type = "text/plain"),
        (status = 500, description = "The store failed.", body = ApiError, content_type = "text/plain"),
    )
)]
async fn dataset_json(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Response {
    if let Err(e) = check_id(&id) {
        return e.into_response();
    }
    let st = state.clone();
    let result = tokio::task::spawn_blocking(move || load_view(&st, &id).map(|(v, _)| v)).await;
    match result {
        Ok(Ok(v)) => axum::Json(v).into_response(),
        Ok(Err(e)) => e.into_response(),
        Err(e) => ApiError::internal(e.to_string()).into_response(),
    }
}

/// A dataset's view (what `/api/datasets/{id}` answers) and its exact
/// graph, read from the store.
pub(crate) fn load_view(
    st: &AppState,
    id: &str,
) -> Result<(DatasetView, Vec<oxigraph::model::Triple>), ApiError> {
    let f = lookup(st, id)?;
    let triples = st
        .store
        .exact_graph(&f.record)
        .map_err(|e| ApiError::internal(format!("reading dataset {id}: {e}")))?;
    let group = st
        .store
        .dedup_group(id)
        .map_err(|e| ApiError::internal(format!("reading the records of dataset {id}: {e}")))?;
    let duplicate_of = group
        .iter()
        .find(|m| m.rid == id)
        .and_then(|m| m.duplicate_of.clone());
    let also_published = group
        .into_iter()
        .filter(|m| m.rid != id && m.status == "published")
        .map(|m| OtherRecord {
            id: m.rid,
            source: m.source,
            dataset: m.dataset,
            duplicate_of: m.duplicate_of,
        })
        .collect();
    let titles = crate::search_index::SourceTitles::from_config(&st.config());
    let d = catalog_search::extract(
        &catalog_search::RecordInfo {
            rid: id,
            hash: &f.record.hash,
            dataset: &f.record.dataset,
            source: &f.record.source,
            source_title: titles.get(&f.record.source),
        },
        &triples,
    );
    let view = DatasetView {
        title: d.title(),
        description: d.description(),
        keywords: d.keyword_values(),
        dataset: d.dataset,
        titles: d.titles,
        descriptions: d.descriptions,
        publisher: d.publisher,
        themes: d.themes,
        formats: d.formats,
        licenses: d.licenses,
        geocoding: d.geocoding,
        hvd_categories: d.hvd_categories,
        applicable_legislation: d.applicable_legislation,
        issued: d.issued.map(format_time),
        modified: d.modified.map(format_time),
        temporal: d.has_temporal.then(|| Temporal {
            start: d.temporal_start.map(format_time),
            end: d.temporal_end.map(format_time),
        }),
        bbox: d.bbox,
        distributions: d.distributions,
        source: d.source,
        source_title: d.source_title,
        quality: super::quality::dataset_quality(
            &st.store,
            id,
            &f.record.source,
            &f.record.dataset,
        )?,
        catalog_record: CatalogRecordView {
            status: f.status,
            content_hash: f.record.hash,
            page: f.record.page_url,
            first_harvested: f.first_harvest,
            last_changed: f.last_change,
        },
        duplicate_of,
        also_published,
        links: DatasetLinks {
            rdf: format!("/datasets/{id}"),
            turtle: format!("/datasets/{id}?format=ttl"),
            rdfxml: format!("/datasets/{id}?format=rdf"),
            jsonld: format!("/datasets/{id}?format=jsonld"),
            ntriples: format!("/datasets/{id}?format=nt"),
        },
        id: id.to_owned(),
    };
    Ok((view, triples))
}

/// Whether the `Accept` header ranks HTML above every RDF syntax (a
/// browser's does; `*/*` and RDF clients get RDF as before).
fn prefers_html(headers: &HeaderMap) -> bool {
    let offered: Vec<&str> = crate::export::RDF_MEDIA_TYPES
        .iter()
        .map(|(m, _)| *m)
        .collect();
    super::web::prefers_html(headers, &offered)
}

/// A dataset's exact graph, as harvested, in the RDF syntax of `format`
/// or else of the `Accept` header (Turtle by default); for a browser
/// (HTML preferred, no `format`) the dataset's web page.
#[utoipa::path(
    get,
    path = "/datasets/{id}",
    tag = "datasets",
    params(
        ("id" = String, Path, pattern = "^[0-9a-f]{20}$", description = "The record id: 20 lowercase hex digits, as in search hits."),
        ("format" = Option<String>, Query, description = "The syntax, overriding the Accept header: ttl (or turtle), rdf (xml, rdfxml), jsonld (json-ld), nt (ntriples).", pattern = "^(ttl|turtle|rdf|xml|rdfxml|jsonld|json-ld|nt|ntriples)$"),
    ),
    responses(
        (status = 200, description = "The record's graph.", content(
            (String = "text/turtle"),
            (String = "application/rdf+xml"),
            (serde_json::Value = "application/ld+json"),
            (String = "application/n-triples"),
            (String = "text/html"),
        )),
        (status = 400, description = "Not a record id, an unknown format or another parameter.", body = ApiError, content_type = "text/plain"),
        (status = 404, description = "No dataset with this id.", body = ApiError, content_type = "text/plain"),
        (status = 406, description = "None of the accepted media types can be produced.", body = ApiError, content_type = "text/plain"),
        (status = 410, description = "The dataset was withdrawn from the catalog.", body = ApiError, content_type = "text/plain"),
        (status = 500, description = "The store failed.", body = ApiError, content_type = "text/plain"),
    )
)]
async fn dataset_rdf(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    if let Err(e) = check_id(&id) {
        return e.into_response();
    }
    let raw = raw.unwrap_or_default();
    let has_format = url::form_urlencoded::parse(raw.as_bytes()).any(|(k, _)| k == "format");
    if !has_format && prefers_html(&headers) {
        return super::web::pages::dataset_page(state, id, headers, raw).await;
    }
    let mut format_name: Option<String> = None;
    for (k, v) in url::form_urlencoded::parse(raw.as_bytes()) {
        match k.as_ref() {
            "format" => format_name = Some(v.into_owned()),
            other => {
                return ApiError::bad_request(format!(
                    "unknown parameter '{other}': only 'format' (ttl, rdf, jsonld, nt) is accepted"
                ))
                .into_response()
            }
        }
    }
    let short = match format_name {
        Some(name) => match name.as_str() {
            "ttl" | "turtle" => "ttl",
            "rdf" | "xml" | "rdfxml" => "rdf",
            "jsonld" | "json-ld" => "jsonld",
            "nt" | "ntriples" => "nt",
            other => {
                return ApiError::bad_request(format!(
                    "parameter 'format': {other:?} is not one of ttl, rdf, jsonld, nt"
                ))
                .into_response()
            }
        },
        None => match negotiate_rdf(&headers) {
            Ok(short) => short,
            Err(e) => return e.into_response(),
        },
    };
    let format = crate::export::format_by_name(short).unwrap_or(RdfFormat::Turtle);
    let st = state.clone();
    let result = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, ApiError> {
        let f = lookup(&st, &id)?;
        let triples = st
            .store
            .exact_graph(&f.record)
            .map_err(|e| ApiError::internal(format!("reading dataset {id}: {e}")))?;
        let mut w = crate::export::serializer(format).for_writer(Vec::new());
        for t in &triples {
            w.serialize_triple(t)
                .map_err(|e| ApiError::internal(e.to_string()))?;
        }
        w.finish().map_err(|e| ApiError::internal(e.to_string()))
    })
    .await;
    match result {
        Ok(Ok(body)) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, format.media_type()),
                (header::VARY, "Accept"),
            ],
            body,
        )
            .into_response(),
        Ok(Err(e)) => e.into_response(),
        Err(e) => ApiError::internal(e.to_string()).into_response(),
    }
}
