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
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

/// Per facet, (value, count), most frequent first.
pub type FacetCounts = Vec<Vec<(String, u64)>>;

/// The facet ordinals of one segment as flat arrays (CSR: `offsets[doc]..
/// offsets[doc + 1]` index `values`): reading them costs a few nanoseconds
/// per document instead of the columnar codec's dynamic dispatch. Built once
/// per segment (segments are immutable) and kept while the segment lives.
pub struct SegmentFacets {
    offsets: Vec<Vec<u32>>,
    values: Vec<Vec<u32>>,
}

impl SegmentFacets {
    pub fn build(segment: &SegmentReader, fields: &[String; 7]) -> tantivy::Result<Self> {
        let max_doc = segment.max_doc() as usize;
        let ff = segment.fast_fields();
        let mut offsets = Vec::with_capacity(7);
        let mut values = Vec::with_capacity(7);
        for name in fields {
            let mut off = Vec::with_capacity(max_doc + 1);
            let mut vals: Vec<u32> = Vec::with_capacity(max_doc);
            off.push(0u32);
            let col = ff.str(name)?;
            for doc in 0..max_doc as DocId {
                if let Some(c) = &col {
                    vals.extend(c.term_ords(doc).map(|o| o as u32));
                }
                off.push(vals.len() as u32);
            }
            offsets.push(off);
            values.push(vals);
        }
        Ok(Self { offsets, values })
    }

    /// Bytes held.
    pub fn heap_size(&self) -> usize {
        self.offsets.iter().map(|v| v.len() * 4).sum::<usize>()
            + self.values.iter().map(|v| v.len() * 4).sum::<usize>()
    }

    #[inline]
    fn of(&self, facet: usize, doc: DocId) -> &[u32] {
        let off = &self.offsets[facet];
        let (s, e) = (off[doc as usize] as usize, off[doc as usize + 1] as usize);
        &self.values[facet][s..e]
    }
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
    pub facet_fields: [String; 7],
    pub filters: [Vec<String>; 7],
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
}

pub struct SegmentSearch {
    segment: SegmentOrdinal,
    columns: Vec<Option<StrColumn>>,
    dense: std::sync::Arc<SegmentFacets>,
    /// Per facet: `None` = no filter; `Some(sorted ords)` = allowed values in this segment.
    filters: Vec<Option<Vec<u32>>>,
    counts: Vec<Vec<u32>>,
    key: KeySource,
    heap: BinaryHeap<Reverse<(u64, Reverse<DocId>, u32)>>,
    limit: usize,
    total: u64,
    prune: Option<usize>,
}

impl Collector for SearchCollector {
    type Fruit = SearchFruit;
    type Child = SegmentSearch;

    fn for_segment(
        &self,
        segment_local_id: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentSearch> {
        let ff = segment.fast_fields();
        let mut columns = Vec::with_capacity(7);
        let mut filters = Vec::with_capacity(7);
        let mut counts = Vec::with_capacity(7);
        for (name, wanted) in self.facet_fields.iter().zip(&self.filters) {
            let col = ff.str(name)?;
            let n = col.as_ref().map(|c| c.num_terms()).unwrap_or(0);
            if wanted.is_empty() {
                filters.push(None);
            } else {
                let mut allowed = Vec::new();
                if let Some(c) = &col {
                    for v in wanted {
                        if let Some(o) = c.dictionary().term_ord(v.as_bytes())? {
                            allowed.push(o as u32);
                        }
                    }
                }
                allowed.sort_unstable();
                filters.push(Some(allowed));
            }
            counts.push(vec![0u32; n]);
            columns.push(col);
        }
        let key = match self.sort {
            Sort::Relevance => KeySource::Score,
            Sort::Modified => KeySource::Modified(ff.i64("modified")?),
            Sort::Title => KeySource::Title(ff.str("title_sort")?),
        };
        let dense = match self.dense.get(segment_local_id as usize) {
            Some(d) => d.clone(),
            None => std::sync::Arc::new(SegmentFacets::build(segment, &self.facet_fields)?),
        };
        Ok(SegmentSearch {
            segment: segment_local_id,
            columns,
            dense,
            filters,
            counts,
            key,
            heap: BinaryHeap::with_capacity(self.limit + 1),
            limit: self.limit,
            total: 0,
            prune: self.single_segment.then_some(self.facet_size),
        })
    }

    fn requires_scoring(&self) -> bool {
        self.scoring
    }

    fn merge_fruits(&self, fruits: Vec<SegmentFruit>) -> tantivy::Result<SearchFruit> {
        let mut total = 0;
        let mut top = Vec::new();
        let mut facets: Vec<HashMap<String, u64>> = vec![HashMap::new(); 7];
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
        }
    }
}

impl SegmentCollector for SegmentSearch {
    type Fruit = SegmentFruit;

    fn collect(&mut self, doc: DocId, score: Score) {
        let dense = &*self.dense;
        let mut failed: Option<usize> = None;
        for (i, filter) in self.filters.iter().enumerate() {
            if let Some(allowed) = filter {
                let pass = dense
                    .of(i, doc)
                    .iter()
                    .any(|o| allowed.binary_search(o).is_ok());
                if !pass {
                    if failed.is_some() {
                        return;
                    }
                    failed = Some(i);
                }
            }
        }
        if let Some(i) = failed {
            for o in dense.of(i, doc) {
                self.counts[i][*o as usize] += 1;
            }
            return;
        }
        for (i, counts) in self.counts.iter_mut().enumerate() {
            for o in dense.of(i, doc) {
                counts[*o as usize] += 1;
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

    fn harvest(self) -> SegmentFruit {
        let mut facets = Vec::with_capacity(7);
        for (col, counts) in self.columns.iter().zip(&self.counts) {
            let mut map = HashMap::new();
            if let Some(c) = col {
                let mut ords: Vec<u64> = counts
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| **n > 0)
                    .map(|(o, _)| o as u64)
                    .collect();
                if let Some(k) = self.prune {
                    if ords.len() > k {
                        // Ordinals follow the values' order: ties keep the smaller value.
                        ords.sort_by(|a, b| {
                            counts[*b as usize].cmp(&counts[*a as usize]).then(a.cmp(b))
                        });
                        ords.truncate(k);
                        ords.sort_unstable();
                    }
                }
                let mut i = 0;
                let _ = c.dictionary().sorted_ords_to_term_cb(&ords, |bytes| {
                    if let Some(o) = ords.get(i) {
                        map.insert(
                            String::from_utf8_lossy(bytes).into_owned(),
                            u64::from(counts[*o as usize]),
                        );
                    }
                    i += 1;
                });
            }
            facets.push(map);
        }
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
