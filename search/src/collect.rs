//! One pass over the matching documents: exact hit count, top hits in the
//! requested order, and facet counts with disjunctive semantics.
//!
//! Facet filters are not part of the query: the collector reads each
//! document's facet ordinals from the fast fields and checks the filters
//! itself. A document that passes every filter is a hit and counts for all
//! facets; a document that fails exactly one facet's filter counts for that
//! facet only. So each facet's counts are those of the query with all
//! *other* facets' filters applied: a user can widen a facet they have
//! already filtered on (values are ORed within a facet, ANDed across facets).

use crate::index::Sort;
use crate::schema::FACET_COUNT;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

/// Per facet, (value, count), most frequent first.
pub type FacetCounts = Vec<Vec<(String, u64)>>;

/// The facet values of one segment, document-major, as *global* ordinals
/// (facet `i`'s ordinal `o` is `bases[i] + o`), ascending, so facet by
/// facet. Each document has a 32-byte slot (never straddling a cache line)
/// holding its values inline, or, when they do not fit, where they are in an
/// overflow array: a search touches one cache line per matching document
/// (rarely two), in document order, and counts every facet with one flat
/// counter array. Built once per segment (segments are immutable) and kept
/// while the segment lives.
pub struct SegmentFacets {
    values: Ords,
    /// `bases[i]..bases[i + 1]`: facet `i`'s global ordinals (8 entries).
    bases: Vec<u32>,
    /// The facet of each global ordinal.
    facet_of: Vec<u8>,
}

/// 16-bit ordinals when the segment has at most 65,536 distinct facet
/// values (15 fit in a slot), else 32-bit (7 fit).
enum Ords {
    Narrow(Table<u16>),
    Wide(Table<u32>),
}

/// One slot per document plus the values of documents with too many.
struct Table<T: Ord32> {
    slots: Vec<T::Slot>,
    overflow: Vec<T>,
}

#[derive(Clone, Copy)]
#[repr(C, align(32))]
struct Slot16([u16; 16]);

#[derive(Clone, Copy)]
#[repr(C, align(32))]
struct Slot32([u32; 8]);

/// An ordinal type and its slot. Slot layout: `[n, v1 … vn]` when `n`
/// values fit; else `[ESCAPE, start, len]` into the overflow array (each a
/// `u32`, split in two halves for 16-bit slots).
trait Ord32: Copy + Default {
    type Slot: Copy;
    const ESCAPE: Self;
    fn get(self) -> u32;
    fn narrow(v: u32) -> Self;
    fn blank() -> Self::Slot;
    fn cells(slot: &Self::Slot) -> &[Self];
    fn cells_mut(slot: &mut Self::Slot) -> &mut [Self];
    /// Writes `(start, len)` after the escape.
    fn put_range(cells: &mut [Self], start: u32, len: u32);
    fn range(cells: &[Self]) -> (u32, u32);
}

impl Ord32 for u16 {
    type Slot = Slot16;
    const ESCAPE: u16 = u16::MAX;
    #[inline(always)]
    fn get(self) -> u32 {
        u32::from(self)
    }
    fn narrow(v: u32) -> u16 {
        v as u16
    }
    fn blank() -> Slot16 {
        Slot16([0; 16])
    }
    #[inline(always)]
    fn cells(slot: &Slot16) -> &[u16] {
        &slot.0
    }
    fn cells_mut(slot: &mut Slot16) -> &mut [u16] {
        &mut slot.0
    }
    fn put_range(cells: &mut [u16], start: u32, len: u32) {
        for (i, v) in [
            start as u16,
            (start >> 16) as u16,
            len as u16,
            (len >> 16) as u16,
        ]
        .into_iter()
        .enumerate()
        {
            if let Some(c) = cells.get_mut(1 + i) {
                *c = v;
            }
        }
    }
    #[inline(always)]
    fn range(cells: &[u16]) -> (u32, u32) {
        let at = |i: usize| cells.get(i).map_or(0, |v| u32::from(*v));
        (at(1) | at(2) << 16, at(3) | at(4) << 16)
    }
}

impl Ord32 for u32 {
    type Slot = Slot32;
    const ESCAPE: u32 = u32::MAX;
    #[inline(always)]
    fn get(self) -> u32 {
        self
    }
    fn narrow(v: u32) -> u32 {
        v
    }
    fn blank() -> Slot32 {
        Slot32([0; 8])
    }
    #[inline(always)]
    fn cells(slot: &Slot32) -> &[u32] {
        &slot.0
    }
    fn cells_mut(slot: &mut Slot32) -> &mut [u32] {
        &mut slot.0
    }
    fn put_range(cells: &mut [u32], start: u32, len: u32) {
        if let Some(c) = cells.get_mut(1..3) {
            c.copy_from_slice(&[start, len]);
        }
    }
    #[inline(always)]
    fn range(cells: &[u32]) -> (u32, u32) {
        (
            cells.get(1).copied().unwrap_or(0),
            cells.get(2).copied().unwrap_or(0),
        )
    }
}

impl<T: Ord32> Table<T> {
    fn with_capacity(docs: usize) -> Self {
        Self {
            slots: Vec::with_capacity(docs),
            overflow: Vec::new(),
        }
    }

    fn push(&mut self, values: &[u32]) -> tantivy::Result<()> {
        let mut slot = T::blank();
        let cells = T::cells_mut(&mut slot);
        if values.len() < cells.len() {
            cells[0] = T::narrow(values.len() as u32);
            for (c, v) in cells[1..].iter_mut().zip(values) {
                *c = T::narrow(*v);
            }
        } else {
            let too_many = || {
                tantivy::TantivyError::InvalidArgument(
                    "too many facet values in one segment".into(),
                )
            };
            let start = u32::try_from(self.overflow.len()).map_err(|_| too_many())?;
            let len = u32::try_from(values.len()).map_err(|_| too_many())?;
            cells[0] = T::ESCAPE;
            T::put_range(cells, start, len);
            self.overflow.extend(values.iter().map(|v| T::narrow(*v)));
        }
        self.slots.push(slot);
        Ok(())
    }

    /// The values of `doc`.
    #[inline(always)]
    fn of(&self, doc: DocId) -> &[T] {
        let Some(slot) = self.slots.get(doc as usize) else {
            return &[];
        };
        let cells = T::cells(slot);
        match cells.first() {
            Some(n) if n.get() != T::ESCAPE.get() => {
                cells.get(1..1 + n.get() as usize).unwrap_or(&[])
            }
            Some(_) => {
                let (start, len) = T::range(cells);
                self.overflow
                    .get(start as usize..start as usize + len as usize)
                    .unwrap_or(&[])
            }
            None => &[],
        }
    }

    /// Asks for `doc`'s slot to be loaded.
    #[inline(always)]
    fn prefetch(&self, doc: DocId) {
        if let Some(slot) = self.slots.get(doc as usize) {
            prefetch(slot);
        }
    }

    fn heap_size(&self) -> usize {
        self.slots.len() * 32 + self.overflow.len() * std::mem::size_of::<T>()
    }
}

impl SegmentFacets {
    pub fn build(segment: &SegmentReader, fields: &[String; FACET_COUNT]) -> tantivy::Result<Self> {
        let max_doc = segment.max_doc() as usize;
        let ff = segment.fast_fields();
        let mut columns = Vec::with_capacity(FACET_COUNT);
        let mut bases = Vec::with_capacity(FACET_COUNT + 1);
        let mut next = 0u64;
        for name in fields {
            let col = ff.str(name)?;
            bases.push(next as u32);
            next += col.as_ref().map(|c| c.num_terms() as u64).unwrap_or(0);
            columns.push(col);
        }
        if next > u64::from(u32::MAX) {
            return Err(tantivy::TantivyError::InvalidArgument(format!(
                "{next} distinct facet values in one segment"
            )));
        }
        bases.push(next as u32);
        let mut facet_of = vec![0u8; next as usize];
        for i in 0..FACET_COUNT {
            facet_of[bases[i] as usize..bases[i + 1] as usize].fill(i as u8);
        }
        let narrow = next <= u64::from(u16::MAX) + 1;
        let mut values = if narrow {
            Ords::Narrow(Table::with_capacity(max_doc))
        } else {
            Ords::Wide(Table::with_capacity(max_doc))
        };
        let mut doc_values: Vec<u32> = Vec::new();
        for doc in 0..max_doc as DocId {
            doc_values.clear();
            for (col, base) in columns.iter().zip(&bases) {
                if let Some(c) = col {
                    doc_values.extend(c.term_ords(doc).map(|o| base + o as u32));
                }
            }
            match &mut values {
                Ords::Narrow(t) => t.push(&doc_values)?,
                Ords::Wide(t) => t.push(&doc_values)?,
            }
        }
        Ok(Self {
            values,
            bases,
            facet_of,
        })
    }

    /// The facet counts over the segment's live documents (what a facet that
    /// nothing else narrows shows). Reads the values in document order.
    pub fn totals(&self, segment: &SegmentReader) -> Vec<u32> {
        match &self.values {
            Ords::Narrow(t) => self.totals_in(segment, t),
            Ords::Wide(t) => self.totals_in(segment, t),
        }
    }

    fn totals_in<T: Ord32>(&self, segment: &SegmentReader, table: &Table<T>) -> Vec<u32> {
        let mut counts = vec![0u32; self.ordinals()];
        let alive = segment.alive_bitset();
        for doc in 0..segment.max_doc() {
            if alive.is_some_and(|a| a.is_deleted(doc)) {
                continue;
            }
            for v in table.of(doc) {
                if let Some(c) = counts.get_mut(v.get() as usize) {
                    *c = c.wrapping_add(1);
                }
            }
        }
        counts
    }

    /// Bytes held.
    pub fn heap_size(&self) -> usize {
        let values = match &self.values {
            Ords::Narrow(t) => t.heap_size(),
            Ords::Wide(t) => t.heap_size(),
        };
        self.bases.len() * 4 + values + self.facet_of.len()
    }

    /// The number of global ordinals.
    fn ordinals(&self) -> usize {
        self.facet_of.len()
    }
}

/// Asks the processor to load the cache line holding `value` (no effect on
/// other architectures).
#[inline(always)]
fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint; it never faults and reads nothing the
    // program sees. The pointer comes from a live reference.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// A sort key comparable across segments: greater is better.
#[derive(Debug, Clone, PartialEq)]
pub enum SortKey {
    Num(u64),
    /// Titles sort ascending: compared reversed.
    Text(String),
}

impl SortKey {
    fn better(&self, other: &SortKey) -> std::cmp::Ordering {
        match (self, other) {
            (SortKey::Num(a), SortKey::Num(b)) => a.cmp(b),
            (SortKey::Text(a), SortKey::Text(b)) => b.cmp(a),
            (SortKey::Num(_), SortKey::Text(_)) => std::cmp::Ordering::Less,
            (SortKey::Text(_), SortKey::Num(_)) => std::cmp::Ordering::Greater,
        }
    }
}

pub struct SearchCollector {
    pub facet_fields: [String; FACET_COUNT],
    pub filters: [Vec<String>; FACET_COUNT],
    pub sort: Sort,
    /// offset + size.
    pub limit: usize,
    pub facet_size: usize,
    pub scoring: bool,
    /// The searcher has one segment: each facet's top values can be picked
    /// per segment, exactly, before their names are looked up.
    pub single_segment: bool,
    /// The dense facet ordinals of each segment, by segment ordinal.
    pub dense: Vec<std::sync::Arc<SegmentFacets>>,
    /// Per segment, the counts over all live documents
    /// ([`SegmentFacets::totals`]); needed by `totals_for` and
    /// [`SearchCollector::browse_all`], else empty.
    pub totals: Vec<std::sync::Arc<Vec<u32>>>,
    /// This facet's counts are the segment totals: the caller has made the
    /// query match only documents passing this facet's filter, and nothing
    /// but that filter narrows the documents.
    pub totals_for: Option<usize>,
}

pub struct SearchFruit {
    pub total: u64,
    /// Best first: (key, score, address).
    pub top: Vec<(SortKey, f32, DocAddress)>,
    pub facets: FacetCounts,
}

/// What a segment produces before merging.
pub struct SegmentFruit {
    total: u64,
    top: Vec<(SortKey, f32, DocAddress)>,
    facets: Vec<HashMap<String, u64>>,
}

enum KeySource {
    Score,
    Modified(Column<i64>),
    Title(Option<StrColumn>),
    /// The quality score above the relevance score: documents without a
    /// score come last.
    Quality(Column<i64>),
}

pub struct SegmentSearch {
    segment: SegmentOrdinal,
    columns: Vec<Option<StrColumn>>,
    dense: std::sync::Arc<SegmentFacets>,
    /// Bit per global ordinal: an allowed value of a filtered facet.
    allowed: Vec<u64>,
    /// Bit per facet that has a filter.
    required: u16,
    /// Counts per global ordinal.
    counts: Vec<u32>,
    key: KeySource,
    heap: BinaryHeap<Reverse<(u64, Reverse<DocId>, u32)>>,
    limit: usize,
    total: u64,
    prune: Option<usize>,
    /// Matches not processed yet (see [`SegmentSearch::flush`]).
    pending: Vec<(DocId, Score)>,
    /// `SearchCollector::totals_for` with this segment's totals.
    totals_for: Option<(usize, std::sync::Arc<Vec<u32>>)>,
}

/// Matches are processed in batches of this many.
const BATCH: usize = 256;
/// While processing a match, the facet values of the match this many places
/// further are requested from memory (enough to hide the latency, few enough
/// for the processor's outstanding-miss buffers).
const AHEAD: usize = 32;

impl Collector for SearchCollector {
    type Fruit = SearchFruit;
    type Child = SegmentSearch;

    fn for_segment(
        &self,
        segment_local_id: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentSearch> {
        let ff = segment.fast_fields();
        let dense = match self.dense.get(segment_local_id as usize) {
            Some(d) => d.clone(),
            None => std::sync::Arc::new(SegmentFacets::build(segment, &self.facet_fields)?),
        };
        let mut columns = Vec::with_capacity(FACET_COUNT);
        let mut allowed = vec![0u64; dense.ordinals().div_ceil(64)];
        let mut required = 0u16;
        for (i, (name, wanted)) in self.facet_fields.iter().zip(&self.filters).enumerate() {
            let col = ff.str(name)?;
            if !wanted.is_empty() {
                required |= 1 << i;
                if let Some(c) = &col {
                    for v in wanted {
                        if let Some(o) = c.dictionary().term_ord(v.as_bytes())? {
                            let g = dense.bases[i] as usize + o as usize;
                            if let Some(word) = allowed.get_mut(g / 64) {
                                *word |= 1 << (g % 64);
                            }
                        }
                    }
                }
            }
            columns.push(col);
        }
        let key = match self.sort {
            Sort::Relevance => KeySource::Score,
            Sort::Modified => KeySource::Modified(ff.i64("modified")?),
            Sort::Title => KeySource::Title(ff.str("title_sort")?),
            Sort::Quality => KeySource::Quality(ff.i64("quality_score")?),
        };
        Ok(SegmentSearch {
            segment: segment_local_id,
            columns,
            counts: vec![0u32; dense.ordinals()],
            dense,
            allowed,
            required,
            key,
            heap: BinaryHeap::with_capacity(self.limit + 1),
            limit: self.limit,
            total: 0,
            prune: self.single_segment.then_some(self.facet_size),
            pending: Vec::with_capacity(BATCH),
            totals_for: match (self.totals_for, self.totals.get(segment_local_id as usize)) {
                (Some(i), Some(t)) => Some((i, t.clone())),
                (Some(_), None) => {
                    return Err(tantivy::TantivyError::InternalError(
                        "facet totals missing for a segment".into(),
                    ))
                }
                _ => None,
            },
        })
    }

    fn requires_scoring(&self) -> bool {
        self.scoring
    }

    fn merge_fruits(&self, fruits: Vec<SegmentFruit>) -> tantivy::Result<SearchFruit> {
        let mut total = 0;
        let mut top = Vec::new();
        let mut facets: Vec<HashMap<String, u64>> = vec![HashMap::new(); FACET_COUNT];
        for f in fruits {
            total += f.total;
            top.extend(f.top);
            for (acc, seg) in facets.iter_mut().zip(f.facets) {
                for (v, c) in seg {
                    *acc.entry(v).or_insert(0) += c;
                }
            }
        }
        top.sort_by(|a, b| b.0.better(&a.0).then(a.2.cmp(&b.2)));
        top.truncate(self.limit);
        let facets = facets
            .into_iter()
            .map(|m| {
                let mut v: Vec<(String, u64)> = m.into_iter().collect();
                v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                v.truncate(self.facet_size);
                v
            })
            .collect();
        Ok(SearchFruit { total, top, facets })
    }
}

impl SegmentSearch {
    /// Processes the pending matches. The facet values of matching documents
    /// are spread over a large array (tens of MB at a million documents), so
    /// each document costs a cache miss; knowing the next matches, the loop
    /// asks for their values [`AHEAD`] documents early, so the processor
    /// loads several at once instead of waiting for each in turn.
    fn flush(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        let dense = self.dense.clone();
        match &dense.values {
            Ords::Narrow(t) => self.flush_in(&dense, t, &pending),
            Ords::Wide(t) => self.flush_in(&dense, t, &pending),
        }
        self.pending = pending;
        self.pending.clear();
    }

    fn flush_in<T: Ord32>(
        &mut self,
        dense: &SegmentFacets,
        table: &Table<T>,
        pending: &[(DocId, Score)],
    ) {
        for &(doc, _) in pending.iter().take(AHEAD) {
            table.prefetch(doc);
        }
        for (k, &(doc, score)) in pending.iter().enumerate() {
            if let Some(&(next, _)) = pending.get(k + AHEAD) {
                table.prefetch(next);
            }
            self.process(dense, table.of(doc), doc, score);
        }
    }

    #[inline(always)]
    fn process<T: Ord32>(&mut self, dense: &SegmentFacets, values: &[T], doc: DocId, score: Score) {
        if self.required != 0 {
            // Which filtered facets does the document satisfy?
            let mut satisfied = 0u16;
            for v in values {
                let v = v.get() as usize;
                if self
                    .allowed
                    .get(v / 64)
                    .is_some_and(|w| w & (1 << (v % 64)) != 0)
                {
                    satisfied |= 1 << dense.facet_of.get(v).copied().unwrap_or(0);
                }
            }
            let missing = self.required & !satisfied;
            if missing != 0 {
                if missing.count_ones() == 1 {
                    // Fails exactly one facet: counts for that facet only.
                    let i = missing.trailing_zeros() as usize;
                    let (lo, hi) = (dense.bases[i], dense.bases[i + 1]);
                    for v in values {
                        let v = v.get();
                        if (lo..hi).contains(&v) {
                            if let Some(c) = self.counts.get_mut(v as usize) {
                                *c = c.wrapping_add(1);
                            }
                        }
                    }
                }
                return;
            }
        }
        for v in values {
            if let Some(c) = self.counts.get_mut(v.get() as usize) {
                *c = c.wrapping_add(1);
            }
        }
        self.total += 1;
        if self.limit == 0 {
            return;
        }
        let key = self.key(doc, score);
        let entry = Reverse((key, Reverse(doc), score.to_bits()));
        if self.heap.len() < self.limit {
            self.heap.push(entry);
        } else if let Some(min) = self.heap.peek() {
            if entry < *min {
                self.heap.pop();
                self.heap.push(entry);
            }
        }
    }

    fn key(&self, doc: DocId, score: Score) -> u64 {
        match &self.key {
            KeySource::Score => u64::from(score.max(0.0).to_bits()),
            KeySource::Modified(col) => col
                .first(doc)
                .map(|v| (v as u64) ^ (1u64 << 63))
                .unwrap_or(0),
            KeySource::Title(col) => col
                .as_ref()
                .and_then(|c| c.term_ords(doc).next())
                .map(|o| u64::MAX - o)
                .unwrap_or(0),
            KeySource::Quality(col) => {
                let quality = col
                    .first(doc)
                    .and_then(|q| u64::try_from(q).ok())
                    .map_or(0, |q| q.min(u64::from(u32::MAX >> 1)) + 1);
                (quality << 32) | u64::from(score.max(0.0).to_bits())
            }
        }
    }
}

impl SegmentCollector for SegmentSearch {
    type Fruit = SegmentFruit;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.pending.push((doc, score));
        if self.pending.len() == BATCH {
            self.flush();
        }
    }

    fn harvest(mut self) -> SegmentFruit {
        self.flush();
        let facets = facet_maps(
            &self.columns,
            |i| {
                let (lo, hi) = (
                    self.dense.bases[i] as usize,
                    self.dense.bases[i + 1] as usize,
                );
                match &self.totals_for {
                    Some((f, totals)) if *f == i => totals.get(lo..hi).unwrap_or(&[]),
                    _ => self.counts.get(lo..hi).unwrap_or(&[]),
                }
            },
            self.prune,
        );
        let mut top = Vec::with_capacity(self.heap.len());
        let title_col = match &self.key {
            KeySource::Title(c) => c.as_ref(),
            _ => None,
        };
        for Reverse((key, Reverse(doc), score_bits)) in self.heap.into_iter() {
            let sort_key = match title_col {
                Some(c) => {
                    let mut s = String::new();
                    let ord = u64::MAX - key;
                    if key == 0 || !c.ord_to_str(ord, &mut s).unwrap_or(false) {
                        s = "\u{10FFFF}".to_owned();
                    }
                    SortKey::Text(s)
                }
                None => SortKey::Num(key),
            };
            top.push((
                sort_key,
                f32::from_bits(score_bits),
                DocAddress::new(self.segment, doc),
            ));
        }
        SegmentFruit {
            total: self.total,
            top,
            facets,
        }
    }
}

/// Turns per-ordinal counts into (value → count) maps, one per facet; with
/// `prune`, only each facet's `prune` most frequent values (exact when the
/// searcher has one segment).
fn facet_maps<'a>(
    columns: &[Option<StrColumn>],
    counts_of: impl Fn(usize) -> &'a [u32],
    prune: Option<usize>,
) -> Vec<HashMap<String, u64>> {
    let mut facets = Vec::with_capacity(FACET_COUNT);
    for (i, col) in columns.iter().enumerate() {
        let counts = counts_of(i);
        let mut map = HashMap::new();
        if let Some(c) = col {
            let mut ords: Vec<u64> = counts
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(o, _)| o as u64)
                .collect();
            if let Some(k) = prune {
                if ords.len() > k {
                    // Ordinals follow the values' order: ties keep the smaller value.
                    ords.sort_by(|a, b| {
                        counts[*b as usize].cmp(&counts[*a as usize]).then(a.cmp(b))
                    });
                    ords.truncate(k);
                    ords.sort_unstable();
                }
            }
            let mut n = 0;
            let _ = c.dictionary().sorted_ords_to_term_cb(&ords, |bytes| {
                if let Some(o) = ords.get(n) {
                    map.insert(
                        String::from_utf8_lossy(bytes).into_owned(),
                        u64::from(counts[*o as usize]),
                    );
                }
                n += 1;
            });
        }
        facets.push(map);
    }
    facets
}

impl SearchCollector {
    /// The answer to "everything" (no words, no range filters, no facet
    /// filter that excludes a document) without visiting every document:
    /// the hit count is the number of live documents, the facet counts are
    /// the segment totals, and the top hits are the first live documents
    /// (every document scores the same, ties go by address), as a scan with
    /// [`tantivy::query::AllQuery`] and relevance order would give.
    pub fn browse_all(&self, searcher: &tantivy::Searcher) -> tantivy::Result<SearchFruit> {
        let readers = searcher.segment_readers();
        let mut fruits = Vec::with_capacity(readers.len());
        let mut wanted = self.limit;
        let one = u64::from(1.0f32.to_bits());
        for (ord, segment) in readers.iter().enumerate() {
            let (Some(dense), Some(totals)) = (self.dense.get(ord), self.totals.get(ord)) else {
                return Err(tantivy::TantivyError::InternalError(
                    "facet arrays missing for a segment".into(),
                ));
            };
            let ff = segment.fast_fields();
            let columns = self
                .facet_fields
                .iter()
                .map(|name| ff.str(name))
                .collect::<tantivy::Result<Vec<_>>>()?;
            let facets = facet_maps(
                &columns,
                |i| {
                    totals
                        .get(dense.bases[i] as usize..dense.bases[i + 1] as usize)
                        .unwrap_or(&[])
                },
                self.single_segment.then_some(self.facet_size),
            );
            let mut top = Vec::new();
            let alive = segment.alive_bitset();
            let mut doc = 0;
            while wanted > 0 && doc < segment.max_doc() {
                if !alive.is_some_and(|a| a.is_deleted(doc)) {
                    top.push((
                        SortKey::Num(one),
                        1.0,
                        DocAddress::new(ord as SegmentOrdinal, doc),
                    ));
                    wanted -= 1;
                }
                doc += 1;
            }
            fruits.push(SegmentFruit {
                total: u64::from(segment.num_docs()),
                top,
                facets,
            });
        }
        self.merge_fruits(fruits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip<T: Ord32>(inline: usize) {
        let lists: Vec<Vec<u32>> = [0, 1, 3, inline, inline + 1, 40]
            .iter()
            .enumerate()
            .map(|(k, n)| (0..*n as u32).map(|v| v * 3 + k as u32).collect())
            .collect();
        let mut table: Table<T> = Table::with_capacity(lists.len());
        for l in &lists {
            table.push(l).expect("push");
        }
        for (doc, l) in lists.iter().enumerate() {
            let got: Vec<u32> = table.of(doc as DocId).iter().map(|v| v.get()).collect();
            assert_eq!(&got, l, "document {doc}");
        }
        assert!(table.of(lists.len() as DocId).is_empty());
    }

    #[test]
    fn slots_hold_values_inline_or_in_overflow() {
        assert_eq!(std::mem::size_of::<Slot16>(), 32);
        assert_eq!(std::mem::align_of::<Slot16>(), 32);
        assert_eq!(std::mem::size_of::<Slot32>(), 32);
        assert_eq!(std::mem::align_of::<Slot32>(), 32);
        roundtrip::<u16>(15);
        roundtrip::<u32>(7);
    }
}
