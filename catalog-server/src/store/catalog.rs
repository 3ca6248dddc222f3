//! A source's `dcat:Catalog` graph: its description (written from the
//! source's config) and the dataset and record links that
//! [`CatalogStore::write_records`] adds.

use super::vocab::graphs;
use super::{CatalogStore, StoreError};
use harvester::vocab::{dcat, dcatde, dct, foaf, rdf};
use oxigraph::model::{GraphName, GraphNameRef, NamedNodeRef, Quad, QuadRef, Triple};

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

impl CatalogStore {
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
        let _guard = self.lock_writes()?;
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

    /// The description of a source's catalog (without its dataset and
    /// record links), found by predicate.
    pub fn catalog_description(&self, source: &str) -> Result<Vec<Triple>, StoreError> {
        let graph = graphs::catalog(source);
        let graph_ref = GraphNameRef::NamedNode(graph.as_ref());
        let mut out = Vec::new();
        for p in CATALOG_DESCRIPTION_PREDICATES {
            for q in self
                .store
                .quads_for_pattern(None, Some(p), None, Some(graph_ref))
            {
                out.push(Triple::from(q?));
            }
        }
        Ok(out)
    }

    /// Sources that have a catalog graph in the store.
    ///
    /// Found by the `a dcat:Catalog` statement that every run writes into
    /// its source's catalog graph (the predicate-object index), not by a
    /// walk over all named graphs, of which there are two per record:
    /// `/health` asks this on every call.
    pub fn stored_sources(&self) -> Result<Vec<String>, StoreError> {
        let mut out = std::collections::BTreeSet::new();
        for q in
            self.store
                .quads_for_pattern(None, Some(rdf::TYPE), Some(dcat::CATALOG.into()), None)
        {
            if let GraphName::NamedNode(n) = q?.graph_name {
                if let Some(s) = n.as_str().strip_prefix(graphs::CATALOG_PREFIX) {
                    out.insert(s.to_owned());
                }
            }
        }
        Ok(out.into_iter().collect())
    }
}
