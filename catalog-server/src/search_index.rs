//! The search index (`data_dir/search/`, crate `catalog-search`) as a
//! follower of the store, and its repair from the store.
//!
//! The store is the truth. The pipeline tells the [`SearchFollower`] about
//! every committed write (published/changed records, withdrawn and purged
//! ids); each call is one index commit. At start-up ([`open`]) and with
//! `catalog-server reindex`, the index is compared with the store: a missing,
//! damaged or old-schema index is rebuilt, and otherwise every published
//! record whose id or version (content hash and source title, see
//! [`document_version`]) the index lacks is (re)indexed and every indexed id
//! the store does not publish is removed. A reload that renames a source
//! indexes that source's documents again in the background.
//!
//! A document also carries its record's quality score and band (the
//! `quality` facet and `sort=quality`), from the record's meta; the score
//! is part of the document's version, so a record scored again (after a
//! link check) whose document the link checker could not update is
//! indexed again by the next repair.

use crate::config::Config;
use crate::store::RecordFollower;
use crate::store::{CatalogStore, PreparedRecord, StoreError, StoredRecord};
use crate::validation::quality::Band;
use catalog_search::{extract, DatasetDoc, RecordInfo, SearchError, SearchIndex, WriterOptions};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

#[derive(Debug, thiserror::Error)]
pub enum SearchSyncError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Search(#[from] SearchError),
}

/// Where the index lives.
pub fn index_dir(config: &Config) -> PathBuf {
    config.data_dir.join("search")
}

/// Source id → title, from the config (unknown sources keep their id).
#[derive(Debug, Clone, Default)]
pub struct SourceTitles(HashMap<String, String>);

impl SourceTitles {
    pub fn from_config(config: &Config) -> Self {
        Self(
            config
                .sources
                .iter()
                .map(|s| (s.id.0.clone(), s.title.clone()))
                .collect(),
        )
    }

    pub fn get<'a>(&'a self, source: &'a str) -> &'a str {
        self.0.get(source).map(String::as_str).unwrap_or(source)
    }

    /// The configured title of a source, if the config has the source.
    pub fn configured(&self, source: &str) -> Option<&str> {
        self.0.get(source).map(String::as_str)
    }
}

/// The version of a record's document that the index holds (its `hash`
/// field): the record's content hash, a fingerprint of the source title
/// it was indexed with and its quality score. A document whose source was
/// renamed or whose record was scored again is out of date like one whose
/// record changed, and the repair at start-up (`sync`) indexes it again.
pub fn document_version(content_hash: &str, source_title: &str, quality: Option<u32>) -> String {
    use sha2::{Digest, Sha256};
    let title = Sha256::digest(source_title.as_bytes());
    let title = hex::encode(&title[..6]);
    match quality {
        Some(q) => format!("{content_hash}.{title}.q{q}"),
        None => format!("{content_hash}.{title}"),
    }
}

/// The searchable description of a record: its graph, its source's title
/// and its quality score.
fn describe(
    rid: &str,
    hash: &str,
    dataset: &str,
    source: &str,
    source_title: &str,
    quality: Option<u32>,
    triples: &[oxigraph::model::Triple],
) -> DatasetDoc {
    let mut doc = extract(
        &RecordInfo {
            rid,
            hash: &document_version(hash, source_title, quality),
            dataset,
            source,
            source_title,
        },
        triples,
    );
    doc.quality = quality.map(|q| (q, Band::of(q).name().to_owned()));
    doc
}

/// The searchable description of a prepared record; `stored_quality` is
/// asked for the score of a record that carries none (one republished from
/// the archive).
pub fn document(
    titles: &SourceTitles,
    source: &str,
    r: &PreparedRecord,
    stored_quality: impl Fn(&str) -> Option<u32>,
) -> DatasetDoc {
    let quality = match r.validation.as_ref().and_then(|v| v.quality.as_ref()) {
        Some(q) => Some(q.score),
        None => stored_quality(&r.rid),
    };
    describe(
        &r.rid,
        &r.hash,
        r.dataset.as_str(),
        source,
        titles.get(source),
        quality,
        &r.triples,
    )
}

/// Keeps the search index in step with the store.
pub struct SearchFollower {
    pub index: Arc<SearchIndex>,
    store: Arc<CatalogStore>,
    /// Source titles of the config in force (replaced on reload).
    titles: Arc<std::sync::RwLock<Arc<SourceTitles>>>,
    /// Held by every change of the index through this follower, and by a
    /// renamed source's refresh for its whole length (see
    /// [`SearchFollower::reconfigured`]).
    applying: Arc<std::sync::Mutex<()>>,
}

impl SearchFollower {
    pub fn new(index: Arc<SearchIndex>, store: Arc<CatalogStore>, config: &Config) -> Self {
        Self {
            index,
            store,
            titles: Arc::new(std::sync::RwLock::new(Arc::new(SourceTitles::from_config(
                config,
            )))),
            applying: Arc::new(std::sync::Mutex::new(())),
        }
    }

    fn titles(&self) -> Arc<SourceTitles> {
        current(&self.titles)
    }
}

fn current(titles: &std::sync::RwLock<Arc<SourceTitles>>) -> Arc<SourceTitles> {
    titles.read().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Indexes the published records of renamed sources again, with the titles
/// in force when it runs. It holds `applying` throughout, so no harvest's
/// index change interleaves: a record a harvest stores meanwhile is
/// indexed by that harvest afterwards (with the new title), which overrides
/// whatever this refresh wrote for it.
fn refresh_sources(
    index: &SearchIndex,
    store: &CatalogStore,
    titles: &std::sync::RwLock<Arc<SourceTitles>>,
    applying: &std::sync::Mutex<()>,
    sources: &[String],
) -> Result<usize, SearchSyncError> {
    let _one = applying.lock().unwrap_or_else(|e| e.into_inner());
    let titles = current(titles);
    let mut indexed = 0;
    for source in sources {
        let records = store.records(Some(source))?;
        let quality = store.quality_scores()?;
        let refs: Vec<&StoredRecord> = records.iter().collect();
        for chunk in refs.chunks(SYNC_CHUNK) {
            // Records that cannot be read are logged by `read_documents`.
            let docs = read_documents(store, &titles, &quality, chunk, &mut Vec::new());
            indexed += docs.len();
            index.apply(&docs, &[])?;
        }
    }
    Ok(indexed)
}

impl RecordFollower for SearchFollower {
    fn name(&self) -> &str {
        "search index"
    }

    fn published(&self, source: &str, records: &[&PreparedRecord]) -> Result<(), String> {
        let _one = self.applying.lock().unwrap_or_else(|e| e.into_inner());
        let titles = self.titles();
        let stored = |rid: &str| match self.store.quality_score(rid, source) {
            Ok(q) => q,
            Err(e) => {
                tracing::warn!(
                    source,
                    record = rid,
                    "search index: reading the quality score failed ({e}); indexed without it"
                );
                None
            }
        };
        let docs: Vec<DatasetDoc> = records
            .iter()
            .map(|r| document(&titles, source, r, stored))
            .collect();
        self.index.apply(&docs, &[]).map_err(|e| e.to_string())
    }

    fn withdrawn(&self, rids: &[String]) -> Result<(), String> {
        let _one = self.applying.lock().unwrap_or_else(|e| e.into_inner());
        self.index.apply(&[], rids).map_err(|e| e.to_string())
    }

    /// New titles apply to every later change at once; the documents of
    /// sources whose title changed are indexed again in the background.
    fn reconfigured(&self, config: &Config) {
        let new = SourceTitles::from_config(config);
        let renamed: Vec<String> = {
            let mut guard = self.titles.write().unwrap_or_else(|e| e.into_inner());
            let old = guard.clone();
            let ids: std::collections::BTreeSet<&String> =
                old.0.keys().chain(new.0.keys()).collect();
            let renamed = ids
                .into_iter()
                .filter(|id| old.get(id) != new.get(id))
                .cloned()
                .collect();
            *guard = Arc::new(new);
            renamed
        };
        if renamed.is_empty() {
            return;
        }
        let (index, store, titles, applying) = (
            self.index.clone(),
            self.store.clone(),
            self.titles.clone(),
            self.applying.clone(),
        );
        let spawned = std::thread::Builder::new()
            .name("search-titles".into())
            .spawn(move || {
                let started = Instant::now();
                match refresh_sources(&index, &store, &titles, &applying, &renamed) {
                    Ok(n) => tracing::info!(
                        sources = ?renamed,
                        "search index: {n} documents of renamed sources indexed again in {:.1} s",
                        started.elapsed().as_secs_f64()
                    ),
                    Err(e) => tracing::error!(
                        sources = ?renamed,
                        "search index: indexing renamed sources again failed ({e}); the next start repairs it"
                    ),
                }
            });
        if let Err(e) = spawned {
            tracing::error!("search index: cannot start the refresh of renamed sources ({e}); the next start repairs it");
        }
    }
}

/// What a start-up check or `reindex` did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SyncReport {
    /// Why the index was rebuilt from scratch, if it was.
    pub rebuilt: Option<String>,
    /// Published records (re)indexed because the index lacked them or held an older version.
    pub indexed: usize,
    /// Indexed records removed because the store does not publish them.
    pub removed: usize,
    /// Published records that could not be read from the archive.
    pub failed: Vec<String>,
    /// Documents in the index afterwards.
    pub documents: u64,
    pub seconds: f64,
}

/// Opens the index under `data_dir/search` (rebuilding it when missing,
/// damaged or of an older schema) and repairs it from the store.
pub fn open(
    config: &Config,
    store: &CatalogStore,
) -> Result<(Arc<SearchIndex>, SyncReport), SearchSyncError> {
    let (index, rebuilt) = SearchIndex::open(&index_dir(config), WriterOptions::default())?;
    let mut report = sync(&index, store, &SourceTitles::from_config(config))?;
    report.rebuilt = rebuilt;
    Ok((Arc::new(index), report))
}

/// Deletes the index and builds it again from the store.
pub fn rebuild(
    config: &Config,
    store: &CatalogStore,
) -> Result<(Arc<SearchIndex>, SyncReport), SearchSyncError> {
    let index = SearchIndex::create(&index_dir(config), WriterOptions::default())?;
    let mut report = sync(&index, store, &SourceTitles::from_config(config))?;
    report.rebuilt = Some("reindex requested".into());
    // One segment searches fastest; a failed merge only costs speed.
    if let Err(e) = index.merge_all() {
        tracing::warn!("search index: merging segments after the rebuild failed: {e}");
    }
    Ok((Arc::new(index), report))
}

/// Records indexed per commit while repairing.
const SYNC_CHUNK: usize = 2000;

/// Makes the index hold exactly the store's published records (the store is the truth).
pub fn sync(
    index: &SearchIndex,
    store: &CatalogStore,
    titles: &SourceTitles,
) -> Result<SyncReport, SearchSyncError> {
    let started = Instant::now();
    let published = store.records(None)?;
    let quality = store.quality_scores()?;
    let indexed = index.indexed()?;
    let wanted: HashSet<&str> = published.iter().map(|r| r.rid.as_str()).collect();
    let mut removals: Vec<String> = indexed
        .keys()
        .filter(|rid| !wanted.contains(rid.as_str()))
        .cloned()
        .collect();
    removals.sort();
    let stale: Vec<&StoredRecord> = published
        .iter()
        .filter(|r| {
            let version =
                document_version(&r.hash, titles.get(&r.source), quality.get(&r.rid).copied());
            indexed.get(&r.rid) != Some(&version)
        })
        .collect();
    let mut report = SyncReport {
        removed: removals.len(),
        ..SyncReport::default()
    };
    if stale.is_empty() {
        index.apply(&[], &removals)?;
    }
    for (i, chunk) in stale.chunks(SYNC_CHUNK).enumerate() {
        let docs = read_documents(store, titles, &quality, chunk, &mut report.failed);
        report.indexed += docs.len();
        let removing: &[String] = if i == 0 { &removals } else { &[] };
        index.apply(&docs, removing)?;
    }
    report.documents = index.num_docs();
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Reads and extracts records from the archive on two threads.
fn read_documents(
    store: &CatalogStore,
    titles: &SourceTitles,
    quality: &HashMap<String, u32>,
    records: &[&StoredRecord],
    failed: &mut Vec<String>,
) -> Vec<DatasetDoc> {
    let half = records.len().div_ceil(2).max(1);
    let results: Vec<Vec<Result<DatasetDoc, String>>> = std::thread::scope(|s| {
        let handles: Vec<_> = records
            .chunks(half)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|r| -> Result<DatasetDoc, String> {
                            let triples = store
                                .exact_graph(r)
                                .map_err(|e| format!("record {} of {}: {e}", r.rid, r.source))?;
                            Ok(describe(
                                &r.rid,
                                &r.hash,
                                &r.dataset,
                                &r.source,
                                titles.get(&r.source),
                                quality.get(&r.rid).copied(),
                                &triples,
                            ))
                        })
                        .collect::<Vec<Result<DatasetDoc, String>>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| vec![Err("extraction thread panicked".to_owned())])
            })
            .collect()
    });
    let mut docs = Vec::with_capacity(records.len());
    for r in results.into_iter().flatten() {
        match r {
            Ok(d) => docs.push(d),
            Err(e) => {
                tracing::error!("search index: {e}");
                failed.push(e);
            }
        }
    }
    docs
}
