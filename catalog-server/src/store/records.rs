//! Records: ids, the prepared (canonical, hashed, compressed) form, the
//! atomic write of a batch of records with their provenance, and reading
//! published records and their exact graphs back.

use super::dedup::{self, DedupEffect};
use super::vocab::{cat, graphs, WITHDRAWN};
use super::{bulk_loader, named, term_value, CatalogStore, StoreError, BLOBS};
use harvester::vocab::{dcat, dct, foaf, prov, rdf, xsd};
use oxigraph::model::{
    BlankNode, GraphName, GraphNameRef, Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, Quad,
    QuadRef, Term, Triple,
};
use redb::{ReadableDatabase, ReadableTable};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// The id of a record: the first 20 hex digits of SHA-256("{source}\n{dataset IRI}").
pub fn record_id(source: &str, dataset: &str) -> String {
    let digest = Sha256::digest(format!("{source}\n{dataset}").as_bytes());
    hex::encode(&digest[..10])
}

/// A record made ready for writing: canonical form, hash and compressed bytes
/// are computed outside the writer lock.
#[derive(Debug, Clone)]
pub struct PreparedRecord {
    pub rid: String,
    pub dataset: NamedNode,
    pub page_url: String,
    /// SHA-256 (hex) of the canonical N-Triples.
    pub hash: String,
    /// zstd-compressed canonical N-Triples.
    pub compressed: Vec<u8>,
    /// The canonical triples, blank nodes labelled per record (unique in the store).
    pub triples: Vec<Triple>,
    /// The record's SHACL validation, when its source has a profile.
    pub validation: Option<RecordValidation>,
}

/// A record's validation as stored: counts by severity and the
/// `sh:ValidationReport` (graph `urn:dcat-catalog:validation:{rid}`).
#[derive(Debug, Clone)]
pub struct RecordValidation {
    /// `{profile}@{fingerprint}`: a record validated under another profile
    /// version counts as changed.
    pub validated_with: String,
    pub violations: usize,
    pub warnings: usize,
    pub infos: usize,
    /// The report graph: the `sh:ValidationReport` and the quality
    /// measurements (`dqv:QualityMeasurement`s).
    pub report: Vec<Triple>,
    /// The metadata quality score, in the record's meta.
    pub quality: Option<RecordQuality>,
}

/// A record's metadata quality score as its meta holds it
/// (`cat:qualityScore`, `cat:qualityBand`).
#[derive(Debug, Clone)]
pub struct RecordQuality {
    pub score: u32,
    pub band: String,
    /// The points by metric (`validation::quality::Quality::points`).
    pub points: String,
}

/// Canonicalizes, hashes and compresses a harvested record.
pub fn prepare(source: &str, record: &harvester::Record) -> Result<PreparedRecord, StoreError> {
    let rid = record_id(source, record.dataset.as_str());
    let (canonical, values) = harvester::canonical_form(&record.triples);
    let hash = hex::encode(Sha256::digest(canonical.as_bytes()));
    let compressed = compress(canonical.as_bytes())
        .map_err(|e| StoreError::Other(format!("compressing record {rid}: {e}")))?;
    let triples = values
        .into_iter()
        .map(|t| relabel_triple(t, &rid))
        .collect();
    Ok(PreparedRecord {
        rid,
        dataset: record.dataset.clone(),
        page_url: record.page_url.clone(),
        hash,
        compressed,
        triples,
        validation: None,
    })
}

thread_local! {
    /// One zstd context per thread: creating a context costs more than
    /// compressing a record.
    static COMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Compressor<'static>>> =
        const { std::cell::RefCell::new(None) };
}

/// zstd (level 3) with a reused per-thread context.
fn compress(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    COMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some(zstd::bulk::Compressor::new(3)?);
        }
        match slot.as_mut() {
            Some(c) => c.compress(bytes),
            None => zstd::encode_all(bytes, 3),
        }
    })
}

/// A prepared record of `source` for tests: the dataset `iri`, typed
/// `dcat:Dataset`, with `more` triples.
#[cfg(test)]
pub(crate) fn test_record(source: &str, iri: &str, more: Vec<Triple>) -> PreparedRecord {
    let d = NamedNode::new_unchecked(iri);
    let mut triples = vec![Triple::new(
        d.clone(),
        harvester::vocab::rdf::TYPE,
        harvester::vocab::dcat::DATASET.into_owned(),
    )];
    triples.extend(more);
    prepare(
        source,
        &harvester::Record {
            dataset: d,
            triples,
            page_url: format!("http://{source}.example/page"),
            minted: false,
        },
    )
    .expect("prepare")
}

/// Parses canonical N-Triples, relabelling blank nodes `c14nN` to `r{rid}bN` so
/// that the blank nodes of different records never meet in the store.
pub fn parse_canonical(canonical: &str, rid: &str) -> Result<Vec<Triple>, StoreError> {
    oxigraph::io::RdfParser::from_format(oxigraph::io::RdfFormat::NTriples)
        .for_slice(canonical.as_bytes())
        .map(|q| {
            let q = q.map_err(|e| StoreError::Other(format!("archived graph of {rid}: {e}")))?;
            Ok(relabel_triple(Triple::from(q), rid))
        })
        .collect()
}

/// Relabels canonical blank nodes `c14nN` to `r{rid}bN`.
fn relabel_triple(t: Triple, rid: &str) -> Triple {
    let relabel = |b: &BlankNode| -> BlankNode {
        let n = b.as_str().trim_start_matches("c14n");
        BlankNode::new_unchecked(format!("r{rid}b{n}"))
    };
    let subject = match t.subject {
        NamedOrBlankNode::BlankNode(b) => relabel(&b).into(),
        s => s,
    };
    let object = match t.object {
        Term::BlankNode(b) => relabel(&b).into(),
        o => o,
    };
    Triple::new(subject, t.predicate, object)
}

/// What a write did: per record, and to the duplicates of their groups.
#[derive(Debug, Clone)]
pub struct Written {
    pub outcomes: Vec<Outcome>,
    pub dedup: DedupEffect,
}

/// What writing a record did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Added,
    Updated,
    Unchanged,
}

/// Provenance and state of a stored record.
#[derive(Debug, Clone)]
pub struct StoredRecord {
    pub rid: String,
    pub source: String,
    pub dataset: String,
    pub hash: String,
    pub page_url: String,
    pub harvested: String,
}
impl CatalogStore {
    /// [`CatalogStore::write_batch`] for callers that keep no derived
    /// views: what happened to each record.
    pub fn write_records(
        &self,
        source: &str,
        catalog_iri: &str,
        records: &[PreparedRecord],
        now: &str,
    ) -> Result<Vec<Outcome>, StoreError> {
        Ok(self
            .write_batch(source, catalog_iri, records, now)?
            .outcomes)
    }

    /// Writes the records of one page of `source` in one transaction: new and
    /// changed records replace their graph atomically; unchanged ones are not
    /// touched. `catalog_iri` is the source's catalog, `now` an xsd:dateTime.
    /// The deduplication index and the duplicates of the groups the records
    /// belong to change in the same write ([`super::dedup`]).
    pub fn write_batch(
        &self,
        source: &str,
        catalog_iri: &str,
        records: &[PreparedRecord],
        now: &str,
    ) -> Result<Written, StoreError> {
        let _guard = self.lock_writes()?;
        let meta = graphs::meta(source);
        let catalog_graph = graphs::catalog(source);
        let catalog = named(catalog_iri)?;
        // Which records are new or changed?
        let mut outcomes = Vec::with_capacity(records.len());
        let mut old_hashes: Vec<Option<String>> = Vec::with_capacity(records.len());
        // A dataset listed twice in one write (pages that overlap) is written
        // once, from its last occurrence; the earlier ones count as unchanged.
        let mut last: HashMap<&str, usize> = HashMap::with_capacity(records.len());
        for (i, r) in records.iter().enumerate() {
            last.insert(r.rid.as_str(), i);
        }
        for (i, r) in records.iter().enumerate() {
            if last.get(r.rid.as_str()) != Some(&i) {
                outcomes.push(Outcome::Unchanged);
                old_hashes.push(None);
                continue;
            }
            let graph = graphs::record(&r.rid);
            // A record's graph name exists exactly as long as its meta does
            // (both are written together; only a purge removes them, in one
            // transaction). Asking for the name is a point read with a
            // Bloom filter, much cheaper than the meta pattern scan, and on
            // a first harvest it is all that is needed.
            let old = if self.store.contains_named_graph(graph.as_ref())? {
                self.hash_of(&graph, &meta)?
            } else {
                None
            };
            outcomes.push(match &old {
                None => Outcome::Added,
                Some(h) if *h == r.hash => match &r.validation {
                    // Same content, validated by another profile (version):
                    // rewritten with the new report.
                    Some(v)
                        if self.validated_with(&graph, &meta)?.as_deref()
                            != Some(v.validated_with.as_str()) =>
                    {
                        Outcome::Updated
                    }
                    _ => Outcome::Unchanged,
                },
                Some(_) => Outcome::Updated,
            });
            old_hashes.push(old);
        }
        if outcomes.iter().all(|o| *o == Outcome::Unchanged) {
            return Ok(Written {
                outcomes,
                dedup: DedupEffect::default(),
            });
        }
        let keys: Vec<Vec<Literal>> = records
            .iter()
            .zip(&outcomes)
            .map(|(r, o)| match o {
                Outcome::Unchanged => Vec::new(),
                _ => dedup::keys_of(r),
            })
            .collect();
        // New records whose keys no stored record shares need no decision:
        // a group of one source's records has no duplicates (and while no
        // other source's records are indexed, no key needs looking up).
        let mut joins = false;
        if !outcomes.contains(&Outcome::Updated)
            && dedup::other_sources_indexed(&self.store, source)?
        {
            for k in &keys {
                if dedup::any_member(&self.store, k)? {
                    joins = true;
                    break;
                }
            }
        }
        // 1. The archive first, durably.
        {
            let txn = self.archive.begin_write()?;
            {
                let mut table = txn.open_table(BLOBS)?;
                for (r, o) in records.iter().zip(&outcomes) {
                    if *o != Outcome::Unchanged {
                        let key =
                            hex::decode(&r.hash).map_err(|e| StoreError::Other(e.to_string()))?;
                        table.insert(key.as_slice(), r.compressed.as_slice())?;
                    }
                }
            }
            txn.commit()?;
        }
        // 2. Then the store, atomically. Pages of only new records need no
        // reads or removals: one plain write batch (`extend`) is several times
        // faster than a readable transaction.
        let meta_ref = GraphNameRef::NamedNode(meta.as_ref());
        let harvested = Literal::new_typed_literal(now, xsd::DATE_TIME);
        if !outcomes.contains(&Outcome::Updated) && !joins {
            let catalog_name = GraphName::NamedNode(catalog_graph.clone());
            let meta_name = GraphName::NamedNode(meta.clone());
            let mut quads: Vec<Quad> = Vec::new();
            for (r, o) in records.iter().zip(&outcomes) {
                if *o != Outcome::Added {
                    continue;
                }
                let graph = graphs::record(&r.rid);
                let graph_name = GraphName::NamedNode(graph.clone());
                for t in &r.triples {
                    quads.push(Quad::new(
                        t.subject.clone(),
                        t.predicate.clone(),
                        t.object.clone(),
                        graph_name.clone(),
                    ));
                }
                for (p, o) in provenance(source, r, &harvested) {
                    quads.push(Quad::new(graph.clone(), p, o, meta_name.clone()));
                }
                if let Some(v) = &r.validation {
                    let vg = GraphName::NamedNode(graphs::validation(&r.rid));
                    for t in &v.report {
                        quads.push(Quad::new(
                            t.subject.clone(),
                            t.predicate.clone(),
                            t.object.clone(),
                            vg.clone(),
                        ));
                    }
                }
                quads.push(Quad::new(
                    graph.clone(),
                    dct::ISSUED,
                    harvested.clone(),
                    meta_name.clone(),
                ));
                quads.push(Quad::new(
                    catalog.clone(),
                    dcat::DATASET_LINK,
                    r.dataset.clone(),
                    catalog_name.clone(),
                ));
                quads.push(Quad::new(
                    catalog.clone(),
                    dcat::RECORD,
                    graph,
                    catalog_name.clone(),
                ));
            }
            quads.extend(dedup::index_quads(
                source,
                records
                    .iter()
                    .zip(&outcomes)
                    .zip(&keys)
                    .filter(|((_, o), _)| **o == Outcome::Added)
                    .map(|((r, _), k)| (r.rid.as_str(), k.as_slice())),
            ));
            // The bulk loader writes sorted SST files and ingests them in one
            // atomic step at `commit`: far cheaper than per-quad writes.
            let mut loader = bulk_loader(&self.store);
            loader.load_quads(quads)?;
            loader.commit()?;
            self.log_written(source, records, &outcomes, now);
            return Ok(Written {
                outcomes,
                dedup: DedupEffect::default(),
            });
        }
        // Records that replace stored ones go through transactions of at most
        // UPDATE_CHUNK records, and only the quads that differ are written
        // (`replace_quads`). Every record changes atomically: its graph,
        // provenance and report in one transaction. Rewriting every quad of
        // a changed record, in one transaction per write batch, put millions
        // of index updates into single RocksDB writes (hundreds of MB of
        // write-ahead log and memtable) and made a harvest that changes
        // every record ~10 times slower than a first harvest, with minutes
        // of flushing at its end.
        let changed: Vec<(&PreparedRecord, Outcome, &[Literal])> = records
            .iter()
            .zip(&outcomes)
            .zip(&keys)
            .filter(|((_, o), _)| **o != Outcome::Unchanged)
            .map(|((r, o), k)| (r, *o, k.as_slice()))
            .collect();
        let priorities = self.priorities();
        let priority = |s: &str| priorities.get(s).copied().unwrap_or(0);
        let mut effect = DedupEffect::default();
        for part in changed.chunks(UPDATE_CHUNK) {
            let mut txn = self.store.start_transaction()?;
            let mut left = Vec::new();
            for &(r, o, k) in part {
                let graph = graphs::record(&r.rid);
                let graph_ref = GraphNameRef::NamedNode(graph.as_ref());
                let vgraph = graphs::validation(&r.rid);
                let vgraph_ref = GraphNameRef::NamedNode(vgraph.as_ref());
                let subject = graph.as_ref();
                let record_quads = r.triples.iter().map(|t| {
                    Quad::new(
                        t.subject.clone(),
                        t.predicate.clone(),
                        t.object.clone(),
                        graph.clone(),
                    )
                });
                let mut meta_quads: Vec<Quad> = provenance(source, r, &harvested)
                    .into_iter()
                    .map(|(p, o)| Quad::new(graph.clone(), p, o, meta.clone()))
                    .collect();
                let report_quads = r.validation.iter().flat_map(|v| {
                    v.report.iter().map(|t| {
                        Quad::new(
                            t.subject.clone(),
                            t.predicate.clone(),
                            t.object.clone(),
                            vgraph.clone(),
                        )
                    })
                });
                if o == Outcome::Updated {
                    // Only what differs is written: a changed record keeps
                    // most of its quads (and its first harvest time).
                    replace_quads(&mut txn, graph_ref, None, record_quads)?;
                    replace_quads(&mut txn, vgraph_ref, None, report_quads)?;
                    replace_quads(&mut txn, meta_ref, Some(subject), meta_quads)?;
                } else {
                    meta_quads.push(Quad::new(
                        graph.clone(),
                        dct::ISSUED,
                        harvested.clone(),
                        meta.clone(),
                    ));
                    for q in record_quads.chain(report_quads).chain(meta_quads) {
                        txn.insert(&q);
                    }
                }
                txn.insert_named_graph(subject);
                if r.validation.is_some() {
                    txn.insert_named_graph(vgraph.as_ref());
                }
                let catalog_ref = GraphNameRef::NamedNode(catalog_graph.as_ref());
                txn.insert(QuadRef::new(
                    &catalog,
                    dcat::DATASET_LINK,
                    &r.dataset,
                    catalog_ref,
                ));
                txn.insert(QuadRef::new(&catalog, dcat::RECORD, subject, catalog_ref));
                left.extend(dedup::set_keys(&mut txn, Some(source), &r.rid, k)?);
            }
            let seeds: Vec<String> = part.iter().map(|(r, _, _)| r.rid.clone()).collect();
            effect.extend(dedup::settle(&mut txn, &seeds, &left, &priority)?);
            txn.commit()?;
        }
        // The replaced versions' exact graphs, unless another record has
        // the same graph, are not needed any more.
        let replaced: Vec<String> = records
            .iter()
            .zip(&outcomes)
            .zip(&old_hashes)
            .filter(|((_, o), _)| **o == Outcome::Updated)
            .filter_map(|((r, _), old)| old.as_ref().filter(|h| **h != r.hash).cloned())
            .collect();
        self.log_written(source, records, &outcomes, now);
        self.log_dedup(&effect);
        self.delete_unreferenced_blobs(&replaced)?;
        Ok(Written {
            outcomes,
            dedup: effect,
        })
    }

    /// Logs what deduplication hid and showed (after the write's own
    /// changes: a written record that is a duplicate ends hidden).
    pub(super) fn log_dedup(&self, effect: &DedupEffect) {
        if effect.is_empty() {
            return;
        }
        self.log_changes(
            effect
                .hidden
                .iter()
                .cloned()
                .map(super::RecordChange::Unpublished)
                .chain(
                    effect
                        .shown
                        .iter()
                        .cloned()
                        .map(super::RecordChange::Published),
                ),
        );
    }

    /// Logs the records a write added or changed (see
    /// [`CatalogStore::changes_between`]).
    fn log_written(
        &self,
        source: &str,
        records: &[PreparedRecord],
        outcomes: &[Outcome],
        now: &str,
    ) {
        self.log_changes(
            records
                .iter()
                .zip(outcomes)
                .filter(|(_, o)| **o != Outcome::Unchanged)
                .map(|(r, _)| {
                    super::RecordChange::Published(StoredRecord {
                        rid: r.rid.clone(),
                        source: source.to_owned(),
                        dataset: r.dataset.as_str().to_owned(),
                        hash: r.hash.clone(),
                        page_url: String::new(),
                        harvested: now.to_owned(),
                    })
                }),
        );
    }

    /// Deletes the archived graphs of `hashes` that no record's meta names
    /// any more (call while holding the writer lock, after the Oxigraph
    /// write that dropped the references has committed: every hash the
    /// store names stays in the archive). Returns how many were deleted.
    pub(crate) fn delete_unreferenced_blobs(&self, hashes: &[String]) -> Result<usize, StoreError> {
        let mut unreferenced = Vec::new();
        for h in hashes {
            let literal = Literal::new_simple_literal(h.as_str());
            if self
                .store
                .quads_for_pattern(
                    None,
                    Some(cat::CONTENT_HASH),
                    Some(literal.as_ref().into()),
                    None,
                )
                .next()
                .is_none()
            {
                unreferenced.push(h);
            }
        }
        if unreferenced.is_empty() {
            return Ok(0);
        }
        let txn = self.archive.begin_write()?;
        let mut deleted = 0;
        {
            let mut table = txn.open_table(BLOBS)?;
            for h in unreferenced {
                let key = hex::decode(h).map_err(|e| StoreError::Other(e.to_string()))?;
                if table.remove(key.as_slice())?.is_some() {
                    deleted += 1;
                }
            }
        }
        txn.commit()?;
        Ok(deleted)
    }

    /// Deletes every archived graph that no record's meta names (left by a
    /// write cut short between the archive and the Oxigraph commit, or by
    /// a crash before the replaced versions were deleted). Returns how
    /// many were deleted.
    pub fn collect_orphan_blobs(&self) -> Result<usize, StoreError> {
        let _guard = self.lock_writes()?;
        let hashes: Vec<String> = {
            let txn = self.archive.begin_read()?;
            let table = txn.open_table(BLOBS)?;
            let mut out = Vec::new();
            for entry in table.iter()? {
                let (k, _) = entry?;
                out.push(hex::encode(k.value()));
            }
            out
        };
        self.delete_unreferenced_blobs(&hashes)
    }

    /// `{profile}@{fingerprint}` of a record's stored validation.
    fn validated_with(
        &self,
        graph: &NamedNode,
        meta: &NamedNode,
    ) -> Result<Option<String>, StoreError> {
        self.meta_literal(graph, meta, cat::VALIDATED_WITH)
    }

    /// The first literal value of `predicate` on a record in its meta graph.
    pub(super) fn meta_literal(
        &self,
        graph: &NamedNode,
        meta: &NamedNode,
        predicate: NamedNodeRef<'_>,
    ) -> Result<Option<String>, StoreError> {
        for q in self.store.quads_for_pattern(
            Some(graph.as_ref().into()),
            Some(predicate),
            None,
            Some(GraphNameRef::NamedNode(meta.as_ref())),
        ) {
            if let Term::Literal(l) = q?.object {
                return Ok(Some(l.value().to_owned()));
            }
        }
        Ok(None)
    }

    pub(crate) fn hash_of(
        &self,
        graph: &NamedNode,
        meta: &NamedNode,
    ) -> Result<Option<String>, StoreError> {
        self.meta_literal(graph, meta, cat::CONTENT_HASH)
    }

    /// The records that are shown: published and not a duplicate of
    /// another source's record (withdrawn ones are skipped, see
    /// [`CatalogStore::withdrawn_records`]; duplicates, see
    /// [`CatalogStore::duplicates`]), optionally of one source, sorted by
    /// source and id. The catalog endpoint, `export` and the search index
    /// list these.
    pub fn records(&self, source: Option<&str>) -> Result<Vec<StoredRecord>, StoreError> {
        self.read_records(source, false)
    }

    /// Every stored record, withdrawn ones and duplicates included
    /// (`export --all`), sorted by source and id.
    pub fn all_records(&self, source: Option<&str>) -> Result<Vec<StoredRecord>, StoreError> {
        self.read_records(source, true)
    }

    fn read_records(
        &self,
        source: Option<&str>,
        everything: bool,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        let graph_filter = source.map(graphs::meta);
        let graph_ref = graph_filter
            .as_ref()
            .map(|g| GraphNameRef::NamedNode(g.as_ref()));
        let mut by_subject: HashMap<NamedOrBlankNode, StoredRecord> = HashMap::new();
        // The predicate index makes each scan proportional to the record count.
        for q in self
            .store
            .quads_for_pattern(None, Some(cat::CONTENT_HASH), None, graph_ref)
        {
            let q = q?;
            let GraphName::NamedNode(g) = &q.graph_name else {
                continue;
            };
            let Some(src) = g.as_str().strip_prefix(graphs::META_PREFIX) else {
                continue;
            };
            let NamedOrBlankNode::NamedNode(subject) = &q.subject else {
                continue;
            };
            let rid = subject
                .as_str()
                .strip_prefix(graphs::RECORD_PREFIX)
                .unwrap_or(subject.as_str())
                .to_owned();
            by_subject.insert(
                q.subject.clone(),
                StoredRecord {
                    rid,
                    source: src.to_owned(),
                    dataset: String::new(),
                    hash: term_value(&q.object),
                    page_url: String::new(),
                    harvested: String::new(),
                },
            );
        }
        for (predicate, field) in [
            (foaf::PRIMARY_TOPIC, 0),
            (prov::WAS_DERIVED_FROM, 1),
            (dct::MODIFIED, 2),
        ] {
            for q in self
                .store
                .quads_for_pattern(None, Some(predicate), None, graph_ref)
            {
                let q = q?;
                if let Some(r) = by_subject.get_mut(&q.subject) {
                    let value = term_value(&q.object);
                    match field {
                        0 => r.dataset = value,
                        1 => r.page_url = value,
                        _ => r.harvested = value,
                    }
                }
            }
        }
        // Withdrawn records are not published and duplicates are not
        // shown: export and views skip them.
        if !everything {
            for q in self.store.quads_for_pattern(
                None,
                Some(cat::STATUS),
                Some(WITHDRAWN.into()),
                graph_ref,
            ) {
                by_subject.remove(&q?.subject);
            }
            for q in self
                .store
                .quads_for_pattern(None, Some(cat::DUPLICATE_OF), None, graph_ref)
            {
                by_subject.remove(&q?.subject);
            }
        }
        let mut out: Vec<StoredRecord> = by_subject.into_values().collect();
        out.sort_by(|a, b| (&a.source, &a.rid).cmp(&(&b.source, &b.rid)));
        Ok(out)
    }

    /// The types the stored records (of any source, withdrawn ones too)
    /// state of `iris`, as (IRI, class) pairs: one point lookup per IRI.
    /// The validation of a record that links to other records consults
    /// them (`validation::references`).
    pub fn record_types(
        &self,
        iris: &[NamedNode],
    ) -> Result<Vec<(NamedNode, NamedNode)>, StoreError> {
        let mut out = Vec::new();
        for iri in iris {
            for q in
                self.store
                    .quads_for_pattern(Some(iri.as_ref().into()), Some(rdf::TYPE), None, None)
            {
                let q = q?;
                let in_record = matches!(&q.graph_name,
                    GraphName::NamedNode(g) if g.as_str().starts_with(graphs::RECORD_PREFIX));
                if let (true, Term::NamedNode(class)) = (in_record, q.object) {
                    out.push((iri.clone(), class));
                }
            }
        }
        Ok(out)
    }

    /// The exact graph of a record, from the archive, with blank nodes
    /// labelled per record.
    pub fn exact_graph(&self, record: &StoredRecord) -> Result<Vec<Triple>, StoreError> {
        let canonical = self.archived_ntriples(&record.hash, &record.rid)?;
        parse_canonical(&canonical, &record.rid)
    }

    /// The exact graphs of several records (as [`CatalogStore::exact_graph`]),
    /// read in one archive transaction with one decompression context.
    pub fn exact_graphs(&self, records: &[&StoredRecord]) -> Result<Vec<Vec<Triple>>, StoreError> {
        self.archived_texts(records)?
            .iter()
            .zip(records)
            .map(|(text, r)| parse_canonical(text, &r.rid))
            .collect()
    }

    /// The archived canonical N-Triples of several records (blank nodes
    /// still labelled `c14nN`), read in one archive transaction with one
    /// decompression context.
    pub fn archived_texts(&self, records: &[&StoredRecord]) -> Result<Vec<String>, StoreError> {
        let txn = self.archive.begin_read()?;
        let table = txn.open_table(BLOBS)?;
        let mut decompressor = zstd::bulk::Decompressor::new()
            .map_err(|e| StoreError::Archive(format!("zstd: {e}")))?;
        let mut out = Vec::with_capacity(records.len());
        for r in records {
            let key = hex::decode(&r.hash).map_err(|e| StoreError::Other(e.to_string()))?;
            let Some(blob) = table.get(key.as_slice())? else {
                return Err(StoreError::MissingBlob {
                    hash: r.hash.clone(),
                    record: r.rid.clone(),
                });
            };
            let compressed = blob.value();
            let bytes = match zstd::zstd_safe::get_frame_content_size(compressed) {
                Ok(Some(size)) => decompressor.decompress(compressed, size as usize),
                _ => zstd::decode_all(compressed),
            }
            .map_err(|e| StoreError::Archive(format!("record {}: {e}", r.rid)))?;
            out.push(
                String::from_utf8(bytes)
                    .map_err(|e| StoreError::Archive(format!("record {}: {e}", r.rid)))?,
            );
        }
        Ok(out)
    }

    /// The archived canonical N-Triples for a content hash.
    pub fn archived_ntriples(&self, hash: &str, rid: &str) -> Result<String, StoreError> {
        let key = hex::decode(hash).map_err(|e| StoreError::Other(e.to_string()))?;
        let txn = self.archive.begin_read()?;
        let table = txn.open_table(BLOBS)?;
        let Some(blob) = table.get(key.as_slice())? else {
            return Err(StoreError::MissingBlob {
                hash: hash.to_owned(),
                record: rid.to_owned(),
            });
        };
        let bytes = zstd::decode_all(blob.value())
            .map_err(|e| StoreError::Archive(format!("record {rid}: {e}")))?;
        String::from_utf8(bytes).map_err(|e| StoreError::Archive(format!("record {rid}: {e}")))
    }
}

/// Replaces the quads of `graph` (restricted to `subject` when given) by
/// `new` inside `txn`, writing only the difference: quads that are not in
/// `new` are removed first, then the quads of `new` that were not there
/// are inserted. Quads are compared as values; a stored literal that
/// Oxigraph normalized (`"01"^^xsd:integer` is stored as `"1"`) may differ
/// from its new exact form, and is then removed and inserted again, which
/// ends in the same stored quad. `dct:issued` (the first harvest time) is
/// never removed.
fn replace_quads(
    txn: &mut oxigraph::store::Transaction<'_>,
    graph: GraphNameRef<'_>,
    subject: Option<NamedNodeRef<'_>>,
    new: impl IntoIterator<Item = Quad>,
) -> Result<(), StoreError> {
    let new: Vec<Quad> = new.into_iter().collect();
    let wanted: std::collections::HashSet<&Quad> = new.iter().collect();
    let old: Vec<Quad> = txn
        .quads_for_pattern(subject.map(Into::into), None, None, Some(graph))
        .collect::<Result<_, _>>()?;
    for q in &old {
        if !wanted.contains(q) && q.predicate.as_ref() != dct::ISSUED {
            txn.remove(q);
        }
    }
    let present: std::collections::HashSet<&Quad> = old.iter().collect();
    for q in &new {
        if !present.contains(q) {
            txn.insert(q);
        }
    }
    Ok(())
}

/// Records per transaction when records replace stored ones (see
/// [`CatalogStore::write_records`]).
const UPDATE_CHUNK: usize = 500;

/// The provenance facts of a record (all but `dct:issued`, which is set once).
fn provenance(
    source: &str,
    r: &PreparedRecord,
    harvested: &Literal,
) -> Vec<(NamedNodeRef<'static>, Term)> {
    let page: Term = match NamedNode::new(r.page_url.clone()) {
        Ok(n) => n.into(),
        Err(_) => Literal::new_simple_literal(r.page_url.clone()).into(),
    };
    let mut out = Vec::with_capacity(12);
    if let Some(v) = &r.validation {
        let count = |n: usize| -> Term { Literal::from(n as u64).into() };
        out.push((cat::VALIDATION, graphs::validation(&r.rid).into()));
        out.push((
            cat::VALIDATED_WITH,
            Literal::new_simple_literal(&v.validated_with).into(),
        ));
        out.push((cat::VIOLATIONS, count(v.violations)));
        out.push((cat::WARNINGS, count(v.warnings)));
        out.push((cat::INFOS, count(v.infos)));
        if let Some(q) = &v.quality {
            out.push((cat::QUALITY_SCORE, count(q.score as usize)));
            out.push((
                cat::QUALITY_BAND,
                Literal::new_simple_literal(&q.band).into(),
            ));
            out.push((
                cat::QUALITY_POINTS,
                Literal::new_simple_literal(&q.points).into(),
            ));
        }
    }
    out.extend([
        (rdf::TYPE, dcat::CATALOG_RECORD.into_owned().into()),
        (foaf::PRIMARY_TOPIC, r.dataset.clone().into()),
        (cat::SOURCE, Literal::new_simple_literal(source).into()),
        (
            cat::CONTENT_HASH,
            Literal::new_simple_literal(&r.hash).into(),
        ),
        (prov::WAS_DERIVED_FROM, page),
        (dct::MODIFIED, harvested.clone().into()),
        (cat::STATUS, Literal::new_simple_literal("published").into()),
    ]);
    out
}
