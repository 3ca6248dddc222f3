//! The on-disk index: opening (with checks and rebuild on damage or an old
//! schema version), writing (upsert/remove, one commit per call) and searching.

use crate::collect::{FacetCounts, SearchCollector, SegmentFacets, SortKey};
use crate::extract::{format_time, theme_labels, BBox, DatasetDoc, Lang};
use crate::query::{
    drop_stop_words, expand_synonyms, parse, prefix_terms, FlatQuery, QueryBuilder,
};
use crate::schema::{Fields, FACETS, FACET_COUNT, SCHEMA_VERSION};
use crate::{analysis, SearchError};
use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;
use tantivy::collector::TopDocs;
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, EnableScoring, Occur, Query, RangeQuery, Scorer,
    TermQuery, TermSetQuery, Weight,
};
use tantivy::schema::IndexRecordOption;
use tantivy::schema::Value;
use tantivy::snippet::SnippetGenerator;
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term,
};
use tantivy::{DocId, DocSet};

mod backup;

const VERSION_FILE: &str = "schema-version";

/// How often a keyword is added to its language's combined text field: the
/// keyword boost, expressed as term frequency (titles are boosted by their
/// own field instead, see `query::QueryBuilder`).
const KEYWORD_REPEAT: usize = 2;
/// Fewer hits than this try the next, more forgiving step (see [`Match`]).
pub const FUZZY_BELOW: u64 = 3;

/// Which step of the search produced the hits: all words required
/// (`all`); when that found fewer than [`FUZZY_BELOW`] datasets, all but a
/// quarter of three or more words, or one of two words when no dataset has
/// both (`relaxed`); then words also matching
/// near index terms, all required, then relaxed again (`fuzzy`). When a
/// word is unknown to the index, the fuzzy step with all words required
/// comes before the relaxed one. A later step is taken only when it finds
/// more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Match {
    All,
    Relaxed,
    Fuzzy,
}

/// How the writer is sized.
#[derive(Debug, Clone, Copy)]
pub struct WriterOptions {
    pub threads: usize,
    /// Total memory budget in bytes (split over the threads, at least 15 MB each).
    pub memory: usize,
}

impl Default for WriterOptions {
    fn default() -> Self {
        Self {
            threads: 2,
            memory: 96 * 1024 * 1024,
        }
    }
}

/// Sort order of hits.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    Relevance,
    Modified,
    Title,
    /// The metadata quality score, best first; equal scores by relevance.
    Quality,
}

/// A search.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    pub q: String,
    /// Facet filters in the order of [`FACETS`]: values are ORed, facets ANDed.
    pub filters: [Vec<String>; FACET_COUNT],
    pub bbox: Option<BBox>,
    pub modified_since: Option<i64>,
    pub temporal_from: Option<i64>,
    pub temporal_to: Option<i64>,
    pub sort: Sort,
    pub offset: usize,
    pub size: usize,
    /// Values returned per facet (the most frequent first).
    pub facet_size: usize,
}

impl Default for SearchRequest {
    fn default() -> Self {
        Self {
            q: String::new(),
            filters: Default::default(),
            bbox: None,
            modified_since: None,
            temporal_from: None,
            temporal_to: None,
            sort: Sort::Relevance,
            offset: 0,
            size: 10,
            facet_size: 20,
        }
    }
}

/// One hit.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Hit {
    pub id: String,
    pub dataset: String,
    pub title: String,
    /// HTML: escaped text with `<mark>` around matches.
    pub snippet: String,
    pub publisher: Option<String>,
    pub source: String,
    pub source_title: String,
    pub modified: Option<String>,
    pub formats: Vec<String>,
    pub licenses: Vec<String>,
    pub themes: Vec<String>,
    /// The metadata quality score (0–405), when the record was scored.
    pub quality: Option<u32>,
    pub score: f32,
}

/// A facet value and the number of matching datasets that have it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FacetValue {
    pub value: String,
    pub count: u64,
}

/// The answer to a search.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SearchResult {
    pub total: u64,
    pub hits: Vec<Hit>,
    /// Per facet (in the order of [`FACETS`]): counts among the datasets
    /// matching the query and every *other* facet's filter.
    pub facets: Vec<(String, Vec<FacetValue>)>,
    /// Fuzzy matching was used (the exact words found too little): the
    /// same as `matched == Match::Fuzzy`.
    pub fuzzy: bool,
    /// The step that produced the hits.
    pub matched: Match,
    /// For a fuzzy answer: the query with each word the index does not know
    /// replaced by the nearest word of the hits' titles, as written there.
    pub did_you_mean: Option<String>,
    /// The query did not follow the grammar and was searched as plain words.
    pub fallback: bool,
}

/// Completions for search-as-you-type (see [`SearchIndex::suggest`]).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Suggestions {
    pub titles: Vec<String>,
    pub keywords: Vec<String>,
    pub publishers: Vec<String>,
}

/// The search index.
pub struct SearchIndex {
    pub dir: PathBuf,
    index: Index,
    fields: Fields,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    /// Dense facet ordinals per live segment (see [`SegmentFacets`]).
    facets: Mutex<HashMap<tantivy::index::SegmentId, Arc<SegmentFacets>>>,
    /// Per live segment: its number of deleted documents and its facet
    /// counts over the live ones (see [`SegmentFacets::totals`]).
    totals: Mutex<HashMap<tantivy::index::SegmentId, SegmentTotals>>,
    /// Results of browse requests (no words), see [`SearchIndex::set_browse_cache`].
    browse: Mutex<BrowseCache>,
    /// Two passes for flat word queries, see [`SearchIndex::set_two_pass`].
    two_pass: std::sync::atomic::AtomicBool,
}

type SegmentTotals = (u32, Arc<Vec<u32>>);

/// Default number of browse results kept (see [`SearchIndex::set_browse_cache`]).
pub const BROWSE_CACHE_DEFAULT: usize = 256;

/// An LRU cache of complete results of browse requests (no words, only
/// filters), keyed by the normalized request and valid for one searcher
/// generation: the first lookup after a commit or merge (a new generation)
/// empties it, so a cached answer is always the exact answer of the current
/// index. Requests with words are never cached.
struct BrowseCache {
    generation: u64,
    entries: Option<lru::LruCache<String, SearchResult>>,
}

impl BrowseCache {
    fn new(capacity: usize) -> Self {
        Self {
            generation: u64::MAX,
            entries: std::num::NonZeroUsize::new(capacity).map(lru::LruCache::new),
        }
    }

    /// The cache of `generation` (emptied when the generation changed).
    fn at(&mut self, generation: u64) -> Option<&mut lru::LruCache<String, SearchResult>> {
        let entries = self.entries.as_mut()?;
        if self.generation != generation {
            entries.clear();
            self.generation = generation;
        }
        Some(entries)
    }
}

/// The cache key of a browse request: every parameter that changes the
/// answer, with each facet's filter values sorted and deduplicated.
fn browse_key(req: &SearchRequest) -> String {
    use std::fmt::Write;
    let mut key = String::new();
    for (name, values) in FACETS.iter().zip(&req.filters) {
        let mut v: Vec<&str> = values.iter().map(String::as_str).collect();
        v.sort_unstable();
        v.dedup();
        if !v.is_empty() {
            let _ = write!(key, "{name}={v:?};");
        }
    }
    if let Some(b) = req.bbox {
        let _ = write!(
            key,
            "bbox={},{},{},{};",
            b.min_lon, b.min_lat, b.max_lon, b.max_lat
        );
    }
    let _ = write!(
        key,
        "m={:?};tf={:?};tt={:?};s={:?};o={};n={};fs={}",
        req.modified_since,
        req.temporal_from,
        req.temporal_to,
        req.sort,
        req.offset,
        req.size,
        req.facet_size
    );
    key
}

impl SearchIndex {
    /// Opens the index under `dir`, or creates it empty. The second value
    /// says why the index was (re)created (missing, old schema version,
    /// damaged), in which case the caller must fill it from the store.
    pub fn open(
        dir: &Path,
        options: WriterOptions,
    ) -> Result<(SearchIndex, Option<String>), SearchError> {
        let reason = match std::fs::read_to_string(dir.join(VERSION_FILE)) {
            Err(_) if !dir.join("meta.json").exists() => Some("no index yet".to_owned()),
            Err(_) => Some("the schema version file is missing".to_owned()),
            Ok(v) => match v.trim().parse::<u32>() {
                Ok(n) if n == SCHEMA_VERSION => None,
                Ok(n) => Some(format!(
                    "the index has schema version {n}, this program writes version {SCHEMA_VERSION}"
                )),
                Err(_) => Some(format!("unreadable schema version {:?}", v.trim())),
            },
        };
        if reason.is_none() {
            match Self::open_existing(dir, options) {
                Ok(index) => return Ok((index, None)),
                Err(e) => {
                    let why = format!("the index is damaged ({e})");
                    return Ok((Self::create(dir, options)?, Some(why)));
                }
            }
        }
        Ok((Self::create(dir, options)?, reason))
    }

    /// Deletes whatever is under `dir` and creates an empty index.
    pub fn create(dir: &Path, options: WriterOptions) -> Result<SearchIndex, SearchError> {
        if dir.exists() {
            std::fs::remove_dir_all(dir).map_err(|e| SearchError::io(dir, e))?;
        }
        std::fs::create_dir_all(dir).map_err(|e| SearchError::io(dir, e))?;
        let fields = Fields::new();
        let index = Index::create_in_dir(dir, fields.schema.clone())?;
        let this = Self::finish_open(dir, index, fields, options)?;
        let tmp = dir.join(format!("{VERSION_FILE}.tmp"));
        std::fs::write(&tmp, format!("{SCHEMA_VERSION}\n"))
            .map_err(|e| SearchError::io(&tmp, e))?;
        std::fs::rename(&tmp, dir.join(VERSION_FILE)).map_err(|e| SearchError::io(dir, e))?;
        Ok(this)
    }

    fn open_existing(dir: &Path, options: WriterOptions) -> Result<SearchIndex, SearchError> {
        let index = Index::open_in_dir(dir)?;
        let fields = Fields::new();
        let same = serde_json::to_string(&index.schema()).ok()
            == serde_json::to_string(&fields.schema).ok();
        if !same {
            return Err(SearchError::Corrupt(
                "its schema differs from this program's".into(),
            ));
        }
        let damaged = index.validate_checksum()?;
        if !damaged.is_empty() {
            let mut names: Vec<String> = damaged.iter().map(|p| p.display().to_string()).collect();
            names.sort();
            return Err(SearchError::Corrupt(format!(
                "checksum mismatch in {}",
                names.join(", ")
            )));
        }
        // Opening the reader opens every file of every segment (a missing
        // one fails here); reading every record id and hash reads the columns.
        let this = Self::finish_open(dir, index, fields, options)?;
        this.indexed()?;
        Ok(this)
    }

    fn finish_open(
        dir: &Path,
        index: Index,
        fields: Fields,
        options: WriterOptions,
    ) -> Result<SearchIndex, SearchError> {
        analysis::register(index.tokenizers());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let threads = options.threads.max(1);
        let memory = options.memory.max(threads * 15_000_000 + 1_000_000);
        let writer = index.writer_with_num_threads(threads, memory)?;
        Ok(SearchIndex {
            dir: dir.to_path_buf(),
            index,
            fields,
            reader,
            writer: Mutex::new(writer),
            facets: Mutex::new(HashMap::new()),
            totals: Mutex::new(HashMap::new()),
            browse: Mutex::new(BrowseCache::new(BROWSE_CACHE_DEFAULT)),
            two_pass: std::sync::atomic::AtomicBool::new(true),
        })
    }

    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    fn writer(&self) -> Result<std::sync::MutexGuard<'_, IndexWriter>, SearchError> {
        self.writer
            .lock()
            .map_err(|_| SearchError::Corrupt("index writer lock poisoned".into()))
    }

    /// Adds or replaces documents and removes record ids, in one commit.
    pub fn apply(&self, upserts: &[DatasetDoc], removals: &[String]) -> Result<(), SearchError> {
        if upserts.is_empty() && removals.is_empty() {
            return Ok(());
        }
        let mut writer = self.writer()?;
        for rid in removals {
            writer.delete_term(Term::from_field_text(self.fields.rid, rid));
        }
        for d in upserts {
            writer.delete_term(Term::from_field_text(self.fields.rid, &d.rid));
            writer.add_document(self.document(d))?;
        }
        writer.commit()?;
        drop(writer);
        self.reader.reload()?;
        self.warm()
    }

    /// Adds documents without deleting older versions (bulk loading of an
    /// empty index); call [`SearchIndex::commit`] at the end.
    pub fn add_new(&self, docs: &[DatasetDoc]) -> Result<(), SearchError> {
        let writer = self.writer()?;
        for d in docs {
            writer.add_document(self.document(d))?;
        }
        Ok(())
    }

    /// Commits pending additions and makes them searchable.
    pub fn commit(&self) -> Result<(), SearchError> {
        self.writer()?.commit()?;
        self.reader.reload()?;
        self.warm()
    }

    /// Merges all segments into one (after a bulk load) and waits for it.
    /// Background merges may hold some segments: then wait and try again.
    pub fn merge_all(&self) -> Result<(), SearchError> {
        let mut attempts = 0;
        loop {
            let ids = self.index.searchable_segment_ids()?;
            if ids.len() <= 1 {
                break;
            }
            let mut writer = self.writer()?;
            match writer.merge(&ids).wait() {
                Ok(_) => {
                    let _ = writer.garbage_collect_files().wait();
                    break;
                }
                Err(tantivy::TantivyError::InvalidArgument(_)) if attempts < 40 => {
                    drop(writer);
                    attempts += 1;
                    std::thread::sleep(std::time::Duration::from_millis(250));
                }
                Err(e) => return Err(e.into()),
            }
        }
        self.reader.reload()?;
        self.warm()
    }

    /// Record id → content hash of every indexed document.
    pub fn indexed(&self) -> Result<HashMap<String, String>, SearchError> {
        let searcher = self.reader.searcher();
        let mut out = HashMap::new();
        for segment in searcher.segment_readers() {
            let ff = segment.fast_fields();
            let (Some(rids), Some(hashes)) = (ff.str("rid")?, ff.str("hash")?) else {
                continue;
            };
            let rid_names = column_terms(&rids)?;
            let hash_names = column_terms(&hashes)?;
            for doc in segment.doc_ids_alive() {
                let r = rids.term_ords(doc).next();
                let h = hashes.term_ords(doc).next();
                if let (Some(r), Some(h)) = (r, h) {
                    if let (Some(r), Some(h)) =
                        (rid_names.get(r as usize), hash_names.get(h as usize))
                    {
                        out.insert(r.clone(), h.clone());
                    }
                }
            }
        }
        Ok(out)
    }

    /// The values of one facet (by its API name) of every indexed
    /// document, by record id (documents without a value are left out).
    pub fn facet_values(&self, facet: &str) -> Result<HashMap<String, Vec<String>>, SearchError> {
        if !FACETS.contains(&facet) {
            return Err(SearchError::Corrupt(format!("no facet {facet:?}")));
        }
        let searcher = self.reader.searcher();
        let mut out = HashMap::new();
        for segment in searcher.segment_readers() {
            let ff = segment.fast_fields();
            let (Some(rids), Some(values)) = (ff.str("rid")?, ff.str(facet)?) else {
                continue;
            };
            let rid_names = column_terms(&rids)?;
            let value_names = column_terms(&values)?;
            for doc in segment.doc_ids_alive() {
                let Some(rid) = rids
                    .term_ords(doc)
                    .next()
                    .and_then(|r| rid_names.get(r as usize))
                else {
                    continue;
                };
                let of_doc: Vec<String> = values
                    .term_ords(doc)
                    .filter_map(|o| value_names.get(o as usize).cloned())
                    .collect();
                if !of_doc.is_empty() {
                    out.insert(rid.clone(), of_doc);
                }
            }
        }
        Ok(out)
    }

    /// Completions of what a citizen is typing: titles whose words begin
    /// with the typed words (the last one as a prefix), and keyword and
    /// publisher values that begin with the typed text; umlaut spellings
    /// and case do not matter. At most `size` of each, titles best first,
    /// keywords and publishers most frequent first. Bounded work: at most
    /// [`SUGGEST_SCAN`] dictionary terms read per prefix and segment.
    pub fn suggest(&self, q: &str, size: usize) -> Result<Suggestions, SearchError> {
        let searcher = self.reader.searcher();
        let f = &self.fields;
        let typed = analysis::tokens(&mut analysis::words(), q);
        let Some((last, complete)) = typed.split_last() else {
            return Ok(Suggestions::default());
        };
        if size == 0 {
            return Ok(Suggestions::default());
        }
        // Titles: every complete word, and a word beginning with the last.
        let starts = prefix_terms(&searcher, f.title_words, last, SUGGEST_SCAN);
        let mut titles = Vec::new();
        if !starts.is_empty() {
            let mut clauses: Vec<(Occur, Box<dyn Query>)> = complete
                .iter()
                .map(|w| -> (Occur, Box<dyn Query>) {
                    (
                        Occur::Must,
                        Box::new(TermQuery::new(
                            Term::from_field_text(f.title_words, w),
                            IndexRecordOption::WithFreqs,
                        )),
                    )
                })
                .collect();
            let alternatives = starts
                .into_iter()
                .map(|(t, _)| Term::from_field_text(f.title_words, &t));
            clauses.push((
                Occur::Must,
                Box::new(ConstScoreQuery::new(
                    Box::new(TermSetQuery::new(alternatives)),
                    1.0,
                )),
            ));
            let top = searcher.search(
                &BooleanQuery::new(clauses),
                &TopDocs::with_limit(size * 2).order_by_score(),
            )?;
            for (_, address) in top {
                let doc: TantivyDocument = searcher.doc(address)?;
                if let Some(t) = doc.get_first(f.title).and_then(|v| v.as_str()) {
                    if !titles.iter().any(|x: &String| x == t) && titles.len() < size {
                        titles.push(t.to_owned());
                    }
                }
            }
        }
        // Keyword and publisher values: their dictionaries hold them as
        // written, so read from the typed text's first letter in both cases.
        let mut wanted = String::new();
        analysis::normalize_german(&q.trim().to_lowercase(), &mut wanted);
        let values = |field| -> Vec<String> {
            let mut found: HashMap<String, u64> = HashMap::new();
            let mut first: Vec<String> = Vec::new();
            if let Some(c) = q.trim().chars().next() {
                first.extend(c.to_lowercase().map(String::from));
                first.extend(c.to_uppercase().map(String::from));
            }
            first.dedup();
            for p in &first {
                for (value, freq) in prefix_terms(&searcher, field, p, SUGGEST_SCAN) {
                    let mut normalized = String::new();
                    analysis::normalize_german(&value.to_lowercase(), &mut normalized);
                    if normalized.starts_with(&wanted) {
                        *found.entry(value).or_default() += freq;
                    }
                }
            }
            let mut ranked: Vec<(u64, String)> = found.into_iter().map(|(v, n)| (n, v)).collect();
            ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            ranked.into_iter().take(size).map(|(_, v)| v).collect()
        };
        Ok(Suggestions {
            titles,
            keywords: values(f.facets[5]),
            publishers: values(f.facets[1]),
        })
    }

    /// Number of searchable documents.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Bytes used on disk.
    pub fn size_on_disk(&self) -> u64 {
        fn walk(p: &Path) -> u64 {
            std::fs::read_dir(p)
                .map(|rd| {
                    rd.flatten()
                        .map(|e| {
                            let path = e.path();
                            if path.is_dir() {
                                walk(&path)
                            } else {
                                e.metadata().map(|m| m.len()).unwrap_or(0)
                            }
                        })
                        .sum()
                })
                .unwrap_or(0)
        }
        walk(&self.dir)
    }

    /// The Tantivy document of a dataset.
    pub fn document(&self, d: &DatasetDoc) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.rid, &d.rid);
        doc.add_text(f.hash, &d.hash);
        doc.add_text(f.dataset, &d.dataset);
        let title = d.title();
        doc.add_text(f.title_sort, sort_key(&title));
        doc.add_text(f.title, &title);
        let description = d.description();
        if !description.is_empty() {
            doc.add_text(f.description, &description);
        }
        doc.add_text(f.source_title, &d.source_title);
        // Per-field text (for `title:` etc. prefixes) in German or English.
        let lang_field = |lang: Lang, de, en| match lang {
            Lang::German => Some(de),
            Lang::English => Some(en),
            Lang::Other => None,
        };
        // The combined field of a language: what unprefixed words search.
        let combined = |lang: Lang| match lang {
            Lang::German => f.text_de,
            Lang::English => f.text_en,
            Lang::Other => f.text_plain,
        };
        for t in &d.titles {
            if let Some(field) = lang_field(t.lang(), f.title_de, f.title_en) {
                doc.add_text(field, &t.value);
            }
            doc.add_text(combined(t.lang()), &t.value);
            doc.add_text(f.title_words, &t.value);
            if t.lang() == Lang::German {
                doc.add_text(f.text_rev, &t.value);
            }
        }
        for t in &d.keywords {
            if let Some(field) = lang_field(t.lang(), f.keywords_de, f.keywords_en) {
                doc.add_text(field, &t.value);
            }
            for _ in 0..KEYWORD_REPEAT {
                doc.add_text(combined(t.lang()), &t.value);
            }
            if t.lang() == Lang::German {
                doc.add_text(f.text_rev, &t.value);
            }
        }
        for t in &d.descriptions {
            if let Some(field) = lang_field(t.lang(), f.desc_de, f.desc_en) {
                doc.add_text(field, &t.value);
            }
            doc.add_text(combined(t.lang()), &t.value);
        }
        if let Some(p) = &d.publisher {
            doc.add_text(f.publisher_text, p);
            doc.add_text(f.text_de, p);
        }
        for s in [&d.source, &d.source_title] {
            doc.add_text(f.source_text, s);
            doc.add_text(f.text_de, s);
        }
        for t in &d.themes {
            let labels = theme_labels(t);
            if !labels.is_empty() {
                doc.add_text(f.theme_text, labels);
                doc.add_text(f.text_de, labels);
            }
        }
        let facet_values: [Vec<String>; FACET_COUNT] = [
            d.themes.clone(),
            d.publisher.iter().cloned().collect(),
            vec![d.source.clone()],
            d.formats.clone(),
            d.licenses.clone(),
            d.keyword_values(),
            d.geocoding.clone(),
            d.hvd_categories.clone(),
            d.quality.iter().map(|(_, band)| band.clone()).collect(),
        ];
        for (field, values) in f.facets.iter().zip(facet_values.iter()) {
            for v in values {
                doc.add_text(*field, v);
            }
        }
        if let Some(m) = d.modified {
            doc.add_i64(f.modified, m);
        }
        if let Some(i) = d.issued {
            doc.add_i64(f.issued, i);
        }
        if let Some((score, _)) = &d.quality {
            doc.add_i64(f.quality, i64::from(*score));
        }
        if d.has_temporal {
            doc.add_i64(f.temporal_start, d.temporal_start.unwrap_or(i64::MIN));
            doc.add_i64(f.temporal_end, d.temporal_end.unwrap_or(i64::MAX));
        }
        if let Some(b) = d.bbox {
            doc.add_f64(f.min_lon, b.min_lon);
            doc.add_f64(f.min_lat, b.min_lat);
            doc.add_f64(f.max_lon, b.max_lon);
            doc.add_f64(f.max_lat, b.max_lat);
            for cell in crate::geo::doc_cells(&b) {
                doc.add_text(f.geo_cell, cell);
            }
        }
        doc
    }

    /// The dense facet ordinals of the searcher's segments (built for new
    /// segments, dropped for merged-away ones).
    fn dense_facets(&self, searcher: &Searcher) -> Result<Vec<Arc<SegmentFacets>>, SearchError> {
        let names = FACETS.map(|s| s.to_owned());
        let mut cache = self
            .facets
            .lock()
            .map_err(|_| SearchError::Corrupt("facet cache lock poisoned".into()))?;
        let mut out = Vec::new();
        let mut live = std::collections::HashSet::new();
        for segment in searcher.segment_readers() {
            let id = segment.segment_id();
            live.insert(id);
            let facets = match cache.get(&id) {
                Some(f) => f.clone(),
                None => {
                    let f = Arc::new(SegmentFacets::build(segment, &names)?);
                    cache.insert(id, f.clone());
                    f
                }
            };
            out.push(facets);
        }
        cache.retain(|id, _| live.contains(id));
        Ok(out)
    }

    /// The facet counts over each segment's live documents, by segment
    /// ordinal (computed again when a segment's deletions change).
    fn segment_totals(
        &self,
        searcher: &Searcher,
        dense: &[Arc<SegmentFacets>],
    ) -> Result<Vec<Arc<Vec<u32>>>, SearchError> {
        let mut cache = self
            .totals
            .lock()
            .map_err(|_| SearchError::Corrupt("facet totals lock poisoned".into()))?;
        let mut out = Vec::new();
        let mut live = std::collections::HashSet::new();
        for (segment, facets) in searcher.segment_readers().iter().zip(dense) {
            let id = segment.segment_id();
            live.insert(id);
            let deleted = segment.num_deleted_docs();
            let totals = match cache.get(&id) {
                Some((d, t)) if *d == deleted => t.clone(),
                _ => {
                    let t = Arc::new(facets.totals(segment));
                    cache.insert(id, (deleted, t.clone()));
                    t
                }
            };
            out.push(totals);
        }
        cache.retain(|id, _| live.contains(id));
        Ok(out)
    }

    /// Whether facet `i`'s filter lets every document through: one of its
    /// values is in every document of every segment (deleted ones included,
    /// so the answer is exact for the live ones). Such a filter narrows
    /// nothing, e.g. `source=` the only source.
    fn filter_is_universal(&self, searcher: &Searcher, i: usize, values: &[String]) -> bool {
        let field = self.fields.facets[i];
        values.iter().any(|v| {
            let term = Term::from_field_text(field, v);
            searcher.segment_readers().iter().all(|segment| {
                segment
                    .inverted_index(field)
                    .ok()
                    .and_then(|inv| inv.get_term_info(&term).ok().flatten())
                    .is_some_and(|info| info.doc_freq == segment.max_doc())
            })
        })
    }

    /// Prepares the facet arrays of new segments (after a commit or merge),
    /// so that the first search after it does not pay for them.
    pub fn warm(&self) -> Result<(), SearchError> {
        self.dense_facets(&self.reader.searcher()).map(|_| ())
    }

    /// Sets the number of browse results kept (0 disables the cache; the
    /// default is [`BROWSE_CACHE_DEFAULT`]). Drops what is cached.
    pub fn set_browse_cache(&self, capacity: usize) {
        if let Ok(mut c) = self.browse.lock() {
            *c = BrowseCache::new(capacity);
        }
    }

    /// Whether relevance-sorted searches for words without filters run in
    /// two passes (the default): counting matches and facets without
    /// scores, then the best hits with block-max WAND (see
    /// [`QueryBuilder::build_flat`]). Off, every search scores every match
    /// in one pass; the answers are the same (tests compare them).
    pub fn set_two_pass(&self, on: bool) {
        self.two_pass
            .store(on, std::sync::atomic::Ordering::Relaxed);
    }

    /// Runs a search. Browse requests (no words) are answered from the
    /// browse cache when the same request was answered by the current
    /// searcher generation.
    pub fn search(&self, req: &SearchRequest) -> Result<SearchResult, SearchError> {
        let searcher = self.reader.searcher();
        let parsed = expand_synonyms(drop_stop_words(parse(&req.q)));
        if !parsed.clauses.is_empty() {
            return self.search_with(&searcher, parsed, req);
        }
        let generation = searcher.generation().generation_id();
        let key = browse_key(req);
        let enabled = {
            let mut cache = self
                .browse
                .lock()
                .map_err(|_| SearchError::Corrupt("browse cache lock poisoned".into()))?;
            match cache.at(generation) {
                Some(entries) => {
                    if let Some(hit) = entries.get(&key) {
                        return Ok(hit.clone());
                    }
                    true
                }
                None => false,
            }
        };
        if !enabled {
            return self.search_with(&searcher, parsed, req);
        }
        let result = self.search_with(&searcher, parsed, req)?;
        let mut cache = self
            .browse
            .lock()
            .map_err(|_| SearchError::Corrupt("browse cache lock poisoned".into()))?;
        if let Some(entries) = cache.at(generation) {
            entries.put(key, result.clone());
        }
        Ok(result)
    }

    fn search_with(
        &self,
        searcher: &Searcher,
        parsed: crate::query::Parsed,
        req: &SearchRequest,
    ) -> Result<SearchResult, SearchError> {
        let dense = self.dense_facets(searcher)?;
        let mut builder = QueryBuilder::new(self.fields.clone()).with_vocabulary(searcher);
        let (text, hl, _) = builder.build(&parsed, false, None);
        let mut filters = self.filter_queries(req);
        // Facet filters are checked by the collector (see `collect`), which
        // must see every document that fails at most one of them. Narrow the
        // documents it is given to those, and answer what needs no visit
        // from the per-segment totals.
        // With words, the words' matches lead and the collector checks the
        // filters cheaply; seeking the union of the filter sets for each
        // match costs more than it saves (measured): nothing to narrow.
        let browse = text.is_none() && filters.is_empty();
        let narrowing: Vec<usize> = (0..FACETS.len())
            .filter(|&i| {
                text.is_none()
                    && !req.filters[i].is_empty()
                    && !self.filter_is_universal(searcher, i, &req.filters[i])
            })
            .collect();
        let mut totals_for = None;
        let mut all = false;
        match narrowing.as_slice() {
            [] => all = browse && req.sort == Sort::Relevance,
            [i] if browse => {
                filters.push(Box::new(ConstScoreQuery::new(self.facet_set(*i, req), 1.0)));
                totals_for = Some(*i);
            }
            [_] => {}
            several => {
                let any_but_one: Vec<(Occur, Box<dyn Query>)> = several
                    .iter()
                    .map(|&i| (Occur::Should, self.facet_set(i, req)))
                    .collect();
                let q = BooleanQuery::with_minimum_required_clauses(any_but_one, several.len() - 1);
                filters.push(Box::new(ConstScoreQuery::new(Box::new(q), 0.0)));
            }
        }
        let totals = if all || totals_for.is_some() {
            self.segment_totals(searcher, &dense)?
        } else {
            Vec::new()
        };
        // Words alone, best first: scoring every match is most of the work
        // when a word matches many documents. Count matches and facets
        // without scores, then find the best hits with block-max WAND,
        // which skips documents that cannot reach them.
        let flat = if req.sort == Sort::Relevance
            && filters.is_empty()
            && req.filters.iter().all(Vec::is_empty)
            && req.offset + req.size > 0
            && self.two_pass.load(std::sync::atomic::Ordering::Relaxed)
        {
            builder.build_flat(&parsed)
        } else {
            None
        };
        let mut matched = Match::All;
        let run = |text: Option<Box<dyn Query>>, counting_only: bool| -> Result<_, SearchError> {
            let collector = SearchCollector {
                facet_fields: FACETS.map(|s| s.to_owned()),
                filters: req.filters.clone(),
                sort: req.sort,
                limit: if counting_only {
                    0
                } else {
                    req.offset + req.size
                },
                facet_size: req.facet_size,
                // No hits asked for (`size=0`): nothing to rank.
                scoring: matches!(req.sort, Sort::Relevance | Sort::Quality)
                    && !counting_only
                    && req.offset + req.size > 0,
                single_segment: searcher.segment_readers().len() == 1,
                dense: dense.clone(),
                totals: totals.clone(),
                totals_for,
            };
            if all {
                return Ok(collector.browse_all(searcher)?);
            }
            let query = combine(text, filters.iter().map(|q| q.box_clone()).collect());
            Ok(searcher.search(query.as_ref(), &collector)?)
        };
        let mut fruit = match &flat {
            Some(f) => run(Some(f.matching.box_clone()), true)?,
            None => run(text.as_ref().map(|q| q.box_clone()), false)?,
        };
        // Too little: the forgiving steps, in order, each only when the
        // steps before found fewer than `FUZZY_BELOW`.
        if fruit.total < FUZZY_BELOW {
            let fuzzy = QueryBuilder::fuzzy_applies(&parsed);
            let relaxed = (Match::Relaxed, false, true, true);
            let corrected = (Match::Fuzzy, true, false, fuzzy);
            // A word the index does not know is more likely misspelt than
            // superfluous: correct it before dropping words; so with two
            // words, where dropping one loses half the query.
            let two = parsed.clauses.iter().filter(|c| !c.negated).count() == 2;
            let (first, second) = if fuzzy && (two || builder.has_unknown_word(&parsed, searcher)) {
                (corrected, relaxed)
            } else {
                (relaxed, corrected)
            };
            let steps = [first, second, (Match::Fuzzy, true, true, fuzzy)];
            for (step, fuzzy, relaxed, applies) in steps {
                if !applies || fruit.total >= FUZZY_BELOW {
                    continue;
                }
                let (q, _, was_relaxed) =
                    builder.build(&parsed, fuzzy, relaxed.then_some(fruit.total));
                if relaxed && !was_relaxed {
                    // Nothing to drop: the stricter step's query again.
                    continue;
                }
                let more = run(q, false)?;
                if more.total > fruit.total {
                    fruit = more;
                    matched = step;
                }
            }
        }
        if let (Some(flat), Match::All) = (&flat, matched) {
            let shown = req.offset + req.size;
            // More than shown: does the page end inside a tie, and where
            // does the tie end?
            let asked = shown + TIE_ROOM;
            let mut best = searcher.search(
                flat.scoring.as_ref(),
                &TopDocs::with_limit(asked).order_by_score(),
            )?;
            if ties_at_page_edges(&best, req.offset, shown) {
                // Block-max WAND adds a document's term scores in an order
                // that depends on what it skipped, so scores equal up to
                // rounding may come out in either order, and from one page
                // to the next a tied document could be shown twice or not at
                // all. Rank the documents near the edges by scores added in
                // the single pass's fixed order instead: those found, when
                // the last of them is clearly below the page's last place
                // (or all matches were found), else all above a floor.
                let edge = best.get(shown - 1).map_or(0.0, |(s, _)| *s);
                let last = best.last().map_or(0.0, |(s, _)| *s);
                let margin = edge.abs().max(last.abs()) * 1e-4 + f32::MIN_POSITIVE;
                let candidates = if best.len() < asked || edge - last > margin {
                    Candidates::Found(best.iter().map(|(_, a)| *a).collect())
                } else {
                    Candidates::Above(last - margin)
                };
                fruit.top = exact_top(searcher, flat, candidates, shown)?;
            } else {
                best.truncate(shown);
                fruit.top = best.into_iter().map(scored_hit).collect();
            }
        }
        let hits = self.hits(searcher, &fruit.top, req, &hl)?;
        let did_you_mean = if matched == Match::Fuzzy {
            did_you_mean(searcher, self.fields.text_de, &req.q, &hits)
        } else {
            None
        };
        Ok(SearchResult {
            total: fruit.total,
            hits,
            facets: facet_list(fruit.facets),
            fuzzy: matched == Match::Fuzzy,
            matched,
            fallback: parsed.fallback,
            did_you_mean,
        })
    }

    /// The documents with one of facet `i`'s filter values.
    fn facet_set(&self, i: usize, req: &SearchRequest) -> Box<dyn Query> {
        let field = self.fields.facets[i];
        Box::new(TermSetQuery::new(
            req.filters[i]
                .iter()
                .map(|v| Term::from_field_text(field, v)),
        ))
    }

    fn filter_queries(&self, req: &SearchRequest) -> Vec<Box<dyn Query>> {
        let f = &self.fields;
        let mut out: Vec<Box<dyn Query>> = Vec::new();
        let i64_range = |field, lo: Bound<i64>, hi: Bound<i64>| -> Box<dyn Query> {
            let t = |b: Bound<i64>| match b {
                Bound::Included(v) => Bound::Included(Term::from_field_i64(field, v)),
                Bound::Excluded(v) => Bound::Excluded(Term::from_field_i64(field, v)),
                Bound::Unbounded => Bound::Unbounded,
            };
            Box::new(RangeQuery::new(t(lo), t(hi)))
        };
        let f64_range = |field, lo: Bound<f64>, hi: Bound<f64>| -> Box<dyn Query> {
            let t = |b: Bound<f64>| match b {
                Bound::Included(v) => Bound::Included(Term::from_field_f64(field, v)),
                Bound::Excluded(v) => Bound::Excluded(Term::from_field_f64(field, v)),
                Bound::Unbounded => Bound::Unbounded,
            };
            Box::new(RangeQuery::new(t(lo), t(hi)))
        };
        if let Some(b) = req.bbox {
            // The grid narrows to boxes near the query box first (see
            // `geo`); the ranges below are the exact test.
            if let Some(cells) = crate::geo::query_cells(&b) {
                let terms = cells.iter().map(|c| Term::from_field_text(f.geo_cell, c));
                out.push(Box::new(ConstScoreQuery::new(
                    Box::new(TermSetQuery::new(terms)),
                    0.0,
                )));
            }
            out.push(f64_range(
                f.min_lon,
                Bound::Unbounded,
                Bound::Included(b.max_lon),
            ));
            out.push(f64_range(
                f.max_lon,
                Bound::Included(b.min_lon),
                Bound::Unbounded,
            ));
            out.push(f64_range(
                f.min_lat,
                Bound::Unbounded,
                Bound::Included(b.max_lat),
            ));
            out.push(f64_range(
                f.max_lat,
                Bound::Included(b.min_lat),
                Bound::Unbounded,
            ));
        }
        if let Some(since) = req.modified_since {
            out.push(i64_range(
                f.modified,
                Bound::Included(since),
                Bound::Unbounded,
            ));
        }
        if let Some(from) = req.temporal_from {
            out.push(i64_range(
                f.temporal_end,
                Bound::Included(from),
                Bound::Unbounded,
            ));
        }
        if let Some(to) = req.temporal_to {
            out.push(i64_range(
                f.temporal_start,
                Bound::Unbounded,
                Bound::Included(to),
            ));
        }
        out
    }

    fn hits(
        &self,
        searcher: &Searcher,
        top: &[(SortKey, f32, DocAddress)],
        req: &SearchRequest,
        hl: &crate::query::HighlightTerms,
    ) -> Result<Vec<Hit>, SearchError> {
        let f = &self.fields;
        let generator = |terms: &[String], analyzer| {
            let map: BTreeMap<String, f32> = terms.iter().map(|t| (t.clone(), 1.0)).collect();
            let mut g = SnippetGenerator::new(map, analyzer, f.description, 200);
            g.set_max_num_chars(200);
            g
        };
        let de = generator(&hl.german, analysis::german());
        let en = generator(&hl.english, analysis::english());
        let mut out = Vec::new();
        for (_, score, addr) in top.iter().skip(req.offset).take(req.size) {
            let doc: TantivyDocument = searcher.doc(*addr)?;
            let text = |field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_owned()
            };
            let all = |field| -> Vec<String> {
                doc.get_all(field)
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            };
            let description = text(f.description);
            let mut snippet = String::new();
            for g in [&de, &en] {
                let mut s = g.snippet(&description);
                if !s.highlighted().is_empty() {
                    s.set_snippet_prefix_postfix("<mark>", "</mark>");
                    snippet = s.to_html();
                    break;
                }
            }
            if snippet.is_empty() && !description.is_empty() {
                let cut: String = description.chars().take(200).collect();
                snippet = escape_html(&cut);
                if description.chars().count() > 200 {
                    snippet.push('…');
                }
            }
            out.push(Hit {
                id: text(f.rid),
                dataset: text(f.dataset),
                title: text(f.title),
                snippet,
                publisher: doc
                    .get_first(f.facets[1])
                    .and_then(|v| v.as_str())
                    .map(str::to_owned),
                source: text(f.facets[2]),
                source_title: text(f.source_title),
                modified: doc
                    .get_first(f.modified)
                    .and_then(|v| v.as_i64())
                    .map(format_time),
                formats: all(f.facets[3]),
                licenses: all(f.facets[4]),
                themes: all(f.facets[0]),
                quality: doc
                    .get_first(f.quality)
                    .and_then(|v| v.as_i64())
                    .and_then(|q| u32::try_from(q).ok()),
                score: *score,
            });
        }
        Ok(out)
    }
}

/// The query `q` with each plain word that is no German term of the index
/// (`field`) replaced by the nearest word of the hits' titles within the
/// fuzzy distance of its length that is a plausible variant of it (see
/// [`crate::query::plausible_variant`]), as the title writes it
/// ("schwimbaeder" → "Schwimmbäder"); `None` when no word was replaced.
fn did_you_mean(
    searcher: &Searcher,
    field: tantivy::schema::Field,
    q: &str,
    hits: &[Hit],
) -> Option<String> {
    let normalized = |w: &str| {
        let mut out = String::new();
        analysis::normalize_german(&w.to_lowercase(), &mut out);
        out
    };
    let mut de = analysis::german();
    let title_words: Vec<(&str, String)> = hits
        .iter()
        .flat_map(|h| h.title.split(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .map(|w| (w, normalized(w)))
        .collect();
    let mut changed = false;
    let words: Vec<String> = q
        .split_whitespace()
        .map(|w| {
            if !w.chars().all(char::is_alphanumeric) {
                return w.to_owned();
            }
            let known = match analysis::tokens(&mut de, w).as_slice() {
                [t] => searcher
                    .doc_freq(&Term::from_field_text(field, t))
                    .is_ok_and(|n| n > 0),
                _ => true,
            };
            if known {
                return w.to_owned();
            }
            let typed = normalized(w);
            let limit = usize::from(crate::query::fuzzy_distance(typed.chars().count()));
            let best = title_words
                .iter()
                .filter(|(_, n)| crate::query::plausible_variant(&typed, n))
                .map(|(t, n)| (strsim::damerau_levenshtein(&typed, n), *t))
                .filter(|(d, _)| *d >= 1 && *d <= limit)
                .min_by_key(|(d, _)| *d);
            match best {
                Some((_, t)) => {
                    changed = true;
                    t.to_owned()
                }
                None => w.to_owned(),
            }
        })
        .collect();
    changed.then(|| words.join(" "))
}

/// Terms read per prefix and segment by [`SearchIndex::suggest`].
pub const SUGGEST_SCAN: usize = 500;

/// Hits asked of block-max WAND beyond the page, to see a tie at the
/// page's last place end.
const TIE_ROOM: usize = 16;

/// The documents [`exact_top`] ranks.
enum Candidates {
    /// These documents.
    Found(Vec<DocAddress>),
    /// Every document whose block-max WAND score is above this.
    Above(f32),
}

/// The best `shown` hits of a flat word query among `candidates`, ranked
/// by their scores added in the order of [`FlatQuery::groups`] (the single
/// pass's order, so the same bits whatever WAND skipped), then by address.
fn exact_top(
    searcher: &Searcher,
    flat: &FlatQuery,
    candidates: Candidates,
    shown: usize,
) -> Result<Vec<(SortKey, f32, DocAddress)>, SearchError> {
    let scoring = EnableScoring::enabled_from_searcher(searcher);
    let weight = match candidates {
        Candidates::Above(_) => Some(flat.scoring.weight(scoring)?),
        Candidates::Found(_) => None,
    };
    let mut term_weights: Vec<Vec<(Box<dyn Weight>, f32)>> = Vec::new();
    for group in &flat.groups {
        let mut ws = Vec::new();
        for (term, boost) in group {
            let w = TermQuery::new(term.clone(), IndexRecordOption::WithFreqs).weight(scoring)?;
            ws.push((w, *boost));
        }
        term_weights.push(ws);
    }
    let mut ranked: Vec<(f32, DocAddress)> = Vec::new();
    for (ord, reader) in searcher.segment_readers().iter().enumerate() {
        let mut docs: Vec<DocId> = Vec::new();
        match &candidates {
            Candidates::Found(found) => docs.extend(
                found
                    .iter()
                    .filter(|a| a.segment_ord as usize == ord)
                    .map(|a| a.doc_id),
            ),
            Candidates::Above(floor) => {
                let alive = reader.alive_bitset();
                if let Some(weight) = &weight {
                    weight.for_each_pruning(*floor, reader, &mut |doc, _| {
                        if alive.is_none_or(|a| a.is_alive(doc)) {
                            docs.push(doc);
                        }
                        *floor
                    })?;
                }
            }
        }
        if docs.is_empty() {
            continue;
        }
        docs.sort_unstable();
        let mut scorers: Vec<Vec<Box<dyn Scorer>>> = Vec::new();
        for ws in &term_weights {
            let mut g = Vec::new();
            for (w, boost) in ws {
                g.push(w.scorer(reader, *boost)?);
            }
            scorers.push(g);
        }
        for doc in docs {
            let mut total = 0.0f32;
            for group in scorers.iter_mut() {
                let mut sum = 0.0f32;
                for s in group.iter_mut() {
                    if s.doc() < doc {
                        s.seek(doc);
                    }
                    if s.doc() == doc {
                        sum += s.score();
                    }
                }
                total += sum;
            }
            ranked.push((total, DocAddress::new(ord as u32, doc)));
        }
    }
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    ranked.truncate(shown);
    Ok(ranked.into_iter().map(scored_hit).collect())
}

/// A hit ranked by score, as the collector keys it.
fn scored_hit((score, address): (f32, DocAddress)) -> (SortKey, f32, DocAddress) {
    (
        SortKey::Num(u64::from(score.max(0.0).to_bits())),
        score,
        address,
    )
}

/// Whether the best hits (best first, more than `shown` asked for) have scores
/// equal up to rounding on both sides of the page's first or last place.
fn ties_at_page_edges(best: &[(f32, DocAddress)], offset: usize, shown: usize) -> bool {
    let close = |i: usize| match (best.get(i.wrapping_sub(1)), best.get(i)) {
        (Some((a, _)), Some((b, _))) => (a - b).abs() <= a.abs().max(b.abs()) * 1e-5,
        _ => false,
    };
    (offset > 0 && close(offset)) || close(shown)
}

fn combine(text: Option<Box<dyn Query>>, filters: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    if filters.is_empty() {
        return text.unwrap_or_else(|| Box::new(AllQuery));
    }
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    if let Some(t) = text {
        clauses.push((Occur::Must, t));
    }
    for f in filters {
        clauses.push((Occur::Must, f));
    }
    Box::new(BooleanQuery::new(clauses))
}

fn facet_list(counts: FacetCounts) -> Vec<(String, Vec<FacetValue>)> {
    FACETS
        .iter()
        .zip(counts)
        .map(|(name, values)| {
            (
                (*name).to_owned(),
                values
                    .into_iter()
                    .map(|(value, count)| FacetValue { value, count })
                    .collect(),
            )
        })
        .collect()
}

/// Every term of a string column, by ordinal.
fn column_terms(col: &tantivy::columnar::StrColumn) -> Result<Vec<String>, SearchError> {
    let ords: Vec<u64> = (0..col.num_terms() as u64).collect();
    let mut names = Vec::with_capacity(ords.len());
    col.dictionary()
        .sorted_ords_to_term_cb(&ords, |b| {
            names.push(String::from_utf8_lossy(b).into_owned())
        })
        .map_err(|e| SearchError::Corrupt(e.to_string()))?;
    Ok(names)
}

/// The sort key of a title: lowercased, German-normalized, folded.
pub fn sort_key(title: &str) -> String {
    let lower = title.trim().to_lowercase();
    let mut out = String::new();
    crate::analysis::normalize_german(&lower, &mut out);
    out
}

/// Escapes text for HTML.
pub fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
