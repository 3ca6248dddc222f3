//! A fetched DCAT page: syntax chosen from the declared Content-Type and the
//! body (`harvester::rdf::choose_format`), parsed (`parse_document`, the
//! RDF/XML entity guard included), split into records (`harvester::split`),
//! each record canonicalized (what the store hashes) and extracted for the
//! search index.
//!
//! Besides not panicking, two properties the store relies on are checked:
//! splitting the same triples twice gives the same records (dataset IRIs,
//! minted ones included, and canonical forms), and a record's canonical form
//! does not change when its triples come in reverse order with other blank
//! node labels ("Shortcuts never hide a change", ARCHITECTURE.md).
//!
//! Input: the first byte picks the declared media type (low 4 bits; wrong
//! and missing ones included) and, with its high bit, a remote JSON-LD
//! context loader that answers every URL with the document itself (a
//! hostile context server); the rest is the body.
#![no_main]

use catalog_fuzz::{offline_contexts, PAGE_URL};
use harvester::rdf::{parse_document, ParseOptions};
use harvester::split::{split_page, SplitOptions};
use harvester::{canonical_form, Document};
use libfuzzer_sys::fuzz_target;
use oxrdf::{BlankNode, NamedOrBlankNode, Term, Triple};
use std::sync::Arc;

const MEDIA_TYPES: [Option<&str>; 16] = [
    None,
    Some("text/turtle"),
    Some("application/rdf+xml"),
    Some("application/ld+json"),
    Some("application/n-triples"),
    Some("application/n-quads"),
    Some("application/trig"),
    Some("text/n3"),
    Some("application/xml"),
    Some("text/xml"),
    Some("application/json"),
    Some("text/html"),
    Some("text/plain"),
    Some("application/octet-stream"),
    Some("application/x-turtle"),
    Some(""),
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let doc = Document {
        url: PAGE_URL.into(),
        final_url: PAGE_URL.into(),
        media_type: MEDIA_TYPES[usize::from(selector & 0x0f)].map(str::to_owned),
        validators: Default::default(),
        body: bytes::Bytes::copy_from_slice(body),
    };
    let mut contexts = offline_contexts();
    if selector & 0x80 != 0 {
        let echo = body.to_vec();
        contexts = contexts.with_remote(Arc::new(move |_url: &str| Ok(echo.clone())));
    }
    let options = ParseOptions { contexts };
    let Ok(parsed) = parse_document(&doc, &options) else {
        return;
    };
    let split = SplitOptions {
        source_id: "fuzz".into(),
        mint_base: "https://land.example/id/dataset/".into(),
        max_record_triples: 5_000,
    };
    let again = split_page(parsed.triples.clone(), &doc.final_url, &split);
    let page = split_page(parsed.triples, &doc.final_url, &split);
    assert_eq!(
        summary(&page.records),
        summary(&again.records),
        "split is not deterministic"
    );
    assert_eq!(page.errors.len(), again.errors.len());
    for record in &page.records {
        let (text, _) = canonical_form(&record.triples);
        let relabelled: Vec<Triple> = record.triples.iter().rev().map(relabel).collect();
        assert_eq!(
            text,
            canonical_form(&relabelled).0,
            "the canonical form depends on triple order or blank node labels"
        );
        let info = catalog_search::RecordInfo {
            rid: "00000000000000000000",
            hash: &text[..text.len().min(8)],
            dataset: record.dataset.as_str(),
            source: "fuzz",
            source_title: "Fuzz",
        };
        let _ = catalog_search::extract(&info, &record.triples);
    }
});

/// Each record's dataset IRI and canonical form, sorted.
fn summary(records: &[harvester::Record]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = records
        .iter()
        .map(|r| (r.dataset.as_str().to_owned(), canonical_form(&r.triples).0))
        .collect();
    out.sort();
    out
}

/// The triple with every blank node label prefixed (an isomorphic graph).
fn relabel(t: &Triple) -> Triple {
    let blank = |b: &BlankNode| BlankNode::new_unchecked(format!("x{}", b.as_str()));
    let subject = match &t.subject {
        NamedOrBlankNode::BlankNode(b) => NamedOrBlankNode::BlankNode(blank(b)),
        other => other.clone(),
    };
    let object = match &t.object {
        Term::BlankNode(b) => Term::BlankNode(blank(b)),
        other => other.clone(),
    };
    Triple::new(subject, t.predicate.clone(), object)
}
