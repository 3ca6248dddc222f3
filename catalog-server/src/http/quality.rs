//! Metadata quality (data.europa.eu's MQA score) as stored by the harvest:
//! the `quality` member of `GET /api/datasets/{id}` and
//! `GET /api/sources/{id}/quality` (mean score, band counts, pass rate per
//! metric over the source's published records).

use super::{ApiError, AppState};
use crate::store::vocab::{cat, graphs};
use crate::validation::quality::{Band, Metric, DQV_NS, PV, QUALITY_NOTE, QUALITY_POINTS};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use oxigraph::model::{GraphNameRef, NamedNode, NamedNodeRef, Term};
use oxigraph::store::{StorageError, Store};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/api/sources/{id}/quality", get(source_quality))
}

fn internal(e: StorageError) -> ApiError {
    ApiError::internal(format!("store: {e}"))
}

fn literal_u32(t: &Term) -> Option<u32> {
    match t {
        Term::Literal(l) => l.value().parse().ok(),
        _ => None,
    }
}

/// One stored measurement.
struct Stored {
    metric: Metric,
    points: u32,
    value: Option<Term>,
    note: Option<String>,
}

/// The measurements in a record's report graph, by metric.
fn measurements(store: &Store, rid: &str) -> Result<BTreeMap<Metric, Stored>, ApiError> {
    let graph = graphs::validation(rid);
    let g = GraphNameRef::NamedNode(graph.as_ref());
    let of = NamedNode::new_unchecked(format!("{DQV_NS}isMeasurementOf"));
    let value_p = NamedNode::new_unchecked(format!("{DQV_NS}value"));
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
        let points = one(&q.subject, QUALITY_POINTS)?
            .as_ref()
            .and_then(literal_u32)
            .unwrap_or(0);
        let note = match one(&q.subject, QUALITY_NOTE)? {
            Some(Term::Literal(l)) => Some(l.value().to_owned()),
            _ => None,
        };
        let value = one(&q.subject, value_p.as_ref())?;
        out.insert(
            metric,
            Stored {
                metric,
                points,
                value,
                note,
            },
        );
    }
    Ok(out)
}

/// The score and band in a record's meta (`None`: not scored).
fn score_of(store: &Store, rid: &str, source: &str) -> Result<Option<(u32, String)>, ApiError> {
    let meta = NamedNode::new_unchecked(format!("{}{source}", graphs::META_PREFIX));
    let record = graphs::record(rid);
    let g = GraphNameRef::NamedNode(meta.as_ref());
    let one = |p: NamedNodeRef<'_>| -> Result<Option<Term>, ApiError> {
        store
            .quads_for_pattern(Some(record.as_ref().into()), Some(p), None, Some(g))
            .next()
            .transpose()
            .map(|q| q.map(|q| q.object))
            .map_err(internal)
    };
    let score = one(cat::QUALITY_SCORE)?.as_ref().and_then(literal_u32);
    let band = match one(cat::QUALITY_BAND)? {
        Some(Term::Literal(l)) => Some(l.value().to_owned()),
        _ => None,
    };
    Ok(score.zip(band))
}

/// The `quality` member of a dataset's JSON view (`null`: not scored, as
/// when its source's profile is `none`).
pub(super) fn dataset_quality(store: &Store, rid: &str, source: &str) -> Result<Value, ApiError> {
    let Some((score, band)) = score_of(store, rid, source)? else {
        return Ok(Value::Null);
    };
    let stored = measurements(store, rid)?;
    let mut metrics = Map::new();
    for m in Metric::ALL {
        let mut v = json!({ "points": 0, "max": m.weight(), "dimension": m.dimension() });
        if let Some(s) = stored.get(&m) {
            v["points"] = json!(s.points);
            match &s.value {
                Some(Term::Literal(l)) => {
                    v["value"] = match l.value() {
                        "true" => json!(true),
                        "false" => json!(false),
                        other => other.parse::<u64>().map_or(json!(other), |n| json!(n)),
                    }
                }
                Some(other) => v["value"] = json!(other.to_string()),
                None => {}
            }
            if let Some(n) = &s.note {
                v["note"] = json!(n);
            }
            debug_assert_eq!(s.metric, m);
        }
        metrics.insert(m.name().to_owned(), v);
    }
    Ok(
        json!({ "score": score, "max": crate::validation::quality::MAX_SCORE, "band": band, "metrics": metrics }),
    )
}

/// The published records of a source, by record id.
fn published(store: &Store, source: &str) -> Result<Vec<String>, ApiError> {
    let meta = NamedNode::new_unchecked(format!("{}{source}", graphs::META_PREFIX));
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
/// published, scored records.
fn source_summary(store: &Store, source: &str) -> Result<Value, ApiError> {
    let rids = published(store, source)?;
    let mut scored = 0u64;
    let mut total = 0u64;
    let mut bands: BTreeMap<&str, u64> = [Band::Excellent, Band::Good, Band::Sufficient, Band::Bad]
        .into_iter()
        .map(|b| (b.name(), 0))
        .collect();
    let mut passed: BTreeMap<Metric, u64> = Metric::ALL.iter().map(|m| (*m, 0)).collect();
    let mut not_checked: BTreeMap<Metric, u64> = BTreeMap::new();
    for rid in &rids {
        let Some((score, band)) = score_of(store, rid, source)? else {
            continue;
        };
        scored += 1;
        total += u64::from(score);
        if let Some(b) = Band::parse(&band) {
            *bands.entry(b.name()).or_default() += 1;
        }
        for (m, s) in measurements(store, rid)? {
            if s.points > 0 && s.points == m.weight() {
                *passed.entry(m).or_default() += 1;
            }
            if s.note.as_deref() == Some("not checked") {
                *not_checked.entry(m).or_default() += 1;
            }
        }
    }
    let rate = |n: u64| -> Value {
        if scored == 0 {
            Value::Null
        } else {
            json!((n as f64 / scored as f64 * 1000.0).round() / 1000.0)
        }
    };
    let mut metrics = Map::new();
    for m in Metric::ALL {
        let mut v = json!({
            "max": m.weight(),
            "passed": passed.get(&m).copied().unwrap_or(0),
            "pass_rate": rate(passed.get(&m).copied().unwrap_or(0)),
        });
        if let Some(n) = not_checked.get(&m) {
            v["not_checked"] = json!(n);
        }
        metrics.insert(m.name().to_owned(), v);
    }
    Ok(json!({
        "source": source,
        "records": rids.len(),
        "scored": scored,
        "mean_score": if scored == 0 { Value::Null } else { json!((total as f64 / scored as f64 * 10.0).round() / 10.0) },
        "max": crate::validation::quality::MAX_SCORE,
        "bands": bands,
        "metrics": metrics,
    }))
}

async fn source_quality(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Response {
    let st = state.clone();
    let result = tokio::task::spawn_blocking(move || -> Result<Value, ApiError> {
        let known = st.config().source(&id).is_some();
        let summary = source_summary(st.store.oxigraph(), &id)?;
        if !known && summary["records"] == json!(0) {
            return Err(ApiError::new(
                axum::http::StatusCode::NOT_FOUND,
                format!("no source {id:?} in the config and no records of it in the store"),
            ));
        }
        Ok(summary)
    })
    .await;
    match result {
        Ok(Ok(v)) => axum::Json(v).into_response(),
        Ok(Err(e)) => e.into_response(),
        Err(e) => ApiError::internal(e.to_string()).into_response(),
    }
}
