//! Links between records. A record is validated on its own, but some of its
//! values are other records: a service's `dcat:servesDataset`, a dataset's
//! `dcat:inSeries`, a distribution's `dcat:accessService`, a version's
//! `dct:isVersionOf`. Their range checks (`sh:class dcat:Dataset` ...) need
//! the other record's type, which the record itself does not state (and
//! must not: a typed node in the record would be a focus node of that
//! class's shapes).
//!
//! The types of the linked records are given to the validation as a
//! *context* graph of `rdf:type` statements: consulted by the constraints
//! like the vocabularies, never a source of focus nodes. They come from the
//! other records of the same page and from the records in the store (of any
//! source). A link the context cannot resolve stays a violation, as it would
//! be when the whole catalogue were validated at once.

use harvester::vocab::{dcat, dct, foaf, rdf};
use oxigraph::model::{Graph, NamedNode, NamedNodeRef, NamedOrBlankNode, Term, Triple, TripleRef};
use shacl::{Severity, ValidationReport};
use std::collections::{HashMap, HashSet};

/// The properties whose values DCAT-AP's range checks expect to be records
/// (datasets, series, services, catalogues, or any `dcat:Resource`).
pub const LINKS: [NamedNodeRef<'static>; 14] = [
    dcat::SERVES_DATASET,
    dcat::IN_SERIES,
    dcat::ACCESS_SERVICE,
    dcat::DATASET_LINK,
    dcat::SERVICE,
    dcat::CATALOG_LINK,
    dcat::HAS_VERSION,
    dct::HAS_VERSION,
    dct::IS_VERSION_OF,
    dct::SOURCE,
    dct::RELATION,
    dct::HAS_PART,
    dct::IS_PART_OF,
    foaf::PRIMARY_TOPIC,
];

/// The IRIs a record links to (through [`LINKS`]) without describing them:
/// no statement of the record has them as subject. Sorted, without repeats.
pub fn outside_links(triples: &[Triple]) -> Vec<NamedNode> {
    // The linked IRIs first: most records link to no other record, and
    // then the record's subjects need not be collected.
    let mut out: Vec<&NamedNode> = triples
        .iter()
        .filter(|t| LINKS.contains(&t.predicate.as_ref()))
        .filter_map(|t| match &t.object {
            Term::NamedNode(n) => Some(n),
            _ => None,
        })
        .collect();
    if out.is_empty() {
        return Vec::new();
    }
    out.sort_unstable();
    out.dedup();
    let described: HashSet<&NamedNode> = triples
        .iter()
        .filter_map(|t| match &t.subject {
            NamedOrBlankNode::NamedNode(n) => Some(n),
            NamedOrBlankNode::BlankNode(_) => None,
        })
        .collect();
    out.into_iter()
        .filter(|n| !described.contains(n))
        .cloned()
        .collect()
}

/// Known types of records' IRIs (IRI → classes).
#[derive(Debug, Default, Clone)]
pub struct KnownTypes(HashMap<NamedNode, Vec<NamedNode>>);

impl KnownTypes {
    /// Adds the types a record states of its IRI subjects.
    pub fn add_record(&mut self, triples: &[Triple]) {
        for t in triples {
            if let (NamedOrBlankNode::NamedNode(s), Term::NamedNode(class)) =
                (&t.subject, &t.object)
            {
                if t.predicate.as_ref() == rdf::TYPE {
                    self.add(s.clone(), class.clone());
                }
            }
        }
    }

    /// Adds one type.
    pub fn add(&mut self, iri: NamedNode, class: NamedNode) {
        let classes = self.0.entry(iri).or_default();
        if !classes.contains(&class) {
            classes.push(class);
        }
    }

    /// Adds (IRI, class) pairs.
    pub fn extend(&mut self, types: impl IntoIterator<Item = (NamedNode, NamedNode)>) {
        for (iri, class) in types {
            self.add(iri, class);
        }
    }

    /// Whether the type of `iri` is known.
    pub fn knows(&self, iri: &NamedNode) -> bool {
        self.0.contains_key(iri)
    }

    /// The context graph for `links` (their known types) and the links
    /// whose type is not known.
    pub fn context(&self, links: &[NamedNode]) -> (Graph, Vec<NamedNode>) {
        let mut graph = Graph::new();
        let mut unknown = Vec::new();
        for link in links {
            match self.0.get(link) {
                Some(classes) => {
                    for c in classes {
                        graph.insert(TripleRef::new(link, rdf::TYPE, c));
                    }
                }
                None => unknown.push(link.clone()),
            }
        }
        (graph, unknown)
    }
}

/// Whether a report has a Violation on one of `links` (a value the record
/// links to whose type was not known): the report may change once the
/// linked record is known.
pub fn violation_on(report: &ValidationReport, links: &[NamedNode]) -> bool {
    !links.is_empty()
        && report.results.iter().any(|r| {
            r.severity == Severity::Violation
                && matches!(&r.value, Some(Term::NamedNode(v)) if links.contains(v))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::Literal;

    fn iri(s: &str) -> NamedNode {
        NamedNode::new_unchecked(s)
    }

    #[test]
    fn outside_links_are_the_linked_iris_the_record_does_not_describe() {
        let service = iri("https://geo.example/service/wms");
        let dataset = iri("https://geo.example/dataset/1");
        let described = iri("https://geo.example/dataset/2");
        let triples = vec![
            Triple::new(service.clone(), rdf::TYPE, dcat::DATA_SERVICE.into_owned()),
            Triple::new(service.clone(), dcat::SERVES_DATASET, dataset.clone()),
            Triple::new(service.clone(), dcat::SERVES_DATASET, dataset.clone()),
            Triple::new(service.clone(), dcat::SERVES_DATASET, described.clone()),
            Triple::new(
                described.clone(),
                dct::TITLE,
                Literal::new_simple_literal("Zwei"),
            ),
            // Not a link property: a landing page is no record.
            Triple::new(
                service.clone(),
                dcat::LANDING_PAGE,
                iri("https://geo.example/"),
            ),
        ];
        assert_eq!(outside_links(&triples), vec![dataset.clone()]);

        let mut known = KnownTypes::default();
        let (context, unknown) = known.context(std::slice::from_ref(&dataset));
        assert!(context.is_empty());
        assert_eq!(unknown, vec![dataset.clone()]);
        known.add_record(&[Triple::new(
            dataset.clone(),
            rdf::TYPE,
            dcat::DATASET.into_owned(),
        )]);
        known.add(dataset.clone(), dcat::DATASET.into_owned());
        let (context, unknown) = known.context(std::slice::from_ref(&dataset));
        assert_eq!(context.len(), 1);
        assert!(context.contains(TripleRef::new(&dataset, rdf::TYPE, dcat::DATASET)));
        assert!(unknown.is_empty());
    }
}
