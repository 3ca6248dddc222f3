//! Record states as data.
//!
//! `published` → `withdrawn` → purged. A withdrawn record keeps its record
//! graph, meta and archive blob but loses its `dcat:dataset`/`dcat:record`
//! links, so export, search and the catalog graphs no longer show it; a
//! withdrawn record published again gets them back. When a record is
//! withdrawn or purged is the harvest's decision
//! ([`crate::harvest::lifecycle`]); this module only changes the state.

use super::dedup::{self, DedupEffect};
use super::vocab::{cat, graphs, PUBLISHED, WITHDRAWN};
use super::{
    parse_canonical, term_value as term_str, CatalogStore, PreparedRecord, RecordChange,
    StoreError, StoredRecord,
};
use harvester::vocab::{dcat, foaf, xsd};
use oxigraph::model::{
    GraphNameRef, Literal, LiteralRef, NamedNode, NamedOrBlankNode, Quad, QuadRef, Term,
};
use std::collections::HashSet;

/// What a purge removed, and what that changed among the duplicates.
#[derive(Debug, Default, Clone)]
pub struct Purged {
    /// The purged record ids.
    pub rids: Vec<String>,
    pub dedup: DedupEffect,
}

impl CatalogStore {
    /// Record ids of a source with the given status.
    fn rids_with_status(
        &self,
        source: &str,
        status: LiteralRef<'_>,
    ) -> Result<HashSet<String>, StoreError> {
        let meta = graphs::meta(source);
        let mut out = HashSet::new();
        for q in self.store.quads_for_pattern(
            None,
            Some(cat::STATUS),
            Some(status.into()),
            Some(GraphNameRef::NamedNode(meta.as_ref())),
        ) {
            if let NamedOrBlankNode::NamedNode(n) = q?.subject {
                if let Some(rid) = n.as_str().strip_prefix(graphs::RECORD_PREFIX) {
                    out.insert(rid.to_owned());
                }
            }
        }
        Ok(out)
    }

    /// Ids of the published records of a source.
    pub fn published_rids(&self, source: &str) -> Result<HashSet<String>, StoreError> {
        self.rids_with_status(source, PUBLISHED)
    }

    /// Ids of the withdrawn records of a source.
    pub fn withdrawn_rids(&self, source: &str) -> Result<HashSet<String>, StoreError> {
        self.rids_with_status(source, WITHDRAWN)
    }

    /// The withdrawn records of a source, with the time of their withdrawal.
    pub fn withdrawn_records(&self, source: &str) -> Result<Vec<(String, String)>, StoreError> {
        let meta = graphs::meta(source);
        let mut out = Vec::new();
        for rid in self.withdrawn_rids(source)? {
            let node = graphs::record(&rid);
            let at = self
                .store
                .quads_for_pattern(
                    Some(node.as_ref().into()),
                    Some(cat::WITHDRAWN_AT),
                    None,
                    Some(GraphNameRef::NamedNode(meta.as_ref())),
                )
                .next()
                .transpose()?
                .map(|q| term_str(&q.object))
                .unwrap_or_default();
            out.push((rid, at));
        }
        out.sort();
        Ok(out)
    }

    fn dataset_of(&self, rid: &str, meta: &NamedNode) -> Result<Option<NamedNode>, StoreError> {
        let node = graphs::record(rid);
        for q in self.store.quads_for_pattern(
            Some(node.as_ref().into()),
            Some(foaf::PRIMARY_TOPIC),
            None,
            Some(GraphNameRef::NamedNode(meta.as_ref())),
        ) {
            if let Term::NamedNode(n) = q?.object {
                return Ok(Some(n));
            }
        }
        Ok(None)
    }

    /// Withdraws records of a source: status `withdrawn`, `cat:withdrawnAt`,
    /// catalog links removed; record graph, meta and archive blob stay. One
    /// atomic transaction, which also settles the records' duplicates (a
    /// withdrawn winner's next record is shown).
    pub fn withdraw(
        &self,
        source: &str,
        catalog_iri: &str,
        rids: &[String],
        now: &str,
    ) -> Result<DedupEffect, StoreError> {
        let _guard = self.lock_writes()?;
        let meta = graphs::meta(source);
        let meta_ref = GraphNameRef::NamedNode(meta.as_ref());
        let catalog_graph = graphs::catalog(source);
        let cg = GraphNameRef::NamedNode(catalog_graph.as_ref());
        let catalog = NamedNode::new(catalog_iri)
            .map_err(|e| StoreError::Other(format!("invalid IRI {catalog_iri:?}: {e}")))?;
        let at = Literal::new_typed_literal(now, xsd::DATE_TIME);
        let mut txn = self.store.start_transaction()?;
        for rid in rids {
            let node = graphs::record(rid);
            let dataset = self.dataset_of(rid, &meta)?;
            txn.remove(QuadRef::new(&node, cat::STATUS, PUBLISHED, meta_ref));
            txn.insert(QuadRef::new(&node, cat::STATUS, WITHDRAWN, meta_ref));
            txn.insert(QuadRef::new(&node, cat::WITHDRAWN_AT, &at, meta_ref));
            if let Some(d) = &dataset {
                txn.remove(QuadRef::new(&catalog, dcat::DATASET_LINK, d, cg));
            }
            txn.remove(QuadRef::new(&catalog, dcat::RECORD, &node, cg));
        }
        let effect = self.settle(&mut txn, rids, &[])?;
        txn.commit()?;
        self.log_changes(rids.iter().cloned().map(RecordChange::Unpublished));
        self.log_dedup(&effect);
        Ok(effect)
    }

    /// Settles the groups of `rids` and `keys` in `txn` under the current
    /// priorities.
    fn settle(
        &self,
        txn: &mut oxigraph::store::Transaction<'_>,
        rids: &[String],
        keys: &[oxigraph::model::Literal],
    ) -> Result<DedupEffect, StoreError> {
        let priorities = self.priorities();
        dedup::settle(txn, rids, keys, &|s: &str| {
            priorities.get(s).copied().unwrap_or(0)
        })
    }

    /// Publishes withdrawn records again (status, catalog links) and returns
    /// them, with what that changed among their duplicates. Records not
    /// withdrawn are left alone.
    pub fn republish(
        &self,
        source: &str,
        catalog_iri: &str,
        rids: &[String],
    ) -> Result<(Vec<StoredRecord>, DedupEffect), StoreError> {
        let _guard = self.lock_writes()?;
        let meta = graphs::meta(source);
        let meta_ref = GraphNameRef::NamedNode(meta.as_ref());
        let catalog_graph = graphs::catalog(source);
        let cg = GraphNameRef::NamedNode(catalog_graph.as_ref());
        let catalog = NamedNode::new(catalog_iri)
            .map_err(|e| StoreError::Other(format!("invalid IRI {catalog_iri:?}: {e}")))?;
        let mut txn = self.store.start_transaction()?;
        let mut out = Vec::new();
        for rid in rids {
            let node = graphs::record(rid);
            if !self
                .store
                .contains(QuadRef::new(&node, cat::STATUS, WITHDRAWN, meta_ref))?
            {
                continue;
            }
            let Some(dataset) = self.dataset_of(rid, &meta)? else {
                continue;
            };
            let old: Vec<Quad> = self
                .store
                .quads_for_pattern(
                    Some(node.as_ref().into()),
                    Some(cat::WITHDRAWN_AT),
                    None,
                    Some(meta_ref),
                )
                .collect::<Result<_, _>>()?;
            for q in &old {
                txn.remove(q);
            }
            txn.remove(QuadRef::new(&node, cat::STATUS, WITHDRAWN, meta_ref));
            txn.insert(QuadRef::new(&node, cat::STATUS, PUBLISHED, meta_ref));
            txn.insert(QuadRef::new(&catalog, dcat::DATASET_LINK, &dataset, cg));
            txn.insert(QuadRef::new(&catalog, dcat::RECORD, &node, cg));
            let hash = self
                .store
                .quads_for_pattern(
                    Some(node.as_ref().into()),
                    Some(cat::CONTENT_HASH),
                    None,
                    Some(meta_ref),
                )
                .next()
                .transpose()?
                .map(|q| term_str(&q.object))
                .unwrap_or_default();
            out.push(StoredRecord {
                rid: rid.clone(),
                source: source.to_owned(),
                dataset: dataset.as_str().to_owned(),
                hash,
                page_url: String::new(),
                harvested: String::new(),
            });
        }
        let back: Vec<String> = out.iter().map(|r| r.rid.clone()).collect();
        let effect = self.settle(&mut txn, &back, &[])?;
        txn.commit()?;
        if !out.is_empty() {
            self.log_changes([RecordChange::Unknown]);
        }
        Ok((out, effect))
    }

    /// Purges records of a source withdrawn at or before `cutoff`: record
    /// graph, meta and index entries are removed (archive blobs another
    /// record still names stay) and their groups settled.
    pub fn purge_withdrawn(&self, source: &str, cutoff: &str) -> Result<Purged, StoreError> {
        let due: Vec<String> = self
            .withdrawn_records(source)?
            .into_iter()
            .filter(|(_, at)| !at.is_empty() && at.as_str() <= cutoff)
            .map(|(rid, _)| rid)
            .collect();
        if due.is_empty() {
            return Ok(Purged::default());
        }
        let _guard = self.lock_writes()?;
        let meta = graphs::meta(source);
        let meta_ref = GraphNameRef::NamedNode(meta.as_ref());
        let mut txn = self.store.start_transaction()?;
        let mut hashes = Vec::new();
        let mut left = Vec::new();
        for rid in &due {
            left.extend(dedup::remove_record(&mut txn, rid)?);
            let node = graphs::record(rid);
            let old: Vec<Quad> = self
                .store
                .quads_for_pattern(Some(node.as_ref().into()), None, None, Some(meta_ref))
                .collect::<Result<_, _>>()?;
            for q in &old {
                if q.predicate.as_ref() == cat::CONTENT_HASH {
                    hashes.push(term_str(&q.object));
                }
                txn.remove(q);
            }
            txn.remove_named_graph(node.as_ref())?;
            txn.remove_named_graph(graphs::validation(rid).as_ref())?;
        }
        let effect = self.settle(&mut txn, &[], &left)?;
        txn.commit()?;
        self.log_changes(due.iter().cloned().map(RecordChange::Unpublished));
        self.log_dedup(&effect);
        // Erasure erases: the purged records' exact graphs and source
        // hashes leave the archive too (a graph another record still has
        // stays).
        self.delete_unreferenced_blobs(&hashes)?;
        self.forget_source_hashes(&due)?;
        Ok(Purged {
            rids: due,
            dedup: effect,
        })
    }

    /// A withdrawn-then-republished record made ready for followers, from the archive.
    pub fn prepared_from_archive(
        &self,
        record: &StoredRecord,
    ) -> Result<PreparedRecord, StoreError> {
        let canonical = self.archived_ntriples(&record.hash, &record.rid)?;
        let compressed = zstd::encode_all(canonical.as_bytes(), 3)
            .map_err(|e| StoreError::Other(format!("compressing record {}: {e}", record.rid)))?;
        Ok(PreparedRecord {
            rid: record.rid.clone(),
            dataset: NamedNode::new(record.dataset.clone())
                .map_err(|e| StoreError::Other(e.to_string()))?,
            page_url: record.page_url.clone(),
            hash: record.hash.clone(),
            compressed,
            triples: parse_canonical(&canonical, &record.rid)?,
            validation: None,
        })
    }
}
