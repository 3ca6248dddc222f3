//! Metadata quality (data.europa.eu's MQA score) as stored by the harvest:
//! the `quality` member of `GET /api/datasets/{id}` and
//! `GET /api/sources/{id}/quality` (mean score, band counts, pass rate per
//! metric over the source's published records, the trend over its runs)
//! and `GET /api/quality/publishers` (the same per publisher, over the
//! datasets in search).
//!
//! Score, band and points per metric come from the record's meta
//! (`cat:qualityScore`, `cat:qualityBand`, `cat:qualityPoints`); the
//! dataset view adds each measurement's `dqv:value` from the report graph
//! and each distribution link's last check from the link checker's graph
//! (`urn:dcat-catalog:links`); the source view lists the broken links.

use super::{ApiError, AppState};
use crate::harvest::QualityTally;
use crate::store::vocab::{cat, graphs};
use crate::store::{CatalogStore, LinkResult, StoreError};
use crate::validation::quality::{parse_points, Band, Dimension, Metric, DQV_NS, PV};
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::Json;
use oxigraph::model::{GraphNameRef, NamedNode, NamedNodeRef, Term};
use oxigraph::store::{StorageError, Store};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(source_quality))
        .routes(routes!(publishers_quality))
}

fn internal(e: StorageError) -> ApiError {
    ApiError::internal(format!("store: {e}"))
}

fn store_failed(e: StoreError) -> ApiError {
    ApiError::internal(format!("store: {e}"))
}

/// A distribution link and its last check.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkView {
    pub url: String,
    /// `accessURL` or `downloadURL`.
    pub property: &'static str,
    /// The distribution that names the link (IRI or blank node).
    pub distribution: String,
    /// The final HTTP status after redirects; absent when there was no
    /// answer or the link is not checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Whether the link counts as available (2xx, 3xx); absent when not
    /// checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ok: Option<bool>,
    /// When it was checked (xsd:dateTime); absent when not checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checked: Option<String>,
    /// Why there was no answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A broken link of a source: its last answer and the datasets that name it.
#[derive(Debug, Serialize, ToSchema)]
pub struct BrokenLinkView {
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub checked: String,
    /// The IRIs of the source's published datasets with a distribution
    /// naming the link.
    pub datasets: Vec<String>,
}

/// The links of a source's published records by their last check.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct LinkCounts {
    /// Distinct http(s) links.
    pub urls: usize,
    pub ok: usize,
    pub broken: usize,
    pub not_checked: usize,
}

/// One metric of a dataset's score.
#[derive(Debug, Serialize, ToSchema)]
pub struct MetricView {
    pub points: u32,
    pub max: u32,
    #[schema(value_type = String)]
    pub dimension: Dimension,
    /// The measured value: `true`/`false`, or a link's HTTP status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<MeasuredValue>,
    /// `not checked` (links not checked yet), `no distribution`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'static str>,
}

/// A stored `dqv:value`: a boolean, an HTTP status, or (for a value this
/// version does not write) its text.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum MeasuredValue {
    Bool(bool),
    Status(u64),
    Text(String),
}

/// A dataset's metadata quality score.
#[derive(Debug, Serialize, ToSchema)]
pub struct QualityView {
    pub score: u32,
    pub max: u32,
    /// Excellent, Good, Sufficient or Bad.
    pub band: String,
    /// Every metric by piveau's name.
    pub metrics: BTreeMap<String, MetricView>,
    /// The distributions' links (access and download URLs) with their
    /// last check.
    pub links: Vec<LinkView>,
}

/// One metric over a source's records.
#[derive(Debug, Serialize, ToSchema)]
pub struct MetricSummary {
    pub max: u32,
    /// Records that get the metric's full points.
    pub passed: u64,
    /// `passed` of the scored records (three decimals); null when none is scored.
    pub pass_rate: Option<f64>,
}

/// A source's metadata quality.
#[derive(Debug, Serialize, ToSchema)]
pub struct SourceQualityView {
    pub source: String,
    /// Published records.
    pub records: usize,
    /// Published records with a score (validated ones).
    pub scored: u64,
    pub mean_score: Option<f64>,
    pub max: u32,
    /// Scored records per band.
    pub bands: BTreeMap<&'static str, u64>,
    pub metrics: BTreeMap<String, MetricSummary>,
    /// The links of the published records by their last check.
    pub links: LinkCounts,
    /// The links whose last check failed, by URL.
    pub broken_links: Vec<BrokenLinkView>,
    /// The quality at the end of each kept run that scored records,
    /// oldest first.
    pub trend: Vec<TrendPoint>,
}

/// A source's quality at the end of one run.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrendPoint {
    pub run: String,
    /// When the run ended (xsd:dateTime).
    pub ended: Option<String>,
    pub scored: u64,
    pub mean_score: Option<f64>,
    /// Scored records per band.
    pub bands: BTreeMap<&'static str, u64>,
}

/// Runs read for the trend (at most the runs the store keeps).
const TREND_RUNS: usize = 100;

/// The trend of a source's quality over its kept runs, oldest first.
fn trend(catalog: &CatalogStore, source: &str) -> Result<Vec<TrendPoint>, ApiError> {
    let mut out: Vec<TrendPoint> = catalog
        .runs(source, TREND_RUNS)
        .map_err(store_failed)?
        .into_iter()
        .filter_map(|r| {
            let t = QualityTally::from_counts(&r.counts)?;
            Some(TrendPoint {
                mean_score: t.mean(),
                scored: t.scored,
                bands: [
                    (Band::Excellent.name(), t.excellent),
                    (Band::Good.name(), t.good),
                    (Band::Sufficient.name(), t.sufficient),
                    (Band::Bad.name(), t.bad),
                ]
                .into_iter()
                .collect(),
                run: r.id,
                ended: r.ended,
            })
        })
        .collect();
    out.sort_by(|a, b| a.run.cmp(&b.run));
    Ok(out)
}

/// A record's meta: score, band and points by metric (`None`: not scored).
struct Scored {
    score: u32,
    band: String,
    points: Vec<(Metric, u32)>,
}

fn meta_graph(source: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{}{source}", graphs::META_PREFIX))
}

fn scored(store: &Store, rid: &str, source: &str) -> Result<Option<Scored>, ApiError> {
    let meta = meta_graph(source);
    let record = graphs::record(rid);
    let g = GraphNameRef::NamedNode(meta.as_ref());
    let one = |p: NamedNodeRef<'_>| -> Result<Option<String>, ApiError> {
        match store
            .quads_for_pattern(Some(record.as_ref().into()), Some(p), None, Some(g))
            .next()
            .transpose()
            .map_err(internal)?
        {
            Some(q) => Ok(match q.object {
                Term::Literal(l) => Some(l.value().to_owned()),
                _ => None,
            }),
            None => Ok(None),
        }
    };
    let score = one(cat::QUALITY_SCORE)?.and_then(|s| s.parse().ok());
    let band = one(cat::QUALITY_BAND)?;
    let points = one(cat::QUALITY_POINTS)?.and_then(|p| parse_points(&p));
    Ok(match (score, band, points) {
        (Some(score), Some(band), Some(points)) => Some(Scored {
            score,
            band,
            points,
        }),
        _ => None,
    })
}

/// A stored measurement: `dqv:value` (when measured) and `dqv:computedOn`.
type Stored = (Option<Term>, Option<Term>);

/// The stored measurements of a record by metric.
fn measurements(store: &Store, rid: &str) -> Result<BTreeMap<Metric, Stored>, ApiError> {
    let graph = graphs::validation(rid);
    let g = GraphNameRef::NamedNode(graph.as_ref());
    let of = NamedNode::new_unchecked(format!("{DQV_NS}isMeasurementOf"));
    let value_p = NamedNode::new_unchecked(format!("{DQV_NS}value"));
    let on_p = NamedNode::new_unchecked(format!("{DQV_NS}computedOn"));
    let one = |s: &oxigraph::model::NamedOrBlankNode,
               p: NamedNodeRef<'_>|
     -> Result<Option<Term>, ApiError> {
        store
            .quads_for_pattern(Some(s.as_ref()), Some(p), None, Some(g))
            .next()
            .transpose()
            .map(|q| q.map(|q| q.object))
            .map_err(internal)
    };
    let mut out = BTreeMap::new();
    for q in store.quads_for_pattern(None, Some(of.as_ref()), None, Some(g)) {
        let q = q.map_err(internal)?;
        let Term::NamedNode(m) = &q.object else {
            continue;
        };
        let Some(metric) = m.as_str().strip_prefix(PV).and_then(Metric::from_name) else {
            continue;
        };
        let value = one(&q.subject, value_p.as_ref())?;
        let on = one(&q.subject, on_p.as_ref())?;
        out.insert(metric, (value, on));
    }
    Ok(out)
}

fn json_value(t: &Term) -> MeasuredValue {
    match t {
        Term::Literal(l) => match l.value() {
            "true" => MeasuredValue::Bool(true),
            "false" => MeasuredValue::Bool(false),
            other => other.parse::<u64>().map_or_else(
                |_| MeasuredValue::Text(other.to_owned()),
                MeasuredValue::Status,
            ),
        },
        other => MeasuredValue::Text(other.to_string()),
    }
}

/// The `quality` member of a dataset's JSON view (`None`: not scored, as
/// when its source's profile is `none`).
pub(super) fn dataset_quality(
    catalog: &CatalogStore,
    rid: &str,
    source: &str,
    dataset: &str,
) -> Result<Option<QualityView>, ApiError> {
    let store = catalog.oxigraph();
    let Some(s) = scored(store, rid, source)? else {
        return Ok(None);
    };
    let stored = measurements(store, rid)?;
    // Distribution metrics are computed on the best distribution; on the
    // dataset itself when it has none.
    let has_distribution = stored.iter().any(|(m, (_, on))| {
        m.on_distribution()
            && on
                .as_ref()
                .is_some_and(|t| !matches!(t, Term::NamedNode(n) if n.as_str() == dataset))
    });
    let metrics = s
        .points
        .iter()
        .map(|&(m, points)| {
            let value = stored.get(&m).and_then(|(v, _)| v.as_ref()).map(json_value);
            let note = if m.on_distribution() && !has_distribution {
                Some("no distribution")
            } else if value.is_none() {
                Some("not checked")
            } else {
                None
            };
            (
                m.name().to_owned(),
                MetricView {
                    points,
                    max: m.weight(),
                    dimension: m.dimension(),
                    value,
                    note,
                },
            )
        })
        .collect();
    let mut links = Vec::new();
    for (distribution, url, download) in catalog.links_of(rid).map_err(store_failed)? {
        let result = catalog.link_result(&url).map_err(store_failed)?;
        links.push(LinkView {
            property: if download { "downloadURL" } else { "accessURL" },
            distribution: match distribution {
                Term::NamedNode(n) => n.into_string(),
                other => other.to_string(),
            },
            status: result.as_ref().and_then(|r| r.status),
            ok: result.as_ref().map(|r| r.ok),
            error: result.as_ref().and_then(|r| r.error.clone()),
            checked: result.map(|r| r.checked),
            url,
        });
    }
    links.sort_by(|a, b| {
        (&a.distribution, a.property, &a.url).cmp(&(&b.distribution, b.property, &b.url))
    });
    Ok(Some(QualityView {
        score: s.score,
        max: crate::validation::quality::MAX_SCORE,
        band: s.band,
        metrics,
        links,
    }))
}

/// The source's links by their last check, and the broken ones with the
/// datasets that name them.
fn source_links(
    catalog: &CatalogStore,
    source: &str,
) -> Result<(LinkCounts, Vec<BrokenLinkView>), ApiError> {
    let links = catalog.record_links(Some(source)).map_err(store_failed)?;
    let mut counts = LinkCounts {
        urls: links.by_url.len(),
        ..LinkCounts::default()
    };
    let mut broken = Vec::new();
    for (url, records) in &links.by_url {
        match catalog.link_result(url).map_err(store_failed)? {
            None => counts.not_checked += 1,
            Some(LinkResult { ok: true, .. }) => counts.ok += 1,
            Some(r) => {
                counts.broken += 1;
                let mut datasets: Vec<String> = records
                    .iter()
                    .filter_map(|&i| links.records.get(i))
                    .map(|r| r.dataset.clone())
                    .collect();
                datasets.sort();
                datasets.dedup();
                broken.push(BrokenLinkView {
                    url: url.clone(),
                    status: r.status,
                    error: r.error,
                    checked: r.checked,
                    datasets,
                });
            }
        }
    }
    Ok((counts, broken))
}

/// The published records of a source, by record id.
fn published(store: &Store, source: &str) -> Result<Vec<String>, ApiError> {
    let meta = meta_graph(source);
    let g = GraphNameRef::NamedNode(meta.as_ref());
    let mut out = Vec::new();
    for q in store.quads_for_pattern(None, Some(cat::STATUS), None, Some(g)) {
        let q = q.map_err(internal)?;
        let published = matches!(&q.object, Term::Literal(l) if l.value() == "published");
        if let (true, oxigraph::model::NamedOrBlankNode::NamedNode(n)) = (published, &q.subject) {
            if let Some(rid) = n.as_str().strip_prefix(graphs::RECORD_PREFIX) {
                out.push(rid.to_owned());
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Scores summed up: how many, their total, records per band and per
/// metric the records with its full points.
struct Summary {
    count: u64,
    total: u64,
    bands: BTreeMap<&'static str, u64>,
    passed: BTreeMap<Metric, u64>,
}

impl Summary {
    fn new() -> Self {
        Self {
            count: 0,
            total: 0,
            bands: [Band::Excellent, Band::Good, Band::Sufficient, Band::Bad]
                .into_iter()
                .map(|b| (b.name(), 0))
                .collect(),
            passed: Metric::ALL.iter().map(|m| (*m, 0)).collect(),
        }
    }

    fn add(&mut self, score: u32, points: &[(Metric, u32)]) {
        self.count += 1;
        self.total += u64::from(score);
        *self.bands.entry(Band::of(score).name()).or_default() += 1;
        for &(m, p) in points {
            if p > 0 && p == m.weight() {
                *self.passed.entry(m).or_default() += 1;
            }
        }
    }

    fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| (self.total as f64 / self.count as f64 * 10.0).round() / 10.0)
    }

    fn metrics(&self) -> BTreeMap<String, MetricSummary> {
        let rate = |n: u64| -> Option<f64> {
            (self.count > 0).then(|| (n as f64 / self.count as f64 * 1000.0).round() / 1000.0)
        };
        Metric::ALL
            .iter()
            .map(|m| {
                let n = self.passed.get(m).copied().unwrap_or(0);
                (
                    m.name().to_owned(),
                    MetricSummary {
                        max: m.weight(),
                        passed: n,
                        pass_rate: rate(n),
                    },
                )
            })
            .collect()
    }
}

/// Mean score, band counts and pass rate per metric over a source's
/// published, scored records (read from their meta alone).
pub(crate) fn source_summary(
    catalog: &CatalogStore,
    source: &str,
) -> Result<SourceQualityView, ApiError> {
    let store = catalog.oxigraph();
    let rids = published(store, source)?;
    let mut summary = Summary::new();
    for rid in &rids {
        if let Some(s) = scored(store, rid, source)? {
            summary.add(s.score, &s.points);
        }
    }
    let (links, broken_links) = source_links(catalog, source)?;
    Ok(SourceQualityView {
        source: source.to_owned(),
        records: rids.len(),
        scored: summary.count,
        mean_score: summary.mean(),
        max: crate::validation::quality::MAX_SCORE,
        metrics: summary.metrics(),
        bands: summary.bands,
        links,
        broken_links,
        trend: trend(catalog, source)?,
    })
}

/// One publisher's metadata quality.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublisherQualityView {
    /// The publisher's name, as in the search's `publisher` facet.
    pub publisher: String,
    /// Its datasets in search (published, no duplicates).
    pub datasets: u64,
    /// Those with a score.
    pub scored: u64,
    pub mean_score: Option<f64>,
    pub max: u32,
    /// Scored datasets per band.
    pub bands: BTreeMap<&'static str, u64>,
    pub metrics: BTreeMap<String, MetricSummary>,
}

/// The metadata quality per publisher.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublishersQualityView {
    /// The source the datasets were limited to, if one was asked for.
    pub source: Option<String>,
    /// Whether the link checker has checked any link. Until it has, the
    /// two status-code metrics (`accessUrlStatusCode`,
    /// `downloadUrlStatusCode`) score 0 for every dataset ("not checked").
    pub links_checked: bool,
    /// Most datasets first.
    pub publishers: Vec<PublisherQualityView>,
}

/// Mean score, bands and pass rate per metric for each publisher (by the
/// name the search index holds) over the datasets in search, of one
/// source or all: the index gives each record's publisher (and source),
/// the store its points.
pub(crate) fn publishers_summary(
    state: &AppState,
    source: Option<&str>,
) -> Result<PublishersQualityView, ApiError> {
    let search_failed = |e: catalog_search::SearchError| ApiError::internal(e.to_string());
    let publishers = state
        .search
        .facet_values("publisher")
        .map_err(search_failed)?;
    let sources = match source {
        Some(_) => Some(state.search.facet_values("source").map_err(search_failed)?),
        None => None,
    };
    let points = state.store.quality_points().map_err(store_failed)?;
    let mut by: BTreeMap<&str, (u64, Summary)> = BTreeMap::new();
    for (rid, names) in &publishers {
        if let (Some(wanted), Some(sources)) = (source, &sources) {
            if !sources
                .get(rid)
                .is_some_and(|s| s.iter().any(|s| s == wanted))
            {
                continue;
            }
        }
        let parsed = points.get(rid).and_then(|p| parse_points(p));
        for name in names {
            let (datasets, summary) = by.entry(name).or_insert_with(|| (0, Summary::new()));
            *datasets += 1;
            if let Some(p) = &parsed {
                summary.add(p.iter().map(|(_, n)| n).sum(), p);
            }
        }
    }
    let mut out: Vec<PublisherQualityView> = by
        .into_iter()
        .map(|(name, (datasets, s))| PublisherQualityView {
            publisher: name.to_owned(),
            datasets,
            scored: s.count,
            mean_score: s.mean(),
            max: crate::validation::quality::MAX_SCORE,
            metrics: s.metrics(),
            bands: s.bands,
        })
        .collect();
    out.sort_by(|a, b| {
        b.datasets
            .cmp(&a.datasets)
            .then(a.publisher.cmp(&b.publisher))
    });
    Ok(PublishersQualityView {
        source: source.map(str::to_owned),
        links_checked: state.store.any_link_checked().map_err(store_failed)?,
        publishers: out,
    })
}

/// The metadata quality per publisher: for each publisher of the datasets
/// in search (of one source, or all), mean score, datasets per band and
/// the pass rate per metric.
#[utoipa::path(
    get,
    path = "/api/quality/publishers",
    tag = "quality",
    params(("source" = Option<String>, Query, description = "Only the datasets of this source (its id in the config); empty or absent: all sources.")),
    responses(
        (status = 200, description = "Each publisher's quality summary, most datasets first.", body = PublishersQualityView),
        (status = 400, description = "An unknown parameter.", body = ApiError, content_type = "text/plain"),
        (status = 500, description = "The store or the search index failed.", body = ApiError, content_type = "text/plain"),
    )
)]
async fn publishers_quality(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
) -> Result<Json<PublishersQualityView>, ApiError> {
    let mut source = None;
    for (k, v) in url::form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes()) {
        match k.as_ref() {
            // Empty, as the page's "all sources" sends it: every source.
            "source" => source = (!v.is_empty()).then(|| v.into_owned()),
            other => {
                return Err(ApiError::bad_request(format!(
                    "unknown parameter '{other}': use source"
                )))
            }
        }
    }
    tokio::task::spawn_blocking(move || publishers_summary(&state, source.as_deref()))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
        .map(Json)
}

/// A source's metadata quality: mean score, band counts and pass rate per
/// metric over its published records, its links by their last check, the
/// broken ones with the datasets that name them, and the trend over runs
/// (mean score and bands at the end of each kept run).
#[utoipa::path(
    get,
    path = "/api/sources/{id}/quality",
    tag = "quality",
    params(("id" = String, Path, description = "The source id of the config.")),
    responses(
        (status = 200, description = "The source's quality summary and broken links.", body = SourceQualityView),
        (status = 404, description = "No such source in the config and no records of it.", body = ApiError, content_type = "text/plain"),
        (status = 500, description = "The store failed.", body = ApiError, content_type = "text/plain"),
    )
)]
async fn source_quality(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<SourceQualityView>, ApiError> {
    let st = state.clone();
    tokio::task::spawn_blocking(move || -> Result<SourceQualityView, ApiError> {
        let known = st.config().source(&id).is_some();
        let summary = source_summary(&st.store, &id)?;
        if !known && summary.records == 0 {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                format!("no source {id:?} in the config and no records of it in the store"),
            ));
        }
        Ok(summary)
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))?
    .map(Json)
}
