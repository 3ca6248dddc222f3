//! Cross-source deduplication, GovData's rule, kept as data beside the
//! records it decides about.
//!
//! Records that share a **key** are one dataset: a key is the dataset IRI or
//! one of its `dct:identifier` values (trimmed; an identifier equal to an
//! IRI is the same key). Records connected through shared keys form a
//! **group**. Among the group's published records the **winner** is the one
//! with the newest `dct:modified`; equal dates → the higher source
//! `priority`; still equal → the one harvested first (`dct:issued`, then
//! the record id). A record without `dct:modified` never displaces one that
//! has it. Records of other sources than the winner's are **duplicates**:
//! their meta says `cat:duplicateOf <record:{winner}>`; records of the
//! winner's own source are never duplicates of it (one source's records are
//! not merged with each other).
//!
//! The **index** lives in the graph `urn:dcat-catalog:dedup`: one quad
//! `<record:{rid}> cat:dedupKey "{key}"` per key of a record (Oxigraph's
//! object-first indexes answer "which records have this key"), and
//! `<urn:dcat-catalog:dedup> cat:source "{source}"` for each source whose
//! records were indexed (a batch of new records of the only indexed source
//! skips the key lookups). It is written in the same Oxigraph write as the record, and every
//! write, withdrawal, republication and purge settles the groups it touches
//! in that write ([`settle`]): reads follow the index from the touched
//! records, never scanning the store. A group is followed through at most
//! [`MAX_GROUP`] records.

use super::vocab::{cat, graphs, PUBLISHED, WITHDRAWN};
use super::{term_value, utc_xsd_time, CatalogStore, PreparedRecord, StoreError, StoredRecord};
use harvester::vocab::{dct, foaf};
use oxigraph::model::{
    GraphNameRef, Literal, LiteralRef, NamedNode, NamedNodeRef, NamedOrBlankNode, Quad, QuadRef,
    Term, TermRef,
};
use oxigraph::store::{QuadIter, Store, Transaction};
use std::collections::{HashMap, HashSet, VecDeque};

/// Records a group is followed through; a key shared by more records (an
/// identifier like `"1"` reused by a whole portal) is decided on the first
/// ones found.
pub const MAX_GROUP: usize = 1000;

/// What a write changed in which records are shown upstream and in the
/// derived views.
#[derive(Debug, Default, Clone)]
pub struct DedupEffect {
    /// Published records that are duplicates now (written records among
    /// them were never shown).
    pub hidden: Vec<String>,
    /// Published records that were duplicates and are shown again.
    pub shown: Vec<StoredRecord>,
}

impl DedupEffect {
    pub fn is_empty(&self) -> bool {
        self.hidden.is_empty() && self.shown.is_empty()
    }

    /// Appends a later write's effect.
    pub fn extend(&mut self, later: DedupEffect) {
        let shown: HashSet<String> = later.shown.iter().map(|r| r.rid.clone()).collect();
        let hidden: HashSet<String> = later.hidden.iter().cloned().collect();
        self.hidden.retain(|r| !shown.contains(r));
        self.shown.retain(|r| !hidden.contains(&r.rid));
        self.hidden.extend(later.hidden);
        self.shown.extend(later.shown);
    }
}

/// One record of a group as a steward sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupMember {
    pub rid: String,
    pub source: String,
    pub dataset: String,
    /// `published` or `withdrawn`.
    pub status: String,
    /// The winner's record id when this record is a duplicate.
    pub duplicate_of: Option<String>,
}

/// Reads of the store or of a transaction (which sees its own writes).
pub(super) trait Reader {
    fn quads(
        &self,
        s: Option<NamedNodeRef<'_>>,
        p: NamedNodeRef<'_>,
        o: Option<TermRef<'_>>,
        g: Option<GraphNameRef<'_>>,
    ) -> QuadIter<'_>;
}

/// `Store` and `Transaction` have the same pattern read.
macro_rules! reader {
    ($($t:ty),*) => {$(
        impl Reader for $t {
            fn quads(
                &self,
                s: Option<NamedNodeRef<'_>>,
                p: NamedNodeRef<'_>,
                o: Option<TermRef<'_>>,
                g: Option<GraphNameRef<'_>>,
            ) -> QuadIter<'_> {
                self.quads_for_pattern(s.map(Into::into), Some(p), o, g)
            }
        }
    )*};
}
reader!(Store, Transaction<'_>);

fn dedup_graph_ref(g: &NamedNode) -> GraphNameRef<'_> {
    GraphNameRef::NamedNode(g.as_ref())
}

/// The keys of a prepared record: its dataset IRI and its
/// `dct:identifier` values (trimmed), each once, as simple literals.
pub(super) fn keys_of(r: &PreparedRecord) -> Vec<Literal> {
    keys_of_graph(r.dataset.as_ref(), &r.triples)
}

/// The keys of a dataset with its record's graph (see [`keys_of`]).
fn keys_of_graph(dataset: NamedNodeRef<'_>, triples: &[oxigraph::model::Triple]) -> Vec<Literal> {
    let mut keys: Vec<&str> = vec![dataset.as_str()];
    for t in triples {
        if t.predicate.as_ref() != dct::IDENTIFIER {
            continue;
        }
        if !matches!(&t.subject, NamedOrBlankNode::NamedNode(s) if s.as_ref() == dataset) {
            continue;
        }
        let value = match &t.object {
            Term::Literal(l) => l.value().trim(),
            Term::NamedNode(n) => n.as_str(),
            Term::BlankNode(_) => continue,
        };
        if !value.is_empty() {
            keys.push(value);
        }
    }
    keys.sort_unstable();
    keys.dedup();
    keys.into_iter().map(Literal::new_simple_literal).collect()
}

/// The node that lists the sources with indexed records.
fn index_node() -> NamedNode {
    graphs::dedup()
}

/// The index quads of a batch of new records of `source` (for the bulk
/// load of new records): one per key, and the source's mark.
pub(super) fn index_quads<'r>(
    source: &str,
    records: impl IntoIterator<Item = (&'r str, &'r [Literal])>,
) -> Vec<Quad> {
    let g = graphs::dedup();
    let mut out = vec![Quad::new(
        index_node(),
        cat::SOURCE,
        Literal::new_simple_literal(source),
        g.clone(),
    )];
    for (rid, keys) in records {
        let record = graphs::record(rid);
        out.extend(
            keys.iter()
                .map(|k| Quad::new(record.clone(), cat::DEDUP_KEY, k.clone(), g.clone())),
        );
    }
    out
}

/// Whether records of another source than `source` were ever indexed (if
/// not, new records of `source` cannot join another source's record: one
/// source's records are never duplicates of each other).
pub(super) fn other_sources_indexed(store: &Store, source: &str) -> Result<bool, StoreError> {
    let g = graphs::dedup();
    let node = index_node();
    for q in store.quads(
        Some(node.as_ref()),
        cat::SOURCE,
        None,
        Some(dedup_graph_ref(&g)),
    ) {
        if !matches!(q?.object, Term::Literal(l) if l.value() == source) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Whether any of `keys` already has a member in the store.
pub(super) fn any_member(store: &Store, keys: &[Literal]) -> Result<bool, StoreError> {
    let g = graphs::dedup();
    for k in keys {
        if store
            .quads(
                None,
                cat::DEDUP_KEY,
                Some(k.as_ref().into()),
                Some(dedup_graph_ref(&g)),
            )
            .next()
            .transpose()?
            .is_some()
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The keys a record is indexed under.
fn stored_keys(r: &impl Reader, rid: &str) -> Result<Vec<Literal>, StoreError> {
    let record = graphs::record(rid);
    let g = graphs::dedup();
    let mut out = Vec::new();
    for q in r.quads(
        Some(record.as_ref()),
        cat::DEDUP_KEY,
        None,
        Some(dedup_graph_ref(&g)),
    ) {
        if let Term::Literal(l) = q?.object {
            out.push(l);
        }
    }
    Ok(out)
}

/// Indexes a record of `source` under `keys` in `txn`, replacing the keys
/// it had; returns the keys it left (their groups must be settled too).
pub(super) fn set_keys(
    txn: &mut Transaction<'_>,
    source: Option<&str>,
    rid: &str,
    keys: &[Literal],
) -> Result<Vec<Literal>, StoreError> {
    let record = graphs::record(rid);
    let g = graphs::dedup();
    let gr = dedup_graph_ref(&g);
    let old = stored_keys(txn, rid)?;
    let mut left = Vec::new();
    for k in &old {
        if !keys.contains(k) {
            txn.remove(QuadRef::new(&record, cat::DEDUP_KEY, k, gr));
            left.push(k.clone());
        }
    }
    for k in keys {
        if !old.contains(k) {
            txn.insert(QuadRef::new(&record, cat::DEDUP_KEY, k, gr));
        }
    }
    if let (Some(source), false) = (source, keys.is_empty()) {
        let node = index_node();
        txn.insert(QuadRef::new(
            &node,
            cat::SOURCE,
            LiteralRef::new_simple_literal(source),
            gr,
        ));
    }
    Ok(left)
}

/// Removes a record from the index (a purge); returns its keys.
pub(super) fn remove_record(
    txn: &mut Transaction<'_>,
    rid: &str,
) -> Result<Vec<Literal>, StoreError> {
    set_keys(txn, None, rid, &[])
}

/// What the rule reads of one record.
struct Member {
    rid: String,
    source: String,
    meta: NamedNode,
    dataset: String,
    published: bool,
    modified: Option<String>,
    issued: String,
    duplicate_of: Option<NamedNode>,
}

fn first_object(
    r: &impl Reader,
    s: NamedNodeRef<'_>,
    p: NamedNodeRef<'_>,
    g: Option<GraphNameRef<'_>>,
) -> Result<Option<(Term, NamedNode)>, StoreError> {
    for q in r.quads(Some(s), p, None, g) {
        let q = q?;
        let graph = match q.graph_name {
            oxigraph::model::GraphName::NamedNode(n) => n,
            _ => continue,
        };
        return Ok(Some((q.object, graph)));
    }
    Ok(None)
}

/// Reads a record's facts; `None` when it is not stored (purged).
fn read_member(r: &impl Reader, rid: &str) -> Result<Option<Member>, StoreError> {
    let node = graphs::record(rid);
    // The source is in the record's meta graph: found without knowing it.
    let Some((source, meta)) = first_object(r, node.as_ref(), cat::SOURCE, None)? else {
        return Ok(None);
    };
    if !meta.as_str().starts_with(graphs::META_PREFIX) {
        return Ok(None);
    }
    let mg = Some(GraphNameRef::NamedNode(meta.as_ref()));
    let value = |p: NamedNodeRef<'_>| -> Result<Option<Term>, StoreError> {
        Ok(first_object(r, node.as_ref(), p, mg)?.map(|(o, _)| o))
    };
    let published = value(cat::STATUS)?.is_some_and(|s| match s {
        Term::Literal(l) => l.as_ref() == PUBLISHED,
        _ => false,
    });
    let issued = value(dct::ISSUED)?
        .map(|t| term_value(&t))
        .unwrap_or_default();
    let duplicate_of = match value(cat::DUPLICATE_OF)? {
        Some(Term::NamedNode(n)) => Some(n),
        _ => None,
    };
    let mut modified: Option<String> = None;
    let mut dataset_iri = String::new();
    if let Some(Term::NamedNode(dataset)) = value(foaf::PRIMARY_TOPIC)? {
        dataset_iri = dataset.as_str().to_owned();
        let rg = graphs::record(rid);
        for q in r.quads(
            Some(dataset.as_ref()),
            dct::MODIFIED,
            None,
            Some(GraphNameRef::NamedNode(rg.as_ref())),
        ) {
            if let Term::Literal(l) = q?.object {
                if let Some(t) = utc_xsd_time(l.value()) {
                    if modified.as_ref().is_none_or(|m| t > *m) {
                        modified = Some(t);
                    }
                }
            }
        }
    }
    Ok(Some(Member {
        rid: rid.to_owned(),
        source: term_value(&source),
        meta,
        dataset: dataset_iri,
        published,
        modified,
        issued,
        duplicate_of,
    }))
}

/// The records of the groups of `seeds` and of `keys`, followed through
/// the index (at most [`MAX_GROUP`] records).
fn group_rids(
    r: &impl Reader,
    seeds: &[String],
    keys: &[Literal],
) -> Result<Vec<String>, StoreError> {
    let g = graphs::dedup();
    let gr = dedup_graph_ref(&g);
    let mut seen_rids: HashSet<String> = HashSet::new();
    let mut seen_keys: HashSet<Literal> = HashSet::new();
    let mut queue: VecDeque<Literal> = keys.iter().cloned().collect();
    let mut out = Vec::new();
    let mut visit = |rid: String, queue: &mut VecDeque<Literal>| -> Result<(), StoreError> {
        if out.len() >= MAX_GROUP || !seen_rids.insert(rid.clone()) {
            return Ok(());
        }
        queue.extend(stored_keys(r, &rid)?);
        out.push(rid);
        Ok(())
    };
    for s in seeds {
        visit(s.clone(), &mut queue)?;
    }
    while let Some(k) = queue.pop_front() {
        if !seen_keys.insert(k.clone()) {
            continue;
        }
        for q in r.quads(None, cat::DEDUP_KEY, Some(k.as_ref().into()), Some(gr)) {
            if let NamedOrBlankNode::NamedNode(n) = q?.subject {
                if let Some(rid) = n.as_str().strip_prefix(graphs::RECORD_PREFIX) {
                    visit(rid.to_owned(), &mut queue)?;
                }
            }
        }
    }
    Ok(out)
}

/// GovData's order: is `a` a better record of the dataset than `b`?
fn rank(a: &Member, b: &Member, priority: &dyn Fn(&str) -> i32) -> std::cmp::Ordering {
    (a.modified.is_some(), &a.modified, priority(&a.source))
        .cmp(&(b.modified.is_some(), &b.modified, priority(&b.source)))
        // Harvested first stays: the earlier first harvest ranks higher.
        .then_with(|| b.issued.cmp(&a.issued))
        .then_with(|| b.rid.cmp(&a.rid))
}

/// Decides the groups of `seeds` (records just written or changed in
/// state) and of `keys` (keys records just left) inside `txn`, writing
/// `cat:duplicateOf` where it changes, and returns what that changed.
pub(super) fn settle(
    txn: &mut Transaction<'_>,
    seeds: &[String],
    keys: &[Literal],
    priority: &dyn Fn(&str) -> i32,
) -> Result<DedupEffect, StoreError> {
    let mut effect = DedupEffect::default();
    let mut done: HashSet<String> = HashSet::new();
    let mut starts: Vec<(Vec<String>, Vec<Literal>)> = seeds
        .iter()
        .map(|s| (vec![s.clone()], Vec::new()))
        .collect();
    starts.extend(keys.iter().map(|k| (Vec::new(), vec![k.clone()])));
    for (seed, key) in starts {
        if seed.iter().any(|s| done.contains(s)) {
            continue;
        }
        let rids = group_rids(&*txn, &seed, &key)?;
        if rids.iter().all(|r| done.contains(r)) {
            continue;
        }
        let mut members = Vec::with_capacity(rids.len());
        for rid in &rids {
            done.insert(rid.clone());
            if let Some(m) = read_member(&*txn, rid)? {
                members.push(m);
            }
        }
        let winner = members
            .iter()
            .filter(|m| m.published)
            .max_by(|a, b| rank(a, b, priority))
            .map(|w| (w.rid.clone(), w.source.clone()));
        for m in &members {
            let wanted = match &winner {
                Some((w, ws)) if m.published && *ws != m.source => Some(graphs::record(w)),
                _ => None,
            };
            if wanted == m.duplicate_of {
                continue;
            }
            let node = graphs::record(&m.rid);
            let mg = GraphNameRef::NamedNode(m.meta.as_ref());
            if let Some(old) = &m.duplicate_of {
                txn.remove(QuadRef::new(&node, cat::DUPLICATE_OF, old, mg));
            }
            if let Some(new) = &wanted {
                txn.insert(QuadRef::new(&node, cat::DUPLICATE_OF, new, mg));
            }
            if !m.published {
                continue;
            }
            match (&m.duplicate_of, &wanted) {
                (None, Some(_)) => effect.hidden.push(m.rid.clone()),
                (Some(_), None) => effect.shown.push(shown_record(&*txn, m)?),
                _ => {}
            }
        }
    }
    Ok(effect)
}

/// A record shown again, as [`CatalogStore::records`] lists it.
fn shown_record(r: &impl Reader, m: &Member) -> Result<StoredRecord, StoreError> {
    let node = graphs::record(&m.rid);
    let mg = Some(GraphNameRef::NamedNode(m.meta.as_ref()));
    let value = |p: NamedNodeRef<'_>| -> Result<String, StoreError> {
        Ok(first_object(r, node.as_ref(), p, mg)?
            .map(|(o, _)| term_value(&o))
            .unwrap_or_default())
    };
    Ok(StoredRecord {
        rid: m.rid.clone(),
        source: m.source.clone(),
        dataset: value(foaf::PRIMARY_TOPIC)?,
        hash: value(cat::CONTENT_HASH)?,
        page_url: String::new(),
        harvested: value(dct::MODIFIED)?,
    })
}

/// Records indexed per transaction when the index is completed.
const COMPLETE_CHUNK: usize = 1000;

impl CatalogStore {
    /// Makes the index cover every stored record, once per data folder: a
    /// folder written before deduplication existed has records of sources
    /// the index has never seen, and until they are indexed a new record
    /// of another source is not matched against them. Their keys are read
    /// from the archived graphs and their groups settled (with priority 0
    /// for every source: the config's priorities apply when a group is next
    /// touched). Afterwards a mark in the index graph says it is complete,
    /// so later opens cost one lookup. Returns the records indexed and what
    /// the settling changed.
    pub(super) fn complete_dedup_index(&self) -> Result<(usize, DedupEffect), StoreError> {
        let g = graphs::dedup();
        let node = index_node();
        let mark = QuadRef::new(
            &node,
            cat::DEDUP_COMPLETE,
            LiteralRef::new_typed_literal("true", oxigraph::model::vocab::xsd::BOOLEAN),
            dedup_graph_ref(&g),
        );
        if self.store.contains(mark)? {
            return Ok((0, DedupEffect::default()));
        }
        let _guard = self.lock_writes()?;
        let mut indexed_sources: HashSet<String> = HashSet::new();
        for q in self.store.quads(
            Some(node.as_ref()),
            cat::SOURCE,
            None,
            Some(dedup_graph_ref(&g)),
        ) {
            if let Term::Literal(l) = q?.object {
                indexed_sources.insert(l.value().to_owned());
            }
        }
        let missing: Vec<StoredRecord> = self
            .all_records(None)?
            .into_iter()
            .filter(|r| !indexed_sources.contains(&r.source))
            .collect();
        let mut effect = DedupEffect::default();
        if !missing.is_empty() {
            tracing::info!(
                records = missing.len(),
                "indexing stored records for deduplication (once: the data folder predates it)"
            );
        }
        for chunk in missing.chunks(COMPLETE_CHUNK) {
            let refs: Vec<&StoredRecord> = chunk.iter().collect();
            let graphs = self.exact_graphs(&refs)?;
            let mut txn = self.store.start_transaction()?;
            let mut left = Vec::new();
            let mut seeds = Vec::with_capacity(chunk.len());
            for (r, triples) in chunk.iter().zip(&graphs) {
                let Ok(dataset) = NamedNode::new(&r.dataset) else {
                    continue;
                };
                let keys = keys_of_graph(dataset.as_ref(), triples);
                left.extend(set_keys(&mut txn, Some(&r.source), &r.rid, &keys)?);
                seeds.push(r.rid.clone());
            }
            effect.extend(settle(&mut txn, &seeds, &left, &|_: &str| 0)?);
            txn.commit()?;
        }
        self.store.insert(mark)?;
        Ok((missing.len(), effect))
    }

    /// Sets the source priorities the rule reads (from the config; sources
    /// not named have priority 0). A change applies to a group when one of
    /// its records is next written, withdrawn, republished or purged.
    pub fn set_priorities(&self, priorities: impl IntoIterator<Item = (String, i32)>) {
        if let Ok(mut p) = self.priorities.write() {
            *p = priorities.into_iter().collect();
        }
    }

    /// The priority function of the rule, as of now.
    pub(super) fn priorities(&self) -> HashMap<String, i32> {
        self.priorities
            .read()
            .map(|p| p.clone())
            .unwrap_or_default()
    }

    /// The records that are one dataset with `rid` (itself included), by
    /// record id; empty when it is not stored.
    pub fn dedup_group(&self, rid: &str) -> Result<Vec<GroupMember>, StoreError> {
        let mut out = Vec::new();
        for r in group_rids(&self.store, &[rid.to_owned()], &[])? {
            let Some(m) = read_member(&self.store, &r)? else {
                continue;
            };
            out.push(GroupMember {
                rid: m.rid,
                source: m.source,
                dataset: m.dataset,
                status: if m.published { PUBLISHED } else { WITHDRAWN }
                    .value()
                    .to_owned(),
                duplicate_of: m.duplicate_of.and_then(|n| {
                    n.as_str()
                        .strip_prefix(graphs::RECORD_PREFIX)
                        .map(str::to_owned)
                }),
            });
        }
        out.sort_by(|a, b| a.rid.cmp(&b.rid));
        Ok(out)
    }

    /// The published records of `source` that are duplicates, with the
    /// record id of their winner, sorted.
    pub fn duplicates(&self, source: &str) -> Result<Vec<(String, String)>, StoreError> {
        let meta = graphs::meta(source);
        let mut out = Vec::new();
        for q in self.store.quads(
            None,
            cat::DUPLICATE_OF,
            None,
            Some(GraphNameRef::NamedNode(meta.as_ref())),
        ) {
            let q = q?;
            let (NamedOrBlankNode::NamedNode(s), Term::NamedNode(o)) = (&q.subject, &q.object)
            else {
                continue;
            };
            if let (Some(a), Some(b)) = (
                s.as_str().strip_prefix(graphs::RECORD_PREFIX),
                o.as_str().strip_prefix(graphs::RECORD_PREFIX),
            ) {
                out.push((a.to_owned(), b.to_owned()));
            }
        }
        out.sort();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::Triple;

    fn record(source: &str, iri: &str, identifier: &str, modified: &str) -> PreparedRecord {
        let d = NamedNode::new_unchecked(iri);
        super::super::records::test_record(
            source,
            iri,
            vec![
                Triple::new(
                    d.clone(),
                    dct::IDENTIFIER,
                    Literal::new_simple_literal(identifier),
                ),
                Triple::new(
                    d,
                    dct::MODIFIED,
                    Literal::new_typed_literal(modified, oxigraph::model::vocab::xsd::DATE),
                ),
            ],
        )
    }

    /// A data folder from before deduplication (records, no index) gets
    /// its index at the next open, and its duplicates are found.
    #[test]
    fn a_folder_without_the_index_is_indexed_once_at_open() {
        let dir = std::env::temp_dir().join(format!("dedup-complete-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let older = record("kreis", "http://kreis.example/d/1", "ds-1", "2024-01-01");
        let newer = record("stadt", "http://stadt.example/d/1", "ds-1", "2025-01-01");
        let alone = record("stadt", "http://stadt.example/d/2", "ds-2", "2025-01-01");
        {
            let store = CatalogStore::open(&dir).expect("open");
            store
                .write_records(
                    "kreis",
                    "http://kreis.example/catalog",
                    std::slice::from_ref(&older),
                    "2025-02-01T00:00:00Z",
                )
                .expect("write kreis");
            store
                .write_records(
                    "stadt",
                    "http://stadt.example/catalog",
                    &[newer.clone(), alone.clone()],
                    "2025-02-01T00:00:00Z",
                )
                .expect("write stadt");
            assert_eq!(store.duplicates("kreis").expect("duplicates").len(), 1);
            // As a folder written before deduplication: no index, no marks.
            let g = graphs::dedup();
            store
                .oxigraph()
                .clear_graph(dedup_graph_ref(&g))
                .expect("clear the index");
            let marks: Vec<Quad> = store
                .oxigraph()
                .quads_for_pattern(None, Some(cat::DUPLICATE_OF), None, None)
                .collect::<Result<_, _>>()
                .expect("marks");
            for q in &marks {
                store.oxigraph().remove(q).expect("remove mark");
            }
            assert!(store.duplicates("kreis").expect("duplicates").is_empty());
        }
        let store = CatalogStore::open(&dir).expect("open again");
        let dups = store.duplicates("kreis").expect("duplicates");
        assert_eq!(dups.len(), 1, "{dups:?}");
        assert_eq!(dups[0].0, older.rid);
        assert!(store.duplicates("stadt").expect("duplicates").is_empty());
        // Published, not a duplicate: the newer record and the one alone.
        let shown: Vec<String> = store
            .records(None)
            .expect("records")
            .into_iter()
            .map(|r| r.rid)
            .collect();
        assert_eq!(shown.len(), 2);
        assert!(shown.contains(&newer.rid) && shown.contains(&alone.rid));
        // Once: the next open finds the mark and indexes nothing.
        drop(store);
        let store = CatalogStore::open(&dir).expect("open a third time");
        assert_eq!(store.complete_dedup_index().expect("complete").0, 0);
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
