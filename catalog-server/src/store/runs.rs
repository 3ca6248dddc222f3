//! Run records.
//!
//! Every run is a `prov:Activity` in its own named graph
//! `urn:dcat-catalog:run:{run id}` (the graph name is also the activity IRI):
//! `cat:runId`, `cat:runOf` (source id), `cat:trigger`, `cat:status`,
//! `prov:startedAtTime`, `prov:endedAtTime`, `cat:complete`, `cat:endReason`,
//! `cat:deletions` (why nothing was withdrawn, when that is the case), one
//! `xsd:integer` per count (`cat:added`, `cat:updated`, …) and one blank node
//! per item error (`cat:error [ cat:url; cat:record; cat:reason; cat:snippet ]`)
//! and per item warning (`cat:warning [ … ]`, same fields: what was repaired
//! in a record that was used, e.g. an invalid IRI).
//! A run is written with status `running` before anything is harvested and
//! replaced by its final state at the end; a run still `running` when the store
//! is opened was cut short and becomes `interrupted`.

use super::vocab::{cat, graphs, RUNNING};
use super::{lit, term_value as term_str, CatalogStore, StoreError};
use harvester::vocab::{prov, rdf, xsd};
use oxigraph::model::{
    BlankNode, GraphName, GraphNameRef, Literal, NamedNode, NamedOrBlankNode, Quad, QuadRef, Term,
};
use std::collections::BTreeMap;
use std::time::SystemTime;

/// Most item errors kept in a stored run record (the JSON report has all).
pub const MAX_STORED_ERRORS: usize = 1000;

/// How a source run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Every page and record was read.
    Success,
    /// Some pages or records failed; the others were stored.
    Partial,
    /// Nothing usable was read.
    Failed,
    /// In progress (stored while the run lasts).
    Running,
    /// The process stopped during the run (found `running` at restart).
    Interrupted,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Success => "success",
            RunStatus::Partial => "partial",
            RunStatus::Failed => "failed",
            RunStatus::Running => "running",
            RunStatus::Interrupted => "interrupted",
        }
    }
}

/// What started a run.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    /// The scheduler inside `serve`.
    Schedule,
    /// An operator, through the admin API or `serve --harvest`.
    Manual,
    /// `catalog-server harvest`.
    Cli,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Schedule => "schedule",
            Trigger::Manual => "manual",
            Trigger::Cli => "cli",
        }
    }
}

/// A stored run, as read back from the store (serializable for the admin API).
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct RunRecord {
    pub id: String,
    pub source: String,
    pub trigger: String,
    /// running, success, partial, failed or interrupted.
    pub status: String,
    pub started: String,
    pub ended: Option<String>,
    /// The listing was read to its end.
    pub complete: Option<bool>,
    pub end_reason: Option<String>,
    /// Why nothing was withdrawn, when a withdrawal was considered and refused.
    pub deletions: Option<String>,
    /// added, updated, unchanged, withdrawn, purged, republished, failed,
    /// pages, pages_failed, and whatever counts the report carries.
    pub counts: BTreeMap<String, u64>,
    pub errors: Vec<StoredError>,
    /// What was repaired or left out of records that were used (invalid
    /// IRIs, language tags), each naming record and property.
    pub warnings: Vec<StoredError>,
}

/// An item error (or warning) of a stored run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct StoredError {
    pub url: String,
    pub record: Option<String>,
    pub reason: String,
    pub snippet: String,
}

/// A new run id: `{source}-{unix milliseconds}` (sortable per source).
pub fn new_run_id(source: &str, started: SystemTime) -> String {
    let ms = started
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    format!("{source}-{ms:013}")
}

impl CatalogStore {
    /// Writes a run record with status `running` (committed before returning).
    pub fn begin_run(
        &self,
        id: &str,
        source: &str,
        trigger: Trigger,
        started: &str,
    ) -> Result<(), StoreError> {
        let node = graphs::run(id);
        let g = GraphNameRef::NamedNode(node.as_ref());
        let started = Literal::new_typed_literal(started, xsd::DATE_TIME);
        let mut txn = self.store.start_transaction()?;
        txn.clear_graph(g)?;
        txn.insert(QuadRef::new(&node, rdf::TYPE, prov::ACTIVITY, g));
        txn.insert(QuadRef::new(&node, cat::RUN_ID, &lit(id), g));
        txn.insert(QuadRef::new(&node, cat::RUN_OF, &lit(source), g));
        txn.insert(QuadRef::new(&node, cat::TRIGGER, &lit(trigger.as_str()), g));
        txn.insert(QuadRef::new(&node, cat::STATUS, RUNNING, g));
        txn.insert(QuadRef::new(&node, prov::STARTED_AT_TIME, &started, g));
        txn.commit()?;
        self.flush()?;
        Ok(())
    }

    /// Replaces a run record by its final state: `run` as the harvest
    /// finished it (`ended` set; at most [`MAX_STORED_ERRORS`] of its errors
    /// are kept).
    pub fn finish_run(&self, run: &RunRecord) -> Result<(), StoreError> {
        let node = graphs::run(&run.id);
        let g = GraphNameRef::NamedNode(node.as_ref());
        let mut txn = self.store.start_transaction()?;
        txn.clear_graph(g)?;
        let mut put = |p: oxigraph::model::NamedNodeRef<'_>, o: Term| {
            txn.insert(QuadRef::new(&node, p, &o, g));
        };
        put(rdf::TYPE, prov::ACTIVITY.into_owned().into());
        put(cat::RUN_ID, lit(&run.id).into());
        put(cat::RUN_OF, lit(&run.source).into());
        put(cat::TRIGGER, lit(&run.trigger).into());
        put(cat::STATUS, lit(&run.status).into());
        put(
            prov::STARTED_AT_TIME,
            Literal::new_typed_literal(&run.started, xsd::DATE_TIME).into(),
        );
        if let Some(ended) = &run.ended {
            put(
                prov::ENDED_AT_TIME,
                Literal::new_typed_literal(ended, xsd::DATE_TIME).into(),
            );
        }
        if let Some(complete) = run.complete {
            put(cat::COMPLETE, Literal::from(complete).into());
        }
        if let Some(r) = &run.end_reason {
            put(cat::END_REASON, lit(r).into());
        }
        if let Some(d) = &run.deletions {
            put(cat::DELETIONS, lit(d).into());
        }
        for (name, value) in &run.counts {
            put(
                NamedNode::new_unchecked(format!("{}{name}", cat::NS)).as_ref(),
                Literal::from(*value).into(),
            );
        }
        for (kind, items) in [(cat::ERROR, &run.errors), (cat::WARNING, &run.warnings)] {
            for e in items.iter().take(MAX_STORED_ERRORS) {
                let b = BlankNode::default();
                txn.insert(QuadRef::new(&node, kind, &b, g));
                txn.insert(QuadRef::new(&b, cat::URL, &lit(&e.url), g));
                if let Some(r) = &e.record {
                    txn.insert(QuadRef::new(&b, cat::RECORD, &lit(r), g));
                }
                txn.insert(QuadRef::new(&b, cat::REASON, &lit(&e.reason), g));
                if !e.snippet.is_empty() {
                    txn.insert(QuadRef::new(&b, cat::SNIPPET, &lit(&e.snippet), g));
                }
            }
        }
        txn.commit()?;
        Ok(())
    }

    /// Marks every run still `running` as `interrupted` (call when no run can
    /// be in progress: at open). Returns the ids.
    pub fn recover_interrupted_runs(&self, now: &str) -> Result<Vec<String>, StoreError> {
        let _guard = self.lock_writes()?;
        let running: Vec<Quad> = self
            .store
            .quads_for_pattern(None, Some(cat::STATUS), Some(RUNNING.into()), None)
            .filter(|q| {
                q.as_ref().map_or(true, |q| {
                    matches!(&q.graph_name, GraphName::NamedNode(n) if n.as_str().starts_with(graphs::RUN_PREFIX))
                })
            })
            .collect::<Result<_, _>>()?;
        if running.is_empty() {
            return Ok(Vec::new());
        }
        let mut ids = Vec::new();
        let mut txn = self.store.start_transaction()?;
        for q in &running {
            txn.remove(q);
            let g = q.graph_name.as_ref();
            txn.insert(QuadRef::new(
                &q.subject,
                cat::STATUS,
                &lit(RunStatus::Interrupted.as_str()),
                g,
            ));
            txn.insert(QuadRef::new(
                &q.subject,
                cat::END_REASON,
                &lit(&format!(
                    "the process stopped during the run (crash or kill); marked interrupted at restart ({now})"
                )),
                g,
            ));
            if let GraphName::NamedNode(n) = &q.graph_name {
                ids.push(n.as_str()[graphs::RUN_PREFIX.len()..].to_owned());
            }
        }
        txn.commit()?;
        for id in &ids {
            tracing::warn!(run = %id, "harvest run was interrupted; marked interrupted");
        }
        Ok(ids)
    }

    /// One run, by id.
    pub fn run(&self, id: &str) -> Result<Option<RunRecord>, StoreError> {
        let node = graphs::run(id);
        let g = GraphNameRef::NamedNode(node.as_ref());
        let mut rec = RunRecord {
            id: id.to_owned(),
            source: String::new(),
            trigger: String::new(),
            status: String::new(),
            started: String::new(),
            ended: None,
            complete: None,
            end_reason: None,
            deletions: None,
            counts: BTreeMap::new(),
            errors: Vec::new(),
            warnings: Vec::new(),
        };
        let mut found = false;
        let mut error_nodes: Vec<NamedOrBlankNode> = Vec::new();
        let mut warning_nodes: Vec<NamedOrBlankNode> = Vec::new();
        let mut error_fields: BTreeMap<String, StoredError> = BTreeMap::new();
        for q in self.store.quads_for_pattern(None, None, None, Some(g)) {
            let q = q?;
            if q.subject.as_ref() != NamedOrBlankNode::from(node.clone()).as_ref() {
                let key = q.subject.to_string();
                let e = error_fields.entry(key).or_insert_with(|| StoredError {
                    url: String::new(),
                    record: None,
                    reason: String::new(),
                    snippet: String::new(),
                });
                let v = term_str(&q.object);
                match q.predicate.as_ref() {
                    p if p == cat::URL => e.url = v,
                    p if p == cat::RECORD => e.record = Some(v),
                    p if p == cat::REASON => e.reason = v,
                    p if p == cat::SNIPPET => e.snippet = v,
                    _ => {}
                }
                continue;
            }
            found = true;
            let v = term_str(&q.object);
            match q.predicate.as_ref() {
                p if p == cat::RUN_OF => rec.source = v,
                p if p == cat::TRIGGER => rec.trigger = v,
                p if p == cat::STATUS => rec.status = v,
                p if p == prov::STARTED_AT_TIME => rec.started = v,
                p if p == prov::ENDED_AT_TIME => rec.ended = Some(v),
                p if p == cat::COMPLETE => rec.complete = Some(v == "true"),
                p if p == cat::END_REASON => rec.end_reason = Some(v),
                p if p == cat::DELETIONS => rec.deletions = Some(v),
                p if p == cat::ERROR || p == cat::WARNING => {
                    if let Term::BlankNode(b) = &q.object {
                        if p == cat::ERROR {
                            error_nodes.push(b.clone().into());
                        } else {
                            warning_nodes.push(b.clone().into());
                        }
                    }
                }
                p => {
                    if let (Some(name), Term::Literal(l)) =
                        (p.as_str().strip_prefix(cat::NS), &q.object)
                    {
                        if l.datatype() == xsd::INTEGER {
                            if let Ok(n) = l.value().parse::<u64>() {
                                rec.counts.insert(name.to_owned(), n);
                            }
                        }
                    }
                }
            }
        }
        if !found {
            return Ok(None);
        }
        for n in error_nodes {
            if let Some(e) = error_fields.remove(&n.to_string()) {
                rec.errors.push(e);
            }
        }
        for n in warning_nodes {
            if let Some(e) = error_fields.remove(&n.to_string()) {
                rec.warnings.push(e);
            }
        }
        Ok(Some(rec))
    }

    /// Run ids of a source, newest first.
    fn run_ids(&self, source: &str) -> Result<Vec<String>, StoreError> {
        let mut ids: Vec<(String, String)> = Vec::new();
        for q in self.store.quads_for_pattern(
            None,
            Some(cat::RUN_OF),
            Some(lit(source).as_ref().into()),
            None,
        ) {
            let q = q?;
            if let GraphName::NamedNode(n) = &q.graph_name {
                if let Some(id) = n.as_str().strip_prefix(graphs::RUN_PREFIX) {
                    let started = self
                        .store
                        .quads_for_pattern(
                            Some(q.subject.as_ref()),
                            Some(prov::STARTED_AT_TIME),
                            None,
                            Some(q.graph_name.as_ref()),
                        )
                        .next()
                        .transpose()?
                        .map(|q| term_str(&q.object))
                        .unwrap_or_default();
                    ids.push((started, id.to_owned()));
                }
            }
        }
        ids.sort_by(|a, b| b.cmp(a));
        Ok(ids.into_iter().map(|(_, id)| id).collect())
    }

    /// The latest `limit` runs of a source, newest first.
    pub fn runs(&self, source: &str, limit: usize) -> Result<Vec<RunRecord>, StoreError> {
        let mut out = Vec::new();
        for id in self.run_ids(source)?.into_iter().take(limit) {
            if let Some(r) = self.run(&id)? {
                out.push(r);
            }
        }
        Ok(out)
    }

    /// The latest run of a source.
    pub fn last_run(&self, source: &str) -> Result<Option<RunRecord>, StoreError> {
        Ok(self.runs(source, 1)?.into_iter().next())
    }

    /// The latest run of a source that read the full listing without any
    /// error (status `success`).
    pub fn last_complete_run(&self, source: &str) -> Result<Option<RunRecord>, StoreError> {
        for id in self.run_ids(source)? {
            if let Some(r) = self.run(&id)? {
                if r.status == RunStatus::Success.as_str() {
                    return Ok(Some(r));
                }
            }
        }
        Ok(None)
    }

    /// Removes all but the newest `keep` finished runs of a source.
    pub fn prune_runs(&self, source: &str, keep: usize) -> Result<usize, StoreError> {
        let ids = self.run_ids(source)?;
        let mut removed = 0;
        for id in ids.into_iter().skip(keep) {
            let node = graphs::run(&id);
            let mut txn = self.store.start_transaction()?;
            txn.remove_named_graph(node.as_ref())?;
            txn.commit()?;
            removed += 1;
        }
        Ok(removed)
    }
}
