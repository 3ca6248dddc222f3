//! The paged catalog that harvesters upstream read (GovData's DCAT-AP.de
//! harvester on ckanext-dcat, piveau): one page of the Land catalog (or of
//! one source's catalog) in any RDF syntax, with Hydra paging in both the
//! older `hydra:PagedCollection` terms (`nextPage`, `firstPage`, …) and the
//! `hydra:PartialCollectionView` terms (`next`, `first`, …).
//!
//! **What is listed**: the published records ([`CatalogStore::records`]),
//! each with its exact graph from the archive. A page holds the catalog
//! (`dct:hasPart` to one sub-catalog per source), the sub-catalogs'
//! descriptions, `dcat:dataset` links for the page's datasets and the
//! records' graphs.
//!
//! **Stable paging**: records are ordered by record id, which never changes
//! for a dataset of a source. The `next` link carries the last id of the
//! page (`after=`), and the next page starts after it, whatever was added
//! or removed meanwhile: a client paging from first to last sees every
//! dataset that stayed published during its paging exactly once. `?page=N`
//! without `after` counts from the start (the `first`, `last` and `previous`
//! links).
//!
//! **The view**: the ordered list of published records is read from the
//! store once per store [generation](CatalogStore::generation) and shared
//! by the requests until the store changes ([`ViewCache`]).

use super::{land_catalog, serializer, ExportError, PREFIXES};
use crate::config::{Config, SourceId};
use crate::store::{CatalogStore, RecordChange, StoreError, StoredRecord};
use harvester::vocab::{dcat, rdf};
use oxigraph::io::RdfFormat;
use oxigraph::model::{GraphName, Literal, NamedNode, NamedNodeRef, QuadRef, Triple};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// Hydra core terms of the paging block.
pub mod hydra {
    use oxigraph::model::NamedNodeRef;
    macro_rules! t {
        ($($name:ident = $local:literal),*) => {$(
            pub const $name: NamedNodeRef<'static> =
                NamedNodeRef::new_unchecked(concat!("http://www.w3.org/ns/hydra/core#", $local));
        )*};
    }
    t!(
        PAGED_COLLECTION = "PagedCollection",
        PARTIAL_COLLECTION_VIEW = "PartialCollectionView",
        TOTAL_ITEMS = "totalItems",
        ITEMS_PER_PAGE = "itemsPerPage",
        FIRST_PAGE = "firstPage",
        LAST_PAGE = "lastPage",
        NEXT_PAGE = "nextPage",
        PREVIOUS_PAGE = "previousPage",
        FIRST = "first",
        LAST = "last",
        NEXT = "next",
        PREVIOUS = "previous"
    );
}

/// One published record in the view.
#[derive(Debug, Clone)]
pub struct Entry {
    pub record: StoredRecord,
}

impl Entry {
    /// What the fingerprint counts of the entry.
    fn digest(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        for part in [
            &self.record.rid,
            &self.record.source,
            &self.record.hash,
            &self.record.harvested,
        ] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        h.finalize().into()
    }
}

/// The published records ordered by record id, as of one store
/// generation.
#[derive(Debug)]
pub struct View {
    pub generation: u64,
    pub entries: Vec<Arc<Entry>>,
    /// The sources with published records, sorted.
    pub sources: Vec<String>,
    /// Published records per source.
    counts: BTreeMap<String, usize>,
    /// The XOR of every entry's digest (id, source, content hash, last
    /// change): equal fingerprints, equal listings.
    pub fingerprint: [u8; 32],
}

fn xor(into: &mut [u8; 32], digest: [u8; 32]) {
    for (a, b) in into.iter_mut().zip(digest) {
        *a ^= b;
    }
}

impl View {
    /// Reads the published records of the store that are not duplicates.
    pub fn read(store: &CatalogStore) -> Result<Self, StoreError> {
        store.follow_changes();
        let generation = store.generation();
        Ok(Self::of(generation, store.records(None)?))
    }

    /// Every stored record, withdrawn ones and duplicates included
    /// (`export --all`; not followed by the change log).
    pub fn read_all(store: &CatalogStore) -> Result<Self, StoreError> {
        Ok(Self::of(store.generation(), store.all_records(None)?))
    }

    fn of(generation: u64, records: Vec<StoredRecord>) -> Self {
        let entries: Vec<Arc<Entry>> = records
            .into_iter()
            // A record read while a write committed may lack a fact; the
            // change log of that write completes it.
            .filter(|r| !r.dataset.is_empty() && !r.hash.is_empty())
            .map(|record| Arc::new(Entry { record }))
            .collect();
        Self::from_entries(generation, entries)
    }

    fn from_entries(generation: u64, mut entries: Vec<Arc<Entry>>) -> Self {
        entries.sort_by(|a, b| a.record.rid.cmp(&b.record.rid));
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        let mut fingerprint = [0u8; 32];
        for e in &entries {
            *counts.entry(e.record.source.clone()).or_default() += 1;
            xor(&mut fingerprint, e.digest());
        }
        Self::assemble(generation, entries, counts, fingerprint)
    }

    fn assemble(
        generation: u64,
        entries: Vec<Arc<Entry>>,
        counts: BTreeMap<String, usize>,
        fingerprint: [u8; 32],
    ) -> Self {
        Self {
            generation,
            sources: counts.keys().cloned().collect(),
            counts,
            entries,
            fingerprint,
        }
    }

    /// The view after `changes` (in the order they were made), at
    /// `generation`. Applying a change the view already holds changes
    /// nothing, so changes logged while the view was read may be applied
    /// again.
    pub fn apply(&self, changes: Vec<RecordChange>, generation: u64) -> Self {
        let mut last: BTreeMap<String, Option<StoredRecord>> = BTreeMap::new();
        for c in changes {
            match c {
                RecordChange::Published(r) => {
                    last.insert(r.rid.clone(), Some(r));
                }
                RecordChange::Unpublished(rid) => {
                    last.insert(rid, None);
                }
                RecordChange::Unknown => {}
            }
        }
        let mut counts = self.counts.clone();
        let mut fingerprint = self.fingerprint;
        let mut added: Vec<Arc<Entry>> = Vec::new();
        for record in last.values().flatten() {
            let e = Arc::new(Entry {
                record: record.clone(),
            });
            *counts.entry(record.source.clone()).or_default() += 1;
            xor(&mut fingerprint, e.digest());
            added.push(e);
        }
        // `last` is ordered by id: so is `added`. Merge with the kept ones.
        let mut entries = Vec::with_capacity(self.entries.len() + added.len());
        let mut new = added.into_iter().peekable();
        for old in &self.entries {
            while let Some(n) = new.next_if(|n| n.record.rid < old.record.rid) {
                entries.push(n);
            }
            if last.contains_key(&old.record.rid) {
                if let Some(n) = counts.get_mut(&old.record.source) {
                    *n = n.saturating_sub(1);
                }
                xor(&mut fingerprint, old.digest());
                continue;
            }
            entries.push(old.clone());
        }
        entries.extend(new);
        counts.retain(|_, n| *n > 0);
        Self::assemble(generation, entries, counts, fingerprint)
    }
}

/// The current [`View`], shared by the requests of one store generation,
/// and since when the catalog's content has been what it is (for
/// `Last-Modified`).
#[derive(Default)]
pub struct ViewCache {
    view: Mutex<Option<Arc<View>>>,
    /// The digest of the last content served and when it was first seen.
    changed: Mutex<Option<([u8; 32], SystemTime)>>,
}

impl ViewCache {
    /// The view of the store's current generation (read again when the
    /// store has changed since the cached one).
    pub fn get(&self, store: &CatalogStore) -> Result<Arc<View>, StoreError> {
        let mut slot = self
            .view
            .lock()
            .map_err(|_| StoreError::Other("catalog view lock poisoned".into()))?;
        let now = store.generation();
        if let Some(v) = slot.as_ref() {
            if v.generation == now {
                return Ok(v.clone());
            }
            // The writes since: from the store's change log, without a scan.
            if let Some(changes) = store.changes_between(v.generation, now) {
                let view = Arc::new(v.apply(changes, now));
                *slot = Some(view.clone());
                return Ok(view);
            }
        }
        let view = Arc::new(View::read(store)?);
        *slot = Some(view.clone());
        Ok(view)
    }

    /// Forgets the cached view (a record changed under a request).
    pub fn invalidate(&self) {
        if let Ok(mut slot) = self.view.lock() {
            *slot = None;
        }
    }

    /// When the content described by `view` and the catalog settings of
    /// `config` was first served by this process: the `Last-Modified` of
    /// the pages. It never goes back, and moves to now whenever the
    /// records or the catalog's settings differ from the last ones seen.
    pub fn last_modified(&self, view: &View, config: &Config) -> SystemTime {
        let mut h = Sha256::new();
        h.update(view.fingerprint);
        h.update(format!("{:?}", config.catalog).as_bytes());
        h.update(config.base_iri.as_bytes());
        for s in &config.sources {
            h.update(format!("{:?}{:?}{:?}", s.id, s.title, s.publisher).as_bytes());
        }
        let digest: [u8; 32] = h.finalize().into();
        let now = SystemTime::now();
        let Ok(mut changed) = self.changed.lock() else {
            return now;
        };
        match *changed {
            Some((d, since)) if d == digest => since,
            _ => {
                *changed = Some((digest, now));
                now
            }
        }
    }
}

/// What a client asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageRequest {
    /// One source's catalog, or the Land catalog.
    pub source: Option<String>,
    /// 1-based page number.
    pub page: u64,
    /// The record id the page starts after (the `next` links carry it).
    pub after: Option<String>,
    /// Only records changed at or after this time (canonical UTC
    /// `xsd:dateTime` as the store writes it, see [`parse_modified_since`]).
    pub modified_since: Option<String>,
}

/// Why a page cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Export(#[from] ExportError),
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        PageError::Export(ExportError::Store(e))
    }
}

impl From<std::io::Error> for PageError {
    fn from(e: std::io::Error) -> Self {
        PageError::Export(ExportError::Io(e))
    }
}

/// Reads `modified_since`: an ISO 8601 date (`2026-12-01`, midnight UTC)
/// or date-time (`2026-12-01T10:00:00Z`, `2026-12-01T11:00:00+01:00`; UTC
/// without an offset; fractions of a second dropped) as a canonical UTC
/// `xsd:dateTime`, or `None` when it is neither.
pub fn parse_modified_since(value: &str) -> Option<String> {
    crate::store::utc_xsd_time(value)
}

/// The datasets of one page and where it sits in the listing.
#[derive(Debug)]
pub struct Selection<'a> {
    pub entries: Vec<&'a Entry>,
    /// Datasets the listing holds now (`hydra:totalItems`).
    pub total: usize,
    /// The page's number and the number of the last page.
    pub page: u64,
    pub last_page: u64,
    /// Whether records follow the page's last one.
    pub more: bool,
    /// The sources with published records (the Land catalog's parts).
    pub sources: &'a [String],
}

/// Picks the records of one page from the view.
pub fn select<'a>(
    view: &'a View,
    req: &PageRequest,
    page_size: usize,
) -> Result<Selection<'a>, PageError> {
    let page_size = page_size.max(1);
    let listed: Vec<&Entry> = view
        .entries
        .iter()
        .map(|e| &**e)
        .filter(|e| req.source.as_deref().is_none_or(|s| e.record.source == s))
        .filter(|e| {
            req.modified_since
                .as_deref()
                .is_none_or(|since| e.record.harvested.as_str() >= since)
        })
        .collect();
    let total = listed.len();
    let last_page = total.div_ceil(page_size).max(1) as u64;
    let start = match &req.after {
        Some(after) => listed.partition_point(|e| e.record.rid.as_str() <= after.as_str()),
        None => {
            if req.page > last_page {
                return Err(PageError::NotFound(format!(
                    "page {} does not exist: the catalog has {last_page} page(s) of {page_size} datasets",
                    req.page
                )));
            }
            (req.page.saturating_sub(1) as usize).saturating_mul(page_size)
        }
    };
    let end = start.saturating_add(page_size).min(total);
    let entries = listed
        .get(start..end)
        .map(<[_]>::to_vec)
        .unwrap_or_default();
    Ok(Selection {
        entries,
        total,
        page: req.page,
        last_page,
        more: end < total,
        sources: &view.sources,
    })
}

/// Where the pages are served: the endpoint's URL without query
/// (`{base_iri}catalog.ttl`), to which the paging links add theirs.
#[derive(Debug, Clone)]
pub struct Endpoint(pub String);

impl Endpoint {
    fn link(&self, page: u64, after: Option<&str>, modified_since: Option<&str>) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.append_pair("page", &page.to_string());
        if let Some(a) = after {
            q.append_pair("after", a);
        }
        if let Some(m) = modified_since {
            q.append_pair("modified_since", m);
        }
        format!("{}?{}", self.0, q.finish())
    }
}

/// What writing a page wrote.
#[derive(Debug, Clone, Copy, Default)]
pub struct PageStats {
    pub datasets: usize,
    pub triples: usize,
}

/// Records whose exact graphs are read from the archive at once.
const GRAPHS_AT_ONCE: usize = 1000;

/// Writes one page: the catalog, its paging block (when served at
/// `endpoint`; `export` writes the whole listing as one page without it),
/// the sub-catalogs and the selected records' graphs as they go upstream.
/// Syntaxes with named graphs (TriG, N-Quads) keep each record's graph in
/// its `urn:dcat-catalog:record:{rid}`. N-Triples, N-Quads, Turtle, TriG
/// and RDF/XML are written from each record's archived canonical
/// N-Triples without parsing it (`write_lines`, `write_turtle`,
/// `write_rdf_xml`); JSON-LD parses the records' graphs and serializes
/// them (`write_serialized`). A
/// [`StoreError::MissingBlob`] means a record changed after the view was
/// read: read the view again and retry.
pub fn write_page(
    store: &CatalogStore,
    config: &Config,
    req: &PageRequest,
    selection: &Selection<'_>,
    endpoint: Option<&Endpoint>,
    format: RdfFormat,
    out: impl Write,
) -> Result<PageStats, PageError> {
    let page = PageParts {
        store,
        config,
        req,
        selection,
        endpoint,
    };
    match format {
        RdfFormat::NTriples => write_lines(&page, false, out),
        RdfFormat::NQuads => write_lines(&page, true, out),
        RdfFormat::Turtle => write_turtle(&page, false, out),
        RdfFormat::TriG => write_turtle(&page, true, out),
        RdfFormat::RdfXml => write_rdf_xml(&page, out),
        _ => write_serialized(&page, format, out),
    }
}

/// What a page is written from.
#[derive(Clone, Copy)]
struct PageParts<'a> {
    store: &'a CatalogStore,
    config: &'a Config,
    req: &'a PageRequest,
    selection: &'a Selection<'a>,
    endpoint: Option<&'a Endpoint>,
}

fn iri(s: &str) -> Result<NamedNode, PageError> {
    NamedNode::new(s)
        .map_err(|e| PageError::from(ExportError::Other(format!("invalid IRI {s:?}: {e}"))))
}

/// The triples of a page before its records: the catalog (the Land's with
/// the sub-catalogs it lists, or one source's), the sub-catalogs'
/// descriptions and the paging block; and the page's catalog IRI.
fn page_head(page: &PageParts<'_>) -> Result<(NamedNode, Vec<Triple>), PageError> {
    let PageParts {
        store,
        config,
        req,
        selection,
        endpoint,
    } = *page;
    let mut head = Vec::new();
    let (catalog, sources): (NamedNode, Vec<String>) = match &req.source {
        None => {
            head.extend(land_catalog(config, selection.sources)?);
            (iri(&config.catalog_iri())?, selection.sources.to_vec())
        }
        Some(s) => (
            iri(&config.source_catalog_iri(&SourceId(s.clone())))?,
            vec![s.clone()],
        ),
    };
    for s in &sources {
        head.extend(store.catalog_description(s)?);
    }
    if let Some(endpoint) = endpoint {
        head.extend(paging_block(config, req, selection, endpoint)?);
    }
    Ok((catalog, head))
}

/// The links of one dataset: from the page's catalog and, on the Land's
/// pages, from its sub-catalog.
fn dataset_links(
    config: &Config,
    req: &PageRequest,
    catalog: &NamedNode,
    record: &StoredRecord,
) -> Result<Vec<Triple>, PageError> {
    let dataset = iri(&record.dataset)?;
    let mut out = vec![Triple::new(
        catalog.clone(),
        dcat::DATASET_LINK,
        dataset.clone(),
    )];
    if req.source.is_none() {
        let sub = iri(&config.source_catalog_iri(&SourceId(record.source.clone())))?;
        out.push(Triple::new(sub, dcat::DATASET_LINK, dataset));
    }
    Ok(out)
}

/// [`write_page`] through an RDF serializer (RDF/XML, JSON-LD; any syntax):
/// each record's archived graph is parsed, stamped and serialized.
fn write_serialized(
    page: &PageParts<'_>,
    format: RdfFormat,
    out: impl Write,
) -> Result<PageStats, PageError> {
    let PageParts {
        store, config, req, ..
    } = *page;
    let mut writer = serializer(format).for_writer(out);
    let quads = format.supports_datasets();
    let mut stats = PageStats::default();
    let mut in_graph = |t: &Triple, graph: &GraphName| -> std::io::Result<()> {
        stats.triples += 1;
        if quads {
            writer.serialize_quad(QuadRef::new(&t.subject, &t.predicate, &t.object, graph))
        } else {
            writer.serialize_triple(t)
        }
    };
    let default = GraphName::DefaultGraph;
    let (catalog, head) = page_head(page)?;
    for t in &head {
        in_graph(t, &default)?;
    }
    // The datasets: linked from the page's catalog and their sub-catalog,
    // then each record's exact graph.
    for part in page.selection.entries.chunks(GRAPHS_AT_ONCE) {
        let records: Vec<&StoredRecord> = part.iter().map(|e| &e.record).collect();
        let graphs = store.exact_graphs(&records)?;
        for (e, graph) in part.iter().zip(graphs) {
            for t in dataset_links(config, req, &catalog, &e.record)? {
                in_graph(&t, &default)?;
            }
            let name = GraphName::NamedNode(crate::store::vocab::graphs::record(&e.record.rid));
            for t in upstream_graph(graph, &e.record, config) {
                in_graph(&t, &name)?;
            }
            stats.datasets += 1;
        }
    }
    writer.finish()?;
    Ok(stats)
}

/// A token of an archived line with its blank node relabelled as the store
/// labels it (`_:c14nN` → `_:r{rid}bN`, see [`crate::store::parse_canonical`]).
/// Record ids are 20 lower-case hex digits ([`crate::store::record_id`]), so
/// the labels are valid N-Triples, Turtle and TriG blank node labels.
fn relabel<'a>(token: &'a str, rid: &str) -> std::borrow::Cow<'a, str> {
    match token.strip_prefix("_:") {
        Some(label) => format!("_:r{rid}b{}", label.trim_start_matches("c14n")).into(),
        None => token.into(),
    }
}

/// Which archived lines of a record do not go upstream: with
/// `catalog.contributor_id`, the dataset's `dcatde:contributorID`s in the
/// DCAT-AP.de namespace (the Land's is stamped instead, as in
/// [`upstream_graph`]).
struct ForeignIds {
    land: bool,
    /// `<…dcatde/contributorID>`.
    contributor: String,
    /// `<http://dcat-ap.de/def/contributors/`.
    theirs: String,
}

impl ForeignIds {
    fn new(config: &Config) -> Self {
        Self {
            land: config
                .catalog
                .contributor_id
                .as_ref()
                .is_some_and(|i| NamedNode::new(i.as_str()).is_ok()),
            contributor: format!("<{}>", harvester::vocab::dcatde::CONTRIBUTOR_ID.as_str()),
            theirs: format!("<{DCATDE_CONTRIBUTORS}"),
        }
    }

    /// Calls `f` with the subject, predicate and object (N-Triples terms,
    /// blank nodes as archived) of every line of the record's archived
    /// `text` that goes upstream.
    fn for_each_triple(
        &self,
        text: &str,
        r: &StoredRecord,
        mut f: impl FnMut(&str, &str, &str) -> Result<(), PageError>,
    ) -> Result<(), PageError> {
        let dataset = format!("<{}>", r.dataset);
        for line in text.lines() {
            let (Some(body), true) = (line.strip_suffix(" ."), !line.is_empty()) else {
                continue;
            };
            let mut parts = body.splitn(3, ' ');
            let (Some(s), Some(p), Some(o)) = (parts.next(), parts.next(), parts.next()) else {
                return Err(PageError::from(StoreError::Archive(format!(
                    "record {}: an archived line is not a triple: {line:?}",
                    r.rid
                ))));
            };
            if self.land && s == dataset && p == self.contributor && o.starts_with(&self.theirs) {
                continue;
            }
            f(s, p, o)?;
        }
        Ok(())
    }
}

/// [`write_page`] in N-Triples or N-Quads, line by line: a record's
/// archived graph is already canonical N-Triples, one triple per line, so
/// its lines are copied with the blank nodes relabelled as the store labels
/// them (`c14nN` → `r{rid}bN`), the dataset's `dcat-ap.de` contributor IDs
/// dropped when the Land stamps its own, and the record's graph name added
/// in N-Quads; the stamping's own triples follow. The same triples as the
/// serializer path, without parsing and serializing every record.
fn write_lines(page: &PageParts<'_>, quads: bool, out: impl Write) -> Result<PageStats, PageError> {
    let PageParts {
        store, config, req, ..
    } = *page;
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
    let mut stats = PageStats::default();
    let (catalog, head) = page_head(page)?;
    for t in &head {
        writeln!(out, "{t} .")?;
        stats.triples += 1;
    }
    let foreign = ForeignIds::new(config);
    for part in page.selection.entries.chunks(GRAPHS_AT_ONCE) {
        let records: Vec<&StoredRecord> = part.iter().map(|e| &e.record).collect();
        let texts = store.archived_texts(&records)?;
        for (e, text) in part.iter().zip(texts) {
            let r = &e.record;
            for t in dataset_links(config, req, &catalog, r)? {
                writeln!(out, "{t} .")?;
                stats.triples += 1;
            }
            let graph = quads.then(|| {
                format!(
                    " <{}>",
                    crate::store::vocab::graphs::record(&r.rid).as_str()
                )
            });
            let graph = graph.as_deref().unwrap_or("");
            foreign.for_each_triple(&text, r, |s, p, o| {
                writeln!(
                    out,
                    "{} {p} {}{graph} .",
                    relabel(s, &r.rid),
                    relabel(o, &r.rid)
                )?;
                stats.triples += 1;
                Ok(())
            })?;
            // The stamping: what `upstream_graph` adds.
            let name = GraphName::NamedNode(crate::store::vocab::graphs::record(&r.rid));
            for t in upstream_graph(Vec::new(), r, config) {
                if quads {
                    writeln!(
                        out,
                        "{} .",
                        QuadRef::new(&t.subject, &t.predicate, &t.object, &name)
                    )?;
                } else {
                    writeln!(out, "{t} .")?;
                }
                stats.triples += 1;
            }
            stats.datasets += 1;
        }
    }
    out.flush()?;
    Ok(stats)
}

/// [`write_page`] in Turtle, or in TriG with each record's graph in a
/// `GRAPH <urn:dcat-catalog:record:{rid}> { … }` block, from the records'
/// archived canonical N-Triples as [`write_lines`] reads them (blank nodes
/// relabelled, the dataset's `dcat-ap.de` contributor IDs dropped when the
/// Land stamps its own, the stamping added), without parsing them: the
/// terms are copied, IRIs abbreviated with [`PREFIXES`] where the local
/// name allows it ([`TurtleText`]). The same triples as the serializer path.
fn write_turtle(page: &PageParts<'_>, trig: bool, out: impl Write) -> Result<PageStats, PageError> {
    let PageParts {
        store, config, req, ..
    } = *page;
    let mut w = TurtleText::new(std::io::BufWriter::with_capacity(64 * 1024, out))?;
    let mut stats = PageStats::default();
    let (catalog, head) = page_head(page)?;
    for t in &head {
        w.owned_triple(t)?;
        stats.triples += 1;
    }
    let foreign = ForeignIds::new(config);
    for part in page.selection.entries.chunks(GRAPHS_AT_ONCE) {
        let records: Vec<&StoredRecord> = part.iter().map(|e| &e.record).collect();
        let texts = store.archived_texts(&records)?;
        for (e, text) in part.iter().zip(texts) {
            let r = &e.record;
            for t in dataset_links(config, req, &catalog, r)? {
                w.owned_triple(&t)?;
                stats.triples += 1;
            }
            if trig {
                w.open_graph(crate::store::vocab::graphs::record(&r.rid).as_str())?;
            }
            foreign.for_each_triple(&text, r, |s, p, o| {
                w.triple(s, p, o, Some(&r.rid))?;
                stats.triples += 1;
                Ok(())
            })?;
            // The stamping: what `upstream_graph` adds.
            for t in upstream_graph(Vec::new(), r, config) {
                w.owned_triple(&t)?;
                stats.triples += 1;
            }
            if trig {
                w.close_graph()?;
            }
            stats.datasets += 1;
        }
    }
    w.finish()?;
    Ok(stats)
}

const RDF_TYPE: &str = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>";

/// Turtle (and TriG) written from N-Triples terms: the [`PREFIXES`]
/// header, then the triples, one block per subject (`s p o, o2 ;\n    p2
/// o3 .`, a new block whenever the subject changes), `a` for `rdf:type`,
/// IRIs and literal datatypes as prefixed names where [`prefixed`] allows.
/// Literals are copied as they are: N-Triples' string escapes are Turtle's.
struct TurtleText<W: Write> {
    out: W,
    /// The subject of the open block (blank nodes relabelled); empty when
    /// no block is open.
    subject: String,
    /// The predicate last written in the open block.
    predicate: String,
    /// The subject of the triple at hand, relabelled.
    next: String,
    /// The terms of a triple given as a [`Triple`].
    terms: [String; 3],
}

impl<W: Write> TurtleText<W> {
    fn new(mut out: W) -> std::io::Result<Self> {
        for (prefix, ns) in PREFIXES {
            writeln!(out, "@prefix {prefix}: <{ns}> .")?;
        }
        out.write_all(b"\n")?;
        Ok(Self {
            out,
            subject: String::new(),
            predicate: String::new(),
            next: String::new(),
            terms: Default::default(),
        })
    }

    /// Writes a triple given as N-Triples terms; with `rid`, its blank
    /// nodes are a record's archived ones, relabelled as in [`relabel`].
    fn triple(&mut self, s: &str, p: &str, o: &str, rid: Option<&str>) -> std::io::Result<()> {
        self.next.clear();
        match (s.strip_prefix("_:"), rid) {
            (Some(label), Some(rid)) => push_label(&mut self.next, label, rid),
            _ => self.next.push_str(s),
        }
        if !self.subject.is_empty() && self.next == self.subject {
            if self.predicate == p {
                self.out.write_all(b", ")?;
            } else {
                self.out.write_all(b" ;\n    ")?;
                write_predicate(&mut self.out, p)?;
                self.out.write_all(b" ")?;
                self.predicate.clear();
                self.predicate.push_str(p);
            }
        } else {
            self.end_block()?;
            write_term(&mut self.out, &self.next, None)?;
            self.out.write_all(b" ")?;
            write_predicate(&mut self.out, p)?;
            self.out.write_all(b" ")?;
            std::mem::swap(&mut self.subject, &mut self.next);
            self.predicate.clear();
            self.predicate.push_str(p);
        }
        write_term(&mut self.out, o, rid)
    }

    /// Writes a triple of the page's own (catalog, paging, links,
    /// stamping).
    fn owned_triple(&mut self, t: &Triple) -> std::io::Result<()> {
        let mut terms = std::mem::take(&mut self.terms);
        let [s, p, o] = line_terms(&mut terms, t);
        let written = self.triple(s, p, o, None);
        self.terms = terms;
        written
    }

    /// Ends the open subject block.
    fn end_block(&mut self) -> std::io::Result<()> {
        if !self.subject.is_empty() {
            self.out.write_all(b" .\n\n")?;
            self.subject.clear();
        }
        Ok(())
    }

    /// Starts a TriG graph block.
    fn open_graph(&mut self, name: &str) -> std::io::Result<()> {
        self.end_block()?;
        self.out.write_all(b"GRAPH <")?;
        self.out.write_all(name.as_bytes())?;
        self.out.write_all(b"> {\n")
    }

    /// Ends a TriG graph block.
    fn close_graph(&mut self) -> std::io::Result<()> {
        if !self.subject.is_empty() {
            self.out.write_all(b" .\n")?;
            self.subject.clear();
        }
        self.out.write_all(b"}\n\n")
    }

    fn finish(mut self) -> std::io::Result<()> {
        if !self.subject.is_empty() {
            self.out.write_all(b" .\n")?;
        }
        self.out.flush()
    }
}

/// Appends the blank node label `_:r{rid}b{n}` of the archived label
/// `c14n{n}` (as [`relabel`]).
fn push_label(into: &mut String, label: &str, rid: &str) {
    into.push_str("_:r");
    into.push_str(rid);
    into.push('b');
    into.push_str(label.trim_start_matches("c14n"));
}

fn write_predicate(out: &mut impl Write, p: &str) -> std::io::Result<()> {
    if p == RDF_TYPE {
        return out.write_all(b"a");
    }
    write_term(out, p, None)
}

/// Writes an N-Triples term as Turtle: IRIs (and literals' datatypes) as
/// prefixed names where [`prefixed`] allows, blank nodes relabelled when
/// `rid` is given, everything else as it is.
fn write_term(out: &mut impl Write, term: &str, rid: Option<&str>) -> std::io::Result<()> {
    if let Some(iri) = term.strip_prefix('<').and_then(|t| t.strip_suffix('>')) {
        return write_iri(out, iri);
    }
    if let (Some(label), Some(rid)) = (term.strip_prefix("_:"), rid) {
        out.write_all(b"_:r")?;
        out.write_all(rid.as_bytes())?;
        out.write_all(b"b")?;
        return out.write_all(label.trim_start_matches("c14n").as_bytes());
    }
    if term.starts_with('"') {
        // The lexical form ends at the last quote: neither a language tag
        // nor a datatype IRI holds one.
        if let Some(end) = term.rfind('"') {
            let (lexical, rest) = term.split_at(end + 1);
            if let Some(datatype) = rest.strip_prefix("^^<").and_then(|d| d.strip_suffix('>')) {
                out.write_all(lexical.as_bytes())?;
                out.write_all(b"^^")?;
                return write_iri(out, datatype);
            }
        }
    }
    out.write_all(term.as_bytes())
}

fn write_iri(out: &mut impl Write, iri: &str) -> std::io::Result<()> {
    match prefixed(iri) {
        Some((prefix, local)) => {
            out.write_all(prefix.as_bytes())?;
            out.write_all(b":")?;
            out.write_all(local.as_bytes())
        }
        None => {
            out.write_all(b"<")?;
            out.write_all(iri.as_bytes())?;
            out.write_all(b">")
        }
    }
}

/// The prefix of [`PREFIXES`] and the local name that
/// abbreviate `iri`, when the namespace is one of them and the local name
/// is plain: `[A-Za-z_][A-Za-z0-9_-]*` (no escapes, no dots, no colons).
fn prefixed(iri: &str) -> Option<(&'static str, &str)> {
    let cut = iri.rfind(['/', '#'])? + 1;
    let (ns, local) = iri.split_at(cut);
    let mut chars = local.bytes();
    let plain = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-');
    if !plain {
        return None;
    }
    PREFIXES
        .iter()
        .find(|(_, n)| *n == ns)
        .map(|(prefix, _)| (*prefix, local))
}

/// [`write_page`] in RDF/XML, from the records' archived canonical
/// N-Triples as [`write_lines`] reads them (blank nodes relabelled, the
/// dataset's `dcat-ap.de` contributor IDs dropped when the Land stamps its
/// own, the stamping added), without parsing them ([`RdfXmlText`]). A
/// record with a triple that [`RdfXmlText`] cannot write (a predicate
/// without an NCName local name, a character XML 1.0 cannot hold, an
/// escape it does not read) is parsed and written, with its dataset links,
/// through the RDF/XML serializer instead; a page whose head triples it
/// cannot write is written by [`write_serialized`]. The same triples as the
/// serializer path.
fn write_rdf_xml(page: &PageParts<'_>, out: impl Write) -> Result<PageStats, PageError> {
    let PageParts {
        store, config, req, ..
    } = *page;
    let mut w = RdfXmlText::new();
    let mut stats = PageStats::default();
    let (catalog, head) = page_head(page)?;
    for t in &head {
        if !w.owned_triple(t) {
            return write_serialized(page, RdfFormat::RdfXml, out);
        }
        stats.triples += 1;
    }
    let mut out = out;
    let foreign = ForeignIds::new(config);
    for part in page.selection.entries.chunks(GRAPHS_AT_ONCE) {
        let records: Vec<&StoredRecord> = part.iter().map(|e| &e.record).collect();
        let texts = store.archived_texts(&records)?;
        for (e, text) in part.iter().zip(texts) {
            let r = &e.record;
            let links = dataset_links(config, req, &catalog, r)?;
            let mark = w.mark();
            let before = stats.triples;
            let mut written = links.iter().all(|t| w.owned_triple(t));
            stats.triples += links.len();
            if written {
                foreign.for_each_triple(&text, r, |s, p, o| {
                    if written {
                        written = w.triple(s, p, o, Some(&r.rid));
                        stats.triples += 1;
                    }
                    Ok(())
                })?;
            }
            if written {
                // The stamping: what `upstream_graph` adds.
                let stamping = upstream_graph(Vec::new(), r, config);
                written = stamping.iter().all(|t| w.owned_triple(t));
                stats.triples += stamping.len();
            }
            if !written {
                w.reset(mark);
                let mut triples = links;
                triples.extend(upstream_graph(
                    crate::store::parse_canonical(&text, &r.rid)?,
                    r,
                    config,
                ));
                stats.triples = before + triples.len();
                w.serialized(&triples)?;
            }
            stats.datasets += 1;
            w.flush_to(&mut out, false)?;
        }
    }
    w.finish(&mut out)?;
    Ok(stats)
}

/// The RDF namespace's terms that RDF/XML reserves for its syntax (and
/// `rdf:li`, which RDF/XML reads as `rdf:_n`): no property elements.
const RDF_XML_RESERVED: &[&str] = &[
    "RDF",
    "ID",
    "about",
    "bagID",
    "parseType",
    "resource",
    "nodeID",
    "datatype",
    "Description",
    "aboutEach",
    "aboutEachPrefix",
    "li",
];

const XSD_STRING: &str = "http://www.w3.org/2001/XMLSchema#string";
const RDF_LANG_STRING: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString";

/// Where a page is restored to when a record cannot be written as text.
struct RdfXmlMark {
    len: usize,
    subject: String,
}

/// RDF/XML written from N-Triples terms into a buffer: the `<rdf:RDF>`
/// root declaring [`PREFIXES`], then one `rdf:Description` (`rdf:about`,
/// or `rdf:nodeID` for blank nodes) per run of triples with the same
/// subject, one property element per triple (`rdf:resource`, `rdf:nodeID`,
/// or the literal's text with `xml:lang` or `rdf:datatype`). Predicates
/// are element names: the longest ASCII NCName at the end of the IRI is
/// the local name, its namespace a prefix of [`PREFIXES`] or declared on
/// the element (`ns0`). Literals' N-Triples escapes are read and the text
/// escaped for XML (`&`, `<`, `>`, `\r` as `&#13;`).
///
/// [`RdfXmlText::triple`] returns `false`, having written part of the
/// triple, when it cannot write it: a predicate without such a local name
/// or one RDF/XML reserves, a character XML 1.0 cannot hold, a blank node
/// label that is no NCName, an IRI with an escape, an unknown escape.
/// [`RdfXmlText::mark`] and [`RdfXmlText::reset`] take back what was
/// written since.
struct RdfXmlText {
    buf: Vec<u8>,
    /// The subject of the open `rdf:Description` (blank nodes relabelled);
    /// empty when none is open.
    subject: String,
    /// The subject of the triple at hand, relabelled.
    next: String,
    /// The terms of a triple given as a [`Triple`].
    terms: [String; 3],
    /// A literal's text with its escapes read.
    text: String,
}

impl RdfXmlText {
    fn new() -> Self {
        let mut buf = Vec::with_capacity(128 * 1024);
        buf.extend_from_slice(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rdf:RDF");
        for (prefix, ns) in PREFIXES {
            buf.extend_from_slice(b"\n    xmlns:");
            buf.extend_from_slice(prefix.as_bytes());
            buf.extend_from_slice(b"=\"");
            push_xml(&mut buf, ns, true);
            buf.push(b'"');
        }
        buf.push(b'>');
        Self {
            buf,
            subject: String::new(),
            next: String::new(),
            terms: Default::default(),
            text: String::new(),
        }
    }

    /// Writes a triple given as N-Triples terms; with `rid`, its blank
    /// nodes are a record's archived ones, relabelled as in [`relabel`].
    /// `false` when it cannot be written (see [`RdfXmlText`]).
    fn triple(&mut self, s: &str, p: &str, o: &str, rid: Option<&str>) -> bool {
        let Some((prefix, ns, local)) = p
            .strip_prefix('<')
            .and_then(|p| p.strip_suffix('>'))
            .and_then(xml_qname)
        else {
            return false;
        };
        self.next.clear();
        match (s.strip_prefix("_:"), rid) {
            (Some(label), Some(rid)) => push_label(&mut self.next, label, rid),
            _ => self.next.push_str(s),
        }
        if self.subject.is_empty() || self.next != self.subject {
            self.end_block();
            self.buf.extend_from_slice(b"\n  <rdf:Description ");
            if !push_node(&mut self.buf, &self.next, None, true) {
                return false;
            }
            self.buf.push(b'>');
            std::mem::swap(&mut self.subject, &mut self.next);
        }
        self.buf.extend_from_slice(b"\n    <");
        push_element_name(&mut self.buf, prefix, local);
        if prefix.is_none() {
            self.buf.extend_from_slice(b" xmlns:ns0=\"");
            push_xml(&mut self.buf, ns, true);
            self.buf.push(b'"');
        }
        if !o.starts_with('"') {
            self.buf.push(b' ');
            if !push_node(&mut self.buf, o, rid, false) {
                return false;
            }
            self.buf.extend_from_slice(b"/>");
            return true;
        }
        // The lexical form ends at the last quote: neither a language tag
        // nor a datatype IRI holds one.
        let Some(end) = o.rfind('"').filter(|end| *end > 0) else {
            return false;
        };
        let (lexical, rest) = (&o[1..end], &o[end + 1..]);
        if let Some(lang) = rest.strip_prefix('@') {
            self.buf.extend_from_slice(b" xml:lang=\"");
            if !push_xml(&mut self.buf, lang, true) {
                return false;
            }
            self.buf.push(b'"');
        } else if let Some(datatype) = rest.strip_prefix("^^<").and_then(|d| d.strip_suffix('>')) {
            if datatype == RDF_LANG_STRING || datatype.contains('\\') {
                return false;
            }
            if datatype != XSD_STRING {
                self.buf.extend_from_slice(b" rdf:datatype=\"");
                if !push_xml(&mut self.buf, datatype, true) {
                    return false;
                }
                self.buf.push(b'"');
            }
        } else if !rest.is_empty() {
            return false;
        }
        self.buf.push(b'>');
        let text = if lexical.contains('\\') {
            self.text.clear();
            if !unescape_ntriples(lexical, &mut self.text) {
                return false;
            }
            self.text.as_str()
        } else {
            lexical
        };
        if !push_xml(&mut self.buf, text, false) {
            return false;
        }
        self.buf.extend_from_slice(b"</");
        push_element_name(&mut self.buf, prefix, local);
        self.buf.push(b'>');
        true
    }

    /// Writes a triple of the page's own (catalog, paging, links,
    /// stamping).
    fn owned_triple(&mut self, t: &Triple) -> bool {
        let mut terms = std::mem::take(&mut self.terms);
        let [s, p, o] = line_terms(&mut terms, t);
        let written = self.triple(s, p, o, None);
        self.terms = terms;
        written
    }

    /// Closes the open `rdf:Description`.
    fn end_block(&mut self) {
        if !self.subject.is_empty() {
            self.buf.extend_from_slice(b"\n  </rdf:Description>");
            self.subject.clear();
        }
    }

    fn mark(&self) -> RdfXmlMark {
        RdfXmlMark {
            len: self.buf.len(),
            subject: self.subject.clone(),
        }
    }

    /// Takes back what was written since `mark`.
    fn reset(&mut self, mark: RdfXmlMark) {
        self.buf.truncate(mark.len);
        self.subject = mark.subject;
    }

    /// Writes `triples` through the RDF/XML serializer: its elements inside
    /// its `<rdf:RDF>` (whose namespaces are [`PREFIXES`], declared on this
    /// page's root too).
    fn serialized(&mut self, triples: &[Triple]) -> Result<(), PageError> {
        self.end_block();
        let mut writer = serializer(RdfFormat::RdfXml).for_writer(Vec::new());
        for t in triples {
            writer.serialize_triple(t)?;
        }
        let xml = writer.finish()?;
        let body = xml
            .windows(8)
            .position(|w| w == b"<rdf:RDF")
            .and_then(|root| {
                let open = root + xml.get(root..)?.iter().position(|b| *b == b'>')? + 1;
                let close = xml.windows(10).rposition(|w| w == b"</rdf:RDF>")?;
                xml.get(open..close)
            })
            .ok_or_else(|| {
                ExportError::Other("the RDF/XML serializer wrote no <rdf:RDF> element".into())
            })?;
        self.buf.extend_from_slice(body);
        Ok(())
    }

    /// Writes the buffer to `out` when it has grown large, or with `all`.
    fn flush_to(&mut self, out: &mut impl Write, all: bool) -> std::io::Result<()> {
        if all || self.buf.len() >= 64 * 1024 {
            out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    fn finish(mut self, out: &mut impl Write) -> std::io::Result<()> {
        self.end_block();
        self.buf.extend_from_slice(b"\n</rdf:RDF>\n");
        self.flush_to(out, true)?;
        out.flush()
    }
}

/// Writes `prefix:local`, or `ns0:local` without a prefix.
fn push_element_name(buf: &mut Vec<u8>, prefix: Option<&str>, local: &str) {
    buf.extend_from_slice(prefix.unwrap_or("ns0").as_bytes());
    buf.push(b':');
    buf.extend_from_slice(local.as_bytes());
}

/// Writes the `rdf:about` (`about`) or `rdf:resource` attribute of an
/// N-Triples IRI, or the `rdf:nodeID` of a blank node, relabelled when
/// `rid` is given. `false` for an IRI with an escape, a label that is no
/// NCName or another term.
fn push_node(buf: &mut Vec<u8>, term: &str, rid: Option<&str>, about: bool) -> bool {
    if let Some(iri) = term.strip_prefix('<').and_then(|t| t.strip_suffix('>')) {
        if iri.contains('\\') {
            return false;
        }
        buf.extend_from_slice(if about {
            b"rdf:about=\""
        } else {
            b"rdf:resource=\""
        });
        let written = push_xml(buf, iri, true);
        buf.push(b'"');
        return written;
    }
    let Some(label) = term.strip_prefix("_:") else {
        return false;
    };
    buf.extend_from_slice(b"rdf:nodeID=\"");
    match rid {
        Some(rid) => {
            let n = label.trim_start_matches("c14n");
            if !rid.bytes().chain(n.bytes()).all(is_name_char) {
                return false;
            }
            buf.push(b'r');
            buf.extend_from_slice(rid.as_bytes());
            buf.push(b'b');
            buf.extend_from_slice(n.as_bytes());
        }
        None => {
            if !is_xml_ncname(label) {
                return false;
            }
            buf.extend_from_slice(label.as_bytes());
        }
    }
    buf.push(b'"');
    true
}

fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

/// Whether `s` is an NCName of ASCII characters (non-ASCII name
/// characters are not taken).
fn is_xml_ncname(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes.next().is_some_and(is_name_start) && bytes.all(is_name_char)
}

/// A predicate IRI as an XML element name: the prefix of [`PREFIXES`]
/// for its namespace (`None`: not one of them), the namespace and the
/// local name, the longest ASCII NCName the IRI ends with; `None` when
/// it ends with none, for the terms RDF/XML reserves and for the XMLNS
/// namespace.
fn xml_qname(iri: &str) -> Option<(Option<&'static str>, &str, &str)> {
    let bytes = iri.as_bytes();
    let mut start = bytes.len();
    while start > 0 && bytes.get(start - 1).copied().is_some_and(is_name_char) {
        start -= 1;
    }
    while bytes.get(start).is_some_and(|b| !is_name_start(*b)) {
        start += 1;
    }
    // `start` is at an ASCII byte or the end: a character boundary.
    let (ns, local) = (iri.get(..start)?, iri.get(start..)?);
    if local.is_empty()
        || ns.is_empty()
        || (ns == rdf::NS && RDF_XML_RESERVED.contains(&local))
        || ns == "http://www.w3.org/2000/xmlns/"
    {
        return None;
    }
    let prefix = PREFIXES.iter().find(|(_, n)| *n == ns).map(|(p, _)| *p);
    Some((prefix, ns, local))
}

/// Reads the escapes of an N-Triples string (`\t \b \n \r \f \" \' \\
/// \uXXXX \UXXXXXXXX`) into `into`; `false` for another escape or a code
/// point that is no character.
fn unescape_ntriples(lexical: &str, into: &mut String) -> bool {
    let mut chars = lexical.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            into.push(c);
            continue;
        }
        let c = match chars.next() {
            Some('t') => '\t',
            Some('b') => '\u{8}',
            Some('n') => '\n',
            Some('r') => '\r',
            Some('f') => '\u{c}',
            Some('"') => '"',
            Some('\'') => '\'',
            Some('\\') => '\\',
            Some(u @ ('u' | 'U')) => {
                let digits = if u == 'u' { 4 } else { 8 };
                let mut code = 0u32;
                for _ in 0..digits {
                    let Some(d) = chars.next().and_then(|d| d.to_digit(16)) else {
                        return false;
                    };
                    code = code * 16 + d;
                }
                let Some(c) = char::from_u32(code) else {
                    return false;
                };
                c
            }
            _ => return false,
        };
        into.push(c);
    }
    true
}

/// Writes `s` as XML character data (`attr`: an attribute value in double
/// quotes): `&`, `<`, `>` escaped, `\r` as `&#13;`, and in attributes `"`,
/// tab and new line too. `false`, having written part of it, for a
/// character XML 1.0 cannot hold.
fn push_xml(buf: &mut Vec<u8>, s: &str, attr: bool) -> bool {
    let mut from = 0;
    for (i, c) in s.char_indices() {
        let escaped: &[u8] = match c {
            '&' => b"&amp;",
            '<' => b"&lt;",
            '>' => b"&gt;",
            '\r' => b"&#13;",
            '"' if attr => b"&quot;",
            '\n' if attr => b"&#10;",
            '\t' if attr => b"&#9;",
            '\t' | '\n' | ' '..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..=char::MAX => {
                continue
            }
            _ => return false,
        };
        buf.extend_from_slice(&s.as_bytes()[from..i]);
        buf.extend_from_slice(escaped);
        from = i + c.len_utf8();
    }
    buf.extend_from_slice(&s.as_bytes()[from..]);
    true
}

/// A triple's terms as N-Triples text, written into `terms` (reused
/// buffers): how the page's own triples join the archived lines.
fn line_terms<'a>(terms: &'a mut [String; 3], t: &Triple) -> [&'a str; 3] {
    use std::fmt::Write as _;
    let [s, p, o] = terms;
    for term in [&mut *s, &mut *p, &mut *o] {
        term.clear();
    }
    // Writing into a `String` does not fail.
    let _ = (
        write!(s, "{}", t.subject),
        write!(p, "{}", t.predicate),
        write!(o, "{}", t.object),
    );
    [s.as_str(), p.as_str(), o.as_str()]
}

/// The Hydra paging block of a page, in both vocabularies.
fn paging_block(
    config: &Config,
    req: &PageRequest,
    selection: &Selection<'_>,
    endpoint: &Endpoint,
) -> Result<Vec<Triple>, PageError> {
    let iri = |s: &str| {
        NamedNode::new(s).map_err(|e| ExportError::Other(format!("invalid IRI {s:?}: {e}")))
    };
    let here = iri(&endpoint.link(
        selection.page,
        req.after.as_deref(),
        req.modified_since.as_deref(),
    ))?;
    let since = req.modified_since.as_deref();
    let integer = |n: u64| Literal::from(n);
    let mut paging: Vec<(NamedNodeRef<'static>, oxigraph::model::Term)> = vec![
        (rdf::TYPE, hydra::PAGED_COLLECTION.into_owned().into()),
        (
            rdf::TYPE,
            hydra::PARTIAL_COLLECTION_VIEW.into_owned().into(),
        ),
        (hydra::TOTAL_ITEMS, integer(selection.total as u64).into()),
        (
            hydra::ITEMS_PER_PAGE,
            integer(config.catalog.page_size as u64).into(),
        ),
    ];
    let first = iri(&endpoint.link(1, None, since))?;
    let last = iri(&endpoint.link(selection.last_page, None, since))?;
    paging.push((hydra::FIRST_PAGE, first.clone().into()));
    paging.push((hydra::FIRST, first.into()));
    paging.push((hydra::LAST_PAGE, last.clone().into()));
    paging.push((hydra::LAST, last.into()));
    if let (true, Some(tail)) = (selection.more, selection.entries.last()) {
        let next = iri(&endpoint.link(
            selection.page.saturating_add(1),
            Some(&tail.record.rid),
            since,
        ))?;
        paging.push((hydra::NEXT_PAGE, next.clone().into()));
        paging.push((hydra::NEXT, next.into()));
    }
    if selection.page > 1 {
        let previous = iri(&endpoint.link(selection.page - 1, None, since))?;
        paging.push((hydra::PREVIOUS_PAGE, previous.clone().into()));
        paging.push((hydra::PREVIOUS, previous.into()));
    }
    Ok(paging
        .into_iter()
        .map(|(p, o)| Triple::new(here.clone(), p, o))
        .collect())
}

/// The namespace of the contributor IDs that DCAT-AP.de defines.
pub const DCATDE_CONTRIBUTORS: &str = "http://dcat-ap.de/def/contributors/";

/// A record's graph as it goes upstream (DCAT-AP.de conventions; the
/// stored record stays as harvested):
/// - with `catalog.contributor_id`, the dataset's `dcatde:contributorID`s in
///   the DCAT-AP.de namespace are replaced by the Land's (IDs of other
///   forms stay);
/// - the catalog's own ID of the dataset, its page `{base_iri}datasets/{id}`,
///   is added as an `adms:Identifier` (`skos:notation`), blank node
///   `r{id}id` (the store labels a record's blank nodes `r{id}b{n}`);
/// - `dct:identifier` and everything else pass unchanged.
pub fn upstream_graph(triples: Vec<Triple>, record: &StoredRecord, config: &Config) -> Vec<Triple> {
    use harvester::vocab::dcatde;
    let Ok(dataset) = NamedNode::new(record.dataset.as_str()) else {
        return triples;
    };
    let land = config
        .catalog
        .contributor_id
        .as_ref()
        .and_then(|i| NamedNode::new(i.as_str()).ok());
    let mut out: Vec<Triple> = triples
        .into_iter()
        .filter(|t| {
            let theirs = land.is_some()
                && t.subject == dataset.clone().into()
                && t.predicate.as_ref() == dcatde::CONTRIBUTOR_ID
                && matches!(&t.object, oxigraph::model::Term::NamedNode(n)
                    if n.as_str().starts_with(DCATDE_CONTRIBUTORS));
            !theirs
        })
        .collect();
    if let Some(land) = land {
        out.push(Triple::new(dataset.clone(), dcatde::CONTRIBUTOR_ID, land));
    }
    let id = oxigraph::model::BlankNode::new_unchecked(format!("r{}id", record.rid));
    out.push(Triple::new(dataset, adms::IDENTIFIER, id.clone()));
    out.push(Triple::new(id.clone(), rdf::TYPE, adms::IDENTIFIER_CLASS));
    out.push(Triple::new(
        id,
        adms::NOTATION,
        Literal::new_simple_literal(format!("{}datasets/{}", config.base_iri, record.rid)),
    ));
    out
}

/// The ADMS and SKOS terms of the catalog's own identifier.
pub mod adms {
    use oxigraph::model::NamedNodeRef;
    pub const IDENTIFIER: NamedNodeRef<'static> =
        NamedNodeRef::new_unchecked("http://www.w3.org/ns/adms#identifier");
    pub const IDENTIFIER_CLASS: NamedNodeRef<'static> =
        NamedNodeRef::new_unchecked("http://www.w3.org/ns/adms#Identifier");
    pub const NOTATION: NamedNodeRef<'static> =
        NamedNodeRef::new_unchecked("http://www.w3.org/2004/02/skos/core#notation");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(rid: &str, source: &str, harvested: &str) -> Entry {
        Entry {
            record: StoredRecord {
                rid: rid.into(),
                source: source.into(),
                dataset: format!("http://d.example/{rid}"),
                hash: "00".into(),
                page_url: String::new(),
                harvested: harvested.into(),
            },
        }
    }

    fn view(entries: Vec<Entry>) -> View {
        View::from_entries(0, entries.into_iter().map(Arc::new).collect())
    }

    /// A view updated from the change log equals the view read afresh.
    #[test]
    fn applying_changes_equals_reading_again() {
        let ids = |v: &View| -> Vec<(String, String)> {
            v.entries
                .iter()
                .map(|e| (e.record.rid.clone(), e.record.hash.clone()))
                .collect()
        };
        let before = view(vec![
            entry("01", "a", "t1"),
            entry("03", "a", "t1"),
            entry("05", "b", "t1"),
        ]);
        let mut changed = entry("03", "a", "t2").record;
        changed.hash = "11".into();
        let changes = vec![
            RecordChange::Published(entry("04", "c", "t2").record),
            RecordChange::Unpublished("05".into()),
            RecordChange::Published(changed.clone()),
            RecordChange::Published(entry("00", "a", "t2").record),
            RecordChange::Published(entry("09", "b", "t2").record),
            RecordChange::Unpublished("09".into()),
        ];
        let applied = before.apply(changes.clone(), 7);
        let fresh = view(vec![
            entry("00", "a", "t2"),
            entry("01", "a", "t1"),
            Entry { record: changed },
            entry("04", "c", "t2"),
        ]);
        assert_eq!(ids(&applied), ids(&fresh));
        assert_eq!(applied.sources, ["a", "c"]);
        assert_eq!(applied.fingerprint, fresh.fingerprint);
        assert_eq!(applied.generation, 7);
        // Applied twice (changes the view already held): the same.
        let again = applied.apply(changes, 8);
        assert_eq!(ids(&again), ids(&fresh));
        assert_eq!(again.fingerprint, fresh.fingerprint);
    }

    #[test]
    fn modified_since_reads_dates_and_date_times() {
        let p = parse_modified_since;
        assert_eq!(p("2026-12-01").as_deref(), Some("2026-12-01T00:00:00Z"));
        assert_eq!(
            p("2026-12-01T10:00:00Z").as_deref(),
            Some("2026-12-01T10:00:00Z")
        );
        assert_eq!(
            p("2026-12-01T11:30:00.75+01:00").as_deref(),
            Some("2026-12-01T10:30:00Z")
        );
        assert_eq!(
            p("2026-12-01T10:00:00").as_deref(),
            Some("2026-12-01T10:00:00Z")
        );
        assert_eq!(
            p("2026-12-01T10:00").as_deref(),
            Some("2026-12-01T10:00:00Z")
        );
        for bad in [
            "",
            "yesterday",
            "2026-13-01",
            "2026-12-01T25:00:00Z",
            "1.12.2026",
        ] {
            assert_eq!(p(bad), None, "{bad}");
        }
    }

    /// Records added before the cursor or removed from earlier pages do not
    /// move the next page: every record present throughout is seen once.
    #[test]
    fn the_cursor_keeps_paging_stable_when_records_come_and_go() {
        let ids: Vec<String> = (0..10).map(|i| format!("{:020}", i * 10)).collect();
        let before = view(ids.iter().map(|r| entry(r, "a", "t")).collect());
        let req = PageRequest {
            page: 1,
            ..Default::default()
        };
        let first = select(&before, &req, 3).unwrap();
        assert_eq!(first.total, 10);
        assert_eq!(first.last_page, 4);
        assert!(first.more);
        let cursor = first.entries.last().unwrap().record.rid.clone();
        let mut seen: Vec<String> = first.entries.iter().map(|e| e.record.rid.clone()).collect();
        // Meanwhile: two records before the cursor are added, one of the
        // first page is removed.
        let mut changed: Vec<String> = ids[1..].to_vec();
        changed.push(format!("{:020}", 5));
        changed.push(format!("{:020}", 15));
        changed.sort();
        let after = view(changed.iter().map(|r| entry(r, "a", "t")).collect());
        let mut next = PageRequest {
            page: 2,
            after: Some(cursor),
            ..Default::default()
        };
        loop {
            let s = select(&after, &next, 3).unwrap();
            seen.extend(s.entries.iter().map(|e| e.record.rid.clone()));
            if !s.more {
                break;
            }
            next.after = s.entries.last().map(|e| e.record.rid.clone());
            next.page += 1;
        }
        assert_eq!(seen, ids);
    }

    #[test]
    fn source_and_modified_since_filter_and_pages_beyond_the_last_are_not_found() {
        let v = view(vec![
            entry("01", "a", "2026-12-01T00:00:00Z"),
            entry("02", "b", "2026-12-03T00:00:00Z"),
            entry("03", "a", "2026-12-05T00:00:00Z"),
        ]);
        let req = PageRequest {
            source: Some("a".into()),
            page: 1,
            modified_since: Some("2026-12-02T00:00:00Z".into()),
            ..Default::default()
        };
        let s = select(&v, &req, 10).unwrap();
        let rids: Vec<&str> = s.entries.iter().map(|e| e.record.rid.as_str()).collect();
        assert_eq!(rids, ["03"]);
        assert_eq!((s.total, s.last_page, s.more), (1, 1, false));
        let beyond = PageRequest {
            page: 2,
            ..Default::default()
        };
        assert!(matches!(
            select(&v, &beyond, 10),
            Err(PageError::NotFound(_))
        ));
        let empty = view(Vec::new());
        let s = select(&empty, &beyond_first(), 10).unwrap();
        assert_eq!((s.total, s.last_page), (0, 1));
    }

    /// N-Triples and N-Quads pages written line by line from the archive
    /// equal, byte for byte, what the serializer path writes: blank nodes,
    /// literals with quotes, new lines and language tags, the dataset's
    /// contributor IDs replaced by the Land's, the paging block.
    #[test]
    fn line_pages_equal_serialized_pages() {
        use harvester::vocab::{dcatde, dct};
        use oxigraph::model::BlankNode;
        let (dir, config, store) = text_path_store("line-pages");
        let iri = |s: &str| NamedNode::new_unchecked(s);
        let mut records = Vec::new();
        for i in 0..3 {
            let d = iri(&format!("http://kiel.example/d/{i}"));
            let contact = BlankNode::new_unchecked(format!("c{i}"));
            let dist = BlankNode::new_unchecked(format!("x{i}"));
            records.push(crate::store::test_record(
                "kiel",
                d.as_str(),
                vec![
                    Triple::new(
                        d.clone(),
                        dct::TITLE,
                        Literal::new_language_tagged_literal_unchecked(
                            format!("Bäume \"{i}\" .\nzweite Zeile"),
                            "de",
                        ),
                    ),
                    Triple::new(
                        d.clone(),
                        dcatde::CONTRIBUTOR_ID,
                        iri("http://dcat-ap.de/def/contributors/stadtKiel"),
                    ),
                    Triple::new(d.clone(), dcat::CONTACT_POINT, contact.clone()),
                    Triple::new(
                        contact,
                        iri("http://www.w3.org/2006/vcard/ns#fn"),
                        Literal::new_simple_literal("Amt _:c14n0 <x> ."),
                    ),
                    Triple::new(d.clone(), dcat::DISTRIBUTION_LINK, dist.clone()),
                    Triple::new(
                        dist,
                        dcat::DOWNLOAD_URL,
                        iri(&format!("http://kiel.example/files/{i}.csv")),
                    ),
                ],
            ));
        }
        store
            .write_records(
                "kiel",
                "http://kiel.example/catalog",
                &records,
                "2025-01-01T00:00:00Z",
            )
            .unwrap();
        let view = View::read(&store).unwrap();
        let req = PageRequest {
            source: None,
            page: 1,
            after: None,
            modified_since: None,
        };
        let selection = select(&view, &req, 2).unwrap();
        let endpoint = Endpoint("http://land.example/catalog.nt".into());
        for format in [RdfFormat::NTriples, RdfFormat::NQuads] {
            let (lines, serialized, a, b) =
                both_paths(&store, &config, &req, &selection, &endpoint, format);
            assert_eq!(lines, serialized, "{format:?}");
            assert_eq!((a.datasets, a.triples), (b.datasets, b.triples));
            assert_eq!(a.datasets, 2);
            assert!(lines.contains("schleswigHolstein") && !lines.contains("stadtKiel"));
        }
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// The quads of a Turtle or TriG text, parsed strictly, in N-Quads,
    /// sorted.
    fn parsed_quads(format: RdfFormat, text: &str) -> Vec<String> {
        let mut quads: Vec<String> = oxrdfio::RdfParser::from_format(format)
            .for_slice(text.as_bytes())
            .map(|q| {
                q.unwrap_or_else(|e| panic!("{format:?}: {e}\n{text}"))
                    .to_string()
            })
            .collect();
        quads.sort();
        quads
    }

    /// A store for the text-path tests, in a fresh folder, with the Land's
    /// contributor ID configured.
    fn text_path_store(name: &str) -> (std::path::PathBuf, Config, CatalogStore) {
        let dir = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("c.toml");
        std::fs::write(
            &path,
            "data_dir = \"d\"\nbase_iri = \"http://land.example/\"\n\
             [catalog]\ncontributor_id = \"http://dcat-ap.de/def/contributors/schleswigHolstein\"\n",
        )
        .unwrap();
        let config = Config::load(&path).unwrap();
        let store = CatalogStore::open(&config.data_dir).unwrap();
        (dir, config, store)
    }

    /// One page written by `write_page` and by the serializer path: both
    /// texts and both stats.
    fn both_paths(
        store: &CatalogStore,
        config: &Config,
        req: &PageRequest,
        selection: &Selection<'_>,
        endpoint: &Endpoint,
        format: RdfFormat,
    ) -> (String, String, PageStats, PageStats) {
        let (mut text, mut serialized) = (Vec::new(), Vec::new());
        let a = write_page(
            store,
            config,
            req,
            selection,
            Some(endpoint),
            format,
            &mut text,
        )
        .unwrap();
        let parts = PageParts {
            store,
            config,
            req,
            selection,
            endpoint: Some(endpoint),
        };
        let b = write_serialized(&parts, format, &mut serialized).unwrap();
        (
            String::from_utf8(text).unwrap(),
            String::from_utf8(serialized).unwrap(),
            a,
            b,
        )
    }

    /// Stores the records of a text-path test and returns the view and
    /// the pages compared: the Land's first, its second (after the first's
    /// cursor, so with `previous` links) and the source's.
    fn text_path_pages(
        store: &CatalogStore,
        records: &[crate::store::PreparedRecord],
    ) -> (View, [PageRequest; 3]) {
        store
            .write_records(
                "kiel",
                "http://kiel.example/catalog",
                records,
                "2025-01-01T00:00:00Z",
            )
            .unwrap();
        let view = View::read(store).unwrap();
        let first = PageRequest {
            page: 1,
            ..Default::default()
        };
        let cursor = select(&view, &first, 2).unwrap().entries[1]
            .record
            .rid
            .clone();
        let requests = [
            first.clone(),
            PageRequest {
                page: 2,
                after: Some(cursor),
                ..Default::default()
            },
            PageRequest {
                source: Some("kiel".into()),
                ..first
            },
        ];
        (view, requests)
    }

    /// The records of the text-path tests (`i` from 0): blank nodes,
    /// language tags, datatypes, contributor IDs of both kinds, IRIs with
    /// `&`, and each of `odd` as a predicate and as a datatype; title and
    /// description as given.
    fn text_path_record(
        i: usize,
        odd: &[&str],
        title: &dyn Fn(usize) -> String,
        description: &str,
    ) -> (NamedNode, Vec<Triple>) {
        use harvester::vocab::{dcatde, dct, xsd};
        use oxigraph::model::BlankNode;
        let iri = |s: &str| NamedNode::new_unchecked(s);
        let d = iri(&format!("http://kiel.example/d/{i}#it"));
        let contact = BlankNode::new_unchecked(format!("c{i}"));
        let address = BlankNode::new_unchecked(format!("a{i}"));
        let dist = BlankNode::new_unchecked(format!("x{i}"));
        let mut more = vec![
            Triple::new(
                d.clone(),
                dct::TITLE,
                Literal::new_language_tagged_literal_unchecked(title(i), "de-DE"),
            ),
            Triple::new(
                d.clone(),
                dct::DESCRIPTION,
                Literal::new_simple_literal(description),
            ),
            Triple::new(
                d.clone(),
                dct::ISSUED,
                Literal::new_typed_literal("2020-01-01", xsd::DATE),
            ),
            Triple::new(
                d.clone(),
                dct::ALTERNATIVE,
                Literal::new_typed_literal("plain", xsd::STRING),
            ),
            Triple::new(
                d.clone(),
                dcat::BYTE_SIZE,
                Literal::new_typed_literal(format!("{i}"), xsd::INTEGER),
            ),
            Triple::new(
                d.clone(),
                dct::MODIFIED,
                Literal::new_typed_literal("x", iri("http://example.org/a.b.?q=1&r=2")),
            ),
            Triple::new(
                d.clone(),
                dcat::KEYWORD,
                Literal::new_language_tagged_literal_unchecked("Wald", "de"),
            ),
            Triple::new(
                d.clone(),
                dcat::KEYWORD,
                Literal::new_language_tagged_literal_unchecked("forest", "en"),
            ),
            Triple::new(
                d.clone(),
                rdf::TYPE,
                iri("http://data.europa.eu/r5r/HighValueDataset"),
            ),
            Triple::new(d.clone(), rdf::TYPE, iri("http://example.org/a.b.")),
            Triple::new(
                d.clone(),
                dcatde::CONTRIBUTOR_ID,
                iri("http://dcat-ap.de/def/contributors/stadtKiel"),
            ),
            Triple::new(
                d.clone(),
                dcatde::CONTRIBUTOR_ID,
                iri("https://kommune.example/id?a=1&b=2"),
            ),
            Triple::new(d.clone(), dcat::CONTACT_POINT, contact.clone()),
            Triple::new(
                contact.clone(),
                iri("http://www.w3.org/2006/vcard/ns#fn"),
                Literal::new_simple_literal("Amt _:c14n0 <x> ."),
            ),
            Triple::new(
                contact,
                iri("http://www.w3.org/2006/vcard/ns#hasAddress"),
                address.clone(),
            ),
            Triple::new(
                address,
                iri("http://www.w3.org/2006/vcard/ns#street-address"),
                Literal::new_simple_literal("Düsternbrooker Weg 104"),
            ),
            Triple::new(d.clone(), dcat::DISTRIBUTION_LINK, dist.clone()),
            Triple::new(
                dist.clone(),
                dcat::DOWNLOAD_URL,
                iri(&format!("http://kiel.example/files/{i}.csv?x=1&y=2")),
            ),
            Triple::new(
                dist,
                iri("http://schema.org/name"),
                Literal::new_simple_literal("CSV"),
            ),
        ];
        for (n, o) in odd.iter().enumerate() {
            more.push(Triple::new(d.clone(), iri(o), iri(odd[odd.len() - 1 - n])));
            more.push(Triple::new(
                d.clone(),
                dct::SOURCE,
                Literal::new_typed_literal(format!("{n}"), iri(o)),
            ));
        }
        (d, more)
    }

    /// Turtle and TriG pages written from the archived text hold the same
    /// triples (blank node labels included) as the serializer path's, and
    /// parse strictly: blank nodes, literals with quotes, new lines,
    /// backslashes, control characters (`\u0001`), language tags and
    /// datatypes, IRIs that are no prefixed names (empty, dotted or
    /// numeric local names, `(`, `%`, `~`, `#`), the dataset's contributor
    /// IDs replaced by the Land's, the paging block; on the Land's pages
    /// and on a source's.
    #[test]
    fn turtle_text_pages_equal_serialized_pages() {
        let (dir, config, store) = text_path_store("turtle-pages");
        let odd = [
            "http://example.org/a.b.",
            "http://purl.org/dc/terms/",
            "http://purl.org/dc/terms/1st",
            "http://purl.org/dc/terms/a.b",
            "http://purl.org/dc/terms/x(1)",
            "http://purl.org/dc/terms/a%20b",
            "http://purl.org/dc/terms/~user",
            "http://purl.org/dc/terms/#frag",
            "http://www.w3.org/ns/dcat#",
            "http://www.w3.org/ns/dcat#a:b",
            "http://example.org/p#x",
        ];
        let mut records = Vec::new();
        let title = |i: usize| format!("Bäume \"{i}\" .\nzweite Zeile\t\\ \u{1} ;");
        for i in 0..3 {
            let (d, more) =
                text_path_record(i, &odd, &title, "a @prefix x: <y> . \"\"\" ''' _:b0 ,");
            records.push(crate::store::test_record("kiel", d.as_str(), more));
        }
        let (view, requests) = text_path_pages(&store, &records);
        let endpoint = Endpoint("http://land.example/catalog.ttl".into());
        for req in &requests {
            let selection = select(&view, req, 2).unwrap();
            for format in [RdfFormat::Turtle, RdfFormat::TriG] {
                let (text, serialized, a, b) =
                    both_paths(&store, &config, req, &selection, &endpoint, format);
                let quads = parsed_quads(format, &text);
                assert_eq!(
                    quads,
                    parsed_quads(format, &serialized),
                    "{format:?}\n{text}"
                );
                assert_eq!((a.datasets, a.triples), (b.datasets, b.triples));
                assert_eq!(a.triples, quads.len());
                assert_eq!(a.datasets, selection.entries.len());
                assert!(text.contains("schleswigHolstein") && !text.contains("stadtKiel"));
                // Readable: prefixes, grouped subjects, `a`, prefixed
                // datatypes; what cannot be abbreviated in full.
                for expected in [
                    "@prefix dcatap: <http://data.europa.eu/r5r/> .\n",
                    "@prefix dcatde: <http://dcat-ap.de/def/dcatde/> .\n",
                    "\n    a dcatap:HighValueDataset, <http://example.org/a.b.>, dcat:Dataset ;\n",
                    "\n    dct:issued \"2020-01-01\"^^xsd:date ;\n",
                    "\n    dcat:keyword \"Wald\"@de, \"forest\"@en .\n",
                    "\"x\"^^<http://example.org/a.b.?q=1&r=2>",
                    "\n    <http://purl.org/dc/terms/> <http://www.w3.org/ns/dcat#a:b> ;\n",
                    "\n    <http://purl.org/dc/terms/x(1)> ",
                    " vcard:street-address \"Düsternbrooker Weg 104\" .\n",
                    "\"Bäume \\\"",
                    "\\t\\\\ \\u0001 ;\"@de-DE",
                    "\n    hydra:next <http://land.example/catalog.ttl?page=",
                ] {
                    let present = text.contains(expected);
                    if expected.contains("hydra:next") && !selection.more {
                        assert!(!present, "{format:?}: {expected:?}\n{text}");
                    } else {
                        assert!(present, "{format:?}: {expected:?}\n{text}");
                    }
                }
                for name in ["dcat:a:b", "dct:1st", "dct:a.b", "dct:~user", "dct:#frag"] {
                    assert!(!text.contains(name), "{format:?}: {name}\n{text}");
                }
                if format == RdfFormat::TriG {
                    let rid = &selection.entries[0].record.rid;
                    assert!(text.contains(&format!("GRAPH <urn:dcat-catalog:record:{rid}> {{\n")));
                }
            }
        }
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// RDF/XML pages written from the archived text hold the same triples
    /// (blank node labels included) as the serializer path's, parsed
    /// strictly: blank nodes, literals with quotes, `&`, `<`, `>`, new
    /// lines, `\r`, tabs, backslashes and non-ASCII letters, language tags
    /// and datatypes, predicates of undeclared namespaces and with digits,
    /// dots or colons before their local names, the paging block; a record
    /// with a control character or a predicate without an ASCII NCName
    /// local name written through the serializer; on the Land's pages and
    /// on a source's.
    #[test]
    fn rdf_xml_text_pages_equal_serialized_pages() {
        let (dir, config, store) = text_path_store("rdfxml-pages");
        let iri = |s: &str| NamedNode::new_unchecked(s);
        let odd = [
            "http://example.org/a.b.",
            "http://purl.org/dc/terms/1st",
            "http://purl.org/dc/terms/a.b",
            "http://purl.org/dc/terms/a%20b",
            "http://purl.org/dc/terms/~user",
            "http://www.w3.org/ns/dcat#a:b",
            "http://example.org/p#x",
            "urn:x-y:z",
        ];
        let mut records = Vec::new();
        let title =
            |i: usize| format!("Bäume \"{i}\" & <b> ]]> .\nzweite\r\nZeile\t\\ ' \u{1F600}");
        for i in 0..4 {
            let (d, mut more) =
                text_path_record(i, &odd, &title, "a &amp; <x/> \"\"\" ''' _:b0 \r");
            // Record 0: a control character; record 1: a predicate whose
            // local name ends in a non-ASCII letter.
            match i {
                0 => more.push(Triple::new(
                    d.clone(),
                    iri("http://purl.org/dc/terms/abstract"),
                    Literal::new_simple_literal("bell \u{7}"),
                )),
                1 => more.push(Triple::new(
                    d.clone(),
                    iri("http://example.org/gr\u{f6}"),
                    Literal::new_simple_literal("x"),
                )),
                _ => {}
            }
            records.push(crate::store::test_record("kiel", d.as_str(), more));
        }
        let (view, requests) = text_path_pages(&store, &records);
        let endpoint = Endpoint("http://land.example/catalog.rdf".into());
        let format = RdfFormat::RdfXml;
        let (mut fallbacks, mut by_text_path) = (0, 0);
        for req in &requests {
            let selection = select(&view, req, 2).unwrap();
            let (text, serialized, a, b) =
                both_paths(&store, &config, req, &selection, &endpoint, format);
            let quads = parsed_quads(format, &text);
            assert_eq!(quads, parsed_quads(format, &serialized), "{text}");
            assert_eq!((a.datasets, a.triples), (b.datasets, b.triples));
            assert_eq!(a.triples, quads.len());
            assert_eq!(a.datasets, selection.entries.len());
            assert!(text.contains("schleswigHolstein") && !text.contains("stadtKiel"));
            assert!(text.contains("\n    xmlns:dcatde=\"http://dcat-ap.de/def/dcatde/\""));
            if selection.more {
                assert!(text
                    .contains("<hydra:next rdf:resource=\"http://land.example/catalog.rdf?page="));
            }
            // Records with a control character or an unsplittable
            // predicate come from the serializer (indented with tabs), the
            // others from the text.
            for e in &selection.entries {
                let d = &e.record.dataset;
                let by_serializer = format!("\n\t<rdf:Description rdf:about=\"{d}\">");
                let by_text = format!("\n  <rdf:Description rdf:about=\"{d}\">");
                if d.ends_with("/0#it") || d.ends_with("/1#it") {
                    assert!(text.contains(&by_serializer), "{d}\n{text}");
                    fallbacks += 1;
                } else {
                    assert!(text.contains(&by_text), "{d}\n{text}");
                    assert!(text.contains("&#13;"), "{text}");
                    by_text_path += 1;
                    assert!(!text.contains(&by_serializer), "{d}\n{text}");
                    for expected in [
                        "<dct:title xml:lang=\"de-DE\">Bäume \"",
                        "<dct:issued rdf:datatype=\"http://www.w3.org/2001/XMLSchema#date\">2020-01-01</dct:issued>",
                        "<dct:alternative>plain</dct:alternative>",
                        "<ns0:st xmlns:ns0=\"http://purl.org/dc/terms/1\" rdf:resource=",
                        "<ns0:b xmlns:ns0=\"http://www.w3.org/ns/dcat#a:\"",
                        "rdf:datatype=\"http://example.org/a.b.?q=1&amp;r=2\"",
                        "<rdf:type rdf:resource=\"http://data.europa.eu/r5r/HighValueDataset\"/>",
                    ] {
                        assert!(text.contains(expected), "{expected:?}\n{text}");
                    }
                    let rid = &e.record.rid;
                    assert!(text.contains(&format!("<dcat:contactPoint rdf:nodeID=\"r{rid}b")));
                }
            }
        }
        assert!(fallbacks >= 2 && by_text_path >= 2);
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// What [`RdfXmlText`] writes of single triples, and what it leaves to
    /// the serializer.
    #[test]
    fn rdf_xml_text_writes_terms_or_declines() {
        let triple = |s: &str, p: &str, o: &str| {
            let mut w = RdfXmlText::new();
            let start = w.buf.len();
            let written = w.triple(s, p, o, Some("0123456789abcdef0123"));
            written.then(|| String::from_utf8(w.buf[start..].to_vec()).unwrap())
        };
        let s = "<http://x.example/s?a=1&b=2>";
        assert_eq!(
            triple(s, "<http://purl.org/dc/terms/title>", r#""a\"b\\c\n\r\t\u00E4\U0001F600 & <x> ]]>"@de"#)
                .as_deref(),
            Some(
                "\n  <rdf:Description rdf:about=\"http://x.example/s?a=1&amp;b=2\">\
                 \n    <dct:title xml:lang=\"de\">a\"b\\c\n&#13;\tä\u{1F600} &amp; &lt;x&gt; ]]&gt;</dct:title>"
            )
        );
        assert_eq!(
            triple("_:c14n3", "<http://example.org/ns#p-1.x>", "_:c14n12").as_deref(),
            Some(
                "\n  <rdf:Description rdf:nodeID=\"r0123456789abcdef0123b3\">\
                 \n    <ns0:p-1.x xmlns:ns0=\"http://example.org/ns#\" rdf:nodeID=\"r0123456789abcdef0123b12\"/>"
            )
        );
        assert_eq!(
            triple(
                s,
                "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>",
                "<http://www.w3.org/ns/dcat#Dataset>"
            )
            .as_deref(),
            Some(
                "\n  <rdf:Description rdf:about=\"http://x.example/s?a=1&amp;b=2\">\
                 \n    <rdf:type rdf:resource=\"http://www.w3.org/ns/dcat#Dataset\"/>"
            )
        );
        assert_eq!(
            triple(
                s,
                "<http://purl.org/dc/terms/1st>",
                "\"1\"^^<http://www.w3.org/2001/XMLSchema#integer>"
            )
            .as_deref(),
            Some(
                "\n  <rdf:Description rdf:about=\"http://x.example/s?a=1&amp;b=2\">\
                 \n    <ns0:st xmlns:ns0=\"http://purl.org/dc/terms/1\" \
                 rdf:datatype=\"http://www.w3.org/2001/XMLSchema#integer\">1</ns0:st>"
            )
        );
        for (p, o) in [
            ("<http://purl.org/dc/terms/>", "\"x\""),
            ("<http://purl.org/dc/terms/x(1)>", "\"x\""),
            ("<http://example.org/gr\u{f6}>", "\"x\""),
            ("<http://example.org/123>", "\"x\""),
            (
                "<http://www.w3.org/1999/02/22-rdf-syntax-ns#about>",
                "\"x\"",
            ),
            ("<http://www.w3.org/1999/02/22-rdf-syntax-ns#li>", "\"x\""),
            ("<http://www.w3.org/2000/xmlns/x>", "\"x\""),
            ("<http://purl.org/dc/terms/title>", r#""bell \u0007""#),
            ("<http://purl.org/dc/terms/title>", r#""bs \b""#),
            ("<http://purl.org/dc/terms/title>", r#""ff \f""#),
            ("<http://purl.org/dc/terms/title>", "\"raw \u{1}\""),
            ("<http://purl.org/dc/terms/title>", "\"raw \u{FFFE}\""),
            ("<http://purl.org/dc/terms/title>", r#""nul \u0000""#),
            ("<http://purl.org/dc/terms/title>", r#""surrogate \uD800""#),
            ("<http://purl.org/dc/terms/title>", r#""bad \x""#),
            (
                "<http://purl.org/dc/terms/title>",
                "\"x\"^^<http://www.w3.org/1999/02/22-rdf-syntax-ns#langString>",
            ),
        ] {
            assert_eq!(triple(s, p, o), None, "{p} {o}");
        }
        let mut into = String::new();
        assert!(unescape_ntriples(
            r#"\t\b\n\r\f\"\'\\\u00e4\U0001F600x"#,
            &mut into
        ));
        assert_eq!(into, "\t\u{8}\n\r\u{c}\"'\\ä\u{1F600}x");
    }

    /// Only plain local names make prefixed names.
    #[test]
    fn iris_are_prefixed_names_only_with_plain_local_names() {
        assert_eq!(
            prefixed("http://www.w3.org/ns/dcat#Dataset"),
            Some(("dcat", "Dataset"))
        );
        assert_eq!(
            prefixed("http://www.w3.org/2006/vcard/ns#street-address"),
            Some(("vcard", "street-address"))
        );
        assert_eq!(
            prefixed("http://data.europa.eu/r5r/_x1"),
            Some(("dcatap", "_x1"))
        );
        for iri in [
            "http://purl.org/dc/terms/",
            "http://purl.org/dc/terms/1st",
            "http://purl.org/dc/terms/a.b",
            "http://purl.org/dc/terms/a.",
            "http://purl.org/dc/terms/-a",
            "http://purl.org/dc/terms/a:b",
            "http://purl.org/dc/terms/x(1)",
            "http://purl.org/dc/terms/a%20b",
            "http://purl.org/dc/terms/~a",
            "http://purl.org/dc/terms/sub/title",
            "http://purl.org/dc/terms/t\u{e4}g",
            "http://purl.org/dc/terms",
            "http://example.org/title",
            "urn:x",
        ] {
            assert_eq!(prefixed(iri), None, "{iri}");
        }
    }

    /// Only the dataset's DCAT-AP.de contributor IDs give way to the
    /// Land's; other IDs, `dct:identifier` and other nodes stay; the
    /// catalog's own ID is added.
    #[test]
    fn upstream_records_carry_the_lands_contributor_id_and_the_catalogs_own_id() {
        use harvester::vocab::{dcatde, dct};
        let toml = "data_dir = \"d\"\nbase_iri = \"http://land.example/\"\n\
                    [catalog]\ncontributor_id = \"http://dcat-ap.de/def/contributors/schleswigHolstein\"\n";
        let dir = std::env::temp_dir().join(format!("upstream-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("c.toml");
        std::fs::write(&path, toml).unwrap();
        let config = Config::load(&path).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        let e = entry("0123456789abcdef0123", "a", "t");
        let d = NamedNode::new_unchecked(e.record.dataset.clone());
        let other = NamedNode::new_unchecked("http://other.example/node");
        let iri = |s: &str| NamedNode::new_unchecked(s);
        let input = vec![
            Triple::new(
                d.clone(),
                dct::IDENTIFIER,
                Literal::new_simple_literal("x-1"),
            ),
            Triple::new(
                d.clone(),
                dcatde::CONTRIBUTOR_ID,
                iri("http://dcat-ap.de/def/contributors/stadtKiel"),
            ),
            Triple::new(
                d.clone(),
                dcatde::CONTRIBUTOR_ID,
                iri("https://kommune.example/id"),
            ),
            Triple::new(
                other.clone(),
                dcatde::CONTRIBUTOR_ID,
                iri("http://dcat-ap.de/def/contributors/stadtKiel"),
            ),
        ];
        let out = upstream_graph(input.clone(), &e.record, &config);
        let has = |t: &Triple| out.contains(t);
        assert!(has(&input[0]) && has(&input[2]) && has(&input[3]));
        assert!(!has(&input[1]));
        assert!(has(&Triple::new(
            d.clone(),
            dcatde::CONTRIBUTOR_ID,
            iri("http://dcat-ap.de/def/contributors/schleswigHolstein")
        )));
        let id = oxigraph::model::BlankNode::new_unchecked("r0123456789abcdef0123id");
        assert!(has(&Triple::new(d.clone(), adms::IDENTIFIER, id.clone())));
        assert!(has(&Triple::new(
            id,
            adms::NOTATION,
            Literal::new_simple_literal("http://land.example/datasets/0123456789abcdef0123")
        )));
        assert_eq!(out.len(), input.len() - 1 + 4);
        // Without a Land contributor ID the record's own IDs stay.
        let mut plain = config.clone();
        plain.catalog.contributor_id = None;
        let out = upstream_graph(input.clone(), &e.record, &plain);
        assert!(input.iter().all(|t| out.contains(t)));
        assert_eq!(out.len(), input.len() + 3);
    }

    fn beyond_first() -> PageRequest {
        PageRequest {
            page: 1,
            ..Default::default()
        }
    }
}
