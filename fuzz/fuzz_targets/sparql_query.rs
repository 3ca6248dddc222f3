//! A SPARQL query as `/sparql` receives it: parsed by Oxigraph's
//! `SparqlEvaluator::parse_query`, evaluated (default graph = union of the
//! named graphs, as the endpoint sets it) on a small in-memory store laid out
//! like the catalog's (record, meta and catalog graphs), stopped after one
//! second by a cancellation token and after 1,000 rows, and serialized in
//! the result format the query's length picks.
//!
//! The endpoint's form parsing (`catalog-server/src/http/sparql.rs`) is not
//! reached: it lives next to the store. Oxigraph's in-memory store needs no
//! RocksDB.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oxigraph::io::{RdfFormat, RdfParser, RdfSerializer};
use oxigraph::sparql::results::{QueryResultsFormat, QueryResultsSerializer};
use oxigraph::sparql::{CancellationToken, QueryResults, SparqlEvaluator};
use oxigraph::store::Store;
use std::sync::mpsc;
use std::sync::OnceLock;
use std::time::Duration;

const DATA: &str = r#"
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix cat: <urn:dcat-catalog:vocab#> .
GRAPH <urn:dcat-catalog:record:0123456789abcdef0123> {
  <https://portal.example/dataset/1> a dcat:Dataset ;
    dct:title "Bäume in Kiel"@de, "Trees"@en ;
    dct:modified "2024-05-01"^^xsd:date ;
    dcat:keyword "Umwelt", "Bäume" ;
    dcat:distribution [ a dcat:Distribution ; dcat:accessURL <https://portal.example/d/1.csv> ;
                        dct:format "CSV" ; dcat:byteSize "1024"^^xsd:nonNegativeInteger ] .
}
GRAPH <urn:dcat-catalog:record:fedcba9876543210fedc> {
  <https://portal.example/dataset/2> a dcat:Dataset ;
    dct:title "Parkplätze" ; dct:issued "2023-11-30T12:00:00Z"^^xsd:dateTime ;
    dct:spatial [ dcat:bbox "POLYGON((9.9 54.5,10.3 54.5,10.3 54.2,9.9 54.2,9.9 54.5))" ] .
}
GRAPH <urn:dcat-catalog:meta:kiel> {
  <urn:dcat-catalog:record:0123456789abcdef0123> a dcat:CatalogRecord ;
    foaf:primaryTopic <https://portal.example/dataset/1> ; cat:status "published" ; cat:violations 0 .
}
GRAPH <urn:dcat-catalog:catalog:kiel> {
  <https://land.example/catalogs/kiel> a dcat:Catalog ;
    dcat:dataset <https://portal.example/dataset/1>, <https://portal.example/dataset/2> .
}
"#;

fn store() -> &'static Store {
    static STORE: OnceLock<Store> = OnceLock::new();
    STORE.get_or_init(|| {
        let store = Store::new().expect("an in-memory store");
        store
            .load_from_slice(RdfParser::from_format(RdfFormat::TriG), DATA)
            .expect("the sample data");
        store
    })
}

const RESULTS: [QueryResultsFormat; 4] = [
    QueryResultsFormat::Json,
    QueryResultsFormat::Xml,
    QueryResultsFormat::Csv,
    QueryResultsFormat::Tsv,
];
const GRAPHS: [RdfFormat; 4] = [
    RdfFormat::Turtle,
    RdfFormat::NTriples,
    RdfFormat::RdfXml,
    RdfFormat::JsonLd {
        profile: oxigraph::io::JsonLdProfileSet::empty(),
    },
];
const CAP: usize = 1_000;

fuzz_target!(|data: &[u8]| {
    let Ok(query) = std::str::from_utf8(data) else {
        return;
    };
    let token = CancellationToken::new();
    let Ok(mut prepared) = SparqlEvaluator::new()
        .with_cancellation_token(token.clone())
        .parse_query(query)
    else {
        return;
    };
    if prepared.dataset().is_default_dataset() {
        prepared.dataset_mut().set_default_graph_as_union();
    }
    let (done, stop) = mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if stop.recv_timeout(Duration::from_secs(1)).is_err() {
            token.cancel();
        }
    });
    let pick = data.len() % 4;
    match prepared.on_store(store()).execute() {
        Ok(QueryResults::Solutions(solutions)) => {
            let variables = solutions.variables().to_vec();
            let mut rows = Vec::new();
            for row in solutions.take(CAP) {
                match row {
                    Ok(row) => rows.push(row),
                    Err(_) => break,
                }
            }
            if let Ok(mut w) = QueryResultsSerializer::from_format(RESULTS[pick])
                .serialize_solutions_to_writer(Vec::new(), variables)
            {
                for row in &rows {
                    let _ = w.serialize(row);
                }
                let _ = w.finish();
            }
        }
        Ok(QueryResults::Boolean(b)) => {
            let _ = QueryResultsSerializer::from_format(RESULTS[pick])
                .serialize_boolean_to_writer(Vec::new(), b);
        }
        Ok(QueryResults::Graph(triples)) => {
            let mut w = RdfSerializer::from_format(GRAPHS[pick]).for_writer(Vec::new());
            for t in triples.take(CAP) {
                match t {
                    Ok(t) => {
                        let _ = w.serialize_triple(&t);
                    }
                    Err(_) => break,
                }
            }
            let _ = w.finish();
        }
        Err(_) => {}
    }
    let _ = done.send(());
    let _ = watchdog.join();
});
