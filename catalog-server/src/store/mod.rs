//! The catalog store: Oxigraph (RocksDB) for queries, and beside it a
//! content-addressed archive of each record's exact graph (redb).
//!
//! Layout in Oxigraph (all names under `urn:dcat-catalog:`):
//! - `record:{rid}`: one named graph per harvested record (rid: see [`record_id`]);
//! - `catalog:{source}`: the source's `dcat:Catalog` with its `dcat:dataset` links;
//! - `meta:{source}`: one `dcat:CatalogRecord` per record, named by the record
//!   graph IRI, with provenance: source, page URL, harvest time, content hash;
//! - `links`: the link checker's last result per URL (see `links`).
//!
//! Oxigraph normalizes literals (`xsd:nonNegativeInteger` becomes
//! `xsd:integer`, lexical forms are canonicalized), so the record graphs are
//! for querying only. The exact graph of every record, as canonical N-Triples
//! (RDFC-1.0), is kept zstd-compressed in the archive under its SHA-256; export,
//! hashing and validation use it. The archive is written and committed
//! *before* the Oxigraph transaction that references a hash, so every hash in
//! the store is in the archive, whatever moment a crash hits.

//!
//! The store knows records, runs, page memos and source hashes as data: the
//! rules that decide when a record is withdrawn, a page is asked for
//! conditionally or a record is skipped as unchanged are the harvest's
//! ([`crate::harvest`]).

mod backup;
mod catalog;
pub mod dedup;
mod follow;
mod links;
mod page_memos;
mod records;
mod runs;
mod source_hashes;
mod states;
mod time;
pub mod vocab;

pub use backup::StoreBackup;
pub use catalog::CATALOG_DESCRIPTION_PREDICATES;
pub use dedup::{DedupEffect, GroupMember};
pub use follow::RecordFollower;
pub use links::{LinkResult, QualityUpdate, RecordLinks};
pub use page_memos::StoredMemo;
#[cfg(test)]
pub(crate) use records::test_record;
pub use records::{
    parse_canonical, prepare, record_id, Outcome, PreparedRecord, RecordQuality, RecordValidation,
    StoredRecord, Written,
};
pub use runs::{new_run_id, RunRecord, RunStatus, StoredError, Trigger, MAX_STORED_ERRORS};
pub use states::Purged;
pub use time::{parse_xsd_time, utc_xsd_time, xsd_time};

use oxigraph::model::{NamedNode, Term};
use oxigraph::store::Store;
use redb::TableDefinition;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

/// The archive table of exact graphs: SHA-256 of the canonical N-Triples →
/// their zstd-compressed bytes.
const BLOBS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("record_graphs");

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

impl StoreError {
    /// Whether opening failed because another process holds the store.
    pub fn is_in_use(&self) -> bool {
        matches!(self, StoreError::Open { message, .. } if message.contains(IN_USE))
    }
}

/// Part of the message of an open refused because another process holds
/// the store (see [`StoreError::is_in_use`]).
const IN_USE: &str = "the store is in use by another process";

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

/// The embedded store.
pub struct CatalogStore {
    pub path: PathBuf,
    /// `data_dir/catalog.lock`, locked while the store is open: one
    /// process at a time (see [`CatalogStore::open`]).
    _process_lock: std::fs::File,
    pub(crate) store: Store,
    pub(crate) archive: redb::Database,
    /// Serializes writers: a record replacement is read-check-write.
    pub(crate) write_lock: Mutex<()>,
    /// Counts the writes that have ended (see [`CatalogStore::generation`]).
    generation: AtomicU64,
    /// The recent changes of the published records, by generation (see
    /// [`CatalogStore::changes_between`]).
    changes: Mutex<ChangeLog>,
    /// Source priorities for deduplication (see [`CatalogStore::set_priorities`]).
    priorities: std::sync::RwLock<std::collections::HashMap<String, i32>>,
}

/// A change of the published records, logged by the write that made it.
#[derive(Debug, Clone)]
pub enum RecordChange {
    /// Added or changed (provenance as [`CatalogStore::records`] gives it,
    /// without the page URL).
    Published(StoredRecord),
    /// Withdrawn or purged (record id).
    Unpublished(String),
    /// Changed in a way the log does not describe: read the records again.
    Unknown,
}

/// The last [`CHANGE_LOG_CAPACITY`] changes, each with the generation its
/// write ends at.
#[derive(Default)]
struct ChangeLog {
    /// Off until a reader asks for it ([`CatalogStore::follow_changes`]):
    /// `harvest` and the other commands keep no log.
    enabled: bool,
    entries: std::collections::VecDeque<(u64, RecordChange)>,
    /// The highest generation whose changes left the log.
    dropped_through: u64,
}

/// Changes the log keeps (about 40 MB at most).
const CHANGE_LOG_CAPACITY: usize = 200_000;

impl CatalogStore {
    /// Opens (or creates) the store under `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        let open_err = |message: String| StoreError::Open {
            path: data_dir.display().to_string(),
            message,
        };
        std::fs::create_dir_all(data_dir).map_err(|e| open_err(e.to_string()))?;
        // One process at a time, checked before RocksDB and redb are opened:
        // RocksDB's own lock error, raised while another process holds the
        // database, is freed by an allocator other than the one that made it
        // and crashed the process.
        let lock_path = data_dir.join("catalog.lock");
        let process_lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| open_err(format!("{}: {e}", lock_path.display())))?;
        match process_lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(open_err(
                    "the store is in use by another process (is `catalog-server serve` running? \
                     then trigger harvests through its admin API)"
                        .to_owned(),
                ))
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(open_err(format!("locking {}: {e}", lock_path.display())))
            }
        }
        let oxigraph_dir = data_dir.join("oxigraph");
        let store = Store::open(&oxigraph_dir).map_err(|e| {
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
        // Bulk-load files of a write cut short by a crash or kill (Oxigraph
        // writes them beside the database and removes them once ingested);
        // nobody else can be loading now: this process holds the lock.
        remove_leftover_bulk_files(&oxigraph_dir);
        let this = Self {
            path: data_dir.to_path_buf(),
            _process_lock: process_lock,
            store,
            archive,
            write_lock: Mutex::new(()),
            generation: AtomicU64::new(0),
            changes: Mutex::new(ChangeLog::default()),
            priorities: Default::default(),
        };
        // Only one process opens the store: runs still marked running were
        // cut short by a crash or kill, which may also have left archived
        // graphs that no record names.
        let interrupted = this.recover_interrupted_runs(&xsd_time(std::time::SystemTime::now()))?;
        // A data folder from before deduplication: index its records once.
        let (indexed, effect) = this.complete_dedup_index()?;
        if indexed > 0 {
            tracing::info!(
                records = indexed,
                duplicates = effect.hidden.len(),
                "deduplication index completed"
            );
            this.log_changes([RecordChange::Unknown]);
        }
        if !interrupted.is_empty() {
            match this.collect_orphan_blobs() {
                Ok(0) => {}
                Ok(n) => tracing::info!("removed {n} archived graphs that no record names"),
                Err(e) => tracing::warn!("could not sweep the archive: {e}"),
            }
        }
        Ok(this)
    }

    pub fn oxigraph(&self) -> &Store {
        &self.store
    }

    /// Reads the archive's table of exact graphs: fails when the archive
    /// cannot be read (redb keeps failing after an I/O error until the
    /// process restarts).
    pub fn check_archive(&self) -> Result<u64, StoreError> {
        use redb::{ReadableDatabase, ReadableTableMetadata};
        let txn = self.archive.begin_read()?;
        let table = txn.open_table(BLOBS)?;
        Ok(table.len()?)
    }

    /// Bytes free for this process on the file system of the data folder.
    pub fn free_disk_bytes(&self) -> Result<u64, StoreError> {
        use std::os::unix::ffi::OsStrExt;
        let path = std::ffi::CString::new(self.path.as_os_str().as_bytes())
            .map_err(|e| StoreError::Other(e.to_string()))?;
        // SAFETY: statvfs only writes into the struct we pass; the path is a
        // valid NUL-terminated string.
        let (rc, stat) = unsafe {
            let mut stat: libc::statvfs = std::mem::zeroed();
            (libc::statvfs(path.as_ptr(), &mut stat), stat)
        };
        if rc != 0 {
            return Err(StoreError::Other(format!(
                "statvfs {}: {}",
                self.path.display(),
                std::io::Error::last_os_error()
            )));
        }
        // The field types differ between platforms (u32 on some 32-bit ones).
        #[allow(clippy::useless_conversion)]
        Ok(u64::from(stat.f_bavail).saturating_mul(u64::from(stat.f_frsize)))
    }

    /// The writer lock: every read-check-write of records holds it. When
    /// the guard is dropped (after the writer's commits) the
    /// [generation](CatalogStore::generation) advances.
    fn lock_writes(&self) -> Result<WriteGuard<'_>, StoreError> {
        let guard = self
            .write_lock
            .lock()
            .map_err(|_| StoreError::Other("store writer lock poisoned".into()))?;
        Ok(WriteGuard {
            _guard: guard,
            generation: &self.generation,
        })
    }

    /// Logs changes of the published records; called by a writer holding
    /// the writer lock, so they belong to the generation its guard ends.
    fn log_changes(&self, changes: impl IntoIterator<Item = RecordChange>) {
        let tag = self.generation() + 1;
        let Ok(mut log) = self.changes.lock() else {
            return;
        };
        if !log.enabled {
            return;
        }
        log.entries.extend(changes.into_iter().map(|c| (tag, c)));
        while log.entries.len() > CHANGE_LOG_CAPACITY {
            if let Some((g, _)) = log.entries.pop_front() {
                log.dropped_through = log.dropped_through.max(g);
            }
        }
    }

    /// Starts the change log (once; call before reading the state that
    /// later changes are applied to). Changes of writes that ended before
    /// or are ending now are not in it: [`CatalogStore::changes_between`]
    /// answers `None` for them.
    pub fn follow_changes(&self) {
        let Ok(mut log) = self.changes.lock() else {
            return;
        };
        if !log.enabled {
            log.enabled = true;
            // A writer inside the lock now may have logged nothing and will
            // end at the next generation: that one is not described either.
            log.dropped_through = self.generation() + 1;
        }
    }

    /// The changes of the published records made by the writes that ended
    /// after generation `after` and up to `upto`, in order; `None` when the
    /// log no longer holds all of them or holds a change it cannot
    /// describe (then read the records again).
    pub fn changes_between(&self, after: u64, upto: u64) -> Option<Vec<RecordChange>> {
        let log = self.changes.lock().ok()?;
        if !log.enabled || after < log.dropped_through {
            return None;
        }
        let mut out = Vec::new();
        for (g, c) in &log.entries {
            if *g > after && *g <= upto {
                if matches!(c, RecordChange::Unknown) {
                    return None;
                }
                out.push(c.clone());
            }
        }
        Some(out)
    }

    /// A number that grows after every write of this process has ended
    /// (records, states, catalog descriptions, runs). Views derived from the
    /// store remember the generation they were read at: while it is the
    /// same, nothing they read has changed. A view read while a write
    /// commits may see part of it, and then sees the generation advance
    /// after its read.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
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

/// The writer lock held; advances the store's generation when dropped,
/// after everything the writer committed.
struct WriteGuard<'a> {
    _guard: MutexGuard<'a, ()>,
    generation: &'a AtomicU64,
}

impl Drop for WriteGuard<'_> {
    fn drop(&mut self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
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

fn term_value(term: &Term) -> String {
    match term {
        Term::NamedNode(n) => n.as_str().to_owned(),
        Term::Literal(l) => l.value().to_owned(),
        Term::BlankNode(b) => b.as_str().to_owned(),
    }
}

/// Removes `bulk-*.sst` files that a bulk load cut short left in the
/// database folder; returns how many.
fn remove_leftover_bulk_files(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("bulk-") && name.ends_with(".sst") {
            match std::fs::remove_file(e.path()) {
                Ok(()) => removed += 1,
                Err(err) => {
                    tracing::warn!("could not remove the leftover bulk-load file {name}: {err}")
                }
            }
        }
    }
    if removed > 0 {
        tracing::info!("removed {removed} bulk-load files left by an interrupted write");
    }
    removed
}

fn lit(s: &str) -> oxigraph::model::Literal {
    oxigraph::model::Literal::new_simple_literal(s)
}

fn named(iri: &str) -> Result<NamedNode, StoreError> {
    NamedNode::new(iri).map_err(|e| StoreError::Other(format!("invalid IRI {iri:?}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::vocab::{cat, graphs};
    use super::*;
    use harvester::vocab::{dcat, dct, foaf, rdf};
    use oxigraph::model::{BlankNode, Literal, Triple};

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
            store
                .purge_withdrawn("s", "2026-01-05T00:00:00Z")
                .unwrap()
                .rids,
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

    /// Stored sources are those with a catalog description; a record that
    /// describes a `dcat:Catalog` of its own does not make one.
    #[test]
    fn stored_sources_are_the_described_catalogs() {
        let fresh = FreshStore::new("sources");
        let store = fresh.store();
        assert!(store.stored_sources().unwrap().is_empty());
        for s in ["b", "a"] {
            let catalog = NamedNode::new_unchecked(format!("http://land.example/catalogs/{s}"));
            store
                .write_catalog_description(
                    s,
                    &[Triple::new(catalog, rdf::TYPE, dcat::CATALOG.into_owned())],
                )
                .unwrap();
        }
        let mut r = record("http://portal.example/d/1", "x");
        r.triples.push(Triple::new(
            NamedNode::new_unchecked("http://portal.example/catalog"),
            rdf::TYPE,
            dcat::CATALOG.into_owned(),
        ));
        let r = prepare("c", &r).unwrap();
        store
            .write_records(
                "c",
                "http://land.example/catalogs/c",
                &[r],
                "2026-01-01T00:00:00Z",
            )
            .unwrap();
        assert_eq!(store.stored_sources().unwrap(), ["a", "b"]);
    }

    /// A replaced version's exact graph leaves the archive once no record
    /// names it; one that another record still has stays. A purge removes
    /// the purged record's graph and source hash.
    #[test]
    fn the_archive_keeps_only_graphs_that_records_name() {
        let fresh = FreshStore::new("gc");
        let store = fresh.store();
        let catalog = "http://land.example/catalogs/s";
        let v1 = prepare("s", &record("http://portal.example/d/1", "alt")).unwrap();
        let v2 = prepare("s", &record("http://portal.example/d/1", "neu")).unwrap();
        // The same graph as v1, harvested by another source.
        let twin = prepare("t", &record("http://portal.example/d/1", "alt")).unwrap();
        assert_eq!(twin.hash, v1.hash);
        let write = |source: &str, r: &PreparedRecord, at: &str| {
            store
                .write_records(source, catalog, std::slice::from_ref(r), at)
                .unwrap()
        };
        write("s", &v1, "2026-01-01T00:00:00Z");
        write("t", &twin, "2026-01-01T00:00:00Z");
        assert_eq!(
            write("s", &v2, "2026-01-02T00:00:00Z"),
            vec![Outcome::Updated]
        );
        // v1's graph is still named by the other source's record.
        assert!(store.archived_ntriples(&v1.hash, &v1.rid).is_ok());
        // Replaced again: v2 is named by nothing now.
        assert_eq!(
            write("s", &v1, "2026-01-03T00:00:00Z"),
            vec![Outcome::Updated]
        );
        assert!(matches!(
            store.archived_ntriples(&v2.hash, &v2.rid),
            Err(StoreError::MissingBlob { .. })
        ));
        store
            .remember_source_hashes(&[(v1.rid.as_str(), [7; 32], v1.hash.as_str())])
            .unwrap();
        store
            .withdraw(
                "s",
                catalog,
                std::slice::from_ref(&v1.rid),
                "2026-01-04T00:00:00Z",
            )
            .unwrap();
        assert_eq!(
            store
                .purge_withdrawn("s", "2026-01-05T00:00:00Z")
                .unwrap()
                .rids,
            vec![v1.rid.clone()]
        );
        // The twin still names v1's graph; the purged record's source hash is gone.
        assert!(store.archived_ntriples(&v1.hash, &v1.rid).is_ok());
        assert_eq!(
            store
                .unchanged_by_source_hash("s", &[(v1.rid.clone(), [7; 32])])
                .unwrap(),
            vec![false]
        );
        store
            .withdraw(
                "t",
                catalog,
                std::slice::from_ref(&twin.rid),
                "2026-01-04T00:00:00Z",
            )
            .unwrap();
        store.purge_withdrawn("t", "2026-01-05T00:00:00Z").unwrap();
        assert!(matches!(
            store.archived_ntriples(&v1.hash, &v1.rid),
            Err(StoreError::MissingBlob { .. })
        ));
        // An orphan (archive written, store write never happened) is swept.
        let orphan = prepare("s", &record("http://portal.example/d/9", "x")).unwrap();
        {
            let txn = store.archive.begin_write().unwrap();
            {
                let mut table = txn.open_table(BLOBS).unwrap();
                let key = hex::decode(&orphan.hash).unwrap();
                table
                    .insert(key.as_slice(), orphan.compressed.as_slice())
                    .unwrap();
            }
            txn.commit().unwrap();
        }
        assert_eq!(store.collect_orphan_blobs().unwrap(), 1);
    }

    /// A second opening of the same data folder is refused with a clear
    /// error (not RocksDB's lock error); leftover bulk-load files go at open.
    #[test]
    fn one_process_at_a_time_and_leftover_bulk_files_go() {
        let dir = std::env::temp_dir().join(format!("store-lock-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let first = CatalogStore::open(&dir).unwrap();
        let Err(e) = CatalogStore::open(&dir) else {
            panic!("a second open succeeded");
        };
        assert!(e.to_string().contains("in use by another process"), "{e}");
        drop(first);
        let leftover = dir.join("oxigraph").join("bulk-123.sst");
        std::fs::write(&leftover, b"partial").unwrap();
        let again = CatalogStore::open(&dir).unwrap();
        assert!(!leftover.exists());
        drop(again);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// An update writes only the difference, and ends exactly where a
    /// first write of the new version ends: also when a literal that
    /// Oxigraph normalizes changes only its lexical form, when triples
    /// move between versions and when the report changes.
    #[test]
    fn an_update_ends_where_a_first_write_of_the_new_version_ends() {
        let d = NamedNode::new_unchecked("http://portal.example/d/1");
        let typed = |lexical: &str| {
            Triple::new(
                d.clone(),
                NamedNode::new_unchecked("http://www.w3.org/ns/dcat#byteSize"),
                Literal::new_typed_literal(lexical, harvester::vocab::xsd::INTEGER),
            )
        };
        let with = |title: &str, size: &str, keyword: bool| {
            let mut r = record(d.as_str(), title);
            r.triples.push(typed(size));
            if keyword {
                r.triples.push(Triple::new(
                    d.clone(),
                    NamedNode::new_unchecked("http://www.w3.org/ns/dcat#keyword"),
                    Literal::new_simple_literal("Bäume"),
                ));
            }
            r
        };
        let report = |n: usize| RecordValidation {
            validated_with: "p@1".into(),
            violations: n,
            warnings: 0,
            infos: 0,
            report: (0..n)
                .map(|i| {
                    Triple::new(
                        BlankNode::new_unchecked(format!("rv{i}")),
                        NamedNode::new_unchecked("http://www.w3.org/ns/shacl#resultMessage"),
                        Literal::new_simple_literal(format!("Meldung {i}")),
                    )
                })
                .collect(),
            quality: None,
        };
        let mut v1 = prepare("s", &with("alt", "01", true)).unwrap();
        v1.validation = Some(report(3));
        let mut v2 = prepare("s", &with("neu", "1", false)).unwrap();
        v2.validation = Some(report(1));
        let catalog = "http://land.example/catalogs/s";
        let updated = FreshStore::new("diff-a");
        updated
            .store()
            .write_records(
                "s",
                catalog,
                std::slice::from_ref(&v1),
                "2026-01-01T00:00:00Z",
            )
            .unwrap();
        assert_eq!(
            updated
                .store()
                .write_records(
                    "s",
                    catalog,
                    std::slice::from_ref(&v2),
                    "2026-01-01T00:00:00Z"
                )
                .unwrap(),
            vec![Outcome::Updated]
        );
        let first = FreshStore::new("diff-b");
        first
            .store()
            .write_records(
                "s",
                catalog,
                std::slice::from_ref(&v2),
                "2026-01-01T00:00:00Z",
            )
            .unwrap();
        let all = |s: &CatalogStore| -> Vec<String> {
            let mut q: Vec<String> = s
                .oxigraph()
                .iter()
                .map(|q| q.unwrap())
                .filter(|q| !q.graph_name.to_string().contains(":run:"))
                .map(|q| q.to_string())
                .collect();
            q.sort();
            q
        };
        assert_eq!(all(updated.store()), all(first.store()));
    }

    /// A record of `dataset` with `dct:identifier` and, when given,
    /// `dct:modified`.
    fn dated(dataset: &str, identifier: &str, modified: Option<&str>) -> harvester::Record {
        let mut r = record(dataset, "t");
        let d = NamedNode::new_unchecked(dataset);
        r.triples.push(Triple::new(
            d.clone(),
            dct::IDENTIFIER,
            Literal::new_simple_literal(identifier),
        ));
        if let Some(m) = modified {
            r.triples.push(Triple::new(
                d,
                dct::MODIFIED,
                Literal::new_typed_literal(m, harvester::vocab::xsd::DATE_TIME),
            ));
        }
        r
    }

    /// GovData's rule at the store: the newer record wins, equal dates go
    /// to the higher priority, then to the first harvested; a record
    /// without a date never displaces a dated one; a withdrawn winner's
    /// next record shows, and a purge settles the rest; one source's
    /// records are never duplicates of each other. Each step's effect
    /// names exactly the records hidden and shown.
    #[test]
    fn deduplication_follows_the_rule_through_writes_withdrawals_and_purges() {
        let fresh = FreshStore::new("dedup");
        let store = fresh.store();
        let cat_of = |s: &str| format!("http://land.example/catalogs/{s}");
        let write = |s: &str, r: &harvester::Record, at: &str| {
            let p = prepare(s, r).unwrap();
            store
                .write_batch(s, &cat_of(s), std::slice::from_ref(&p), at)
                .unwrap()
        };
        let rid = |s: &str, d: &str| record_id(s, d);
        let shown = |s: &str| -> Vec<String> {
            store
                .records(Some(s))
                .unwrap()
                .into_iter()
                .map(|r| r.rid)
                .collect()
        };
        // a: older; b: newer, same identifier under another IRI.
        let a = rid("a", "http://a.example/d/1");
        let b = rid("b", "http://b.example/d/1");
        let w = write(
            "a",
            &dated("http://a.example/d/1", "X", Some("2026-01-01T00:00:00Z")),
            "2026-02-01T00:00:00Z",
        );
        assert!(w.dedup.is_empty());
        let w = write(
            "b",
            &dated("http://b.example/d/1", "X", Some("2026-01-02T00:00:00Z")),
            "2026-02-02T00:00:00Z",
        );
        assert_eq!(w.dedup.hidden, vec![a.clone()]);
        assert_eq!(shown("a"), Vec::<String>::new());
        assert_eq!(shown("b"), vec![b.clone()]);
        assert_eq!(store.duplicates("a").unwrap(), vec![(a.clone(), b.clone())]);
        // a changes to a newer date: a wins again.
        let w = write(
            "a",
            &dated("http://a.example/d/1", "X", Some("2026-01-03T00:00:00Z")),
            "2026-02-03T00:00:00Z",
        );
        assert_eq!(w.dedup.hidden, vec![b.clone()]);
        assert_eq!(shown("a"), vec![a.clone()]);
        assert!(shown("b").is_empty());
        // c has no date: never displaces a dated record.
        let c = rid("c", "http://c.example/d/1");
        let w = write(
            "c",
            &dated("http://c.example/d/1", "X", None),
            "2026-02-04T00:00:00Z",
        );
        assert_eq!(w.dedup.hidden, vec![c.clone()]);
        // The winner withdrawn: the next one (b) shows.
        let effect = store
            .withdraw(
                "a",
                &cat_of("a"),
                std::slice::from_ref(&a),
                "2026-02-05T00:00:00Z",
            )
            .unwrap();
        assert!(effect.hidden.is_empty());
        assert_eq!(
            effect
                .shown
                .iter()
                .map(|r| r.rid.clone())
                .collect::<Vec<_>>(),
            vec![b.clone()]
        );
        assert_eq!(effect.shown[0].dataset, "http://b.example/d/1");
        assert_eq!(shown("b"), vec![b.clone()]);
        assert_eq!(store.duplicates("c").unwrap(), vec![(c.clone(), b.clone())]);
        // b purged after withdrawal: c is all that is left and shows.
        store
            .withdraw(
                "b",
                &cat_of("b"),
                std::slice::from_ref(&b),
                "2026-02-06T00:00:00Z",
            )
            .unwrap();
        assert_eq!(shown("c"), vec![c.clone()]);
        let purged = store.purge_withdrawn("b", "2026-02-07T00:00:00Z").unwrap();
        assert_eq!(purged.rids, vec![b.clone()]);
        assert!(store.dedup_group(&b).unwrap().is_empty());
        let group: Vec<String> = store
            .dedup_group(&c)
            .unwrap()
            .into_iter()
            .map(|m| m.rid)
            .collect();
        let mut expected = vec![a.clone(), c.clone()];
        expected.sort();
        assert_eq!(group, expected);
        // a published again: dated, so it displaces c.
        let (_, effect) = store
            .republish("a", &cat_of("a"), std::slice::from_ref(&a))
            .unwrap();
        assert_eq!(effect.hidden, vec![c.clone()]);
        // Same IRI in two sources, equal dates: the higher priority wins,
        // at equal priority the first harvested.
        let iri = "http://shared.example/d/2";
        let (p, q) = (rid("p", iri), rid("q", iri));
        write(
            "p",
            &dated(iri, "Y", Some("2026-01-01")),
            "2026-03-01T00:00:00Z",
        );
        let w = write(
            "q",
            &dated(iri, "Y", Some("2026-01-01")),
            "2026-03-02T00:00:00Z",
        );
        assert_eq!(w.dedup.hidden, vec![q.clone()], "harvested first stays");
        store.set_priorities([("q".to_owned(), 5)]);
        let w = write(
            "q",
            &dated(iri, "Y2", Some("2026-01-01")),
            "2026-03-03T00:00:00Z",
        );
        assert_eq!(w.dedup.hidden, vec![p.clone()], "higher priority wins");
        assert_eq!(
            w.dedup
                .shown
                .iter()
                .map(|r| r.rid.clone())
                .collect::<Vec<_>>(),
            Vec::<String>::new(),
            "the written record is told as written, not as shown"
        );
        assert_eq!(shown("q"), vec![q.clone()]);
        // Two records of one source with one identifier: both shown.
        let s1 = rid("s", "http://s.example/1");
        let s2 = rid("s", "http://s.example/2");
        write(
            "s",
            &dated("http://s.example/1", "Z", Some("2026-01-01")),
            "2026-04-01T00:00:00Z",
        );
        let w = write(
            "s",
            &dated("http://s.example/2", "Z", Some("2026-01-02")),
            "2026-04-01T00:00:00Z",
        );
        assert!(w.dedup.is_empty());
        let mut both = vec![s1, s2];
        both.sort();
        assert_eq!(shown("s"), both);
        // Everything stored is still there for export --all.
        assert_eq!(store.all_records(Some("b")).unwrap().len(), 0);
        assert_eq!(store.all_records(Some("c")).unwrap().len(), 1);
    }
}
