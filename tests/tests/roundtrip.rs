//! Round trip: harvest real catalogs, `export --all` as N-Quads, parse the
//! export, and check that every record's exported graph, without the
//! catalog's own identifier stamped on the way out, is isomorphic to the
//! record the harvester produced from the same file — datatypes and lexical
//! forms included (Oxigraph alone would normalize them).

use catalog_tests::*;
use harvester::fetch::Document;
use harvester::rdf::{parse_document, ParseOptions};
use harvester::split::{canonical_ntriples, split_page, SplitOptions};
use oxrdf::{GraphName, Triple};
use std::collections::BTreeMap;

#[test]
fn exported_record_graphs_equal_harvested_records() {
    let Some(dcat_dir) = fixtures("dcat") else {
        return;
    };
    let stub = StubServer::start();
    let dir = TempDir::new("roundtrip");
    let mut specs = Vec::new();
    let mut expected: BTreeMap<String, String> = BTreeMap::new();
    for (i, f) in serve_fixtures(&stub, &dcat_dir, ROUNDTRIP_FILES)
        .into_iter()
        .enumerate()
    {
        let (url, file, body) = (f.url, f.file, f.body);
        specs.push(SourceSpec::new(&f.id, &url));
        // What the harvester makes of the file, computed here independently of the store.
        let doc = Document {
            url: url.clone(),
            final_url: url.clone(),
            media_type: Some(media_type_for(&file).to_owned()),
            validators: Default::default(),
            body: body.into(),
        };
        let parsed = parse_document(&doc, &ParseOptions::default()).expect("parse fixture");
        let split = split_page(
            parsed.triples,
            &url,
            &SplitOptions {
                source_id: format!("r{i}"),
                mint_base: "http://catalog.test/id/dataset/".into(),
                max_record_triples: 50_000,
            },
        );
        for record in split.records {
            expected.insert(
                format!("r{i} {}", record.dataset.as_str()),
                canonical_ntriples(&record.triples),
            );
        }
    }
    let config = write_config(dir.path(), &specs, "");
    let (out, _) = harvest(&config, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let nq = dir.path().join("export.nq");
    let out = run_catalog(
        &config,
        &[
            "export",
            "--format",
            "nq",
            "--all",
            "--out",
            nq.to_str().unwrap_or(""),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Group the exported quads by record graph, without the catalog's own
    // identifier (the blank node `r{rid}id` and what links it).
    let bytes = std::fs::read(&nq).expect("export");
    let mut graphs: BTreeMap<String, Vec<Triple>> = BTreeMap::new();
    let stamped =
        |t: &oxrdf::Term| matches!(t, oxrdf::Term::BlankNode(b) if b.as_str().ends_with("id"));
    for q in oxrdfio::RdfParser::from_format(oxrdfio::RdfFormat::NQuads).for_slice(&bytes) {
        let q = q.expect("export parses");
        let GraphName::NamedNode(g) = &q.graph_name else {
            continue;
        };
        if g.as_str().starts_with("urn:dcat-catalog:record:")
            && !stamped(&q.subject.clone().into())
            && !stamped(&q.object)
        {
            graphs
                .entry(g.as_str().to_owned())
                .or_default()
                .push(Triple::from(q));
        }
    }
    // The record graph -> (source, dataset) link comes from SPARQL over the
    // served store's provenance.
    let served = Served::start(&config);
    let mut topic: BTreeMap<String, String> = BTreeMap::new();
    let mut source_of: BTreeMap<String, String> = BTreeMap::new();
    for row in served.select(
        "SELECT ?r ?d ?s WHERE { GRAPH ?m { ?r a <http://www.w3.org/ns/dcat#CatalogRecord> ; <http://xmlns.com/foaf/0.1/primaryTopic> ?d ; <urn:dcat-catalog:vocab#source> ?s } FILTER(STRSTARTS(STR(?r), \"urn:dcat-catalog:record:\")) }",
    ) {
        topic.insert(row["r"].clone(), row["d"].clone());
        source_of.insert(row["r"].clone(), row["s"].clone());
    }
    assert_eq!(
        graphs.len(),
        expected.len(),
        "records exported vs harvested"
    );
    let mut mismatches = Vec::new();
    for (graph, triples) in &graphs {
        let key = format!("{} {}", source_of[graph], topic[graph]);
        let got = canonical_ntriples(triples);
        match expected.get(&key) {
            Some(want) if *want == got => {}
            Some(want) => mismatches.push(format!(
                "{key}:\n--- harvested\n{want}\n--- exported\n{got}"
            )),
            None => mismatches.push(format!("{key}: exported but not harvested")),
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    // Exactness is visible: the export keeps xsd:nonNegativeInteger, SPARQL sees it normalized.
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger>"));
}
