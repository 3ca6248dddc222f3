//! The dataset the public SPARQL endpoint queries when a query names no
//! graphs: its **default graph is the union of the published records'
//! graphs** (`urn:dcat-catalog:record:{rid}` of records not withdrawn;
//! duplicates of another source's record stay: they are published records
//! of their source). Every named graph (withdrawn records, provenance,
//! catalogs, validation reports, runs, the deduplication index) stays
//! reachable through `GRAPH`, `FROM NAMED` and `named-graph-uri`.

use crate::store::vocab::{cat, graphs, WITHDRAWN};
use crate::store::{CatalogStore, StoreError};
use oxigraph::model::{GraphName, GraphNameRef, NamedNode, NamedOrBlankNode, Quad, Term};
use oxigraph::store::{StorageError, Store};
use spareval::{InternalQuad, QueryableDataset};
use std::collections::HashSet;
use std::sync::Arc;

/// The store seen with the published records as its default graph.
pub struct PublishedRecords<'a> {
    store: &'a Store,
    /// The graphs of withdrawn records, read when the query starts.
    withdrawn: Arc<HashSet<NamedNode>>,
}

impl<'a> PublishedRecords<'a> {
    /// Reads which record graphs are withdrawn (an index scan of the
    /// withdrawn records' status).
    pub fn new(store: &'a CatalogStore) -> Result<Self, StoreError> {
        let mut withdrawn = HashSet::new();
        for q in store.oxigraph().quads_for_pattern(
            None,
            Some(cat::STATUS),
            Some(WITHDRAWN.into()),
            None,
        ) {
            if let NamedOrBlankNode::NamedNode(n) = q?.subject {
                withdrawn.insert(n);
            }
        }
        Ok(Self {
            store: store.oxigraph(),
            withdrawn: Arc::new(withdrawn),
        })
    }
}

/// Whether a quad's graph belongs to the default graph.
fn in_default(withdrawn: &HashSet<NamedNode>, graph: &GraphName) -> bool {
    match graph {
        GraphName::NamedNode(g) => {
            g.as_str().starts_with(graphs::RECORD_PREFIX) && !withdrawn.contains(g)
        }
        _ => false,
    }
}

fn named_or_blank(t: &Term) -> Option<oxigraph::model::NamedOrBlankNodeRef<'_>> {
    match t {
        Term::NamedNode(n) => Some(n.as_ref().into()),
        Term::BlankNode(b) => Some(b.as_ref().into()),
        Term::Literal(_) => None,
    }
}

fn internal(q: Quad, default: bool) -> InternalQuad<Term> {
    InternalQuad {
        subject: q.subject.into(),
        predicate: q.predicate.into(),
        object: q.object,
        graph_name: if default {
            None
        } else {
            match q.graph_name {
                GraphName::NamedNode(n) => Some(n.into()),
                GraphName::BlankNode(b) => Some(b.into()),
                GraphName::DefaultGraph => None,
            }
        },
    }
}

impl<'a> QueryableDataset<'a> for PublishedRecords<'a> {
    type InternalTerm = Term;
    type Error = StorageError;

    fn internal_quads_for_pattern(
        &self,
        subject: Option<&Term>,
        predicate: Option<&Term>,
        object: Option<&Term>,
        graph_name: Option<Option<&Term>>,
    ) -> impl Iterator<Item = Result<InternalQuad<Term>, StorageError>> + use<'a> {
        // A literal subject, a predicate that is no IRI or a graph name
        // that is a literal match nothing.
        let nothing = subject.is_some_and(|s| named_or_blank(s).is_none())
            || predicate.is_some_and(|p| !matches!(p, Term::NamedNode(_)))
            || matches!(graph_name, Some(Some(Term::Literal(_))));
        let s = subject.and_then(named_or_blank);
        let p = match predicate {
            Some(Term::NamedNode(n)) => Some(n.as_ref()),
            _ => None,
        };
        let o = object.map(Term::as_ref);
        let (graph, default): (Option<GraphNameRef<'_>>, bool) = match graph_name {
            Some(None) => (None, true),
            Some(Some(Term::NamedNode(n))) => (Some(n.as_ref().into()), false),
            Some(Some(Term::BlankNode(b))) => (Some(b.as_ref().into()), false),
            _ => (None, false),
        };
        let quads = (!nothing).then(|| self.store.quads_for_pattern(s, p, o, graph));
        let withdrawn = self.withdrawn.clone();
        quads.into_iter().flatten().filter_map(move |q| match q {
            Ok(q) if default && !in_default(&withdrawn, &q.graph_name) => None,
            // "Any named graph" leaves the (empty) default graph out.
            Ok(q) if q.graph_name.is_default_graph() => None,
            Ok(q) => Some(Ok(internal(q, default))),
            Err(e) => Some(Err(e)),
        })
    }

    fn internal_named_graphs(&self) -> impl Iterator<Item = Result<Term, StorageError>> + use<'a> {
        self.store
            .named_graphs()
            .map(|g| g.map(Term::from))
            .collect::<Vec<_>>()
            .into_iter()
    }

    fn contains_internal_graph_name(&self, graph_name: &Term) -> Result<bool, StorageError> {
        match graph_name {
            Term::NamedNode(n) => self.store.contains_named_graph(n.as_ref()),
            Term::BlankNode(b) => self.store.contains_named_graph(b.as_ref()),
            Term::Literal(_) => Ok(false),
        }
    }

    fn internalize_term(&self, term: Term) -> Result<Term, StorageError> {
        Ok(term)
    }

    fn externalize_term(&self, term: Term) -> Result<Term, StorageError> {
        Ok(term)
    }
}
