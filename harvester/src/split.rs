//! Splitting a page's triples into one self-contained record per dataset.
//!
//! A record holds the dataset's triples and, transitively, the triples of every
//! node it references that is described on the page and is not itself a
//! dataset, a catalog or a paging node: distributions, contact points,
//! agents, periods, locations, checksums, data services... Blank nodes are
//! followed wherever they lead. `dcat:CatalogRecord`s whose `foaf:primaryTopic`
//! is the dataset are included too.
//!
//! Data services are records too: a `dcat:DataService` named by an IRI, or
//! listed by a catalog's `dcat:service`, gets a record of its own (its
//! `dcat:servesDataset` links are kept, the datasets' descriptions are not
//! copied into it). Dataset records still carry the description of the
//! services their distributions name with `dcat:accessService`, so each
//! record stays self-contained. A blank-node service that only a
//! distribution names stays part of that dataset's record (and is copied
//! into the records that name it when a catalog lists it too).
//!
//! Datasets and services named by blank nodes get a minted IRI (see
//! [`mint_dataset_iri`]).

use crate::record::{snippet, Record, RecordError};
use crate::vocab::{dcat, dct, foaf, hydra, rdf};
use oxrdf::{BlankNode, NamedNode, NamedOrBlankNode, Term, Triple};
use std::collections::{HashMap, HashSet, VecDeque};

/// Limits on one record.
#[derive(Debug, Clone)]
pub struct SplitOptions {
    /// The source's id, part of minted IRIs.
    pub source_id: String,
    /// Namespace for minted dataset IRIs, e.g. `https://land.example/id/dataset/`.
    pub mint_base: String,
    /// A record with more triples is rejected (real portals have had records
    /// with 35,000 keywords).
    pub max_record_triples: usize,
}

/// The result of splitting one page.
#[derive(Debug, Default)]
pub struct SplitPage {
    pub records: Vec<Record>,
    pub errors: Vec<RecordError>,
    /// Links to next pages found on the page (Hydra `next` / `nextPage`).
    pub next_links: Vec<String>,
    /// Triples on the page.
    pub triple_count: usize,
    /// Whether the page uses DCAT or Hydra at all (a page of other RDF is
    /// most likely a wrong URL).
    pub has_dcat: bool,
}

fn is_dataset_type(t: &Term) -> bool {
    matches!(t, Term::NamedNode(n) if n.as_ref() == dcat::DATASET || n.as_ref() == dcat::DATASET_SERIES)
}

fn is_boundary_type(t: &Term) -> bool {
    matches!(t, Term::NamedNode(n) if n.as_ref() == dcat::CATALOG
        || n.as_str().starts_with(hydra::NS))
}

/// Splits the triples of one page into records.
pub fn split_page(triples: Vec<Triple>, page_url: &str, options: &SplitOptions) -> SplitPage {
    let mut by_subject: HashMap<NamedOrBlankNode, Vec<usize>> = HashMap::new();
    for (i, t) in triples.iter().enumerate() {
        by_subject.entry(t.subject.clone()).or_default().push(i);
    }

    let mut datasets: Vec<NamedOrBlankNode> = Vec::new();
    let mut dataset_set: HashSet<NamedOrBlankNode> = HashSet::new();
    let mut boundaries: HashSet<NamedOrBlankNode> = HashSet::new();
    let mut next_links = Vec::new();
    let mut topic_of: HashMap<NamedOrBlankNode, Vec<NamedOrBlankNode>> = HashMap::new();
    let mut catalog_records: HashSet<NamedOrBlankNode> = HashSet::new();
    // Data services that become records: named ones, and those a catalog lists.
    let mut services: Vec<NamedOrBlankNode> = Vec::new();
    let mut typed_services: HashSet<NamedOrBlankNode> = HashSet::new();

    let mut has_dcat = false;
    for t in &triples {
        let p = t.predicate.as_ref();
        if !has_dcat {
            let in_ns = |iri: &str| iri.starts_with(dcat::NS) || iri.starts_with(hydra::NS);
            has_dcat = in_ns(p.as_str())
                || matches!(&t.object, Term::NamedNode(n) if p == rdf::TYPE && in_ns(n.as_str()));
        }
        if p == rdf::TYPE {
            if is_dataset_type(&t.object) && dataset_set.insert(t.subject.clone()) {
                datasets.push(t.subject.clone());
            } else if is_boundary_type(&t.object) {
                boundaries.insert(t.subject.clone());
            } else if matches!(&t.object, Term::NamedNode(n) if n.as_ref() == dcat::CATALOG_RECORD)
            {
                catalog_records.insert(t.subject.clone());
            } else if matches!(&t.object, Term::NamedNode(n) if n.as_ref() == dcat::DATA_SERVICE)
                && typed_services.insert(t.subject.clone())
                && t.subject.is_named_node()
            {
                services.push(t.subject.clone());
            }
        } else if p == hydra::NEXT || p == hydra::NEXT_PAGE {
            let link = match &t.object {
                Term::NamedNode(n) => Some(n.as_str().to_owned()),
                Term::Literal(l) => Some(l.value().trim().to_owned()),
                _ => None,
            };
            if let Some(link) = link.filter(|l| !l.is_empty()) {
                if !next_links.contains(&link) {
                    next_links.push(link);
                }
            }
        } else if p == foaf::PRIMARY_TOPIC {
            if let Some(topic) = as_node(&t.object) {
                topic_of.entry(topic).or_default().push(t.subject.clone());
            }
        }
    }
    // Untyped datasets listed by a catalog that describes them on the page;
    // blank-node services a catalog lists.
    for t in &triples {
        if t.predicate.as_ref() == dcat::DATASET_LINK {
            if let Some(d) = as_node(&t.object) {
                if by_subject.contains_key(&d) && dataset_set.insert(d.clone()) {
                    datasets.push(d);
                }
            }
        } else if t.predicate.as_ref() == dcat::SERVICE {
            if let Some(d) = as_node(&t.object) {
                if d.is_blank_node() && typed_services.contains(&d) && !services.contains(&d) {
                    services.push(d);
                }
            }
        }
    }
    // A node typed both dataset and service is one record.
    services.retain(|s| !dataset_set.contains(s));
    let record_roots: Vec<&NamedOrBlankNode> = datasets.iter().chain(services.iter()).collect();

    let mut out = SplitPage {
        next_links,
        triple_count: triples.len(),
        has_dcat,
        ..SplitPage::default()
    };
    for dataset in record_roots {
        let mut visited: HashSet<NamedOrBlankNode> = HashSet::new();
        let mut queue: VecDeque<NamedOrBlankNode> = VecDeque::new();
        visited.insert(dataset.clone());
        queue.push_back(dataset.clone());
        for r in topic_of.get(dataset).into_iter().flatten() {
            if catalog_records.contains(r) && visited.insert(r.clone()) {
                queue.push_back(r.clone());
            }
        }
        let mut indices: Vec<usize> = Vec::new();
        let mut too_big = false;
        while let Some(node) = queue.pop_front() {
            let Some(list) = by_subject.get(&node) else {
                continue;
            };
            for &i in list {
                indices.push(i);
                if let Some(o) = as_node(&triples[i].object) {
                    let follow = match &o {
                        NamedOrBlankNode::BlankNode(_) => !dataset_set.contains(&o),
                        NamedOrBlankNode::NamedNode(_) => {
                            by_subject.contains_key(&o)
                                && !dataset_set.contains(&o)
                                && !boundaries.contains(&o)
                        }
                    };
                    if follow && visited.insert(o.clone()) {
                        queue.push_back(o);
                    }
                }
            }
            if indices.len() > options.max_record_triples {
                too_big = true;
                break;
            }
        }
        let label = match dataset {
            NamedOrBlankNode::NamedNode(n) => format!("<{}>", n.as_str()),
            NamedOrBlankNode::BlankNode(b) => format!("blank node dataset _:{}", b.as_str()),
        };
        if too_big {
            out.errors.push(RecordError {
                page_url: page_url.to_owned(),
                record: label,
                reason: format!(
                    "record has more than {} triples; rejected (raise harvest.max_record_triples if this is legitimate)",
                    options.max_record_triples
                ),
                snippet: String::new(),
            });
            continue;
        }
        indices.sort_unstable();
        indices.dedup();
        let mut record_triples: Vec<Triple> = indices.iter().map(|&i| triples[i].clone()).collect();
        let (iri, minted) = match dataset {
            NamedOrBlankNode::NamedNode(n) => (n.clone(), false),
            NamedOrBlankNode::BlankNode(b) => match mint_dataset_iri(b, &record_triples, options) {
                Ok(iri) => {
                    replace_blank(&mut record_triples, b, &iri);
                    (iri, true)
                }
                Err(reason) => {
                    out.errors.push(RecordError {
                        page_url: page_url.to_owned(),
                        record: label,
                        reason,
                        snippet: snippet(
                            &record_triples
                                .first()
                                .map(ToString::to_string)
                                .unwrap_or_default(),
                            200,
                        ),
                    });
                    continue;
                }
            },
        };
        out.records.push(Record {
            dataset: iri,
            triples: record_triples,
            page_url: page_url.to_owned(),
            minted,
        });
    }
    out
}

fn as_node(term: &Term) -> Option<NamedOrBlankNode> {
    match term {
        Term::NamedNode(n) => Some(n.clone().into()),
        Term::BlankNode(b) => Some(b.clone().into()),
        _ => None,
    }
}

fn replace_blank(triples: &mut [Triple], from: &BlankNode, to: &NamedNode) {
    for t in triples {
        if matches!(&t.subject, NamedOrBlankNode::BlankNode(b) if b == from) {
            t.subject = to.clone().into();
        }
        if matches!(&t.object, Term::BlankNode(b) if b == from) {
            t.object = to.clone().into();
        }
    }
}

/// Mints the IRI of a dataset that the source names with a blank node.
///
/// The rule: `{mint_base}{source_id}/{id}` where `{id}` is the dataset's
/// `dct:identifier` (the smallest one when there are several), percent-encoded;
/// without an identifier it is `h-` followed by the first 32 hex digits of the
/// SHA-256 of the record's canonical N-Triples (RDFC-1.0), so the same content
/// always gets the same IRI.
pub fn mint_dataset_iri(
    dataset: &BlankNode,
    triples: &[Triple],
    options: &SplitOptions,
) -> Result<NamedNode, String> {
    let identifier = triples
        .iter()
        .filter(|t| {
            matches!(&t.subject, NamedOrBlankNode::BlankNode(b) if b == dataset)
                && t.predicate.as_ref() == dct::IDENTIFIER
        })
        .filter_map(|t| match &t.object {
            Term::Literal(l) => Some(l.value().trim().to_owned()),
            Term::NamedNode(n) => Some(n.as_str().to_owned()),
            _ => None,
        })
        .filter(|s| !s.is_empty())
        .min();
    let local = match identifier {
        Some(id) => crate::values::path_segment(&id),
        None => format!("h-{}", &canonical_hash(triples)[..32]),
    };
    let iri = format!(
        "{}{}/{}",
        options.mint_base,
        crate::values::path_segment(&options.source_id),
        local
    );
    NamedNode::new(iri.clone()).map_err(|e| format!("cannot mint dataset IRI {iri:?}: {e}"))
}

pub use crate::canon::{canonical_form, canonical_hash, canonical_ntriples};

#[cfg(test)]
mod tests {
    use super::*;
    use oxrdfio::{RdfFormat, RdfParser};

    fn parse(ttl: &str) -> Vec<Triple> {
        RdfParser::from_format(RdfFormat::Turtle)
            .with_base_iri("http://example.org/")
            .unwrap()
            .for_slice(ttl)
            .map(|q| Triple::from(q.unwrap()))
            .collect()
    }

    fn options() -> SplitOptions {
        SplitOptions {
            source_id: "kiel".into(),
            mint_base: "https://land.example/id/dataset/".into(),
            max_record_triples: 1000,
        }
    }

    const PAGE: &str = r#"
        @prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
        @prefix foaf: <http://xmlns.com/foaf/0.1/> . @prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
        @prefix hydra: <http://www.w3.org/ns/hydra/core#> .
        <cat> a dcat:Catalog ; dcat:dataset <d1>, <d2>, _:d3 ; dct:publisher <org> .
        <org> a foaf:Organization ; foaf:name "Stadt" .
        <d1> a dcat:Dataset ; dct:title "Eins" ; dct:publisher <org> ;
             dcat:contactPoint [ a vcard:Organization ; vcard:hasEmail <mailto:a@b.example> ] ;
             dcat:distribution <d1/csv> ; dct:isPartOf <d2> ; dct:temporal [ dcat:startDate "2020-01-01" ] .
        <d1/csv> a dcat:Distribution ; dcat:accessURL <http://x.example/a.csv> ;
             dcat:byteSize "12"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger> .
        <d2> dct:title "Zwei, untyped but listed" ; dcat:distribution [ dcat:accessURL <http://x.example/b> ] .
        _:d3 a dcat:Dataset ; dct:identifier "abc/1 ä" ; dct:title "Drei" .
        <rec1> a dcat:CatalogRecord ; foaf:primaryTopic <d1> ; dct:modified "2024-01-01" .
        <page> a hydra:PartialCollectionView ; hydra:next <page2> .
    "#;

    #[test]
    fn splits_datasets_with_closure() {
        let page = split_page(parse(PAGE), "http://example.org/page", &options());
        assert!(page.errors.is_empty(), "{:?}", page.errors);
        assert_eq!(page.next_links, vec!["http://example.org/page2".to_owned()]);
        let by_iri: HashMap<String, &Record> = page
            .records
            .iter()
            .map(|r| (r.dataset.as_str().to_owned(), r))
            .collect();
        assert_eq!(by_iri.len(), 3);
        let d1 = by_iri["http://example.org/d1"];
        // dataset 7 + contact 2 + temporal 1 + distribution 3 + publisher 2 + catalog record 3
        assert_eq!(d1.triples.len(), 18, "{:#?}", d1.triples);
        // The link to another dataset is kept, its description is not copied.
        assert!(!d1
            .triples
            .iter()
            .any(|t| t.subject.to_string() == "<http://example.org/d2>"));
        assert!(!d1
            .triples
            .iter()
            .any(|t| t.subject.to_string() == "<http://example.org/cat>"));
        let d2 = by_iri["http://example.org/d2"];
        assert_eq!(d2.triples.len(), 3);
        let d3 = by_iri["https://land.example/id/dataset/kiel/abc%2F1%20%C3%A4"];
        assert!(d3.minted);
        assert!(d3.triples.iter().all(|t| !t.subject.is_blank_node()));
    }

    #[test]
    fn data_services_are_records() {
        let ttl = r#"@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
            <cat> a dcat:Catalog ; dcat:dataset <d> ; dcat:service <api>, _:wms .
            <d> a dcat:Dataset ; dct:title "D" ;
                dcat:distribution [ a dcat:Distribution ; dcat:accessService <api> ; dcat:accessURL <http://x.example/api> ] ,
                    [ a dcat:Distribution ; dcat:accessService [ a dcat:DataService ; dct:title "inline" ] ] .
            <api> a dcat:DataService ; dct:title "API" ; dcat:endpointURL <http://x.example/api> ; dcat:servesDataset <d> .
            _:wms a dcat:DataService ; dct:identifier "wms-1" ; dct:title "WMS" ."#;
        let page = split_page(parse(ttl), "p", &options());
        assert!(page.errors.is_empty(), "{:?}", page.errors);
        let iris: Vec<&str> = page.records.iter().map(|r| r.dataset.as_str()).collect();
        assert_eq!(
            iris,
            [
                "http://example.org/d",
                "http://example.org/api",
                "https://land.example/id/dataset/kiel/wms-1"
            ]
        );
        let api = &page.records[1];
        // Type, title, endpoint and the link to the dataset, not its description.
        assert_eq!(api.triples.len(), 4, "{:#?}", api.triples);
        // The dataset record still describes the service its distribution uses.
        let d = &page.records[0];
        assert!(d
            .triples
            .iter()
            .any(|t| t.subject.to_string() == "<http://example.org/api>"
                && t.predicate == dcat::ENDPOINT_URL));
    }

    #[test]
    fn minting_without_identifier_is_content_based_and_stable() {
        let ttl = r#"@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
            [] a dcat:Dataset ; dct:title "Ohne Kennung" ; dcat:distribution [ dcat:accessURL <http://x.example/> ] ."#;
        let a = split_page(parse(ttl), "p", &options());
        let b = split_page(parse(ttl), "p", &options());
        assert_eq!(a.records.len(), 1);
        assert_eq!(a.records[0].dataset, b.records[0].dataset);
        assert!(a.records[0]
            .dataset
            .as_str()
            .starts_with("https://land.example/id/dataset/kiel/h-"));
    }

    #[test]
    fn oversized_record_is_a_record_error() {
        let mut ttl =
            String::from("@prefix dcat: <http://www.w3.org/ns/dcat#> . <big> a dcat:Dataset ");
        for i in 0..2000 {
            ttl.push_str(&format!("; dcat:keyword \"k{i}\" "));
        }
        ttl.push_str(". <small> a dcat:Dataset .");
        let page = split_page(parse(&ttl), "p", &options());
        assert_eq!(page.records.len(), 1);
        assert_eq!(page.errors.len(), 1);
        assert!(page.errors[0].reason.contains("more than 1000 triples"));
        assert!(page.errors[0].record.contains("big"));
    }

    #[test]
    fn canonical_hash_ignores_blank_labels_and_order() {
        let a = parse("<s> <p> [ <q> \"1\" ] . <s> <r> <o> .");
        let b = parse("<s> <r> <o> . _:zz <q> \"1\" . <s> <p> _:zz .");
        assert_eq!(canonical_hash(&a), canonical_hash(&b));
        let c = parse(
            "<s> <p> [ <q> \"01\"^^<http://www.w3.org/2001/XMLSchema#integer> ] . <s> <r> <o> .",
        );
        assert_ne!(canonical_hash(&a), canonical_hash(&c));
    }
}
