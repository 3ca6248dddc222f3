//! CKAN source tests against a loopback CKAN stub serving real package JSON
//! (shared fixtures, read in place) and generated packages.

use catalog_tests::portals::{ckan_fixture_packages, generated_package, Answer, CkanPortal};
use harvester::ckan::{harvest, CkanSource};
use harvester::{FetchLimits, Fetcher, HarvestEvent, Page, PageError, Record};
use oxrdf::{NamedNode, Term, Triple};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use url::Url;

const DCAT: &str = "http://www.w3.org/ns/dcat#";
const DCT: &str = "http://purl.org/dc/terms/";
const XSD: &str = "http://www.w3.org/2001/XMLSchema#";

// ---------------------------------------------------------------- harness

fn fixtures() -> Option<PathBuf> {
    catalog_tests::fixtures("ckan")
}

fn start(packages: Vec<Value>) -> (CkanPortal, Url) {
    let portal = CkanPortal::start(packages);
    let base = Url::parse(&portal.base_url()).unwrap();
    (portal, base)
}

struct Run {
    pages: Vec<Page>,
    failed: Vec<PageError>,
    complete: bool,
    reason: Option<String>,
    listing: Option<Vec<String>>,
    finished: usize,
}

impl Run {
    fn records(&self) -> Vec<&Record> {
        self.pages.iter().flat_map(|p| p.records.iter()).collect()
    }
}

async fn run(source: &CkanSource) -> Run {
    let fetcher = Fetcher::new(FetchLimits::default(), None).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    let src = source.clone();
    let task = tokio::spawn(async move { harvest(&src, &fetcher, tx).await });
    let mut out = Run {
        pages: vec![],
        failed: vec![],
        complete: false,
        reason: None,
        listing: None,
        finished: 0,
    };
    while let Some(ev) = rx.recv().await {
        match ev {
            HarvestEvent::Page(p) => out.pages.push(p),
            HarvestEvent::PageFailed(e) => out.failed.push(e),
            HarvestEvent::PageUnchanged { url, .. } => {
                panic!("CKAN pages are never conditional: {url}")
            }
            HarvestEvent::Finished {
                complete,
                reason,
                listing,
            } => {
                out.finished += 1;
                out.complete = complete;
                out.reason = reason;
                out.listing = listing;
            }
        }
    }
    task.await.unwrap();
    assert_eq!(out.finished, 1, "exactly one Finished");
    out
}

fn source(base: Url) -> CkanSource {
    let mut s = CkanSource::new(base);
    s.rows = 1000;
    s
}

// ---------------------------------------------------------------- graph helpers

fn objects<'a>(r: &'a Record, s: &Term, p: &str) -> Vec<&'a Term> {
    r.triples
        .iter()
        .filter(|t| &Term::from(t.subject.clone()) == s && t.predicate.as_str() == p)
        .map(|t: &Triple| &t.object)
        .collect()
}

fn ds(r: &Record) -> Term {
    Term::from(r.dataset.clone())
}

fn literal_values(terms: &[&Term]) -> BTreeSet<String> {
    terms
        .iter()
        .map(|t| match t {
            Term::Literal(l) => l.value().to_owned(),
            Term::NamedNode(n) => n.as_str().to_owned(),
            other => other.to_string(),
        })
        .collect()
}

fn find<'a>(records: &[&'a Record], iri: &str) -> &'a Record {
    records
        .iter()
        .find(|r| r.dataset.as_str() == iri)
        .unwrap_or_else(|| {
            panic!(
                "no record {iri}; have {:?}",
                records
                    .iter()
                    .map(|r| r.dataset.as_str())
                    .collect::<Vec<_>>()
            )
        })
}

// ---------------------------------------------------------------- tests

#[tokio::test]
async fn ckan_fixtures_map_field_by_field() {
    let Some(fx) = fixtures() else { return };
    let packages = ckan_fixture_packages(&fx);
    let n = packages.len();
    let (_portal, base) = start(packages.clone());
    let mut src = source(base.clone());
    src.rows = 4; // several pages
    src.defaults.contributor_id = Some("http://dcat-ap.de/def/contributors/test".into());
    let out = run(&src).await;
    assert!(out.complete, "{:?} {:?}", out.reason, out.failed);
    assert!(out.listing.is_none());
    let errors: Vec<_> = out.pages.iter().flat_map(|p| &p.record_errors).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let records = out.records();
    assert_eq!(records.len(), n, "one record per package");
    assert_eq!(out.pages.len(), n.div_ceil(4));

    // Every record: title and number of distributions as in the JSON.
    for pkg in &packages {
        let iri = match pkg
            .get("extras")
            .and_then(Value::as_array)
            .and_then(|e| e.iter().find(|x| x["key"] == "uri"))
        {
            Some(u) => u["value"].as_str().unwrap().to_owned(),
            None => format!(
                "{base}dataset/{}",
                pkg.get("name")
                    .and_then(Value::as_str)
                    .or(pkg["id"].as_str())
                    .unwrap()
            ),
        };
        let r = find(&records, &iri);
        let titles = literal_values(&objects(r, &ds(r), &format!("{DCT}title")));
        assert_eq!(
            titles,
            BTreeSet::from([pkg["title"].as_str().unwrap().trim().to_owned()]),
            "{iri}"
        );
        let resources = pkg
            .get("resources")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        assert_eq!(
            objects(r, &ds(r), &format!("{DCAT}distribution")).len(),
            resources,
            "{iri}"
        );
        assert!(!r.minted);
        // the contributor default fills packages without one
        assert_eq!(
            objects(r, &ds(r), "http://dcat-ap.de/def/dcatde/contributorID").len(),
            1,
            "{iri}"
        );
    }

    // demo.ckan.org: licence, contact, dates, upload → downloadURL, format.
    let r = find(
        &records,
        &format!("{base}dataset/100-validated-species-of-plants"),
    );
    assert_eq!(
        literal_values(&objects(r, &ds(r), &format!("{DCT}license"))),
        BTreeSet::from(["http://dcat-ap.de/def/licenses/other-open".to_owned()])
    );
    let issued = objects(r, &ds(r), &format!("{DCT}issued"));
    match issued[0] {
        Term::Literal(l) => {
            assert_eq!(l.value(), "2017-08-05T03:16:52.857800");
            assert_eq!(l.datatype().as_str(), format!("{XSD}dateTime"));
        }
        other => panic!("{other}"),
    }
    let cp = objects(r, &ds(r), &format!("{DCAT}contactPoint"))[0].clone();
    assert_eq!(
        literal_values(&objects(r, &cp, "http://www.w3.org/2006/vcard/ns#hasEmail")),
        BTreeSet::from(["mailto:misoh049@gmail.com".to_owned()])
    );
    assert_eq!(
        literal_values(&objects(r, &cp, "http://www.w3.org/2006/vcard/ns#fn")),
        BTreeSet::from(["TKKIM".to_owned()])
    );
    let dist = objects(r, &ds(r), &format!("{DCAT}distribution"))[0].clone();
    assert_eq!(
        dist,
        Term::from(NamedNode::new(format!("{base}dataset/100-validated-species-of-plants/resource/bf4d5116-634e-43f2-a41c-9ae22d362083")).unwrap())
    );
    assert_eq!(objects(r, &dist, &format!("{DCAT}downloadURL")).len(), 1);
    assert_eq!(
        literal_values(&objects(r, &dist, &format!("{DCT}format"))),
        BTreeSet::from([
            "http://publications.europa.eu/resource/authority/file-type/CSV".to_owned()
        ])
    );
    assert_eq!(
        literal_values(&objects(r, &dist, &format!("{DCAT}mediaType"))),
        BTreeSet::from(["https://www.iana.org/assignments/media-types/text/csv".to_owned()])
    );
    assert_eq!(
        literal_values(&objects(r, &dist, &format!("{DCT}license"))),
        BTreeSet::from(["http://dcat-ap.de/def/licenses/other-open".to_owned()])
    );
    assert_eq!(
        literal_values(&objects(r, &ds(r), &format!("{DCAT}keyword"))).len(),
        3
    );

    // Schleswig-Holstein: DCAT-AP.de licence IRI, EU themes from groups, byteSize, resource uri.
    let r = find(
        &records,
        "http://opendata.schleswig-holstein.de/dataset/f5bf56d5-db87-4e3c-a8eb-ce04da862a6e",
    ); // its uri extra
    assert_eq!(
        literal_values(&objects(r, &ds(r), &format!("{DCT}license"))),
        BTreeSet::from(["http://dcat-ap.de/def/licenses/dl-by-de/2.0".to_owned()])
    );
    assert_eq!(
        literal_values(&objects(r, &ds(r), &format!("{DCAT}theme"))),
        BTreeSet::from([
            "http://publications.europa.eu/resource/authority/data-theme/SOCI".to_owned(),
            "http://publications.europa.eu/resource/authority/data-theme/EDUC".to_owned()
        ])
    );
    let dist = objects(r, &ds(r), &format!("{DCAT}distribution"))[0].clone();
    assert_eq!(
        dist,
        Term::from(NamedNode::new("http://opendata.schleswig-holstein.de/dataset/f5bf56d5-db87-4e3c-a8eb-ce04da862a6e/resource/121dfc28-09d6-4890-97e2-de00d6e2a950").unwrap())
    );
    match objects(r, &dist, &format!("{DCAT}byteSize"))[0] {
        Term::Literal(l) => {
            assert_eq!(l.value(), "300618");
            assert_eq!(l.datatype().as_str(), format!("{XSD}nonNegativeInteger"));
        }
        other => panic!("{other}"),
    }
    assert_eq!(
        literal_values(&objects(
            r,
            &dist,
            "http://dcat-ap.de/def/dcatde/licenseAttributionByText"
        )),
        BTreeSet::from(["Sozialministerium Schleswig-Holstein, www.kitaportal-sh.de".to_owned()])
    );
    // The organization is the publisher.
    let publisher = objects(r, &ds(r), &format!("{DCT}publisher"))[0].clone();
    assert_eq!(
        literal_values(&objects(r, &publisher, "http://xmlns.com/foaf/0.1/name")),
        BTreeSet::from([
            "Ministerium für Soziales, Gesundheit, Jugend, Familie und Senioren".to_owned()
        ])
    );

    // Badegewässer: uri extra is the IRI; extras: identifier, issued, spatial, contributorID, themes.
    let r = find(
        &records,
        "https://opendata.schleswig-holstein.de/dataset/badegewasser-stammdaten",
    );
    assert_eq!(
        literal_values(&objects(r, &ds(r), &format!("{DCT}identifier"))),
        BTreeSet::from(["0b532413-2752-424d-9f53-4ee33183314d".to_owned()])
    );
    assert_eq!(
        literal_values(&objects(r, &ds(r), &format!("{DCT}issued"))),
        BTreeSet::from(["2020-01-06T00:00:00".to_owned()])
    );
    assert_eq!(
        literal_values(&objects(r, &ds(r), &format!("{DCT}modified"))),
        BTreeSet::from(["2020-02-05T13:38:00".to_owned()])
    );
    assert_eq!(
        literal_values(&objects(
            r,
            &ds(r),
            "http://dcat-ap.de/def/dcatde/contributorID"
        )),
        BTreeSet::from(["http://dcat-ap.de/def/contributors/schleswigHolstein".to_owned()]),
        "the package's own contributor wins over the default"
    );
    let themes = literal_values(&objects(r, &ds(r), &format!("{DCAT}theme")));
    for code in ["EDUC", "HEAL", "ENVI"] {
        assert!(
            themes.contains(&format!(
                "http://publications.europa.eu/resource/authority/data-theme/{code}"
            )),
            "{themes:?}"
        );
    }
    let spatial = objects(r, &ds(r), &format!("{DCT}spatial"))[0].clone();
    assert_eq!(
        spatial,
        Term::from(NamedNode::new("http://dcat-ap.de/def/politicalGeocoding/stateKey/01").unwrap())
    );
    match objects(r, &spatial, "http://www.w3.org/ns/locn#geometry")[0] {
        Term::Literal(l) => {
            assert!(l.value().starts_with("{\"type\": \"MultiPolygon\""));
            assert_eq!(
                l.datatype().as_str(),
                "http://www.opengis.net/ont/geosparql#geoJSONLiteral"
            );
        }
        other => panic!("{other}"),
    }
    assert_eq!(
        literal_values(&objects(r, &ds(r), &format!("{DCT}license"))),
        BTreeSet::from(["http://dcat-ap.de/def/licenses/cc-by/4.0".to_owned()])
    );

    // ckanext-dcat legacy example: extras → temporal, frequency, languages, publisher.
    let r = find(&records, &format!("{base}dataset/test-dataset-shacl"));
    assert_eq!(
        literal_values(&objects(r, &ds(r), &format!("{DCT}accrualPeriodicity"))),
        BTreeSet::from([
            "http://publications.europa.eu/resource/authority/frequency/MONTHLY".to_owned()
        ])
    );
    assert_eq!(objects(r, &ds(r), &format!("{DCT}language")).len(), 3);
    // High-Value Datasets: a JSON-encoded list in an extra.
    assert_eq!(
        literal_values(&objects(
            r,
            &ds(r),
            "http://data.europa.eu/r5r/applicableLegislation"
        )),
        BTreeSet::from([
            "http://data.europa.eu/eli/reg_impl/2023/138/oj".to_owned(),
            "http://data.europa.eu/eli/reg_impl/2023/138/oj_alt".to_owned()
        ])
    );
    let temporal = objects(r, &ds(r), &format!("{DCT}temporal"))[0].clone();
    assert_eq!(
        literal_values(&objects(r, &temporal, &format!("{DCAT}startDate"))),
        BTreeSet::from(["1905-03-01".to_owned()])
    );
    assert_eq!(
        literal_values(&objects(r, &ds(r), &format!("{DCAT}version"))),
        BTreeSet::from(["1.0b".to_owned()])
    );
    assert!(objects(r, &ds(r), "http://www.w3.org/2002/07/owl#versionInfo").is_empty());
    assert_eq!(
        literal_values(&objects(r, &ds(r), &format!("{DCT}identifier"))),
        BTreeSet::from(["xx-some-dataset-id-yy".to_owned()])
    );
    let dist = objects(r, &ds(r), &format!("{DCAT}distribution"))[0].clone();
    let checksum = objects(r, &dist, "http://spdx.org/rdf/terms#checksum")[0].clone();
    assert_eq!(
        literal_values(&objects(
            r,
            &checksum,
            "http://spdx.org/rdf/terms#algorithm"
        )),
        BTreeSet::from(["http://spdx.org/rdf/terms#checksumAlgorithm_sha1".to_owned()])
    );
    assert_eq!(
        literal_values(&objects(r, &dist, &format!("{DCT}license"))),
        BTreeSet::from(["http://dcat-ap.de/def/licenses/cc-by-de/3.0".to_owned()])
    );
    // ckanext-scheming: publisher, contact, temporal and spatial coverage as lists of objects.
    let r = find(&records, &format!("{base}dataset/test-dataset-scheming"));
    // DCAT-AP 3 fields of ckanext-dcat's scheming example.
    assert_eq!(
        literal_values(&objects(
            r,
            &ds(r),
            "http://www.w3.org/ns/dcat#spatialResolutionInMeters"
        )),
        BTreeSet::from(["1.5".to_owned()])
    );
    assert_eq!(
        literal_values(&objects(
            r,
            &ds(r),
            "http://www.w3.org/ns/dcat#temporalResolution"
        )),
        BTreeSet::from(["PT15M".to_owned()])
    );
    let alternate: BTreeSet<String> = objects(r, &ds(r), "http://www.w3.org/ns/adms#identifier")
        .into_iter()
        .flat_map(|i| {
            literal_values(&objects(
                r,
                i,
                "http://www.w3.org/2004/02/skos/core#notation",
            ))
        })
        .collect();
    assert_eq!(
        alternate,
        BTreeSet::from(["alt-id-1".to_owned(), "alt-id-2".to_owned()])
    );
    let dist = objects(r, &ds(r), &format!("{DCAT}distribution"))[0].clone();
    for (p, o) in [
        (
            "http://www.w3.org/ns/adms#status",
            "http://publications.europa.eu/resource/authority/distribution-status/COMPLETED",
        ),
        (
            "http://data.europa.eu/r5r/availability",
            "http://publications.europa.eu/resource/authority/planned-availability/EXPERIMENTAL",
        ),
        (
            "http://www.w3.org/ns/dcat#packageFormat",
            "http://publications.europa.eu/resource/authority/file-type/TAR",
        ),
    ] {
        assert_eq!(
            literal_values(&objects(r, &dist, p)),
            BTreeSet::from([o.to_owned()]),
            "{p}"
        );
    }
    let rights = objects(r, &dist, &format!("{DCT}rights"))[0].clone();
    assert_eq!(
        literal_values(&objects(
            r,
            &rights,
            "http://www.w3.org/2000/01/rdf-schema#label"
        )),
        BTreeSet::from(["Some stament about rights".to_owned()])
    );
    let publisher = objects(r, &ds(r), &format!("{DCT}publisher"))[0].clone();
    assert_eq!(
        publisher,
        Term::from(NamedNode::new("http://example.org/publisher-id").unwrap())
    );
    assert_eq!(
        literal_values(&objects(r, &publisher, "http://xmlns.com/foaf/0.1/name")),
        BTreeSet::from(["Test Publisher".to_owned()])
    );
    let cp = objects(r, &ds(r), &format!("{DCAT}contactPoint"))[0].clone();
    assert_eq!(
        literal_values(&objects(r, &cp, "http://www.w3.org/2006/vcard/ns#hasEmail")),
        BTreeSet::from(["mailto:contact1@example.org".to_owned()])
    );
    let temporal = objects(r, &ds(r), &format!("{DCT}temporal"))[0].clone();
    assert_eq!(
        literal_values(&objects(r, &temporal, &format!("{DCAT}endDate"))),
        BTreeSet::from(["2013-01-05".to_owned()])
    );
    let spatial = objects(r, &ds(r), &format!("{DCT}spatial"))[0].clone();
    assert_eq!(
        spatial,
        Term::from(NamedNode::new("https://sws.geonames.org/6361390/").unwrap())
    );
    assert_eq!(
        objects(r, &spatial, "http://www.w3.org/ns/locn#geometry").len(),
        1
    );
    assert_eq!(
        literal_values(&objects(r, &ds(r), &format!("{DCT}issued"))),
        BTreeSet::from(["2024-05-01".to_owned()])
    );
    let creator = objects(r, &ds(r), &format!("{DCT}creator"))[0].clone();
    assert_eq!(
        literal_values(&objects(r, &creator, "http://xmlns.com/foaf/0.1/mbox")),
        BTreeSet::from(["mailto:creator@example.org".to_owned()])
    );
}

fn generated(i: usize, modified: &str) -> Value {
    generated_package(i, modified)
}

#[tokio::test]
async fn ckan_paging_and_incremental_listing() {
    let packages: Vec<Value> = (0..10_000)
        .map(|i| generated(i, "2024-01-01T00:00:00.000000"))
        .collect();
    let portal = CkanPortal::start(packages);
    let base = Url::parse(&portal.base_url()).unwrap();
    let src = source(base.clone());
    let full = run(&src).await;
    assert!(full.complete, "{:?}", full.reason);
    assert!(full.listing.is_none());
    assert_eq!(full.pages.len(), 10);
    let all: BTreeSet<String> = full
        .records()
        .iter()
        .map(|r| r.dataset.as_str().to_owned())
        .collect();
    assert_eq!(all.len(), 10_000);
    assert!(all.contains("https://daten.example/id/0"));
    assert!(all.contains(&format!("{base}dataset/datensatz-1")));
    assert_eq!(portal.searches().len(), 10);

    // Modify 10, delete 5.
    let (changed, deleted): (Vec<usize>, Vec<usize>) = portal.with(|s| {
        let changed: Vec<usize> = (0..10).map(|k| k * 997 + 3).collect();
        let deleted: Vec<usize> = (0..5).map(|k| k * 1999 + 11).collect();
        for &i in &changed {
            s.packages[i] = generated(i, "2024-06-01T12:00:00.000000");
            s.packages[i]["title"] = json!(format!("Geändert {i}"));
        }
        let del_ids: BTreeSet<String> = deleted
            .iter()
            .map(|&i| format!("{i:08}-0000-4000-8000-000000000000"))
            .collect();
        s.packages
            .retain(|p| !del_ids.contains(p["id"].as_str().unwrap()));
        s.requests.clear();
        (changed, deleted)
    });
    let mut inc = source(base.clone());
    inc.modified_since = Some("2024-03-01T00:00:00Z".into());
    let out = run(&inc).await;
    assert!(out.complete, "{:?}", out.reason);
    let records = out.records();
    assert_eq!(records.len(), 10, "only the changed packages are fetched");
    for r in &records {
        let titles = literal_values(&objects(r, &ds(r), &format!("{DCT}title")));
        assert!(titles.iter().next().unwrap().starts_with("Geändert"));
    }
    let expected_changed: BTreeSet<String> = changed
        .iter()
        .map(|&i| {
            if i.is_multiple_of(2) {
                format!("https://daten.example/id/{i}")
            } else {
                format!("{base}dataset/datensatz-{i}")
            }
        })
        .collect();
    assert_eq!(
        records
            .iter()
            .map(|r| r.dataset.as_str().to_owned())
            .collect::<BTreeSet<_>>(),
        expected_changed
    );
    let listing: BTreeSet<String> = out
        .listing
        .clone()
        .expect("incremental runs list all datasets")
        .into_iter()
        .collect();
    assert_eq!(listing.len(), 9_995);
    let gone: BTreeSet<String> = all.difference(&listing).cloned().collect();
    let expected_gone: BTreeSet<String> = deleted
        .iter()
        .map(|&i| {
            if i.is_multiple_of(2) {
                format!("https://daten.example/id/{i}")
            } else {
                format!("{base}dataset/datensatz-{i}")
            }
        })
        .collect();
    assert_eq!(gone, expected_gone);
    // Request log: one page of changes (with the date filter), then a light listing.
    let log = portal.searches();
    assert!(
        log[0]["fq"].contains("metadata_modified:[2024-03-01T00:00:00Z TO *]"),
        "{:?}",
        log[0]
    );
    assert!(!log[0].contains_key("fl"));
    let listing_requests: Vec<_> = log.iter().filter(|q| q.contains_key("fl")).collect();
    assert_eq!(listing_requests.len(), 10);
    assert!(listing_requests.iter().all(|q| !q.contains_key("fq")));
    assert_eq!(log.len(), 11);
    assert!(log
        .iter()
        .all(|q| q.get("sort").map(String::as_str) == Some("id asc")));
}

async fn fixed_answer(status: u16, ct: &'static str, body: &str) -> Run {
    let portal = CkanPortal::start(vec![]);
    portal.with(|s| {
        s.fixed = Some(Answer::Body {
            status,
            content_type: ct.into(),
            body: body.into(),
        })
    });
    let base = Url::parse(&portal.base_url()).unwrap();
    run(&source(base)).await
}

#[tokio::test]
async fn ckan_bad_pages_fail_clearly() {
    let cases = [
        (200, "application/json", "this is not json".to_owned(), "not valid JSON"),
        (200, "application/json", r#"{"success": true, "result": {"count": 3, "results": [{"id": "a""#.to_owned(), "truncated JSON"),
        (
            200,
            "application/json",
            r#"{"success": false, "error": {"message": "Access denied: token invalid", "__type": "Authorization Error"}}"#.to_owned(),
            "Authorization Error: Access denied: token invalid",
        ),
        (200, "text/html", "<!DOCTYPE html><html><body>Wartungsarbeiten</body></html>".to_owned(), "HTML page"),
        (502, "text/html", "<html>Bad Gateway</html>".to_owned(), "HTTP status 502"),
    ];
    for (status, ct, body, expected) in cases {
        let out = fixed_answer(status, ct, &body).await;
        assert!(!out.complete, "{body}");
        assert_eq!(out.failed.len(), 1, "{body}");
        let reason = &out.failed[0].reason;
        assert!(reason.contains(expected), "{reason}");
        assert!(
            reason.contains("/api/3/action/package_search"),
            "names the URL: {reason}"
        );
        assert!(out.pages.is_empty());
        assert!(out
            .reason
            .as_deref()
            .unwrap_or("")
            .contains("page 1 failed"));
    }
}

#[tokio::test]
async fn ckan_failure_on_page_3_keeps_pages_1_and_2() {
    let packages: Vec<Value> = (0..25)
        .map(|i| generated(i, "2024-01-01T00:00:00"))
        .collect();
    let portal = CkanPortal::start(packages);
    portal.with(|s| {
        s.page_faults.insert(3, Answer::Status(500));
    });
    let base = Url::parse(&portal.base_url()).unwrap();
    let mut src = source(base);
    src.rows = 10;
    let out = run(&src).await;
    assert_eq!(out.pages.len(), 2);
    assert_eq!(out.records().len(), 20);
    assert_eq!(out.failed.len(), 1);
    assert_eq!(out.failed[0].number, 3);
    assert!(
        out.failed[0].reason.contains("HTTP status 500"),
        "{}",
        out.failed[0].reason
    );
    assert!(!out.complete);
    assert!(out.listing.is_none());
}

#[tokio::test]
async fn ckan_bad_packages_are_record_errors() {
    let many_tags: Vec<Value> = (0..50_000)
        .map(|i| json!({"name": format!("t{i}")}))
        .collect();
    let many_resources: Vec<Value> = (0..10_000).map(|i| json!({"id": format!("r{i}"), "url": format!("https://x.example/{i}.csv"), "format": "CSV"})).collect();
    let packages = vec![
        json!({"title": "no id, no name", "metadata_modified": "2024"}),
        json!({"id": "b-tags", "name": "viele-tags", "title": "Tags", "tags": many_tags}),
        json!({"id": "c-res", "name": "viele-ressourcen", "title": "Ressourcen", "resources": many_resources}),
        json!({"id": "d-weird", "name": "seltsam", "title": null, "notes": 42, "tags": ["eins", "zwei", null, 3],
               "groups": "umwelt", "resources": "none", "extras": {"uri": 5}, "license_id": null,
               "metadata_created": 17, "organization": "stadt", "url": "javascript:alert(1)",
               "maintainer_email": "keine@", "author": ["x"]}),
        json!({"id": "e-nulls", "name": "nullen", "title": "Nullen", "notes": null, "tags": null, "groups": null,
               "resources": [null, 5, {"url": null, "size": "-3", "format": null, "hash": "xyz"}], "extras": null,
               "organization": null, "license_id": "unbekannte-lizenz", "license_title": "Eigene Lizenz"}),
        json!({"id": "f-strings", "name": "zahlen-als-text", "title": "Zahlen", "num_resources": "1",
               "resources": [{"id": "r1", "url": "https://x.example/a.xlsx", "size": "2048", "format": "Excel"}]}),
        json!("not a package"),
    ];
    let portal = CkanPortal::start(packages);
    let base = Url::parse(&portal.base_url()).unwrap();
    let mut src = source(base.clone());
    src.max_record_triples = 20_000;
    let out = run(&src).await;
    assert!(out.complete, "{:?}", out.reason);
    let errors: Vec<_> = out.pages.iter().flat_map(|p| &p.record_errors).collect();
    let records = out.records();
    assert_eq!(records.len(), 3, "{errors:#?}");
    assert_eq!(errors.len(), 4, "{errors:#?}");
    let reasons: Vec<String> = errors
        .iter()
        .map(|e| format!("{} | {} | {}", e.record, e.reason, e.snippet))
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("neither an id nor a name") && r.contains("no id, no name")),
        "{reasons:#?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("viele-tags") && r.contains("50000 tags")),
        "{reasons:#?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("viele-ressourcen") && r.contains("10000 resources")),
        "{reasons:#?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("not a JSON object")),
        "{reasons:#?}"
    );

    let weird = find(&records, &format!("{base}dataset/seltsam"));
    assert_eq!(
        literal_values(&objects(weird, &ds(weird), &format!("{DCAT}keyword"))),
        BTreeSet::from(["eins".into(), "zwei".into(), "3".into()])
    );
    assert!(objects(weird, &ds(weird), &format!("{DCAT}landingPage")).is_empty());
    let nulls = find(&records, &format!("{base}dataset/nullen"));
    let lic = objects(nulls, &ds(nulls), &format!("{DCT}license"))[0].clone();
    assert_eq!(
        literal_values(&objects(
            nulls,
            &lic,
            "http://www.w3.org/2000/01/rdf-schema#label"
        )),
        BTreeSet::from(["Eigene Lizenz".to_owned()])
    );
    assert_eq!(
        objects(nulls, &ds(nulls), &format!("{DCAT}distribution")).len(),
        1
    );
    let strings = find(&records, &format!("{base}dataset/zahlen-als-text"));
    let dist = objects(strings, &ds(strings), &format!("{DCAT}distribution"))[0].clone();
    assert_eq!(
        literal_values(&objects(strings, &dist, &format!("{DCAT}byteSize"))),
        BTreeSet::from(["2048".to_owned()])
    );
    assert_eq!(
        literal_values(&objects(strings, &dist, &format!("{DCT}format"))),
        BTreeSet::from([
            "http://publications.europa.eu/resource/authority/file-type/XLSX".to_owned()
        ])
    );
}

#[tokio::test]
async fn ckan_retries_429_with_retry_after() {
    let packages: Vec<Value> = (0..3)
        .map(|i| generated(i, "2024-01-01T00:00:00"))
        .collect();
    let portal = CkanPortal::start(packages);
    portal.with(|s| {
        s.rate_limited = 1;
    });
    let base = Url::parse(&portal.base_url()).unwrap();
    let started = Instant::now();
    let out = run(&source(base)).await;
    assert!(out.complete, "{:?}", out.reason);
    assert_eq!(out.records().len(), 3);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited for Retry-After"
    );
    assert_eq!(portal.searches().len(), 2);
}

#[tokio::test]
async fn ckan_rejects_bad_modified_since() {
    let portal = CkanPortal::start(vec![]);
    let base = Url::parse(&portal.base_url()).unwrap();
    let mut src = source(base);
    src.modified_since = Some("2024-01-01T00:00:00] OR *:*".into());
    let out = run(&src).await;
    assert!(!out.complete);
    assert!(out.reason.unwrap().contains("modified_since"));
    assert!(portal.searches().is_empty());
}

#[tokio::test]
async fn ckan_listing_falls_back_when_fl_is_rejected() {
    let packages: Vec<Value> = (0..30)
        .map(|i| generated(i, "2024-01-01T00:00:00"))
        .collect();
    let portal = CkanPortal::start(packages);
    portal.with(|s| {
        s.reject_fl = true;
    });
    let base = Url::parse(&portal.base_url()).unwrap();
    let mut src = source(base);
    src.rows = 10;
    src.modified_since = Some("2025-01-01".into());
    let out = run(&src).await;
    assert!(out.complete, "{:?}", out.reason);
    assert!(out.records().is_empty());
    assert_eq!(out.listing.unwrap().len(), 30);
    // 1 (no changes) + 1 rejected + 3 full listing pages
    assert_eq!(portal.searches().len(), 5);
}

#[tokio::test]
async fn ckan_deletion_during_run_makes_listing_incomplete() {
    // Offset paging shifts when a package disappears mid-run: one package of
    // page 2 would be skipped, so the run must not count as a complete listing.
    let packages: Vec<Value> = (0..25)
        .map(|i| generated(i, "2024-01-01T00:00:00"))
        .collect();
    let portal = CkanPortal::start(packages);
    portal.with(|s| {
        s.delete_during_run = true;
    });
    let base = Url::parse(&portal.base_url()).unwrap();
    let mut src = source(base);
    src.rows = 10;
    let out = run(&src).await;
    assert!(!out.complete);
    assert!(
        out.reason
            .as_deref()
            .unwrap()
            .contains("changed during the run"),
        "{:?}",
        out.reason
    );
    assert!(out.failed.is_empty());
    assert_eq!(
        out.records().len(),
        24,
        "one of the 25 packages was skipped by the shift"
    );
}
