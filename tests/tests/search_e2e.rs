//! Search end to end: real DCAT, CKAN and CSW fixtures are served on
//! loopback, harvested by the `catalog-server` binary, and `/api/search` is
//! checked against what a citizen would type (German and English, typos,
//! umlaut spellings), against SPARQL over the same store (facet counts, bbox
//! and date filters), and for consistency with the store after re-harvests,
//! a simulated crash between store and index commits, and a deleted,
//! truncated or outdated index folder.

use catalog_search::extract::{format_label, parse_date, parse_geometry};
use catalog_search::BBox;
use catalog_tests::portals::{
    ckan_fixture_packages, iso_fixture_records, write_portal_config, CkanPortal, CswPortal,
};
use catalog_tests::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const DCAT: &str = "http://www.w3.org/ns/dcat#";
const DCT: &str = "http://purl.org/dc/terms/";
const PREFIXES: &str =
    "PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX dct: <http://purl.org/dc/terms/> \
    PREFIX foaf: <http://xmlns.com/foaf/0.1/> PREFIX cat: <urn:dcat-catalog:vocab#> \
    PREFIX locn: <http://www.w3.org/ns/locn#> PREFIX schema: <http://schema.org/> \
    PREFIX dcatde: <http://dcat-ap.de/def/dcatde/>";
/// Published datasets and their record graphs, duplicates of another
/// source's record left out (what search shows).
const PUBLISHED: &str =
    "GRAPH ?m { ?r cat:status \"published\" ; foaf:primaryTopic ?d ; cat:source ?src \
     FILTER NOT EXISTS { ?r cat:duplicateOf ?winner } }";

fn get_json(url: &str) -> (u16, Value, String) {
    let (status, body) = blocking_get(url, "application/json").expect("request");
    let text = String::from_utf8_lossy(&body).into_owned();
    let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
    (status, json, text)
}

fn search(served: &Served, params: &str) -> Value {
    let (status, json, text) = get_json(&format!("{}/api/search?{params}", served.base));
    assert_eq!(status, 200, "{params}: {text}");
    json
}

fn titles(v: &Value) -> Vec<String> {
    v["hits"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|h| h["title"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Every hit of a search (paged), as (id, dataset IRI).
fn all_hits(served: &Served, params: &str) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let mut page = 1;
    loop {
        let v = search(served, &format!("{params}&size=100&page={page}"));
        let hits = v["hits"].as_array().cloned().unwrap_or_default();
        for h in &hits {
            out.insert((
                h["id"].as_str().unwrap_or("").to_owned(),
                h["dataset"].as_str().unwrap_or("").to_owned(),
            ));
        }
        let total = v["total"].as_u64().unwrap_or(0) as usize;
        if hits.is_empty() || out.len() >= total {
            assert_eq!(out.len(), total, "{params}: paging lost hits");
            return out;
        }
        page += 1;
    }
}

fn datasets(hits: &BTreeSet<(String, String)>) -> BTreeSet<String> {
    hits.iter().map(|(_, d)| d.clone()).collect()
}

/// (record id, dataset IRI) of every published record, over SPARQL.
fn published(served: &Served) -> BTreeSet<(String, String)> {
    served
        .select(&format!("{PREFIXES} SELECT ?r ?d WHERE {{ {PUBLISHED} }}"))
        .into_iter()
        .map(|row| {
            (
                row["r"]
                    .trim_start_matches("urn:dcat-catalog:record:")
                    .to_owned(),
                row["d"].clone(),
            )
        })
        .collect()
}

struct Harvested {
    _dir: TempDir,
    _stub: StubServer,
    _ckan: CkanPortal,
    _csw: CswPortal,
    served: Served,
}

fn harvest_fixtures() -> Option<Harvested> {
    let dcat = fixtures("dcat")?;
    let ckan = fixtures("ckan")?;
    let csw = fixtures("csw")?;
    let stub = StubServer::start();
    stub.serve_bytes("/terminal", b"# last page\n".to_vec(), "text/turtle");
    let files: &[(&str, &str)] = &[
        (
            "rostock",
            "govdata-shacl-testcases/dashboard/rostock-catalog-original-input.rdf",
        ),
        ("sh", "schleswig-holstein-catalog/catalog.xml"),
        (
            "brandenburg",
            "govdata-shacl-testcases/dashboard/brandenburg-catalog-original-input.ttl",
        ),
        (
            "bees",
            "semiceu-dcat-ap-examples/3.0.1/example-bee-population-2022-2023.ttl",
        ),
        ("zimbabwe", "ckanext-dcat-examples/dataset.rdf"),
        ("sweden", "ckanext-dcat-examples/dataset_sweden.rdf"),
    ];
    let mut sources: Vec<(String, String, String, String)> = Vec::new();
    for (id, rel) in files {
        let path = dcat.join(rel);
        let mut body =
            String::from_utf8_lossy(&std::fs::read(&path).expect("fixture")).into_owned();
        body = body.replace(
            "http://opendata.schleswig-holstein.de/catalog.xml?page=51",
            &stub.url("/terminal"),
        );
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let route = format!("/{id}/{name}");
        stub.serve_bytes(&route, body.into_bytes(), media_type_for(&path));
        sources.push((
            id.to_string(),
            "dcat".into(),
            stub.url(&route),
            String::new(),
        ));
    }
    let ckan_portal = CkanPortal::start(ckan_fixture_packages(&ckan));
    let csw_portal = CswPortal::start(iso_fixture_records(&csw), None);
    sources.push((
        "ckan".into(),
        "ckan".into(),
        ckan_portal.base_url(),
        "rows = 5".into(),
    ));
    sources.push((
        "csw".into(),
        "csw".into(),
        csw_portal.endpoint(),
        "page_size = 10".into(),
    ));
    let dir = TempDir::new("search-e2e");
    let specs: Vec<(&str, &str, &str, &str)> = sources
        .iter()
        .map(|(a, b, c, d)| (a.as_str(), b.as_str(), c.as_str(), d.as_str()))
        .collect();
    let config = write_portal_config(dir.path(), &specs, "[harvest]\nconcurrency = 2\n");
    let (out, reports) = harvest(&config, &[]);
    for (id, ..) in &sources {
        let r = report_of(&reports, id);
        assert!(
            r["added"].as_u64().unwrap_or(0) > 0,
            "{id} stored nothing: {r}\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
        let errors = r["errors"].to_string();
        assert!(
            !errors.contains("search index"),
            "{id}: the search index failed to follow: {errors}"
        );
    }
    let served = Served::start(&config);
    Some(Harvested {
        _dir: dir,
        _stub: stub,
        _ckan: ckan_portal,
        _csw: csw_portal,
        served,
    })
}

#[test]
fn citizen_queries_facets_and_filters_on_real_fixtures() {
    let Some(h) = harvest_fixtures() else { return };
    let served = &h.served;
    let store = published(served);
    assert!(store.len() > 250, "{} published records", store.len());

    // --- what citizens type ---------------------------------------------
    let queries: &[(&str, &str)] = &[
        ("Bäume", "Bäume"),
        ("baeume", "Bäume"),
        ("Baum Rostock", "Bäume"),
        (
            "Strassenverkehrsunfaelle Mai",
            "Straßenverkehrsunfälle in Schleswig-Holstein im Mai 2004",
        ),
        (
            "straßenverkehrsunfälle april",
            "Straßenverkehrsunfälle in Schleswig-Holstein im April 2004",
        ),
        ("Bebaungsplan", "Bebauungspläne (Geltungsbereiche)"),
        ("Haltestelen", "Haltestellen"),
        ("Gaststaetten", "Gaststätten"),
        (
            "Ladestation Elektrofahrzeuge",
            "Ladestationen für Elektrofahrzeuge",
        ),
        ("Kita", "Kindertagesstätten"),
        ("Badegewasser", "Badegewässer Stammdaten"),
        (
            "\"Kunst im öffentlichen Raum\"",
            "Kunst im öffentlichen Raum",
        ),
        (
            // The only title with both words; the exclusion must not hurt it.
            // (A query like "Baugenehmigungen -Januar -Mai" leaves several
            // equally good titles, whose order is arbitrary.)
            "Baugenehmigungen Juli -Juni",
            "Baugenehmigungen in Schleswig-Holstein im Juli 2004",
        ),
        ("Glascontainer OR Papiercontainer", "Glascontainer"),
        ("bee population Greece", "Bee population 2022"),
        ("bees", "Bee population"),
        (
            "geochemical survey",
            "Zimbabwe Regional Geochemical Survey.",
        ),
    ];
    let mut problems = Vec::new();
    for (q, expected) in queries {
        let v = search(served, &format!("q={}", url_encode(q)));
        let top: Vec<String> = titles(&v).into_iter().take(3).collect();
        if !top.iter().any(|t| t.starts_with(expected)) {
            problems.push(format!(
                "{q:?}: expected {expected:?} in the top 3, got {top:?} (total {})",
                v["total"]
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Exclusion really excludes.
    let v = search(
        served,
        &format!("q={}&size=100", url_encode("Baugenehmigungen -Juni")),
    );
    assert!(v["total"].as_u64().unwrap_or(0) >= 3);
    assert!(
        titles(&v).iter().all(|t| !t.contains("Juni")),
        "{:?}",
        titles(&v)
    );
    // A field prefix restricts the field.
    let v = search(
        served,
        &format!("q={}", url_encode("publisher:Rostock Bäume")),
    );
    assert_eq!(titles(&v).first().map(String::as_str), Some("Bäume"));
    // A broken query is searched as words.
    let v = search(served, &format!("q={}", url_encode("\"Bäume OR")));
    assert_eq!(v["query_fallback"], true);
    assert!(titles(&v).iter().take(3).any(|t| t == "Bäume"), "{v}");
    // Typos are corrected only when needed, and say so.
    assert_eq!(search(served, "q=Haltestelen")["fuzzy"], true);
    assert_eq!(search(served, "q=Haltestelen")["match"], "fuzzy");
    assert_eq!(search(served, "q=Haltestellen")["fuzzy"], false);
    assert_eq!(search(served, "q=Haltestellen")["match"], "all");
    // Stop words are never required, in either spelling; the answer says
    // when words were dropped.
    let v = search(served, "q=baeume+fuer+rostock");
    assert_eq!(titles(&v).first().map(String::as_str), Some("Bäume"));
    assert_eq!(titles(&v), titles(&search(served, "q=baeume+rostock")));
    let v = search(served, "q=haltestellen+im+rostocker+nahverkehr+netz");
    assert_ne!(v["match"], "all");
    assert_eq!(titles(&v).first().map(String::as_str), Some("Haltestellen"));
    // Hits carry what the issue asks for.
    let v = search(served, "q=B%C3%A4ume&size=1");
    let hit = &v["hits"][0];
    for key in [
        "id",
        "title",
        "snippet",
        "publisher",
        "source",
        "modified",
        "formats",
        "licenses",
        "links",
    ] {
        assert!(!hit[key].is_null(), "hit lacks {key}: {hit}");
    }
    assert!(
        hit["snippet"].as_str().unwrap_or("").contains("<mark>"),
        "{hit}"
    );
    assert_eq!(hit["source"], "rostock");
    let id = hit["id"].as_str().unwrap_or("").to_owned();
    assert_eq!(hit["links"]["json"], format!("/api/datasets/{id}"));

    // --- dataset views ---------------------------------------------------
    let (status, json, text) = get_json(&format!("{}/api/datasets/{id}", served.base));
    assert_eq!(status, 200, "{text}");
    assert_eq!(json["title"], "Bäume");
    assert!(
        json["distributions"]
            .as_array()
            .is_some_and(|d| d.len() >= 3),
        "{json}"
    );
    let dataset_iri = json["dataset"].as_str().unwrap_or("").to_owned();
    for (accept, format) in [
        ("text/turtle", oxrdfio::RdfFormat::Turtle),
        ("application/rdf+xml", oxrdfio::RdfFormat::RdfXml),
        ("application/n-triples", oxrdfio::RdfFormat::NTriples),
        (
            "application/ld+json",
            oxrdfio::RdfFormat::JsonLd {
                profile: oxrdfio::JsonLdProfileSet::empty(),
            },
        ),
    ] {
        let (status, body) =
            blocking_get(&format!("{}/datasets/{id}", served.base), accept).expect("rdf");
        assert_eq!(status, 200, "{accept}");
        let quads: Vec<_> = oxrdfio::RdfParser::from_format(format)
            .for_slice(&body)
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("{accept}: {e}"));
        assert!(
            quads
                .iter()
                .any(|q| q.subject.to_string() == format!("<{dataset_iri}>")
                    && q.predicate.as_str() == format!("{DCT}title")),
            "{accept}: no title of {dataset_iri}"
        );
    }
    let (status, _) =
        blocking_get(&format!("{}/datasets/{id}", served.base), "image/png").expect("rdf");
    assert_eq!(status, 406);
    let (status, _, text) = get_json(&format!("{}/api/datasets/not-an-id", served.base));
    assert_eq!(status, 400, "{text}");
    let (status, _, _) = get_json(&format!(
        "{}/api/datasets/00000000000000000000",
        served.base
    ));
    assert_eq!(status, 404);
    let (status, _, text) = get_json(&format!("{}/api/search?bbox=1,2,3", served.base));
    assert_eq!(status, 400);
    assert!(text.contains("'bbox'"), "{text}");
    let (status, json, _) = get_json(&format!("{}/api/openapi.json", served.base));
    assert_eq!(status, 200);
    assert!(json["openapi"]
        .as_str()
        .is_some_and(|v| v.starts_with("3.")));

    // --- everything, and facet counts against SPARQL ----------------------
    let everything = all_hits(served, "q=");
    assert_eq!(
        everything, store,
        "search must hold exactly the published records"
    );
    let v = search(served, "facet_size=10000&size=0");
    let got_facets = |name: &str| -> BTreeMap<String, u64> {
        v["facets"][name]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|x| {
                        (
                            x["value"].as_str().unwrap_or("").to_owned(),
                            x["count"].as_u64().unwrap_or(0),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let count = |rows: Vec<(String, String)>| -> BTreeMap<String, u64> {
        let mut sets: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (d, v) in rows {
            if !v.is_empty() {
                sets.entry(v).or_default().insert(d);
            }
        }
        sets.into_iter().map(|(k, s)| (k, s.len() as u64)).collect()
    };
    let rows = |pattern: &str, map: &dyn Fn(&str) -> String| -> Vec<(String, String)> {
        served
            .select(&format!(
                "{PREFIXES} SELECT DISTINCT ?d ?v WHERE {{ {PUBLISHED} GRAPH ?r {{ {pattern} }} }}"
            ))
            .into_iter()
            .map(|row| (row["d"].clone(), map(&row["v"])))
            .collect()
    };
    let trim = |s: &str| s.trim().to_owned();
    let expected: Vec<(&str, BTreeMap<String, u64>)> = vec![
        ("theme", count(rows("?d dcat:theme ?v", &trim))),
        ("keyword", count(rows("?d dcat:keyword ?v", &trim))),
        (
            "geocoding",
            count(rows(
                "?d ?g ?v FILTER(CONTAINS(STR(?g), \"dcat-ap.de/def/dcatde/\") && STRENDS(STR(?g), \"/politicalGeocodingURI\"))",
                &trim,
            )),
        ),
        (
            "license",
            count(rows(
                "{ ?d dct:license ?v } UNION { ?d dcat:distribution ?x . ?x dct:license ?v }",
                &trim,
            )),
        ),
        ("format", count(rows("?d dcat:distribution ?x . ?x dct:format ?v", &|s| format_label(s)))),
        (
            "source",
            count(
                served
                    .select(&format!("{PREFIXES} SELECT ?d ?src WHERE {{ {PUBLISHED} }}"))
                    .into_iter()
                    .map(|r| (r["d"].clone(), r["src"].clone()))
                    .collect(),
            ),
        ),
        ("publisher", count(publisher_rows(served))),
    ];
    for (name, want) in &expected {
        assert!(!want.is_empty(), "{name}: SPARQL found no values");
        assert_eq!(&got_facets(name), want, "facet {name} differs from SPARQL");
    }
    // Filtered facets: a theme filter narrows the other facets and the total.
    let envi = "http://publications.europa.eu/resource/authority/data-theme/ENVI";
    let filtered = search(
        served,
        &format!("theme={}&facet_size=10000", url_encode(envi)),
    );
    let theme_count = got_facets("theme").get(envi).copied().unwrap_or(0);
    assert!(theme_count > 0);
    assert_eq!(filtered["total"].as_u64(), Some(theme_count));
    // Two values of one facet are ORed; two facets are ANDed.
    let gove = "http://publications.europa.eu/resource/authority/data-theme/GOVE";
    let either = all_hits(
        served,
        &format!("theme={}&theme={}", url_encode(envi), url_encode(gove)),
    );
    let envi_set = all_hits(served, &format!("theme={}", url_encode(envi)));
    let gove_set = all_hits(served, &format!("theme={}", url_encode(gove)));
    assert_eq!(either, envi_set.union(&gove_set).cloned().collect());
    let both = all_hits(
        served,
        &format!("theme={}&source=rostock", url_encode(envi)),
    );
    let rostock = all_hits(served, "source=rostock");
    assert_eq!(both, envi_set.intersection(&rostock).cloned().collect());

    // --- bbox and dates against SPARQL ------------------------------------
    let mut boxes: BTreeMap<String, BBox> = BTreeMap::new();
    for row in served.select(&format!(
        "{PREFIXES} SELECT ?d ?g WHERE {{ {PUBLISHED} GRAPH ?r {{ ?d dct:spatial ?s . {{ ?s dcat:bbox ?g }} UNION {{ ?s locn:geometry ?g }} }} }}"
    )) {
        if let Some(b) = parse_geometry(&row["g"]) {
            let e = boxes.entry(row["d"].clone()).or_insert(b);
            *e = BBox {
                min_lon: e.min_lon.min(b.min_lon),
                min_lat: e.min_lat.min(b.min_lat),
                max_lon: e.max_lon.max(b.max_lon),
                max_lat: e.max_lat.max(b.max_lat),
            };
        }
    }
    assert!(boxes.len() > 50, "{} datasets with a bbox", boxes.len());
    for q in [
        BBox {
            min_lon: 12.0,
            min_lat: 54.1,
            max_lon: 12.1,
            max_lat: 54.2,
        },
        BBox {
            min_lon: 8.0,
            min_lat: 53.3,
            max_lon: 11.4,
            max_lat: 55.1,
        },
        BBox {
            min_lon: -20.0,
            min_lat: -40.0,
            max_lon: 40.0,
            max_lat: 0.0,
        },
        BBox {
            min_lon: 170.0,
            min_lat: -10.0,
            max_lon: 180.0,
            max_lat: 10.0,
        },
    ] {
        let want: BTreeSet<String> = boxes
            .iter()
            .filter(|(_, b)| b.intersects(&q))
            .map(|(d, _)| d.clone())
            .collect();
        let got = datasets(&all_hits(
            served,
            &format!(
                "bbox={},{},{},{}",
                q.min_lon, q.min_lat, q.max_lon, q.max_lat
            ),
        ));
        assert_eq!(got, want, "bbox {q:?}");
    }
    let mut modified: BTreeMap<String, (Option<i64>, Option<i64>)> = BTreeMap::new();
    for row in served.select(&format!(
        "{PREFIXES} SELECT ?d ?p ?v WHERE {{ {PUBLISHED} GRAPH ?r {{ ?d ?p ?v FILTER(?p IN (dct:modified, dct:issued)) }} }}"
    )) {
        let Some(t) = parse_date(&row["v"]) else { continue };
        let e = modified.entry(row["d"].clone()).or_default();
        if row["p"] == format!("{DCT}modified") {
            e.0 = Some(e.0.map_or(t, |x| x.max(t)));
        } else {
            e.1 = Some(e.1.map_or(t, |x| x.min(t)));
        }
    }
    for since in ["2021-01-28", "2020-01-01T00:00:00Z", "2012-05-10"] {
        let s = parse_date(since).unwrap_or(0);
        let want: BTreeSet<String> = modified
            .iter()
            .filter(|(_, (m, i))| m.or(*i).is_some_and(|t| t >= s))
            .map(|(d, _)| d.clone())
            .collect();
        let got = datasets(&all_hits(
            served,
            &format!("modified_since={}", url_encode(since)),
        ));
        assert_eq!(got, want, "modified_since={since}");
    }
    let mut temporal: BTreeMap<String, (Option<i64>, Option<i64>)> = BTreeMap::new();
    for row in served.select(&format!(
        "{PREFIXES} SELECT ?d ?p ?v WHERE {{ {PUBLISHED} GRAPH ?r {{ ?d dct:temporal ?t . ?t ?p ?v \
         FILTER(?p IN (dcat:startDate, dcat:endDate, schema:startDate, schema:endDate)) }} }}"
    )) {
        let Some(t) = parse_date(&row["v"]) else {
            continue;
        };
        let e = temporal.entry(row["d"].clone()).or_default();
        if row["p"].ends_with("startDate") {
            e.0 = Some(e.0.map_or(t, |x| x.min(t)));
        } else {
            e.1 = Some(e.1.map_or(t, |x| x.max(t)));
        }
    }
    assert!(!temporal.is_empty());
    for (from, to) in [
        ("1900-01-01", "1906-01-01"),
        ("2014-01-01", "2030-01-01"),
        ("1990-01-01", "1990-12-31"),
    ] {
        let (f, t) = (parse_date(from).unwrap_or(0), parse_date(to).unwrap_or(0));
        let want: BTreeSet<String> = temporal
            .iter()
            .filter(|(_, (s, e))| s.unwrap_or(i64::MIN) <= t && e.unwrap_or(i64::MAX) >= f)
            .map(|(d, _)| d.clone())
            .collect();
        let got = datasets(&all_hits(
            served,
            &format!("temporal_from={from}&temporal_to={to}"),
        ));
        assert_eq!(got, want, "temporal {from}..{to}");
    }
    // Sorting by title is alphabetical (German-normalized).
    let v = search(served, "source=rostock&sort=title&size=50");
    let t = titles(&v);
    let keys: Vec<String> = t
        .iter()
        .map(|s| catalog_search::index::sort_key(s))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    let _ = DCAT;
}

/// (dataset, publisher name) with the extraction's choice among several names.
fn publisher_rows(served: &Served) -> Vec<(String, String)> {
    let mut names: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for row in served.select(&format!(
        "{PREFIXES} SELECT DISTINCT ?d ?n (LANG(?n) AS ?l) WHERE {{ {PUBLISHED} GRAPH ?r {{ \
         {{ ?d dct:publisher ?p . ?p foaf:name ?n }} UNION {{ ?d dct:publisher ?n FILTER(isLiteral(?n)) }} }} }}"
    )) {
        let n = row["n"].trim().to_owned();
        if !n.is_empty() {
            names
                .entry(row["d"].clone())
                .or_default()
                .push((row.get("l").cloned().unwrap_or_default().to_lowercase(), n));
        }
    }
    names
        .into_iter()
        .filter_map(|(d, mut ns)| {
            ns.sort();
            ns.dedup();
            let primary = |l: &str| l.split('-').next().unwrap_or("").to_owned();
            let pick = ns
                .iter()
                .find(|(l, _)| matches!(primary(l).as_str(), "de" | "gsw"))
                .or_else(|| ns.iter().find(|(l, _)| l.is_empty()))
                .or_else(|| ns.iter().find(|(l, _)| primary(l) == "en"))
                .or_else(|| ns.first())
                .map(|(_, n)| n.clone())?;
            Some((d, pick))
        })
        .collect()
}

// ======================================================== consistency

fn small_catalog(items: &[(&str, &str)]) -> String {
    let mut ttl = String::from(
        "@prefix dcat: <http://www.w3.org/ns/dcat#> .\n@prefix dct: <http://purl.org/dc/terms/> .\n\
         <http://portal.test/catalog> a dcat:Catalog ; dct:title \"Testportal\" .\n",
    );
    for (id, title) in items {
        ttl.push_str(&format!(
            "<http://portal.test/catalog> dcat:dataset <http://portal.test/ds/{id}> .\n\
             <http://portal.test/ds/{id}> a dcat:Dataset ; dct:title \"{title}\"@de ;\n\
               dct:description \"<p>Daten zu <b>{title}</b> der Stadt.</p>\" ; dcat:keyword \"Stadt\" ;\n\
               dct:modified \"2024-05-0{n}\"^^<http://www.w3.org/2001/XMLSchema#date> .\n",
            n = id.len() % 9 + 1
        ));
    }
    ttl
}

fn search_dir(config: &Path) -> PathBuf {
    config.with_file_name("data").join("search")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).expect("copy");
        }
    }
}

/// The search results equal the store's published records, and the titles
/// of `present` are found while those of `absent` are not.
fn assert_consistent(config: &Path, present: &[&str], absent: &[&str], when: &str) {
    let served = Served::start(config);
    let store = published(&served);
    let hits = all_hits(&served, "q=");
    assert_eq!(hits, store, "{when}: search differs from the store");
    for t in present {
        let v = search(&served, &format!("q={}", url_encode(t)));
        assert_eq!(
            titles(&v).first().map(String::as_str),
            Some(*t),
            "{when}: {t:?} not found first"
        );
    }
    for t in absent {
        let v = search(&served, &format!("q={}", url_encode(&format!("\"{t}\""))));
        assert_eq!(v["total"], 0, "{when}: {t:?} still found: {:?}", titles(&v));
    }
}

#[test]
fn index_follows_reharvests_and_is_repaired_at_start() {
    let stub = StubServer::start();
    let dir = TempDir::new("search-consistency");
    let config = write_config(
        dir.path(),
        &[SourceSpec {
            id: "stadt".into(),
            url: stub.url("/catalog.ttl"),
            extra: "max_withdraw_share = 1.0".into(),
        }],
        "",
    );
    let serve = |items: &[(&str, &str)]| {
        stub.serve_bytes(
            "/catalog.ttl",
            small_catalog(items).into_bytes(),
            "text/turtle",
        )
    };
    serve(&[
        ("a", "Straßenbäume Kiel"),
        ("bb", "Spielplätze"),
        ("ccc", "Haltestellen Bus"),
    ]);
    harvest_ok(&config, &[]);
    assert_consistent(
        &config,
        &["Straßenbäume Kiel", "Spielplätze"],
        &[],
        "first harvest",
    );
    let v1 = dir.path().join("search-v1");
    copy_dir(&search_dir(&config), &v1);

    // Change one, remove one, add one.
    serve(&[
        ("a", "Stadtbäume Kiel"),
        ("ccc", "Haltestellen Bus"),
        ("dddd", "Radwege"),
    ]);
    let reports = harvest_ok(&config, &[]);
    let r = report_of(&reports, "stadt");
    assert_eq!(
        (
            r["added"].as_u64(),
            r["updated"].as_u64(),
            r["withdrawn"].as_u64()
        ),
        (Some(1), Some(1), Some(1)),
        "{r}"
    );
    let now_present = ["Stadtbäume Kiel", "Radwege", "Haltestellen Bus"];
    let now_absent = ["Straßenbäume Kiel", "Spielplätze"];
    assert_consistent(&config, &now_present, &now_absent, "re-harvest");

    // A crash between the store commit and the index commit leaves the
    // index behind the store: put the old index back, start, compare.
    let live = search_dir(&config);
    std::fs::remove_dir_all(&live).expect("rm");
    copy_dir(&v1, &live);
    assert_consistent(&config, &now_present, &now_absent, "index behind the store");

    // The index folder deleted.
    std::fs::remove_dir_all(&live).expect("rm");
    assert_consistent(&config, &now_present, &now_absent, "index deleted");

    // A segment file truncated.
    let mut files: Vec<(u64, PathBuf)> = std::fs::read_dir(&live)
        .expect("dir")
        .flatten()
        .filter_map(|e| {
            let p = e.path();
            let n = p.file_name()?.to_string_lossy().to_string();
            (n.ends_with(".idx")
                || n.ends_with(".store")
                || n.ends_with(".term")
                || n.ends_with(".fast"))
            .then(|| (e.metadata().map(|m| m.len()).unwrap_or(0), p))
        })
        .collect();
    files.sort();
    let (len, victim) = files.pop().expect("a segment file");
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&victim)
        .expect("open");
    f.set_len(len / 2).expect("truncate");
    drop(f);
    assert_consistent(&config, &now_present, &now_absent, "segment file truncated");

    // meta.json truncated.
    std::fs::write(live.join("meta.json"), b"{\"segm").expect("write");
    assert_consistent(&config, &now_present, &now_absent, "meta.json truncated");

    // An index of an older schema version.
    std::fs::write(live.join("schema-version"), b"0\n").expect("write");
    assert_consistent(&config, &now_present, &now_absent, "old schema version");

    // `reindex` rebuilds from the store.
    let out = run_catalog(&config, &["reindex"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("3 documents"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_consistent(&config, &now_present, &now_absent, "after reindex");

    // Everything withdrawn: nothing is found.
    serve(&[]);
    let (_, reports) = harvest(&config, &[]);
    assert_eq!(report_of(&reports, "stadt")["withdrawn"].as_u64(), Some(3));
    assert_consistent(
        &config,
        &[],
        &["Stadtbäume Kiel", "Radwege"],
        "all withdrawn",
    );
    let _ = DCAT;
}

/// The source titles of the hits and the hit count of a query.
fn source_titles(served: &Served, params: &str) -> (u64, BTreeSet<String>) {
    let v = search(served, params);
    let titles = v["hits"]
        .as_array()
        .map(|hits| {
            hits.iter()
                .filter_map(|h| h["source_title"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    (v["total"].as_u64().unwrap_or(0), titles)
}

fn rename_source(config: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(config).expect("read config");
    let from = format!("title = \"{from}\"");
    assert!(text.contains(&from), "{from} not in the config");
    std::fs::write(config, text.replace(&from, &format!("title = \"{to}\""))).expect("write");
}

/// A source's title is part of its datasets' documents (searchable; hits
/// show the title of the config in force). Renaming the source and
/// reloading the config indexes its documents again in the background;
/// renaming it while the server is down is repaired at the next start.
#[test]
fn renamed_source_is_indexed_again_on_reload_and_at_start() {
    const TOKEN: &str = "rename-admin-token-of-32-characters";
    let stub = StubServer::start();
    let dir = TempDir::new("search-rename");
    let config = write_config(
        dir.path(),
        &[SourceSpec::new("stadt", &stub.url("/catalog.ttl"))],
        "",
    );
    stub.serve_bytes(
        "/catalog.ttl",
        small_catalog(&[
            ("a", "Straßenbäume"),
            ("bb", "Spielplätze"),
            ("ccc", "Haltestellen"),
        ])
        .into_bytes(),
        "text/turtle",
    );
    harvest_ok(&config, &[]);
    let served = Served::start_with(&config, &[], &[("CATALOG_ADMIN_TOKEN", TOKEN)]);
    let old = BTreeSet::from(["Source stadt".to_owned()]);
    assert_eq!(source_titles(&served, "q="), (3, old));

    // Renamed, then the config reloaded.
    rename_source(&config, "Source stadt", "Hansestadt Nordhafen");
    let r = call(
        reqwest::Method::POST,
        &format!("{}/api/admin/reload", served.base),
        &[("Authorization", &format!("Bearer {TOKEN}"))],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["changed"], serde_json::json!(["stadt"]));
    // Hits show the title of the config in force at once; its words are
    // searchable once the documents are indexed again.
    let renamed = BTreeSet::from(["Hansestadt Nordhafen".to_owned()]);
    assert_eq!(source_titles(&served, "q="), (3, renamed.clone()));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while source_titles(&served, "q=Nordhafen").0 != 3 {
        assert!(
            std::time::Instant::now() < deadline,
            "30 s after the reload the new title is not searchable: {:?}",
            source_titles(&served, "q=Nordhafen")
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(source_titles(&served, "q=Hansestadt"), (3, renamed));
    assert_eq!(
        source_titles(&served, &format!("q={}", url_encode("\"Source stadt\""))).0,
        0,
        "the old title is gone"
    );
    drop(served);

    // Renamed while the server is down: repaired at start.
    rename_source(&config, "Hansestadt Nordhafen", "Landeshauptstadt Kiel");
    let served = Served::start(&config);
    let kiel = BTreeSet::from(["Landeshauptstadt Kiel".to_owned()]);
    assert_eq!(source_titles(&served, "q="), (3, kiel.clone()));
    assert_eq!(source_titles(&served, "q=Landeshauptstadt"), (3, kiel));
    assert_eq!(source_titles(&served, "q=Nordhafen").0, 0);
}
