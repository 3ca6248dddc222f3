//! The catalog endpoint (`/catalog.ttl`, `/catalogs/{source}.ttl`) as
//! harvesters upstream read it: read back by this project's own DCAT
//! harvester into a second instance and by rdflib; paged while a harvest
//! writes; `modified_since`, withdrawn records, validators and gzip.

use catalog_server::config::Config;
use catalog_server::store::CatalogStore;
use catalog_tests::stadt::{self, serve_catalog};
use catalog_tests::*;
use harvester::split::canonical_ntriples;
use reqwest::Method;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

const TOKEN: &str = "catalog-endpoint-test-token-0123456789abcdef";
const DATASET_LINK: &str = "http://www.w3.org/ns/dcat#dataset";
const HYDRA: &str = "http://www.w3.org/ns/hydra/core#";

/// Each published record's exact graph (canonical N-Triples) by dataset IRI;
/// with `served_by`, without the catalog's own identifier that the catalog
/// at that base IRI stamped on the way out (an `adms:Identifier` whose
/// `skos:notation` is its dataset page).
fn stored_graphs(config: &Path, served_by: Option<&str>) -> BTreeMap<String, String> {
    let config = Config::load(config).expect("config");
    let store = CatalogStore::open(&config.data_dir).expect("open store");
    let mut out = BTreeMap::new();
    for r in store.records(None).expect("records") {
        let mut graph = store.exact_graph(&r).expect("exact graph");
        if let Some(base) = served_by {
            let stamped: std::collections::HashSet<oxrdf::Term> = graph
                .iter()
                .filter(|t| {
                    t.predicate.as_str() == "http://www.w3.org/2004/02/skos/core#notation"
                        && matches!(&t.object, oxrdf::Term::Literal(l)
                            if l.value().starts_with(&format!("{base}/datasets/")))
                })
                .map(|t| t.subject.clone().into())
                .collect();
            graph.retain(|t| {
                !stamped.contains(&t.subject.clone().into()) && !stamped.contains(&t.object)
            });
        }
        assert!(
            out.insert(r.dataset.clone(), canonical_ntriples(&graph))
                .is_none(),
            "dataset {} stored twice",
            r.dataset
        );
    }
    out
}

/// One page read as N-Triples: the datasets typed on it, `hydra:totalItems`
/// and the `hydra:next` link.
struct Page {
    datasets: Vec<String>,
    total: usize,
    next: Option<String>,
}

fn read_page(url: &str) -> Page {
    let r = call(Method::GET, url, &[("Accept", "application/n-triples")]);
    assert_eq!(r.status, 200, "{url}: {}", r.text());
    let mut page = Page {
        datasets: Vec::new(),
        total: usize::MAX,
        next: None,
    };
    for t in oxrdfio::RdfParser::from_format(oxrdfio::RdfFormat::NTriples).for_slice(&r.body) {
        let t = t.unwrap_or_else(|e| panic!("{url}: {e}"));
        let object = match &t.object {
            oxrdf::Term::NamedNode(n) => n.as_str().to_owned(),
            oxrdf::Term::Literal(l) => l.value().to_owned(),
            other => other.to_string(),
        };
        match t.predicate.as_str() {
            // The page's records, datasets and data services alike, as
            // the Land catalog and the sub-catalogs link them.
            DATASET_LINK => {
                let record = t.object.to_string();
                if !page.datasets.contains(&record) {
                    page.datasets.push(record);
                }
            }
            p if p == format!("{HYDRA}totalItems") => {
                page.total = object.parse().expect("totalItems")
            }
            p if p == format!("{HYDRA}next") => page.next = Some(object),
            _ => {}
        }
    }
    page
}

/// Follows `hydra:next` from `first`, calling `between` with the pages
/// read so far before each next one; returns every page.
fn page_through_with(first: &str, mut between: impl FnMut(&[Page])) -> Vec<Page> {
    let mut pages = Vec::new();
    let mut url = Some(first.to_owned());
    while let Some(u) = url {
        let page = read_page(&u);
        url = page.next.clone();
        pages.push(page);
        assert!(pages.len() < 10_000, "paging does not end");
        if url.is_some() {
            between(&pages);
        }
    }
    pages
}

fn page_through(first: &str) -> Vec<Page> {
    page_through_with(first, |_| {})
}

const LAND_ID: &str = "http://dcat-ap.de/def/contributors/schleswigHolstein";

fn catalog_section(page_size: usize) -> String {
    format!("[catalog]\ntitle = \"Landeskatalog\"\npage_size = {page_size}\n")
}

/// A config (see [`write_config`]) whose `base_iri` is the address that
/// [`Served::start_on`] with the returned port serves: the paging links
/// are made from `base_iri`.
fn served_config(
    dir: &Path,
    sources: &[SourceSpec],
    page_size: usize,
) -> (std::path::PathBuf, u16) {
    let port = free_port();
    let path = write_config(dir, sources, &catalog_section(page_size));
    let text = std::fs::read_to_string(&path).expect("config");
    let text = text.replace(
        "base_iri = \"http://catalog.test/\"",
        &format!("base_iri = \"http://127.0.0.1:{port}/\""),
    );
    std::fs::write(&path, text).expect("config");
    (path, port)
}

/// The catalog served by one instance, harvested as a Hydra-paged DCAT
/// source by a second one, has the same datasets with the same exact
/// graphs; rdflib follows both kinds of next link and counts what
/// `hydra:totalItems` promised.
#[test]
fn a_second_instance_harvests_the_served_catalog_back() {
    let Some(dcat_dir) = fixtures("dcat") else {
        return;
    };
    let stub = StubServer::start();
    let dir_a = TempDir::new("endpoint-a");
    let specs: Vec<SourceSpec> = serve_fixtures(&stub, &dcat_dir, ROUNDTRIP_FILES)
        .iter()
        .map(|f| SourceSpec::new(&f.id, &f.url))
        .collect();
    // Pages of 4 datasets: the listing spans several pages.
    let (config_a, port) = served_config(dir_a.path(), &specs, 4);
    harvest_ok(&config_a, &[]);
    let served = Served::start_on(&config_a, port, &[]);
    let base_a = served.base.clone();
    let first = format!("{}/catalog.ttl", served.base);
    let pages = page_through(&format!("{}/catalog.nt", served.base));
    assert!(pages.len() > 2, "{} pages", pages.len());
    let listed: Vec<&String> = pages.iter().flat_map(|p| &p.datasets).collect();
    assert_eq!(listed.len(), pages[0].total);
    rdflib_counts(&first);

    // Per source: each source's catalog harvested back is the same
    // records with the same exact graphs.
    let dir_b = TempDir::new("endpoint-b");
    let sources_b: Vec<SourceSpec> = (0..ROUNDTRIP_FILES.len())
        .map(|i| {
            SourceSpec::new(
                &format!("r{i}"),
                &format!("{}/catalogs/r{i}.ttl", served.base),
            )
        })
        .collect();
    let config_b = write_config(dir_b.path(), &sources_b, &catalog_section(100));
    let reports = harvest_ok(&config_b, &[]);
    for i in 0..ROUNDTRIP_FILES.len() {
        assert_eq!(
            report_of(&reports, &format!("r{i}"))["complete"],
            true,
            "{reports:#}"
        );
    }
    // The Land catalog harvested back as one Hydra-paged source.
    let dir_c = TempDir::new("endpoint-c");
    let config_c = write_config(
        dir_c.path(),
        &[SourceSpec::new("land", &first)],
        &catalog_section(100),
    );
    let reports = harvest_ok(&config_c, &[]);
    assert_eq!(report_of(&reports, "land")["complete"], true, "{reports:#}");
    drop(served);
    let a = stored_graphs(&config_a, None);
    let b = stored_graphs(&config_b, Some(&base_a));
    let c = stored_graphs(&config_c, Some(&base_a));
    assert_eq!(a.len(), listed.len());
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "datasets"
    );
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        c.keys().collect::<Vec<_>>(),
        "datasets"
    );
    let differ: Vec<String> = a
        .iter()
        .filter(|(d, g)| b.get(*d) != Some(g))
        .map(|(d, g)| {
            format!(
                "{d}\n--- first instance\n{g}\n--- second instance\n{}",
                b[d]
            )
        })
        .collect();
    assert!(differ.is_empty(), "{}", differ.join("\n"));
    // Through the Land catalog, records of different sources share a page:
    // a splitter that follows references takes along what another record
    // on the page says about a node both name (here: vocabulary terms that
    // one source describes). Nothing is lost, and nothing is added that the
    // served records did not hold.
    let served_lines: BTreeSet<&str> = a.values().flat_map(|g| g.lines()).collect();
    for (d, g) in &a {
        let got: BTreeSet<&str> = c[d].lines().collect();
        let want: BTreeSet<&str> = g.lines().collect();
        let blank = |l: &&str| l.contains("_:");
        let lost: Vec<_> = want.difference(&got).filter(|l| !blank(l)).collect();
        assert!(lost.is_empty(), "{d}: lost {lost:#?}");
        let invented: Vec<_> = got
            .difference(&want)
            .filter(|l| !blank(l) && !served_lines.contains(*l))
            .collect();
        assert!(invented.is_empty(), "{d}: invented {invented:#?}");
        assert!(
            got.iter().filter(|l| blank(l)).count() >= want.iter().filter(|l| blank(l)).count(),
            "{d}: blank-node triples lost"
        );
    }
}

/// rdflib (an independent parser) follows `hydra:next`, then
/// `hydra:nextPage`, from `first` and counts the distinct datasets the
/// catalog links; both counts must equal `hydra:totalItems`.
fn rdflib_counts(first: &str) {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let probe = std::process::Command::new(&python)
        .args(["-c", "import rdflib"])
        .output();
    if !matches!(&probe, Ok(o) if o.status.success()) {
        let message = format!("rdflib is not installed for {python}: the rdflib check is skipped");
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}");
        eprintln!("{message}");
        return;
    }
    let script = r#"
import sys, urllib.request, rdflib
HYDRA = rdflib.Namespace("http://www.w3.org/ns/hydra/core#")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
first, link = sys.argv[1], sys.argv[2]
url, seen, datasets, total = first, set(), set(), None
while url:
    assert url not in seen, "page twice: " + url
    seen.add(url)
    g = rdflib.Graph()
    req = urllib.request.Request(url, headers={"Accept": "text/turtle"})
    g.parse(data=urllib.request.urlopen(req).read(), format="turtle")
    for page in set(g.subjects(HYDRA.totalItems, None)):
        total = int(g.value(page, HYDRA.totalItems))
        nxt = g.value(page, HYDRA[link])
    for c in g.subjects(rdflib.RDF.type, DCAT.Catalog):
        datasets.update(d for d in g.objects(c, DCAT.dataset) if any((d, rdflib.RDF.type, k) in g for k in (DCAT.Dataset, DCAT.DatasetSeries, DCAT.DataService)))
    url = str(nxt) if nxt is not None else None
print(len(seen), len(datasets), total)
"#;
    for link in ["next", "nextPage"] {
        let out = std::process::Command::new(&python)
            .args(["-c", script, first, link])
            .output()
            .expect("run python");
        assert!(
            out.status.success(),
            "rdflib ({link}): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let n: Vec<usize> = text
            .split_whitespace()
            .map(|x| x.parse().expect("number"))
            .collect();
        assert!(n.len() == 3 && n[0] > 2, "rdflib ({link}): {text}");
        assert_eq!(n[1], n[2], "rdflib ({link}): datasets vs totalItems");
    }
}

fn stadt_iri(i: usize) -> String {
    format!("<https://stadt.example/ds/{i}>")
}

/// A client paging from first to last while a harvest adds, changes and
/// withdraws datasets sees every dataset that stayed unchanged exactly
/// once, and no dataset twice; afterwards `modified_since` lists exactly
/// what the harvest changed, and withdrawn datasets are gone.
#[test]
fn paging_is_stable_while_a_harvest_writes() {
    let stub = StubServer::start();
    let dir = TempDir::new("endpoint-paging");
    // 8,000 datasets, then: 0..500 withdrawn, every 7th changed, 8,000..14,000
    // added (several write batches of 5,000).
    let v1: Vec<usize> = (0..8_000).collect();
    serve_catalog(&stub, &v1, 500, &|_| 1);
    let mut spec = SourceSpec::new("stadt", &stub.url("/catalog?page=1"));
    spec.extra = "max_withdraw_share = 0.5".into();
    let (config, port) = served_config(dir.path(), &[spec], 500);
    let text = std::fs::read_to_string(&config).expect("config");
    let text = text.replace(
        "page_size = 500\n",
        &format!("page_size = 500\ncontributor_id = \"{LAND_ID}\"\n"),
    );
    std::fs::write(&config, text).expect("config");
    harvest_ok(&config, &[]);
    std::thread::sleep(Duration::from_millis(1_100));
    let before_second = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    std::thread::sleep(Duration::from_millis(1_100));
    let v2: Vec<usize> = (500..14_000).collect();
    let changed = |i: usize| i < 8_000 && i.is_multiple_of(7);
    // Slow pages stretch the harvest over the client's paging.
    let base = format!("http://{}", stub.addr);
    let chunks: Vec<&[usize]> = v2.chunks(500).collect();
    for (k, chunk) in chunks.iter().enumerate() {
        let body = stadt::page(&base, k + 1, k + 1 == chunks.len(), chunk, &|i| {
            if changed(i) {
                2
            } else {
                1
            }
        });
        stub.set(
            &format!("/catalog?page={}", k + 1),
            Behaviour::Slow {
                delay: Duration::from_millis(150),
                body: std::sync::Arc::new(body),
                content_type: "text/turtle".into(),
            },
        );
    }
    let served = Served::start_on(&config, port, &[("CATALOG_ADMIN_TOKEN", TOKEN)]);
    let auth = format!("Bearer {TOKEN}");
    let started = call(
        Method::POST,
        &format!("{}/api/sources/stadt/harvest", served.base),
        &[("Authorization", &auth)],
    );
    assert_eq!(started.status, 202, "{}", started.text());
    let run = started.json()["run"].as_str().expect("run").to_owned();
    let status = || {
        call(Method::GET, &format!("{}{run}", served.base), &[]).json()["status"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    // After the second page the client waits until the harvest has written
    // (the first page's totalItems moves), then pages on.
    let first_url = format!("{}/catalog.nt", served.base);
    let paged = page_through_with(&first_url, |pages| {
        if pages.len() == 2 {
            let deadline = Instant::now() + Duration::from_secs(300);
            while read_page(&first_url).total == pages[0].total {
                assert!(Instant::now() < deadline, "run {run}: {}", status());
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    });
    let totals: BTreeSet<usize> = paged.iter().map(|p| p.total).collect();
    assert!(
        totals.len() > 1,
        "the harvest wrote nothing during the paging (totals {totals:?}); the test did not test"
    );
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for d in paged.iter().flat_map(|p| &p.datasets) {
        *count.entry(d).or_default() += 1;
    }
    let twice: Vec<_> = count.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "listed twice: {twice:?}");
    let missed: Vec<usize> = (500..8_000)
        .filter(|i| !changed(*i))
        .filter(|i| !count.contains_key(stadt_iri(*i).as_str()))
        .collect();
    assert!(missed.is_empty(), "unchanged datasets missed: {missed:?}");

    let deadline = Instant::now() + Duration::from_secs(300);
    while status() != "success" {
        assert!(Instant::now() < deadline, "run {run}: {}", status());
        std::thread::sleep(Duration::from_millis(200));
    }
    // After the harvest: exactly the second version, nothing withdrawn.
    let after: BTreeSet<String> = page_through(&format!("{}/catalog.nt", served.base))
        .into_iter()
        .flat_map(|p| p.datasets)
        .collect();
    let expected: BTreeSet<String> = v2.iter().map(|i| stadt_iri(*i)).collect();
    assert_eq!(after.len(), expected.len());
    assert!(after == expected, "the listing is not the second version");
    // The source's own catalog lists the same.
    let source_page = call(
        Method::GET,
        &format!("{}/catalogs/stadt.nt", served.base),
        &[],
    );
    let source_total = read_page(&format!("{}/catalogs/stadt.nt", served.base)).total;
    assert_eq!(source_total, expected.len());
    // Every dataset carries the Land's contributor ID and the catalog's own ID.
    let text = source_page.text();
    let stamped = |needle: &str| text.lines().filter(|l| l.contains(needle)).count();
    assert_eq!(
        stamped(&format!(
            "<http://dcat-ap.de/def/dcatde/contributorID> <{LAND_ID}>"
        )),
        500
    );
    assert_eq!(stamped("<http://www.w3.org/ns/adms#identifier>"), 500);
    // modified_since: exactly what the second harvest added or changed.
    let since: BTreeSet<String> = page_through(&format!(
        "{}/catalog.nt?modified_since={}",
        served.base,
        url_encode(&before_second)
    ))
    .into_iter()
    .flat_map(|p| p.datasets)
    .collect();
    let want: BTreeSet<String> = v2
        .iter()
        .filter(|i| changed(**i) || **i >= 8_000)
        .map(|i| stadt_iri(*i))
        .collect();
    assert_eq!(since.len(), want.len());
    assert!(since == want, "modified_since lists other datasets");
    let bad = call(
        Method::GET,
        &format!("{}/catalog.ttl?modified_since=letzte-Woche", served.base),
        &[],
    );
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains("modified_since"), "{}", bad.text());
    validators_and_gzip(&served);
}

/// `ETag` and `Last-Modified` answer conditional requests with 304; a client
/// that accepts gzip gets gzip.
fn validators_and_gzip(served: &Served) {
    let url = format!("{}/catalog.ttl?page=2", served.base);
    let first = call(Method::GET, &url, &[]);
    assert_eq!(first.status, 200);
    let etag = first.headers["etag"].clone();
    let last_modified = first.headers["last-modified"].clone();
    let again = call(Method::GET, &url, &[("If-None-Match", &etag)]);
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    let since = call(Method::GET, &url, &[("If-Modified-Since", &last_modified)]);
    assert_eq!(since.status, 304);
    let other = call(Method::GET, &url, &[("If-None-Match", "W/\"0000\"")]);
    assert_eq!(other.status, 200);
    assert_eq!(other.body, first.body);
    let rt = runtime();
    let (encoding, magic) = rt.block_on(async {
        let client = reqwest::Client::builder()
            .no_gzip()
            .build()
            .expect("client");
        let r = client
            .get(&url)
            .header("Accept-Encoding", "gzip")
            .send()
            .await
            .expect("gzip request");
        let encoding = r
            .headers()
            .get("content-encoding")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = r.bytes().await.expect("body");
        (encoding, body.get(..2).map(<[u8]>::to_vec))
    });
    assert_eq!(encoding, "gzip");
    assert_eq!(magic, Some(vec![0x1f, 0x8b]));
}
