//! End to end over the real DCAT catalogs in `shared/fixtures/dcat/`: every
//! file (Hydra-paged sets as one source) is served from a loopback stub,
//! harvested by the `catalog-server` binary, then `serve` is started and the
//! number of datasets and distributions per source is read over `/sparql` and
//! compared with counts computed independently from the files (parsed into a
//! scratch in-memory store and counted with SPARQL).
//!
//! "Dataset" means, here as in the harvester: a node typed `dcat:Dataset` or
//! `dcat:DatasetSeries`, or the object of a catalog's `dcat:dataset` that is
//! described on the page; "record" adds the data services that are records:
//! named `dcat:DataService`s and those a catalog lists with `dcat:service`.

use catalog_tests::*;
use oxigraph::io::{JsonLdProfileSet, LoadedDocument, RdfFormat, RdfParser};
use oxigraph::sparql::{QueryResults, SparqlEvaluator};
use oxigraph::store::Store;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Files that are malformed as published (see the fixtures README): their
/// page must fail with a clear error and store nothing.
const BROKEN: &[&str] = &[
    "semiceu-dcat-ap-examples/3.0.1/example-bee-population-dataset-series-api.ttl",
    "semiceu-dcat-ap-examples/3.0.1/example-bee-population-dataset-series-combined.ttl",
    "ckanext-dcat-examples/dataset.ttl",
    "dcat-ap-de-reference-examples/2024-02-22_UAG_Beispieldatensatz_v1.ttl",
];

/// Hydra-paged sets: first page, second page, and the next-link text of page 1.
const PAGED: &[(&str, &str, &str)] = &[
    (
        "udata-dcat/paged-collection-1.jsonld",
        "udata-dcat/paged-collection-2.jsonld",
        "http://data.test.org/catalog.jsonld?page=2",
    ),
    (
        "udata-dcat/partial-collection-1.jsonld",
        "udata-dcat/partial-collection-2.jsonld",
        "http://data.test.org/catalog.jsonld?page=2",
    ),
];

/// Dumps whose Hydra links point at the live portals: the stub serves an
/// empty last page there instead.
const LIVE_NEXT: &[&str] = &[
    "http://opendata.schleswig-holstein.de/catalog.xml?page=51",
    "https://www.opendata-hro.de/catalog.rdf?page=2",
];

/// Files that are valid RDF but hold no DCAT term at all (SHACL test data for
/// a lone `foaf:Agent`): a harvest must refuse them as "not a catalog".
const NOT_A_CATALOG: &[&str] = &["govdata-shacl-testcases/v2.0_shapes/dcat-ap-foaf_agent.ttl"];

struct Source {
    id: String,
    pages: Vec<PathBuf>,
    broken: bool,
    not_a_catalog: bool,
}

fn rdf_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rdf_files(&p, out);
        } else if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("ttl" | "rdf" | "xml" | "jsonld" | "nt" | "nq" | "trig")
        ) {
            out.push(p);
        }
    }
}

fn source_id(rel: &str) -> String {
    let id: String = rel
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    // Keep ids short but unique: the tail of the path and a hash of the rest.
    let hash = rel
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    let tail: String = id
        .chars()
        .rev()
        .take(40)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("{}-{hash:08x}", tail.trim_matches('-'))
}

/// The JSON-LD context the SEMIC examples reference, taken from the
/// fixtures themselves (independent of the contexts the product ships).
fn fixture_context_loader(
    dcat_dir: &Path,
) -> impl Fn(&str) -> Result<LoadedDocument, Box<dyn std::error::Error + Send + Sync>>
       + Send
       + Sync
       + std::panic::UnwindSafe
       + std::panic::RefUnwindSafe
       + 'static {
    let examples = std::fs::read(dcat_dir.join("semiceu-dcat-ap-examples/3.0.1/context.jsonld"))
        .unwrap_or_default();
    let official = std::fs::read(dcat_dir.join("../shapes/dcat-ap-3.0.1/context/dcat-ap.jsonld"))
        .unwrap_or_default();
    move |url: &str| {
        let content = if url.contains("html/examples/context.jsonld") {
            examples.clone()
        } else if url.ends_with("context/dcat-ap.jsonld") {
            official.clone()
        } else {
            return Err(format!("unknown context {url}").into());
        };
        Ok(LoadedDocument {
            url: url.to_owned(),
            content,
            format: RdfFormat::JsonLd {
                profile: JsonLdProfileSet::empty(),
            },
        })
    }
}

/// Counts datasets and distributions in the files of one source.
fn independent_counts(pages: &[PathBuf], urls: &[String], dcat_dir: &Path) -> (usize, usize) {
    let store = Store::new().expect("memory store");
    for (page, url) in pages.iter().zip(urls) {
        let bytes = std::fs::read(page).expect("fixture");
        let format = match page.extension().and_then(|e| e.to_str()) {
            Some("ttl") => RdfFormat::Turtle,
            Some("nt") => RdfFormat::NTriples,
            Some("jsonld") => RdfFormat::JsonLd {
                profile: JsonLdProfileSet::empty(),
            },
            _ => RdfFormat::RdfXml,
        };
        let parser = RdfParser::from_format(format)
            .with_base_iri(url.as_str())
            .expect("base")
            .rename_blank_nodes()
            .with_default_graph(oxigraph::model::GraphName::DefaultGraph);
        let quads: Vec<_> = if matches!(format, RdfFormat::JsonLd { .. }) {
            parser
                .for_reader(bytes.as_slice())
                .with_document_loader(fixture_context_loader(dcat_dir))
                .collect::<Result<_, _>>()
                .unwrap_or_else(|e| panic!("{}: {e}", page.display()))
        } else {
            parser
                .for_slice(&bytes)
                .collect::<Result<_, _>>()
                .unwrap_or_else(|e| panic!("{}: {e}", page.display()))
        };
        for q in quads {
            let q = oxigraph::model::Quad::new(
                q.subject,
                q.predicate,
                q.object,
                oxigraph::model::GraphName::DefaultGraph,
            );
            store.insert(&q).expect("insert");
        }
    }
    let datasets = "{ { ?d a dcat:Dataset } UNION { ?d a dcat:DatasetSeries } UNION { ?c dcat:dataset ?d . ?d ?anyp ?anyo } \
        UNION { ?d a dcat:DataService FILTER isIRI(?d) } UNION { ?c dcat:service ?d . ?d a dcat:DataService } }";
    let count = |q: &str| -> usize {
        let query = format!("PREFIX dcat: <http://www.w3.org/ns/dcat#> {q}");
        match SparqlEvaluator::new()
            .parse_query(&query)
            .expect("query")
            .on_store(&store)
            .execute()
            .expect("eval")
        {
            QueryResults::Solutions(mut s) => s
                .next()
                .and_then(|r| r.ok())
                .and_then(|r| {
                    r.get("n").map(|t| match t {
                        oxigraph::model::Term::Literal(l) => l.value().parse().unwrap_or(0),
                        _ => 0,
                    })
                })
                .unwrap_or(0),
            _ => 0,
        }
    };
    let n_datasets = count(&format!(
        "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE {datasets}"
    ));
    let n_distributions = count(&format!(
        "SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?d ?dist WHERE {{ {datasets} ?d dcat:distribution ?dist }} }}"
    ));
    (n_datasets, n_distributions)
}

#[test]
fn harvest_real_dcat_fixtures_and_count_over_sparql() {
    let Some(dcat_dir) = fixtures("dcat") else {
        return;
    };
    let stub = StubServer::start();
    stub.serve_bytes("/terminal", b"# last page\n".to_vec(), "text/turtle");
    let mut files = Vec::new();
    rdf_files(&dcat_dir, &mut files);
    let rel = |p: &Path| {
        p.strip_prefix(&dcat_dir)
            .unwrap_or(p)
            .to_string_lossy()
            .replace('\\', "/")
    };
    let second_pages: Vec<&str> = PAGED.iter().map(|(_, p2, _)| *p2).collect();

    let mut sources: Vec<Source> = Vec::new();
    for f in &files {
        let r = rel(f);
        if second_pages.contains(&r.as_str()) {
            continue;
        }
        let mut pages = vec![f.clone()];
        if let Some((_, p2, _)) = PAGED.iter().find(|(p1, _, _)| *p1 == r) {
            pages.push(dcat_dir.join(p2));
        }
        sources.push(Source {
            id: source_id(&r),
            pages,
            broken: BROKEN.contains(&r.as_str()),
            not_a_catalog: NOT_A_CATALOG.contains(&r.as_str()),
        });
    }
    assert!(
        sources.len() > 100,
        "expected the whole DCAT fixture folder, found {}",
        sources.len()
    );

    // Serve every page; rewrite next links to the stub.
    let mut page_urls: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for s in &sources {
        let mut urls = Vec::new();
        for (i, page) in s.pages.iter().enumerate() {
            let path = format!(
                "/{}/page{}/{}",
                s.id,
                i + 1,
                page.file_name().unwrap_or_default().to_string_lossy()
            );
            urls.push(stub.url(&path));
        }
        for (i, page) in s.pages.iter().enumerate() {
            let mut body =
                String::from_utf8_lossy(&std::fs::read(page).expect("fixture")).into_owned();
            if let Some((_, _, next)) = PAGED.iter().find(|(p1, _, _)| dcat_dir.join(p1) == *page) {
                body = body.replace(next, &urls[1]);
            }
            for live in LIVE_NEXT {
                body = body.replace(live, &stub.url("/terminal"));
            }
            let path = urls[i]
                .trim_start_matches(&format!("http://{}", stub.addr))
                .to_owned();
            stub.serve_bytes(&path, body.into_bytes(), media_type_for(page));
        }
        page_urls.insert(s.id.clone(), urls);
    }

    let dir = TempDir::new("dcat-e2e");
    let specs: Vec<SourceSpec> = sources
        .iter()
        .map(|s| SourceSpec::new(&s.id, &page_urls[&s.id][0]))
        .collect();
    let config = write_config(dir.path(), &specs, "[harvest]\nconcurrency = 4\n");
    let (out, reports) = harvest(&config, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the broken fixtures make the run fail:\n{stdout}"
    );

    let served = Served::start(&config);
    let mut problems = Vec::new();
    let mut total = (0, 0);
    for s in &sources {
        let report = report_of(&reports, &s.id);
        let status = report["status"].as_str().unwrap_or("");
        let prefix =
            "PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX foaf: <http://xmlns.com/foaf/0.1/>";
        let meta = format!("<urn:dcat-catalog:meta:{}>", s.id);
        let got_datasets = served.count(&format!(
            "{prefix} SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE {{ GRAPH {meta} {{ ?r foaf:primaryTopic ?d }} GRAPH ?r {{ ?d ?p ?o }} }}"
        ));
        let got_distributions = served.count(&format!(
            "{prefix} SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?d ?dist WHERE {{ GRAPH {meta} {{ ?r foaf:primaryTopic ?d }} GRAPH ?r {{ ?d dcat:distribution ?dist }} }} }}"
        ));
        if s.not_a_catalog {
            let errors = report["errors"].to_string();
            if status != "failed" || got_datasets != 0 || !errors.contains("no DCAT or Hydra terms")
            {
                problems.push(format!(
                    "{}: expected 'not a catalog', got status {status}, errors {errors}",
                    s.id
                ));
            }
            continue;
        }
        if s.broken {
            let errors = report["errors"].to_string();
            if status != "failed"
                || got_datasets != 0
                || !errors.contains("invalid")
                || !errors.contains(&s.id)
            {
                problems.push(format!(
                    "{}: expected a clear page error, got status {status}, errors {errors}",
                    s.id
                ));
            }
            continue;
        }
        let expected = independent_counts(&s.pages, &page_urls[&s.id], &dcat_dir);
        total.0 += expected.0;
        total.1 += expected.1;
        if status != "success" {
            problems.push(format!("{}: status {status}: {}", s.id, report["errors"]));
        }
        if (got_datasets, got_distributions) != expected {
            problems.push(format!(
                "{}: datasets/distributions over SPARQL {:?}, from the files {:?}",
                s.id,
                (got_datasets, got_distributions),
                expected
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    // The fixtures are not trivially empty.
    assert!(total.0 > 500 && total.1 > 500, "{total:?}");
    // Hydra paging followed page 2 of both vocabularies.
    for (p1, _, _) in PAGED {
        let id = source_id(p1);
        let report = report_of(&reports, &id);
        assert_eq!(report["pages"], 2, "{id}: {report}");
        assert_eq!(report["complete"], true);
    }

    // High-value datasets: the hvd_category facet and filter count what
    // SPARQL counts among the datasets in search, and the dataset JSON
    // carries the categories and the legislation.
    let hvd = served.select(
        "PREFIX dcatap: <http://data.europa.eu/r5r/> SELECT ?c (COUNT(DISTINCT ?d) AS ?n) \
         WHERE { ?d dcatap:hvdCategory ?c } GROUP BY ?c",
    );
    assert!(!hvd.is_empty(), "the fixtures have HVD datasets");
    let facet = served.facet("", "hvd_category");
    let sparql: std::collections::BTreeMap<String, u64> = hvd
        .iter()
        .map(|row| (row["c"].clone(), row["n"].parse().unwrap_or(0)))
        .collect();
    assert_eq!(
        facet, sparql,
        "hvd_category facet against SPARQL's default graph"
    );
    let (category, count) = sparql.iter().next().expect("a category");
    let hits = served.get_json(&format!(
        "/api/search?hvd_category={}&size=1",
        url_encode(category)
    ));
    assert_eq!(hits["total"].as_u64(), Some(*count));
    let id = hits["hits"][0]["id"].as_str().expect("a hit").to_owned();
    let d = served.get_json(&format!("/api/datasets/{id}"));
    assert!(
        d["hvd_categories"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c == category.as_str())),
        "{d}"
    );
    assert!(d["applicable_legislation"].is_array(), "{d}");
}
