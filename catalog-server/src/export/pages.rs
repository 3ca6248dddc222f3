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

use super::{land_catalog, serializer, ExportError};
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
/// its `urn:dcat-catalog:record:{rid}`. A [`StoreError::MissingBlob`] means
/// a record changed after the view was read: read the view again and retry.
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

/// [`write_page`] through an RDF serializer (Turtle, RDF/XML, JSON-LD,
/// TriG): each record's archived graph is parsed, stamped and serialized.
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
fn relabel<'a>(token: &'a str, rid: &str) -> std::borrow::Cow<'a, str> {
    match token.strip_prefix("_:") {
        Some(label) => format!("_:r{rid}b{}", label.trim_start_matches("c14n")).into(),
        None => token.into(),
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
    let land = config
        .catalog
        .contributor_id
        .as_ref()
        .and_then(|i| NamedNode::new(i.as_str()).ok());
    let contributor = format!("<{}>", harvester::vocab::dcatde::CONTRIBUTOR_ID.as_str());
    let theirs = format!("<{DCATDE_CONTRIBUTORS}");
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
                if land.is_some() && s == dataset && p == contributor && o.starts_with(&theirs) {
                    continue;
                }
                writeln!(
                    out,
                    "{} {p} {}{graph} .",
                    relabel(s, &r.rid),
                    relabel(o, &r.rid)
                )?;
                stats.triples += 1;
            }
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

    /// Only the dataset's DCAT-AP.de contributor IDs give way to the
    /// Land's; other IDs, `dct:identifier` and other nodes stay; the
    /// catalog's own ID is added.
    /// N-Triples and N-Quads pages written line by line from the archive
    /// equal, byte for byte, what the serializer path writes: blank nodes,
    /// literals with quotes, new lines and language tags, the dataset's
    /// contributor IDs replaced by the Land's, the paging block.
    #[test]
    fn line_pages_equal_serialized_pages() {
        use harvester::vocab::{dcatde, dct};
        use oxigraph::model::BlankNode;
        let dir = std::env::temp_dir().join(format!("line-pages-{}", std::process::id()));
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
            let (mut lines, mut serialized) = (Vec::new(), Vec::new());
            let a = write_page(
                &store,
                &config,
                &req,
                &selection,
                Some(&endpoint),
                format,
                &mut lines,
            )
            .unwrap();
            let parts = PageParts {
                store: &store,
                config: &config,
                req: &req,
                selection: &selection,
                endpoint: Some(&endpoint),
            };
            let b = write_serialized(&parts, format, &mut serialized).unwrap();
            let (lines, serialized) = (
                String::from_utf8(lines).unwrap(),
                String::from_utf8(serialized).unwrap(),
            );
            assert_eq!(lines, serialized, "{format:?}");
            assert_eq!((a.datasets, a.triples), (b.datasets, b.triples));
            assert_eq!(a.datasets, 2);
            assert!(lines.contains("schleswigHolstein") && !lines.contains("stadtKiel"));
        }
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }

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
