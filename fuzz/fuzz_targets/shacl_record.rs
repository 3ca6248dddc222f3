//! Validation of harvested records, the one step after splitting that reads
//! every value a portal wrote: a Turtle (or TriG) page is parsed and split
//! as `rdf_document` does, and each record is validated with the `shacl`
//! engine against the product's default profile, `dcat-ap-de-3` (its shape
//! files and vocabularies as `shapes/profiles.toml` lists them), with the
//! record as focus graph and the vocabularies as context, as
//! `catalog-server`'s `validation` does.
//!
//! Input: the page, read as Turtle.
#![no_main]

use catalog_fuzz::PAGE_URL;
use harvester::rdf::{parse_document, ParseOptions};
use harvester::split::{split_page, SplitOptions};
use harvester::Document;
use libfuzzer_sys::fuzz_target;
use oxrdf::Graph;
use shacl::Shapes;
use std::sync::OnceLock;

macro_rules! files {
    ($dir:literal: $($name:literal),* $(,)?) => {
        &[$(include_str!(concat!("../../", $dir, "/", $name))),*]
    };
}

const SHAPES: &[&str] = files!("shapes":
    "dcat-ap-3/core.ttl",
    "dcat-ap-3/ranges.ttl",
    "dcat-ap-de-3/overlay.ttl",
    "dcat-ap-de-3/deprecated.ttl",
    "dcat-ap-de-3/additions.ttl",
    "dcat-ap-de-3/vocabularies.ttl",
    "common/vocabulary-restrictions.ttl",
);
const VOCABULARIES: &[&str] = files!("vocabularies":
    "eu/data-theme.ttl", "eu/file-type.ttl", "eu/frequency.ttl", "eu/language.ttl",
    "eu/access-right.ttl", "eu/distribution-status.ttl", "eu/planned-availability.ttl",
    "eu/dataset-type.ttl", "eu/adms-publishertype.ttl",
    "dcat-ap-de/licenses.ttl", "dcat-ap-de/contributors.ttl",
    "dcat-ap-de/political-geocoding-level.ttl", "eu/class-hierarchy.ttl",
);

fn graph(files: &[&str]) -> Graph {
    let mut graph = Graph::new();
    for text in files {
        for quad in oxrdfio::RdfParser::from_format(oxrdfio::RdfFormat::Turtle).for_slice(text) {
            graph.insert(&oxrdf::Triple::from(quad.expect("a shipped Turtle file")));
        }
    }
    graph
}

fn profile() -> &'static (Shapes, Graph) {
    static PROFILE: OnceLock<(Shapes, Graph)> = OnceLock::new();
    PROFILE.get_or_init(|| {
        let shapes = Shapes::from_graph(&graph(SHAPES)).expect("the dcat-ap-de-3 shapes");
        (shapes, graph(VOCABULARIES))
    })
}

fuzz_target!(|data: &[u8]| {
    let (shapes, vocabulary) = profile();
    let doc = Document {
        url: PAGE_URL.into(),
        final_url: PAGE_URL.into(),
        media_type: Some("text/turtle".into()),
        validators: Default::default(),
        body: bytes::Bytes::copy_from_slice(data),
    };
    let Ok(parsed) = parse_document(&doc, &ParseOptions::default()) else {
        return;
    };
    let split = SplitOptions {
        source_id: "fuzz".into(),
        mint_base: "https://land.example/id/dataset/".into(),
        max_record_triples: 5_000,
    };
    for record in split_page(parsed.triples, PAGE_URL, &split).records {
        let record: Graph = record.triples.iter().collect();
        let _ = shapes.validate_record(&record, vocabulary);
    }
});
