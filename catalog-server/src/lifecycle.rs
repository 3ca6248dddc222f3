//! The data side of the harvest lifecycle: run records, crash recovery,
//! withdrawal of records missing from a complete listing, purge after a grace
//! period, and republishing of records that reappear.
//!
//! # Run records
//!
//! Every run is a `prov:Activity` in its own named graph
//! `urn:dcat-catalog:run:{run id}` (the graph name is also the activity IRI):
//! `cat:runId`, `cat:runOf` (source id), `cat:trigger`, `cat:status`,
//! `prov:startedAtTime`, `prov:endedAtTime`, `cat:complete`, `cat:endReason`,
//! `cat:deletions` (why nothing was withdrawn, when that is the case), one
//! `xsd:integer` per count (`cat:added`, `cat:updated`, …) and one blank node
//! per item error (`cat:error [ cat:url; cat:record; cat:reason; cat:snippet ]`).
//! A run is written with status `running` before anything is harvested and
//! replaced by its final state at the end; a run still `running` when the store
//! is opened was cut short and becomes `interrupted`.
//!
//! # Record states
//!
//! `published` → (absent from a complete listing) `withdrawn` → (grace period
//! over, at the next complete run) purged. A withdrawn record keeps its record
//! graph, meta and archive blob but loses its `dcat:dataset`/`dcat:record`
//! links, so export, search and the catalog graphs no longer show it. A
//! withdrawn record seen again is published again and counted as added.

use crate::pipeline::{ItemError, RunStatus, SourceReport};
use crate::store::{parse_canonical, CatalogStore, PreparedRecord, StoreError, StoredRecord};
use crate::vocab::{cat, graphs};
use harvester::vocab::{dcat, foaf, prov, rdf, xsd};
use oxigraph::model::{
    BlankNode, GraphName, GraphNameRef, Literal, LiteralRef, NamedNode, NamedOrBlankNode, Quad,
    QuadRef, Term,
};
use std::collections::{BTreeMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// `cat:status` of a withdrawn record.
pub const WITHDRAWN: LiteralRef<'static> = LiteralRef::new_simple_literal("withdrawn");
/// `cat:status` of a published record.
pub const PUBLISHED: LiteralRef<'static> = LiteralRef::new_simple_literal("published");
/// `cat:status` of a run in progress.
const RUNNING: LiteralRef<'static> = LiteralRef::new_simple_literal("running");
/// Most item errors kept in a stored run record (the JSON report has all).
pub const MAX_STORED_ERRORS: usize = 1000;

/// Where "now" comes from: the system clock, or a test's.
pub trait Clock: Send + Sync {
    fn now(&self) -> SystemTime;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that only moves when told (tests).
#[derive(Debug)]
pub struct ManualClock(Mutex<SystemTime>);

impl ManualClock {
    pub fn new(start: SystemTime) -> Self {
        Self(Mutex::new(start))
    }

    pub fn advance(&self, by: Duration) {
        if let Ok(mut t) = self.0.lock() {
            *t += by;
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        self.0
            .lock()
            .map(|t| *t)
            .unwrap_or_else(|e| *e.into_inner())
    }
}

/// A time as a canonical UTC `xsd:dateTime` (seconds). Such values compare
/// correctly as strings.
pub fn xsd_time(t: SystemTime) -> String {
    humantime::format_rfc3339_seconds(t).to_string()
}

/// Parses a time written by [`xsd_time`].
pub fn parse_xsd_time(s: &str) -> Option<SystemTime> {
    humantime::parse_rfc3339_weak(s.trim_end_matches('Z')).ok()
}

/// What started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
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
}

/// An item error of a stored run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
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

/// What one run collects for the lifecycle decisions.
#[derive(Debug, Default)]
pub struct RunState {
    /// Records withdrawn when the run started.
    pub withdrawn_before: HashSet<String>,
    /// Records seen in the run (stored, unchanged or failed with a known IRI).
    pub seen: HashSet<String>,
    /// A record failed without an IRI: the listing is not known completely.
    pub unidentified_failures: usize,
    /// The full listing of dataset IRIs, when the harvester sent one.
    pub listing: Option<Vec<String>>,
    /// Some page could not be stored.
    pub store_failed: bool,
    /// CKAN: `modified_since` of an incremental run.
    pub since: Option<String>,
}

impl RunState {
    /// Notes a failed record by its label (`<iri>` or anything else).
    pub fn failed_record(&mut self, source: &str, label: &str) {
        match label
            .strip_prefix('<')
            .and_then(|l| l.strip_suffix('>'))
            .filter(|iri| !iri.is_empty())
        {
            Some(iri) => {
                self.seen.insert(crate::store::record_id(source, iri));
            }
            None => self.unidentified_failures += 1,
        }
    }
}

/// Deletion rules for one source.
#[derive(Debug, Clone, Copy)]
pub struct DeletionPolicy {
    /// Largest share (0..=1) of the published records one run may withdraw.
    pub max_withdraw_share: f64,
    /// How long a withdrawn record stays before it is purged.
    pub purge_after: Duration,
}

fn lit(s: &str) -> Literal {
    Literal::new_simple_literal(s)
}

fn term_str(t: &Term) -> String {
    match t {
        Term::NamedNode(n) => n.as_str().to_owned(),
        Term::Literal(l) => l.value().to_owned(),
        Term::BlankNode(b) => b.as_str().to_owned(),
    }
}

impl CatalogStore {
    fn lock_writes(&self) -> Result<std::sync::MutexGuard<'_, ()>, StoreError> {
        self.write_lock
            .lock()
            .map_err(|_| StoreError::Other("store writer lock poisoned".into()))
    }

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

    /// Replaces a run record by the final state in `report`.
    pub fn finish_run(
        &self,
        id: &str,
        report: &SourceReport,
        started: &str,
        ended: &str,
    ) -> Result<(), StoreError> {
        let node = graphs::run(id);
        let g = GraphNameRef::NamedNode(node.as_ref());
        let mut txn = self.store.start_transaction()?;
        txn.clear_graph(g)?;
        let mut put = |p: oxigraph::model::NamedNodeRef<'_>, o: Term| {
            txn.insert(QuadRef::new(&node, p, &o, g));
        };
        put(rdf::TYPE, prov::ACTIVITY.into_owned().into());
        put(cat::RUN_ID, lit(id).into());
        put(cat::RUN_OF, lit(&report.source).into());
        put(cat::TRIGGER, lit(report.trigger.as_str()).into());
        put(cat::STATUS, lit(report.status.as_str()).into());
        put(
            prov::STARTED_AT_TIME,
            Literal::new_typed_literal(started, xsd::DATE_TIME).into(),
        );
        put(
            prov::ENDED_AT_TIME,
            Literal::new_typed_literal(ended, xsd::DATE_TIME).into(),
        );
        put(cat::COMPLETE, Literal::from(report.complete).into());
        if let Some(r) = &report.end_reason {
            put(cat::END_REASON, lit(r).into());
        }
        if let Some(d) = &report.deletions {
            put(cat::DELETIONS, lit(d).into());
        }
        for (name, value) in report.counts() {
            put(
                NamedNode::new_unchecked(format!("{}{name}", cat::NS)).as_ref(),
                Literal::from(value).into(),
            );
        }
        for e in report.errors.iter().take(MAX_STORED_ERRORS) {
            let b = BlankNode::default();
            txn.insert(QuadRef::new(&node, cat::ERROR, &b, g));
            txn.insert(QuadRef::new(&b, cat::URL, &lit(&e.url), g));
            if let Some(r) = &e.record {
                txn.insert(QuadRef::new(&b, cat::RECORD, &lit(r), g));
            }
            txn.insert(QuadRef::new(&b, cat::REASON, &lit(&e.reason), g));
            if !e.snippet.is_empty() {
                txn.insert(QuadRef::new(&b, cat::SNIPPET, &lit(&e.snippet), g));
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
        };
        let mut found = false;
        let mut error_nodes: Vec<NamedOrBlankNode> = Vec::new();
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
                p if p == cat::ERROR => {
                    if let Term::BlankNode(b) = &q.object {
                        error_nodes.push(b.clone().into());
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

    /// Record ids of a source with the given status.
    fn rids_with_status(
        &self,
        source: &str,
        status: LiteralRef<'_>,
    ) -> Result<HashSet<String>, StoreError> {
        let meta = graphs::meta(source);
        let mut out = HashSet::new();
        for q in self.store.quads_for_pattern(
            None,
            Some(cat::STATUS),
            Some(status.into()),
            Some(GraphNameRef::NamedNode(meta.as_ref())),
        ) {
            if let NamedOrBlankNode::NamedNode(n) = q?.subject {
                if let Some(rid) = n.as_str().strip_prefix(graphs::RECORD_PREFIX) {
                    out.insert(rid.to_owned());
                }
            }
        }
        Ok(out)
    }

    /// Ids of the published records of a source.
    pub fn published_rids(&self, source: &str) -> Result<HashSet<String>, StoreError> {
        self.rids_with_status(source, PUBLISHED)
    }

    /// Ids of the withdrawn records of a source.
    pub fn withdrawn_rids(&self, source: &str) -> Result<HashSet<String>, StoreError> {
        self.rids_with_status(source, WITHDRAWN)
    }

    /// The withdrawn records of a source, with the time of their withdrawal.
    pub fn withdrawn_records(&self, source: &str) -> Result<Vec<(String, String)>, StoreError> {
        let meta = graphs::meta(source);
        let mut out = Vec::new();
        for rid in self.withdrawn_rids(source)? {
            let node = graphs::record(&rid);
            let at = self
                .store
                .quads_for_pattern(
                    Some(node.as_ref().into()),
                    Some(cat::WITHDRAWN_AT),
                    None,
                    Some(GraphNameRef::NamedNode(meta.as_ref())),
                )
                .next()
                .transpose()?
                .map(|q| term_str(&q.object))
                .unwrap_or_default();
            out.push((rid, at));
        }
        out.sort();
        Ok(out)
    }

    fn dataset_of(&self, rid: &str, meta: &NamedNode) -> Result<Option<NamedNode>, StoreError> {
        let node = graphs::record(rid);
        for q in self.store.quads_for_pattern(
            Some(node.as_ref().into()),
            Some(foaf::PRIMARY_TOPIC),
            None,
            Some(GraphNameRef::NamedNode(meta.as_ref())),
        ) {
            if let Term::NamedNode(n) = q?.object {
                return Ok(Some(n));
            }
        }
        Ok(None)
    }

    /// Withdraws records of a source: status `withdrawn`, `cat:withdrawnAt`,
    /// catalog links removed; record graph, meta and archive blob stay. One
    /// atomic transaction.
    pub fn withdraw(
        &self,
        source: &str,
        catalog_iri: &str,
        rids: &[String],
        now: &str,
    ) -> Result<usize, StoreError> {
        let _guard = self.lock_writes()?;
        let meta = graphs::meta(source);
        let meta_ref = GraphNameRef::NamedNode(meta.as_ref());
        let catalog_graph = graphs::catalog(source);
        let cg = GraphNameRef::NamedNode(catalog_graph.as_ref());
        let catalog = NamedNode::new(catalog_iri)
            .map_err(|e| StoreError::Other(format!("invalid IRI {catalog_iri:?}: {e}")))?;
        let at = Literal::new_typed_literal(now, xsd::DATE_TIME);
        let mut txn = self.store.start_transaction()?;
        let mut n = 0;
        for rid in rids {
            let node = graphs::record(rid);
            let dataset = self.dataset_of(rid, &meta)?;
            txn.remove(QuadRef::new(&node, cat::STATUS, PUBLISHED, meta_ref));
            txn.insert(QuadRef::new(&node, cat::STATUS, WITHDRAWN, meta_ref));
            txn.insert(QuadRef::new(&node, cat::WITHDRAWN_AT, &at, meta_ref));
            if let Some(d) = &dataset {
                txn.remove(QuadRef::new(&catalog, dcat::DATASET_LINK, d, cg));
            }
            txn.remove(QuadRef::new(&catalog, dcat::RECORD, &node, cg));
            n += 1;
        }
        txn.commit()?;
        Ok(n)
    }

    /// Publishes withdrawn records again (status, catalog links) and returns
    /// them. Records not withdrawn are left alone.
    pub fn republish(
        &self,
        source: &str,
        catalog_iri: &str,
        rids: &[String],
    ) -> Result<Vec<StoredRecord>, StoreError> {
        let _guard = self.lock_writes()?;
        let meta = graphs::meta(source);
        let meta_ref = GraphNameRef::NamedNode(meta.as_ref());
        let catalog_graph = graphs::catalog(source);
        let cg = GraphNameRef::NamedNode(catalog_graph.as_ref());
        let catalog = NamedNode::new(catalog_iri)
            .map_err(|e| StoreError::Other(format!("invalid IRI {catalog_iri:?}: {e}")))?;
        let mut txn = self.store.start_transaction()?;
        let mut out = Vec::new();
        for rid in rids {
            let node = graphs::record(rid);
            if !self
                .store
                .contains(QuadRef::new(&node, cat::STATUS, WITHDRAWN, meta_ref))?
            {
                continue;
            }
            let Some(dataset) = self.dataset_of(rid, &meta)? else {
                continue;
            };
            let old: Vec<Quad> = self
                .store
                .quads_for_pattern(
                    Some(node.as_ref().into()),
                    Some(cat::WITHDRAWN_AT),
                    None,
                    Some(meta_ref),
                )
                .collect::<Result<_, _>>()?;
            for q in &old {
                txn.remove(q);
            }
            txn.remove(QuadRef::new(&node, cat::STATUS, WITHDRAWN, meta_ref));
            txn.insert(QuadRef::new(&node, cat::STATUS, PUBLISHED, meta_ref));
            txn.insert(QuadRef::new(&catalog, dcat::DATASET_LINK, &dataset, cg));
            txn.insert(QuadRef::new(&catalog, dcat::RECORD, &node, cg));
            let hash = self
                .store
                .quads_for_pattern(
                    Some(node.as_ref().into()),
                    Some(cat::CONTENT_HASH),
                    None,
                    Some(meta_ref),
                )
                .next()
                .transpose()?
                .map(|q| term_str(&q.object))
                .unwrap_or_default();
            out.push(StoredRecord {
                rid: rid.clone(),
                source: source.to_owned(),
                dataset: dataset.as_str().to_owned(),
                hash,
                page_url: String::new(),
                harvested: String::new(),
            });
        }
        txn.commit()?;
        Ok(out)
    }

    /// Purges records of a source withdrawn at or before `cutoff`: record
    /// graph and meta are removed (archive blobs stay: they are content-addressed
    /// and may be shared). Returns the purged ids.
    pub fn purge_withdrawn(&self, source: &str, cutoff: &str) -> Result<Vec<String>, StoreError> {
        let due: Vec<String> = self
            .withdrawn_records(source)?
            .into_iter()
            .filter(|(_, at)| !at.is_empty() && at.as_str() <= cutoff)
            .map(|(rid, _)| rid)
            .collect();
        if due.is_empty() {
            return Ok(due);
        }
        let _guard = self.lock_writes()?;
        let meta = graphs::meta(source);
        let meta_ref = GraphNameRef::NamedNode(meta.as_ref());
        let mut txn = self.store.start_transaction()?;
        for rid in &due {
            let node = graphs::record(rid);
            let old: Vec<Quad> = self
                .store
                .quads_for_pattern(Some(node.as_ref().into()), None, None, Some(meta_ref))
                .collect::<Result<_, _>>()?;
            for q in &old {
                txn.remove(q);
            }
            txn.remove_named_graph(node.as_ref())?;
            txn.remove_named_graph(graphs::validation(rid).as_ref())?;
        }
        txn.commit()?;
        Ok(due)
    }

    /// A withdrawn-then-republished record made ready for followers, from the archive.
    pub fn prepared_from_archive(
        &self,
        record: &StoredRecord,
    ) -> Result<PreparedRecord, StoreError> {
        let canonical = self.archived_ntriples(&record.hash, &record.rid)?;
        let compressed = zstd::encode_all(canonical.as_bytes(), 3)
            .map_err(|e| StoreError::Other(format!("compressing record {}: {e}", record.rid)))?;
        Ok(PreparedRecord {
            rid: record.rid.clone(),
            dataset: NamedNode::new(record.dataset.clone())
                .map_err(|e| StoreError::Other(e.to_string()))?,
            page_url: record.page_url.clone(),
            hash: record.hash.clone(),
            compressed,
            triples: parse_canonical(&canonical, &record.rid)?,
            validation: None,
        })
    }
}

/// Applies the end-of-run lifecycle: republishes withdrawn records seen again,
/// withdraws records absent from a complete listing (within the threshold),
/// purges records whose grace period is over. Fills the report's counts and
/// `deletions` note.
pub fn apply_deletions(
    store: &CatalogStore,
    source: &str,
    catalog_iri: &str,
    state: &RunState,
    policy: DeletionPolicy,
    now: SystemTime,
    report: &mut SourceReport,
) -> Result<Applied, StoreError> {
    let now_s = xsd_time(now);
    let mut present: HashSet<String> = state.seen.clone();
    if let Some(listing) = &state.listing {
        for iri in listing {
            present.insert(crate::store::record_id(source, iri));
        }
    }
    // 1. Seen again: published again (even after an incomplete run: being
    // seen is proof enough).
    let back: Vec<String> = state
        .withdrawn_before
        .iter()
        .filter(|r| present.contains(*r))
        .cloned()
        .collect();
    let republished = store.republish(source, catalog_iri, &back)?;
    // Counted as added: records seen in pages were counted there; those only
    // in a listing are counted here.
    let listed_only = back.iter().filter(|r| !state.seen.contains(*r)).count();
    report.added += listed_only;
    report.republished = back.len();
    // 2. Withdrawals, only after a complete listing.
    let refuse = if !report.complete {
        Some(format!(
            "nothing withdrawn: the listing was not read completely ({})",
            report.end_reason.as_deref().unwrap_or("incomplete")
        ))
    } else if report.pages_failed > 0 || state.store_failed {
        Some("nothing withdrawn: some pages failed".to_owned())
    } else if state.unidentified_failures > 0 {
        Some(format!(
            "nothing withdrawn: {} failed record(s) have no IRI, so the listing is not known exactly",
            state.unidentified_failures
        ))
    } else {
        None
    };
    let mut withdrawn = Vec::new();
    let mut purged = Vec::new();
    if let Some(why) = refuse {
        report.deletions = Some(why);
    } else {
        let published = store.published_rids(source)?;
        let mut absent: Vec<String> = published
            .iter()
            .filter(|r| !present.contains(*r))
            .cloned()
            .collect();
        absent.sort();
        let share = if published.is_empty() {
            0.0
        } else {
            absent.len() as f64 / published.len() as f64
        };
        if !absent.is_empty() && share > policy.max_withdraw_share {
            report.deletions = Some(format!(
                "nothing withdrawn: {} of {} published records ({:.0}%) are missing from the listing, \
                 more than the allowed {:.0}% (harvest.max_withdraw_share); check the source, or raise \
                 the share for this source if the removal is intended",
                absent.len(),
                published.len(),
                share * 100.0,
                policy.max_withdraw_share * 100.0
            ));
        } else if !absent.is_empty() {
            store.withdraw(source, catalog_iri, &absent, &now_s)?;
            report.withdrawn = absent.len();
            withdrawn = absent;
        }
        // 3. Purge, also only after a complete listing.
        let cutoff = now
            .checked_sub(policy.purge_after)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        purged = store.purge_withdrawn(source, &xsd_time(cutoff))?;
        report.purged = purged.len();
    }
    Ok(Applied {
        republished,
        withdrawn,
        purged,
    })
}

/// What [`apply_deletions`] changed, for the followers.
#[derive(Debug, Default)]
pub struct Applied {
    pub republished: Vec<StoredRecord>,
    pub withdrawn: Vec<String>,
    pub purged: Vec<String>,
}

/// The `modified_since` for an incremental CKAN run: the start of the last
/// successful run minus `margin`, or `None` (full run).
pub fn incremental_since(
    store: &CatalogStore,
    source: &str,
    margin: Duration,
) -> Result<Option<String>, StoreError> {
    let Some(run) = store.last_complete_run(source)? else {
        return Ok(None);
    };
    Ok(parse_xsd_time(&run.started)
        .and_then(|t| t.checked_sub(margin))
        .map(xsd_time))
}

/// Convenience for error lists: a stored error from a report error.
impl From<&ItemError> for StoredError {
    fn from(e: &ItemError) -> Self {
        StoredError {
            url: e.url.clone(),
            record: e.record.clone(),
            reason: e.reason.clone(),
            snippet: e.snippet.clone(),
        }
    }
}

impl crate::pipeline::Harvesting {
    /// The deletion rules of a source (config, per-source override).
    pub fn deletion_policy(&self, source: &crate::config::SourceConfig) -> DeletionPolicy {
        DeletionPolicy {
            max_withdraw_share: source
                .max_withdraw_share
                .unwrap_or(self.config.harvest.max_withdraw_share),
            purge_after: self.config.harvest.purge_after,
        }
    }

    /// Stores the run as `running` and collects what the run needs to know
    /// from the store before harvesting.
    pub(crate) async fn begin_run(
        &self,
        source: &crate::config::SourceConfig,
        report: &SourceReport,
        now: &str,
    ) -> Result<RunState, String> {
        let store = self.store.clone();
        let id = report.run_id.clone();
        let trigger = report.trigger;
        let now = now.to_owned();
        let sid = source.id.0.clone();
        let ckan = source.kind == crate::config::SourceKind::Ckan && source.incremental;
        let margin = self.config.harvest.incremental_margin;
        tokio::task::spawn_blocking(move || -> Result<RunState, StoreError> {
            // The last successful run must be read before this run exists.
            let since = if ckan {
                incremental_since(&store, &sid, margin)?
            } else {
                None
            };
            store.begin_run(&id, &sid, trigger, &now)?;
            Ok(RunState {
                withdrawn_before: store.withdrawn_rids(&sid)?,
                since,
                ..RunState::default()
            })
        })
        .await
        .map_err(|e| format!("starting the run failed: {e}"))?
        .map_err(|e| format!("recording the start of the run failed: {e}"))
    }

    /// Applies withdrawals/purge/republishing, tells followers, and stores the
    /// final run record (pruning old ones).
    pub(crate) async fn finish_run(
        &self,
        source: &crate::config::SourceConfig,
        catalog_iri: &str,
        started: &str,
        state: RunState,
        report: &mut SourceReport,
    ) {
        let store = self.store.clone();
        let sid = source.id.0.clone();
        let policy = self.deletion_policy(source);
        let now = self.clock.now();
        let keep = self.config.harvest.keep_runs;
        let followers = self.followers.clone();
        let catalog_iri = catalog_iri.to_owned();
        let started = started.to_owned();
        let url = source.url.clone();
        let clock = self.clock.clone();
        let mut r = report.clone();
        let st = state;
        let done = tokio::task::spawn_blocking(move || {
            if r.pages == 0 && st.listing.is_none() {
                r.deletions = Some("nothing withdrawn: no page of the listing was read".into());
            } else {
                match apply_deletions(&store, &sid, &catalog_iri, &st, policy, now, &mut r) {
                    Ok(Applied {
                        republished,
                        withdrawn,
                        purged,
                    }) => {
                        let mut prepared = Vec::new();
                        for rec in &republished {
                            match store.prepared_from_archive(rec) {
                                Ok(p) => prepared.push(p),
                                Err(e) => r.errors.push(ItemError {
                                    url: url.clone(),
                                    record: Some(format!("<{}>", rec.dataset)),
                                    reason: format!("republishing: {e}"),
                                    snippet: String::new(),
                                }),
                            }
                        }
                        let refs: Vec<&PreparedRecord> = prepared.iter().collect();
                        let gone: Vec<String> = withdrawn.into_iter().chain(purged).collect();
                        for f in &followers {
                            let mut fail = |what: &str, e: String| {
                                r.errors.push(ItemError {
                                    url: url.clone(),
                                    record: None,
                                    reason: format!(
                                        "updating {} ({what}): {e} (the store is unaffected)",
                                        f.name()
                                    ),
                                    snippet: String::new(),
                                })
                            };
                            if !refs.is_empty() {
                                if let Err(e) = f.published(&sid, &refs) {
                                    fail("republished records", e);
                                }
                            }
                            if !gone.is_empty() {
                                if let Err(e) = f.withdrawn(&gone) {
                                    fail("withdrawn records", e);
                                }
                            }
                        }
                    }
                    Err(e) => r.errors.push(ItemError {
                        url: url.clone(),
                        record: None,
                        reason: format!("withdrawal/purge failed (nothing was withdrawn): {e}"),
                        snippet: String::new(),
                    }),
                }
            }
            let ended = xsd_time(clock.now());
            if let Err(e) = store.finish_run(&r.run_id, &r, &started, &ended) {
                tracing::error!(source = %sid, run = %r.run_id, "storing the run record failed: {e}");
            }
            if let Err(e) = store.prune_runs(&sid, keep.max(1)) {
                tracing::warn!(source = %sid, "pruning old run records failed: {e}");
            }
            r
        })
        .await;
        match done {
            Ok(r) => *report = r,
            Err(e) => {
                report.errors.push(ItemError {
                    url: source.url.clone(),
                    record: None,
                    reason: format!("finishing the run failed: {e}"),
                    snippet: String::new(),
                });
            }
        }
    }
}
