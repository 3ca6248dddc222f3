//! Metadata quality (data.europa.eu's MQA score) as stored by the harvest:
//! the `quality` member of `GET /api/datasets/{id}` and
//! `GET /api/sources/{id}/quality` (mean score, band counts, pass rate per
//! metric over the source's published records).
//!
//! Score, band and points per metric come from the record's meta
//! (`cat:qualityScore`, `cat:qualityBand`, `cat:qualityPoints`); the
//! dataset view adds each measurement's `dqv:value` from the report graph.

use super::{ApiError, AppState};
use crate::store::vocab::{cat, graphs};
use crate::validation::quality::{parse_points, Band, Dimension, Metric, DQV_NS, PV};
use axum::extract::{Path, State};
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
    OpenApiRouter::new().routes(routes!(source_quality))
}

fn internal(e: StorageError) -> ApiError {
    ApiError::internal(format!("store: {e}"))
}

/// One metric of a dataset's score.
#[derive(Debug, Serialize, ToSchema)]
pub struct MetricView {
    pub points: u32,
    pub max: u32,
    #[schema(value_type = String)]
    pub dimension: Dimension,
    /// The measured value: `true`/`false`, or a link's HTTP status.
    #[schema(value_type = Option<Object>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
    /// `not checked` (links not checked yet), `no distribution`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'static str>,
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

fn json_value(t: &Term) -> serde_json::Value {
    match t {
        Term::Literal(l) => match l.value() {
            "true" => serde_json::Value::Bool(true),
            "false" => serde_json::Value::Bool(false),
            other => other
                .parse::<u64>()
                .map_or_else(|_| other.into(), serde_json::Value::from),
        },
        other => other.to_string().into(),
    }
}

/// The `quality` member of a dataset's JSON view (`None`: not scored, as
/// when its source's profile is `none`).
pub(super) fn dataset_quality(
    store: &Store,
    rid: &str,
    source: &str,
    dataset: &str,
) -> Result<Option<QualityView>, ApiError> {
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
    Ok(Some(QualityView {
        score: s.score,
        max: crate::validation::quality::MAX_SCORE,
        band: s.band,
        metrics,
    }))
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

/// Mean score, band counts and pass rate per metric over a source's
/// published, scored records (read from their meta alone).
fn source_summary(store: &Store, source: &str) -> Result<SourceQualityView, ApiError> {
    let rids = published(store, source)?;
    let mut count = 0u64;
    let mut total = 0u64;
    let mut bands: BTreeMap<&'static str, u64> =
        [Band::Excellent, Band::Good, Band::Sufficient, Band::Bad]
            .into_iter()
            .map(|b| (b.name(), 0))
            .collect();
    let mut passed: BTreeMap<Metric, u64> = Metric::ALL.iter().map(|m| (*m, 0)).collect();
    for rid in &rids {
        let Some(s) = scored(store, rid, source)? else {
            continue;
        };
        count += 1;
        total += u64::from(s.score);
        if let Some(b) = Band::parse(&s.band) {
            *bands.entry(b.name()).or_default() += 1;
        }
        for (m, p) in s.points {
            if p > 0 && p == m.weight() {
                *passed.entry(m).or_default() += 1;
            }
        }
    }
    let rate = |n: u64| -> Option<f64> {
        (count > 0).then(|| (n as f64 / count as f64 * 1000.0).round() / 1000.0)
    };
    let metrics = Metric::ALL
        .iter()
        .map(|m| {
            let n = passed.get(m).copied().unwrap_or(0);
            (
                m.name().to_owned(),
                MetricSummary {
                    max: m.weight(),
                    passed: n,
                    pass_rate: rate(n),
                },
            )
        })
        .collect();
    Ok(SourceQualityView {
        source: source.to_owned(),
        records: rids.len(),
        scored: count,
        mean_score: (count > 0).then(|| (total as f64 / count as f64 * 10.0).round() / 10.0),
        max: crate::validation::quality::MAX_SCORE,
        bands,
        metrics,
    })
}

/// A source's metadata quality: mean score, band counts and pass rate per
/// metric over its published records.
#[utoipa::path(
    get,
    path = "/api/sources/{id}/quality",
    tag = "quality",
    params(("id" = String, Path, description = "The source id of the config.")),
    responses(
        (status = 200, description = "The source's quality summary.", body = SourceQualityView),
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
        let summary = source_summary(st.store.oxigraph(), &id)?;
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
