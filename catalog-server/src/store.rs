//! The catalog store: Oxigraph (RocksDB) for queries, and beside it a
//! content-addressed archive of each record's exact graph (redb).
//!
//! Layout in Oxigraph (all names under `urn:dcat-catalog:`):
//! - `record:{rid}`: one named graph per harvested record (rid: see [`record_id`]);
//! - `catalog:{source}`: the source's `dcat:Catalog` with its `dcat:dataset` links;
//! - `meta:{source}`: one `dcat:CatalogRecord` per record, named by the record
//!   graph IRI, with provenance: source, page URL, harvest time, content hash.
//!
//! Oxigraph normalizes literals (`xsd:nonNegativeInteger` becomes
//! `xsd:integer`, lexical forms are canonicalized), so the record graphs are
//! for querying only. The exact graph of every record, as canonical N-Triples
//! (RDFC-1.0), is kept zstd-compressed in the archive under its SHA-256; export,
//! hashing and validation use it. The archive is written and committed
//! *before* the Oxigraph transaction that references a hash, so every hash in
//! the store is in the archive, whatever moment a crash hits.

use crate::vocab::{cat, graphs};
use harvester::vocab::{dcat, dcatde, dct, foaf, prov, rdf, xsd};
use oxigraph::model::{
    BlankNode, GraphName, GraphNameRef, Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, Quad,
    QuadRef, Term, Triple,
};
use oxigraph::store::Store;
use redb::{ReadableDatabase, TableDefinition};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

const BLOBS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("record_graphs");

/// The predicates a source's catalog description may use (the pipeline
/// writes it from the source's config). A catalog graph holds the
/// description and two links per record (`dcat:dataset`, `dcat:record`),
/// nothing else, so the old description is found by these predicates alone.
pub const CATALOG_DESCRIPTION_PREDICATES: [NamedNodeRef<'static>; 7] = [
    rdf::TYPE,
    dct::TITLE,
    dct::SOURCE,
    dct::PUBLISHER,
    foaf::NAME,
    dcatde::CONTRIBUTOR_ID,
    dct::SPATIAL,
];

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store at {path}: {message}")]
    Open { path: String, message: String },
    #[error("RDF store: {0}")]
    Oxigraph(#[from] oxigraph::store::StorageError),
    #[error("record archive: {0}")]
    Archive(String),
    #[error("record archive is missing the graph {hash} of record {record}; the archive does not match the store")]
    MissingBlob { hash: String, record: String },
    #[error("{0}")]
    Other(String),
}

impl From<redb::Error> for StoreError {
    fn from(e: redb::Error) -> Self {
        StoreError::Archive(e.to_string())
    }
}

macro_rules! redb_from {
    ($($t:ty),*) => {$(impl From<$t> for StoreError {
        fn from(e: $t) -> Self { StoreError::Archive(e.to_string()) }
    })*};
}
redb_from!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

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
    pub report: Vec<Triple>,
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

/// The embedded store.
pub struct CatalogStore {
    pub path: PathBuf,
    pub(crate) store: Store,
    pub(crate) archive: redb::Database,
    /// Serializes writers: a record replacement is read-check-write.
    pub(crate) write_lock: Mutex<()>,
}

impl CatalogStore {
    /// Opens (or creates) the store under `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        let open_err = |message: String| StoreError::Open {
            path: data_dir.display().to_string(),
            message,
        };
        std::fs::create_dir_all(data_dir).map_err(|e| open_err(e.to_string()))?;
        let store = Store::open(data_dir.join("oxigraph")).map_err(|e| {
            let text = e.to_string();
            if text.contains("lock") || text.contains("LOCK") {
                open_err(format!(
                    "{text}: the store is in use by another process (is `catalog-server serve` running? \
                     then trigger harvests through it)"
                ))
            } else {
                open_err(text)
            }
        })?;
        let archive = redb::Database::create(data_dir.join("archive.redb"))
            .map_err(|e| open_err(format!("record archive: {e}")))?;
        {
            let txn = archive.begin_write()?;
            txn.open_table(BLOBS)?;
            txn.commit()?;
        }
        let this = Self {
            path: data_dir.to_path_buf(),
            store,
            archive,
            write_lock: Mutex::new(()),
        };
        // Only one process opens the store: runs still marked running were
        // cut short by a crash or kill.
        this.recover_interrupted_runs(&crate::lifecycle::xsd_time(std::time::SystemTime::now()))?;
        Ok(this)
    }

    pub fn oxigraph(&self) -> &Store {
        &self.store
    }

    /// Writes the records of one page of `source` in one transaction: new and
    /// changed records replace their graph atomically; unchanged ones are not
    /// touched. `catalog_iri` is the source's catalog, `now` an xsd:dateTime.
    pub fn write_records(
        &self,
        source: &str,
        catalog_iri: &str,
        records: &[PreparedRecord],
        now: &str,
    ) -> Result<Vec<Outcome>, StoreError> {
        let _guard = self
            .write_lock
            .lock()
            .map_err(|_| StoreError::Other("store writer lock poisoned".into()))?;
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
            return Ok(outcomes);
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
        if !outcomes.contains(&Outcome::Updated) {
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
            // The bulk loader writes sorted SST files and ingests them in one
            // atomic step at `commit`: far cheaper than per-quad writes.
            let mut loader = bulk_loader(&self.store);
            loader.load_quads(quads)?;
            loader.commit()?;
            return Ok(outcomes);
        }
        let mut txn = self.store.start_transaction()?;
        for (r, o) in records.iter().zip(&outcomes) {
            if *o == Outcome::Unchanged {
                continue;
            }
            let graph = graphs::record(&r.rid);
            let graph_ref = GraphNameRef::NamedNode(graph.as_ref());
            let vgraph = graphs::validation(&r.rid);
            let vgraph_ref = GraphNameRef::NamedNode(vgraph.as_ref());
            if *o == Outcome::Updated {
                txn.clear_graph(graph_ref)?;
                txn.clear_graph(vgraph_ref)?;
                let old: Vec<Quad> = txn
                    .quads_for_pattern(Some(graph.as_ref().into()), None, None, Some(meta_ref))
                    .collect::<Result<_, _>>()?;
                for q in &old {
                    // The first harvest time survives updates.
                    if q.predicate.as_ref() != dct::ISSUED {
                        txn.remove(q);
                    }
                }
            }
            txn.insert_named_graph(graph.as_ref());
            for t in &r.triples {
                txn.insert(QuadRef::new(&t.subject, &t.predicate, &t.object, graph_ref));
            }
            let subject = graph.as_ref();
            for (p, o) in provenance(source, r, &harvested) {
                txn.insert(QuadRef::new(subject, p, &o, meta_ref));
            }
            if let Some(v) = &r.validation {
                txn.insert_named_graph(vgraph.as_ref());
                for t in &v.report {
                    txn.insert(QuadRef::new(
                        &t.subject,
                        &t.predicate,
                        &t.object,
                        vgraph_ref,
                    ));
                }
            }
            if *o == Outcome::Added {
                txn.insert(QuadRef::new(subject, dct::ISSUED, &harvested, meta_ref));
            }
            let catalog_ref = GraphNameRef::NamedNode(catalog_graph.as_ref());
            txn.insert(QuadRef::new(
                &catalog,
                dcat::DATASET_LINK,
                &r.dataset,
                catalog_ref,
            ));
            txn.insert(QuadRef::new(&catalog, dcat::RECORD, subject, catalog_ref));
        }
        txn.commit()?;
        Ok(outcomes)
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
    fn meta_literal(
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

    /// Replaces the description of a source's catalog (keeping its dataset links).
    pub fn write_catalog_description(
        &self,
        source: &str,
        description: &[Triple],
    ) -> Result<(), StoreError> {
        if let Some(t) = description
            .iter()
            .find(|t| !CATALOG_DESCRIPTION_PREDICATES.contains(&t.predicate.as_ref()))
        {
            return Err(StoreError::Other(format!(
                "catalog description of source {source}: predicate {} is not one of CATALOG_DESCRIPTION_PREDICATES",
                t.predicate
            )));
        }
        let _guard = self
            .write_lock
            .lock()
            .map_err(|_| StoreError::Other("store writer lock poisoned".into()))?;
        let graph = graphs::catalog(source);
        let graph_ref = GraphNameRef::NamedNode(graph.as_ref());
        let mut txn = self.store.start_transaction()?;
        // The old description, found by predicate (the graph-predicate index):
        // the catalog graph also holds two links per record, which a scan of
        // the whole graph would read and decode.
        let mut old: Vec<Quad> = Vec::new();
        for p in CATALOG_DESCRIPTION_PREDICATES {
            for q in txn.quads_for_pattern(None, Some(p), None, Some(graph_ref)) {
                old.push(q?);
            }
        }
        for q in &old {
            txn.remove(q);
        }
        for t in description {
            txn.insert(QuadRef::new(&t.subject, &t.predicate, &t.object, graph_ref));
        }
        txn.commit()?;
        Ok(())
    }

    /// The published records (withdrawn ones are skipped; see
    /// [`CatalogStore::withdrawn_records`]), optionally of one source, sorted
    /// by source and id.
    pub fn records(&self, source: Option<&str>) -> Result<Vec<StoredRecord>, StoreError> {
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
        // Withdrawn records are not published: export and views skip them.
        for q in self.store.quads_for_pattern(
            None,
            Some(cat::STATUS),
            Some(crate::lifecycle::WITHDRAWN.into()),
            graph_ref,
        ) {
            by_subject.remove(&q?.subject);
        }
        let mut out: Vec<StoredRecord> = by_subject.into_values().collect();
        out.sort_by(|a, b| (&a.source, &a.rid).cmp(&(&b.source, &b.rid)));
        Ok(out)
    }

    /// The exact graph of a record, from the archive, with blank nodes
    /// labelled per record.
    pub fn exact_graph(&self, record: &StoredRecord) -> Result<Vec<Triple>, StoreError> {
        let canonical = self.archived_ntriples(&record.hash, &record.rid)?;
        parse_canonical(&canonical, &record.rid)
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

    /// The triples of a source's catalog graph (as stored).
    pub fn catalog_triples(&self, source: &str) -> Result<Vec<Triple>, StoreError> {
        let graph = graphs::catalog(source);
        self.store
            .quads_for_pattern(
                None,
                None,
                None,
                Some(GraphNameRef::NamedNode(graph.as_ref())),
            )
            .map(|q| q.map(Triple::from).map_err(StoreError::from))
            .collect()
    }

    /// Sources that have a catalog graph in the store.
    pub fn stored_sources(&self) -> Result<Vec<String>, StoreError> {
        let mut out = Vec::new();
        for g in self.store.named_graphs() {
            if let NamedOrBlankNode::NamedNode(n) = g? {
                if let Some(s) = n.as_str().strip_prefix(graphs::CATALOG_PREFIX) {
                    out.push(s.to_owned());
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// Flushes pending writes to disk. Flushes are serialized: concurrent
    /// RocksDB flushes of the column families can wait on each other forever
    /// (seen with five runs starting at once).
    pub fn flush(&self) -> Result<(), StoreError> {
        static FLUSH: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _one = FLUSH.lock().unwrap_or_else(|e| e.into_inner());
        self.store.flush()?;
        Ok(())
    }
}

/// Oxigraph's bulk loader as the pipeline (and the benchmarks' store floor)
/// uses it: two threads, each building the SST files of at most
/// `BULK_LOAD_MEMORY_MB * 1000 / 2` quads. A write batch of 5,000 records
/// thus becomes two to five sets of SST files, ingested together at
/// `commit`. 1,200 MB (one set per batch) measured no faster (BENCHMARKS.md).
pub fn bulk_loader(store: &Store) -> oxigraph::store::BulkLoader<'_> {
    store
        .bulk_loader()
        .with_num_threads(2)
        .with_max_memory_size_in_megabytes(BULK_LOAD_MEMORY_MB)
}

/// See [`bulk_loader`].
pub const BULK_LOAD_MEMORY_MB: usize = 256;

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

fn term_value(term: &Term) -> String {
    match term {
        Term::NamedNode(n) => n.as_str().to_owned(),
        Term::Literal(l) => l.value().to_owned(),
        Term::BlankNode(b) => b.as_str().to_owned(),
    }
}

fn named(iri: &str) -> Result<NamedNode, StoreError> {
    NamedNode::new(iri).map_err(|e| StoreError::Other(format!("invalid IRI {iri:?}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store in an empty temporary folder; the store is closed and the
    /// folder removed when dropped.
    struct FreshStore {
        store: Option<CatalogStore>,
        dir: PathBuf,
    }

    impl FreshStore {
        fn new(name: &str) -> Self {
            let dir = std::env::temp_dir().join(format!("store-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            let store = Some(CatalogStore::open(&dir).unwrap());
            Self { store, dir }
        }

        fn store(&self) -> &CatalogStore {
            self.store.as_ref().unwrap()
        }
    }

    impl Drop for FreshStore {
        fn drop(&mut self) {
            drop(self.store.take());
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    fn record(dataset: &str, title: &str) -> harvester::Record {
        let d = NamedNode::new_unchecked(dataset);
        let contact = BlankNode::default();
        harvester::Record {
            dataset: d.clone(),
            triples: vec![
                Triple::new(d.clone(), rdf::TYPE, dcat::DATASET.into_owned()),
                Triple::new(d.clone(), dct::TITLE, Literal::new_simple_literal(title)),
                Triple::new(d, dcat::CONTACT_POINT, contact.clone()),
                Triple::new(contact, foaf::NAME, Literal::new_simple_literal("Team")),
            ],
            page_url: "http://portal.example/page".into(),
            minted: false,
        }
    }

    #[test]
    fn a_dataset_twice_in_one_write_is_stored_once_from_its_last_occurrence() {
        let fresh = FreshStore::new("dup");
        let store = fresh.store();
        let a = prepare("s", &record("http://portal.example/d/1", "alt")).unwrap();
        let b = prepare("s", &record("http://portal.example/d/1", "neu")).unwrap();
        let outcomes = store
            .write_records(
                "s",
                "http://land.example/catalogs/s",
                &[a, b.clone()],
                "2026-01-01T00:00:00Z",
            )
            .unwrap();
        assert_eq!(outcomes, vec![Outcome::Unchanged, Outcome::Added]);
        let stored = store.records(Some("s")).unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].hash, b.hash);
        let graph = graphs::record(&b.rid);
        let titles: Vec<_> = store
            .oxigraph()
            .quads_for_pattern(None, Some(dct::TITLE), None, Some(graph.as_ref().into()))
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(titles.len(), 1, "{titles:?}");
        assert_eq!(store.exact_graph(&stored[0]).unwrap(), b.triples);
    }

    /// The graph-name check that spares a first harvest its meta reads must
    /// still see every stored record: unchanged, changed, and purged then
    /// harvested again.
    #[test]
    fn outcomes_follow_the_stored_state_through_update_and_purge() {
        let fresh = FreshStore::new("life");
        let store = fresh.store();
        let catalog = "http://land.example/catalogs/s";
        let write = |r: &PreparedRecord, at: &str| {
            store
                .write_records("s", catalog, std::slice::from_ref(r), at)
                .unwrap()
        };
        let v1 = prepare("s", &record("http://portal.example/d/1", "alt")).unwrap();
        let v2 = prepare("s", &record("http://portal.example/d/1", "neu")).unwrap();
        assert_eq!(write(&v1, "2026-01-01T00:00:00Z"), vec![Outcome::Added]);
        assert_eq!(write(&v1, "2026-01-02T00:00:00Z"), vec![Outcome::Unchanged]);
        assert_eq!(write(&v2, "2026-01-03T00:00:00Z"), vec![Outcome::Updated]);
        let graph = graphs::record(&v2.rid);
        let meta = graphs::meta("s");
        assert_eq!(store.hash_of(&graph, &meta).unwrap(), Some(v2.hash.clone()));
        let titles = |store: &CatalogStore| -> usize {
            store
                .oxigraph()
                .quads_for_pattern(None, Some(dct::TITLE), None, Some(graph.as_ref().into()))
                .count()
        };
        assert_eq!(titles(store), 1);
        store
            .withdraw(
                "s",
                catalog,
                std::slice::from_ref(&v2.rid),
                "2026-01-04T00:00:00Z",
            )
            .unwrap();
        assert_eq!(
            store.purge_withdrawn("s", "2026-01-05T00:00:00Z").unwrap(),
            vec![v2.rid.clone()]
        );
        assert!(!store
            .oxigraph()
            .contains_named_graph(graph.as_ref())
            .unwrap());
        assert_eq!(store.hash_of(&graph, &meta).unwrap(), None);
        assert_eq!(write(&v1, "2026-01-06T00:00:00Z"), vec![Outcome::Added]);
        assert_eq!(store.hash_of(&graph, &meta).unwrap(), Some(v1.hash.clone()));
        assert_eq!(titles(store), 1);
        // One content hash in the meta graph, not one per write.
        let hashes = store
            .oxigraph()
            .quads_for_pattern(
                Some(graph.as_ref().into()),
                Some(cat::CONTENT_HASH),
                None,
                Some(meta.as_ref().into()),
            )
            .count();
        assert_eq!(hashes, 1);
    }

    /// A new description replaces the old one entirely (a publisher or
    /// geocoding dropped from the config disappears) and keeps the record
    /// links; a predicate outside the closed list is refused.
    #[test]
    fn a_new_catalog_description_replaces_the_old_and_keeps_the_links() {
        let fresh = FreshStore::new("catdesc");
        let store = fresh.store();
        let catalog = NamedNode::new_unchecked("http://land.example/catalogs/s");
        let old_agent = NamedNode::new_unchecked("http://land.example/agents/alt");
        let new_agent = NamedNode::new_unchecked("http://land.example/agents/neu");
        let described = |agent: &NamedNode, title: &str, geocoding: bool| {
            let mut t = vec![
                Triple::new(catalog.clone(), rdf::TYPE, dcat::CATALOG.into_owned()),
                Triple::new(
                    catalog.clone(),
                    dct::TITLE,
                    Literal::new_simple_literal(title),
                ),
                Triple::new(catalog.clone(), dct::PUBLISHER, agent.clone()),
                Triple::new(agent.clone(), rdf::TYPE, foaf::AGENT.into_owned()),
                Triple::new(
                    agent.clone(),
                    foaf::NAME,
                    Literal::new_simple_literal(agent.as_str()),
                ),
            ];
            if geocoding {
                t.push(Triple::new(
                    catalog.clone(),
                    dct::SPATIAL,
                    NamedNode::new_unchecked(
                        "http://dcat-ap.de/def/politicalGeocoding/districtKey/01001",
                    ),
                ));
            }
            t
        };
        let first = described(&old_agent, "Alt", true);
        store.write_catalog_description("s", &first).unwrap();
        let r = prepare("s", &record("http://portal.example/d/1", "x")).unwrap();
        store
            .write_records("s", catalog.as_str(), &[r], "2026-01-01T00:00:00Z")
            .unwrap();
        let links: Vec<Triple> = store
            .catalog_triples("s")
            .unwrap()
            .into_iter()
            .filter(|t| !first.contains(t))
            .collect();
        assert_eq!(links.len(), 2, "{links:?}");
        let second = described(&new_agent, "Neu", false);
        store.write_catalog_description("s", &second).unwrap();
        let mut stored = store.catalog_triples("s").unwrap();
        let mut expected = [second.clone(), links].concat();
        stored.sort_by_key(|t| t.to_string());
        expected.sort_by_key(|t| t.to_string());
        assert_eq!(stored, expected);
        let foreign = [Triple::new(
            catalog.clone(),
            dcat::DATASET_LINK,
            NamedNode::new_unchecked("http://portal.example/d/2"),
        )];
        let err = store.write_catalog_description("s", &foreign).unwrap_err();
        assert!(err.to_string().contains("dcat#dataset"), "{err}");
        let mut after = store.catalog_triples("s").unwrap();
        after.sort_by_key(|t| t.to_string());
        assert_eq!(after, expected, "a refused description changes nothing");
    }
}
