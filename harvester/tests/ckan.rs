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
    // The publisher: its publisher_uri, named after the organization.
    let publisher = objects(r, &ds(r), &format!("{DCT}publisher"))[0].clone();
    assert_eq!(
        publisher,
        Term::from(
            NamedNode::new(
                "http://opendata.schleswig-holstein.de/organization/baf46b5f-a78a-40f9-b283-8c134e9d19f5"
            )
            .unwrap()
        )
    );
    assert_eq!(
        literal_values(&objects(r, &publisher, "http://xmlns.com/foaf/0.1/name")),
        BTreeSet::from([
            "Ministerium für Soziales, Gesundheit, Jugend, Familie und Senioren".to_owned()
        ])
    );

    // Without publisher fields the organization is the publisher, under
    // ckanext-dcat's IRI for it ({portal}/organization/{organization id}).
    let r = find(&records, &format!("{base}dataset/kindertagesstaetten"));
    let publisher = the(r, &ds(r), &format!("{DCT}publisher"));
    assert_eq!(
        publisher,
        iri(&format!(
            "{base}organization/f2d024c8-dbcc-4786-837e-d4eca1a23a57"
        ))
    );
    assert_eq!(
        terms(r, &publisher, "http://xmlns.com/foaf/0.1/name"),
        set(["Ministerium für Soziales, Gesundheit, Jugend, Familie und Senioren"])
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

// ---------------------------------------------------------------- ckanext-dcat DCAT-AP 3, ckanext-fluent, ckanext-dcatde, OGPD

const FOAF: &str = "http://xmlns.com/foaf/0.1/";
const VCARD: &str = "http://www.w3.org/2006/vcard/ns#";
const DCATDE: &str = "http://dcat-ap.de/def/dcatde/";
const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
const RDFS_LABEL: &str = "http://www.w3.org/2000/01/rdf-schema#label";
const EU: &str = "http://publications.europa.eu/resource/authority/";

/// The objects of `s p` written compactly: IRIs as they are, plain literals
/// as their text, `text@lang`, `text^^localname` for typed literals, `_:`
/// for blank nodes.
fn terms(r: &Record, s: &Term, p: &str) -> BTreeSet<String> {
    objects(r, s, p)
        .into_iter()
        .map(|t| match t {
            Term::NamedNode(n) => n.as_str().to_owned(),
            Term::BlankNode(_) => "_:".to_owned(),
            Term::Literal(l) => match l.language() {
                Some(lang) => format!("{}@{lang}", l.value()),
                None if l.datatype().as_str() == format!("{XSD}string") => l.value().to_owned(),
                None => {
                    let dt = l.datatype().as_str();
                    let local = dt.rsplit(['#', '/']).next().unwrap_or(dt);
                    format!("{}^^{local}", l.value())
                }
            },
            #[allow(unreachable_patterns)]
            other => other.to_string(),
        })
        .collect()
}

fn set<const N: usize>(items: [&str; N]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// The one object of `s p`.
fn the(r: &Record, s: &Term, p: &str) -> Term {
    let o = objects(r, s, p);
    assert_eq!(o.len(), 1, "{s} <{p}>: {o:?}");
    o[0].clone()
}

/// The object of `s p` whose `q` has the value `v` (e.g. the contact with
/// this name).
fn with(r: &Record, s: &Term, p: &str, q: &str, v: &str) -> Term {
    objects(r, s, p)
        .into_iter()
        .find(|o| terms(r, o, q).contains(v))
        .unwrap_or_else(|| panic!("no <{p}> of {s} with <{q}> {v:?}"))
        .clone()
}

fn iri(s: &str) -> Term {
    Term::from(NamedNode::new(s).unwrap())
}

fn example(file: &str) -> Option<Value> {
    let fx = fixtures()?;
    Some(catalog_tests::portals::load_ckan_package(
        &fx.join("ckanext-dcat-examples").join(file),
    ))
}

/// Harvests `packages` from a stub portal (`rows` per page).
async fn harvest_packages(packages: Vec<Value>, rows: usize) -> (Run, Url, CkanPortal) {
    let (portal, base) = start(packages);
    let mut src = source(base.clone());
    src.rows = rows;
    let out = run(&src).await;
    assert!(out.complete, "{:?} {:?}", out.reason, out.failed);
    let errors: Vec<_> = out.pages.iter().flat_map(|p| &p.record_errors).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    (out, base, portal)
}

#[tokio::test]
async fn ckanext_dcat_full_dataset_maps_every_property() {
    let Some(pkg) = example("ckan_full_dataset_dcat_ap.json") else {
        return;
    };
    let (out, base, _portal) = harvest_packages(vec![pkg], 10).await;
    let records = out.records();
    let r = find(&records, &format!("{base}dataset/test-dataset-shacl"));
    let d = ds(r);
    let p = |prop: &str| terms(r, &d, prop);
    assert_eq!(p(RDF_TYPE), set([&format!("{DCAT}Dataset")]));
    assert_eq!(p(&format!("{DCT}title")), set(["Test DCAT dataset"]));
    assert_eq!(p(&format!("{DCT}description")), set(["Lorem ipsum"]));
    assert_eq!(
        p(&format!("{DCAT}landingPage")),
        set(["http://example.org/ds1"])
    );
    assert_eq!(p(&format!("{DCAT}version")), set(["1.0b"]));
    assert_eq!(p(&format!("{DCAT}keyword")), set(["Tag 1", "Tag 2"]));
    assert_eq!(p(&format!("{DCT}issued")), set(["2024-05-01^^date"]));
    assert_eq!(p(&format!("{DCT}modified")), set(["2024-05-05^^date"]));
    assert_eq!(
        p(&format!("{DCT}identifier")),
        set(["xx-some-dataset-id-yy"])
    );
    assert_eq!(
        p(&format!("{DCT}accrualPeriodicity")),
        set([&format!("{EU}frequency/MONTHLY")])
    );
    assert_eq!(
        p("http://www.w3.org/ns/adms#versionNotes"),
        set(["Some version notes"])
    );
    // Free-text statements become labelled statements.
    let provenance = the(r, &d, &format!("{DCT}provenance"));
    assert_eq!(
        terms(r, &provenance, RDF_TYPE),
        set([&format!("{DCT}ProvenanceStatement")])
    );
    assert_eq!(
        terms(r, &provenance, RDFS_LABEL),
        set(["Statement about provenance"])
    );
    let rights = the(r, &d, &format!("{DCT}accessRights"));
    assert_eq!(
        terms(r, &rights, RDFS_LABEL),
        set(["Statement about access rights"])
    );
    // dcat_type "test-type" is no IRI: left out.
    assert!(p(&format!("{DCT}type")).is_empty());
    assert_eq!(
        p(&format!("{DCAT}theme")),
        set([
            "https://example.org/uri/theme1",
            "https://example.org/uri/theme2",
            "https://example.org/uri/theme3"
        ])
    );
    assert_eq!(
        p(&format!("{DCT}language")),
        set([
            &format!("{EU}language/ENG"),
            &format!("{EU}language/CAT"),
            &format!("{EU}language/SPA")
        ])
    );
    assert_eq!(
        p(&format!("{FOAF}page")),
        set(["https://example.org/some-doc.html"])
    );
    let standards: BTreeSet<String> = objects(r, &d, &format!("{DCT}conformsTo"))
        .into_iter()
        .flat_map(|s| terms(r, s, RDFS_LABEL))
        .collect();
    assert_eq!(standards, set(["Standard 1", "Standard 2"]));
    // is_referenced_by: the IRI; "test_isreferencedby" is no IRI.
    assert_eq!(
        p(&format!("{DCT}isReferencedBy")),
        set(["https://doi.org/10.1038/sdata.2018.22"])
    );
    assert_eq!(
        p("http://data.europa.eu/r5r/applicableLegislation"),
        set([
            "http://data.europa.eu/eli/reg_impl/2023/138/oj",
            "http://data.europa.eu/eli/reg_impl/2023/138/oj_alt"
        ])
    );
    let alternate: BTreeSet<String> = objects(r, &d, "http://www.w3.org/ns/adms#identifier")
        .into_iter()
        .flat_map(|i| terms(r, i, "http://www.w3.org/2004/02/skos/core#notation"))
        .collect();
    assert_eq!(alternate, set(["alt-id-1", "alt-id-2"]));

    // Both contact points, with URL and identifier.
    assert_eq!(objects(r, &d, &format!("{DCAT}contactPoint")).len(), 2);
    let c1 = with(
        r,
        &d,
        &format!("{DCAT}contactPoint"),
        &format!("{VCARD}fn"),
        "Contact 1",
    );
    assert_eq!(
        terms(r, &c1, &format!("{VCARD}hasEmail")),
        set(["mailto:contact1@example.org"])
    );
    assert_eq!(terms(r, &c1, &format!("{VCARD}hasUID")), set(["123"]));
    assert_eq!(
        terms(r, &c1, &format!("{VCARD}hasURL")),
        set(["https://example.org"])
    );
    assert_eq!(
        terms(r, &c1, RDF_TYPE),
        set([&format!("{VCARD}Organization")])
    );
    let c2 = with(
        r,
        &d,
        &format!("{DCAT}contactPoint"),
        &format!("{VCARD}fn"),
        "Contact 2",
    );
    assert_eq!(
        terms(r, &c2, &format!("{VCARD}hasEmail")),
        set(["mailto:contact2@example.org"])
    );
    assert_eq!(terms(r, &c2, &format!("{VCARD}hasUID")), set(["456"]));
    assert!(terms(r, &c2, &format!("{VCARD}hasURL")).is_empty());

    // Publisher and creator: the identifier IRI is the node; "public_body"
    // is no IRI, so no dct:type.
    for (property, node, name, mail) in [
        (
            "publisher",
            "http://example.org/publisher-id",
            "Test Publisher",
            "mailto:publisher@example.org",
        ),
        (
            "creator",
            "http://example.org/creator-id",
            "Test Creator",
            "mailto:creator@example.org",
        ),
    ] {
        let a = the(r, &d, &format!("{DCT}{property}"));
        assert_eq!(a, iri(node));
        assert_eq!(terms(r, &a, RDF_TYPE), set([&format!("{FOAF}Agent")]));
        assert_eq!(terms(r, &a, &format!("{FOAF}name")), set([name]));
        assert_eq!(terms(r, &a, &format!("{FOAF}mbox")), set([mail]));
        assert_eq!(
            terms(r, &a, &format!("{FOAF}homepage")),
            set(["https://example.org"])
        );
        assert!(terms(r, &a, &format!("{DCT}type")).is_empty());
    }

    // Both temporal coverages.
    let periods: BTreeSet<(String, String)> = objects(r, &d, &format!("{DCT}temporal"))
        .into_iter()
        .map(|t| {
            assert_eq!(terms(r, t, RDF_TYPE), set([&format!("{DCT}PeriodOfTime")]));
            let one = |p: &str| {
                terms(r, t, &format!("{DCAT}{p}"))
                    .into_iter()
                    .next()
                    .unwrap()
            };
            (one("startDate"), one("endDate"))
        })
        .collect();
    assert_eq!(
        periods,
        BTreeSet::from([
            ("1905-03-01^^date".to_owned(), "2013-01-05^^date".to_owned()),
            ("2024-04-10^^date".to_owned(), "2024-05-29^^date".to_owned())
        ])
    );
    assert_eq!(
        p(&format!("{DCAT}temporalResolution")),
        set(["PT15M^^duration"])
    );
    assert_eq!(
        p(&format!("{DCAT}spatialResolutionInMeters")),
        set(["1.5^^decimal"])
    );

    // Spatial coverage: IRI, label, geometry, bounding box and centroid.
    let spatial = the(r, &d, &format!("{DCT}spatial"));
    assert_eq!(spatial, iri("https://sws.geonames.org/6361390/"));
    assert_eq!(
        terms(r, &spatial, RDF_TYPE),
        set([&format!("{DCT}Location")])
    );
    assert_eq!(
        terms(r, &spatial, "http://www.w3.org/2004/02/skos/core#prefLabel"),
        set(["Tarragona"])
    );
    let geo = |p: &str| -> Value {
        match &objects(r, &spatial, p)[..] {
            [Term::Literal(l)] => {
                assert_eq!(
                    l.datatype().as_str(),
                    "http://www.opengis.net/ont/geosparql#geoJSONLiteral"
                );
                serde_json::from_str(l.value()).unwrap()
            }
            other => panic!("{p}: {other:?}"),
        }
    };
    assert_eq!(
        geo(&format!("{DCAT}centroid")),
        json!({"type": "Point", "coordinates": [1.26639, 41.12386]})
    );
    assert_eq!(
        geo("http://www.w3.org/ns/locn#geometry")["coordinates"][0][1],
        json!([11.9936, 54.2466])
    );
    assert_eq!(
        geo(&format!("{DCAT}bbox"))["coordinates"][0][0],
        json!([-2.1604, 42.7611])
    );

    // Qualified relation (its uri is empty: a blank node), the role typed.
    let relation = the(r, &d, &format!("{DCAT}qualifiedRelation"));
    assert!(matches!(relation, Term::BlankNode(_)));
    assert_eq!(
        terms(r, &relation, RDF_TYPE),
        set([&format!("{DCAT}Relationship")])
    );
    assert_eq!(
        terms(r, &relation, &format!("{DCT}relation")),
        set(["http://example.com/dataset/3.141592"])
    );
    let role = "http://www.iana.org/assignments/relation/related";
    assert_eq!(terms(r, &relation, &format!("{DCAT}hadRole")), set([role]));
    assert_eq!(
        terms(r, &iri(role), RDF_TYPE),
        set([&format!("{DCAT}Role")])
    );

    // The resource, field by field.
    let dist = the(r, &d, &format!("{DCAT}distribution"));
    let q = |prop: &str| terms(r, &dist, prop);
    assert_eq!(q(RDF_TYPE), set([&format!("{DCAT}Distribution")]));
    assert_eq!(q(&format!("{DCT}title")), set(["Resource 1"]));
    assert_eq!(q(&format!("{DCT}description")), set(["Some description"]));
    assert_eq!(
        q(&format!("{DCAT}accessURL")),
        set(["https://example.com/data.csv"])
    );
    assert_eq!(
        q(&format!("{DCAT}downloadURL")),
        set(["https://example.com/data.csv"])
    );
    assert_eq!(
        q(&format!("{DCT}format")),
        set([&format!("{EU}file-type/CSV")])
    );
    assert_eq!(
        q(&format!("{DCAT}mediaType")),
        set(["https://www.iana.org/assignments/media-types/text/csv"])
    );
    assert_eq!(
        q("http://data.europa.eu/r5r/availability"),
        set([&format!("{EU}planned-availability/EXPERIMENTAL")])
    );
    assert_eq!(
        q(&format!("{DCAT}compressFormat")),
        set(["http://www.iana.org/assignments/media-types/application/gzip"])
    );
    assert_eq!(
        q(&format!("{DCAT}packageFormat")),
        set([&format!("{EU}file-type/TAR")])
    );
    assert_eq!(
        q(&format!("{DCAT}byteSize")),
        set(["12323^^nonNegativeInteger"])
    );
    assert_eq!(
        q("http://www.w3.org/ns/adms#status"),
        set([&format!("{EU}distribution-status/COMPLETED")])
    );
    assert_eq!(
        q(&format!("{DCT}issued")),
        set(["2024-05-01T01:20:33^^dateTime"])
    );
    assert_eq!(
        q(&format!("{DCT}modified")),
        set(["2024-05-05T09:33:20^^dateTime"])
    );
    assert_eq!(
        q(&format!("{DCAT}temporalResolution")),
        set(["PT15M^^duration"])
    );
    assert_eq!(
        q(&format!("{DCAT}spatialResolutionInMeters")),
        set(["1.5^^decimal"])
    );
    assert_eq!(
        q(&format!("{DCT}license")),
        set(["http://dcat-ap.de/def/licenses/cc-by-de/3.0"])
    );
    assert_eq!(
        q(&format!("{DCT}language")),
        set([
            &format!("{EU}language/ENG"),
            &format!("{EU}language/CAT"),
            &format!("{EU}language/SPA")
        ])
    );
    let rights = the(r, &dist, &format!("{DCT}rights"));
    assert_eq!(
        terms(r, &rights, RDFS_LABEL),
        set(["Some stament about rights"])
    );
    let checksum = the(r, &dist, "http://spdx.org/rdf/terms#checksum");
    assert_eq!(
        terms(r, &checksum, "http://spdx.org/rdf/terms#algorithm"),
        set(["http://spdx.org/rdf/terms#checksumAlgorithm_sha1"])
    );
    assert_eq!(
        terms(r, &checksum, "http://spdx.org/rdf/terms#checksumValue"),
        set(["4304cf2e751e6053c90b1804c89c0ebb758f395a^^hexBinary"])
    );
    // The access service.
    let service = the(r, &dist, &format!("{DCAT}accessService"));
    assert!(matches!(service, Term::BlankNode(_)));
    let s = |prop: &str| terms(r, &service, prop);
    assert_eq!(s(RDF_TYPE), set([&format!("{DCAT}DataService")]));
    assert_eq!(s(&format!("{DCT}title")), set(["Access Service 1"]));
    assert_eq!(
        s(&format!("{DCAT}endpointURL")),
        set([
            "https://example.org/access_service/1",
            "https://example.org/access_service/2"
        ])
    );
    assert_eq!(
        s(&format!("{DCAT}endpointDescription")),
        set(["https://example.org/endpoint_description"])
    );
    assert_eq!(
        s(&format!("{DCAT}servesDataset")),
        set([
            "https://example.org/dataset/1",
            "https://example.org/dataset/2"
        ])
    );
    // DCAT-AP.de wants a publisher: the dataset's.
    assert_eq!(
        s(&format!("{DCT}publisher")),
        set(["http://example.org/publisher-id"])
    );
}

#[tokio::test]
async fn ckanext_fluent_translations_give_one_literal_per_language() {
    let Some(pkg) = example("ckan_dataset_multilingual.json") else {
        return;
    };
    let (out, base, _portal) = harvest_packages(vec![pkg], 10).await;
    let records = out.records();
    let r = find(
        &records,
        &format!("{base}dataset/test-dataset-multilingual"),
    );
    let d = ds(r);
    let p = |prop: &str| terms(r, &d, prop);
    // The translations replace the untagged title, description and tags.
    assert_eq!(
        p(&format!("{DCT}title")),
        set([
            "Test DCAT dataset@en",
            "Conjunt de dades de prova DCAT@ca",
            "Conjunto de datos de prueba DCAT@es"
        ])
    );
    assert_eq!(
        p(&format!("{DCT}description")),
        set([
            "Some description@en",
            "Una descripció qualsevol@ca",
            "Una descripción cualquiera@es"
        ])
    );
    assert_eq!(
        p(&format!("{DCAT}keyword")),
        set([
            "Oaks@en",
            "Pines@en",
            "Roures@ca",
            "Pins@ca",
            "Robles@es",
            "Pinos@es"
        ])
    );
    assert_eq!(
        p("http://www.w3.org/ns/adms#versionNotes"),
        set([
            "Some version notes@en",
            "Notes sobre la versió@ca",
            "Notas sobre la versión@es"
        ])
    );
    // One provenance statement with a label per language.
    let provenance = the(r, &d, &format!("{DCT}provenance"));
    assert_eq!(
        terms(r, &provenance, RDFS_LABEL),
        set([
            "Statement about provenance@en",
            "Una declaració sobre la procedència@ca",
            "Una declaración sobre la procedencia@es"
        ])
    );
    // Contact names from name_translated.
    let c = with(
        r,
        &d,
        &format!("{DCAT}contactPoint"),
        &format!("{VCARD}fn"),
        "Contacte 1@ca",
    );
    assert_eq!(
        terms(r, &c, &format!("{VCARD}fn")),
        set(["Contact 1@en", "Contacte 1@ca", "Contacto 1@es"])
    );
    assert_eq!(terms(r, &c, &format!("{VCARD}hasUID")), set(["123"]));
    // The resource's name, description and rights.
    let dist = the(r, &d, &format!("{DCAT}distribution"));
    assert_eq!(
        terms(r, &dist, &format!("{DCT}title")),
        set(["Resource 1@en", "Recurs 1@ca", "Recurso 1@es"])
    );
    assert_eq!(
        terms(r, &dist, &format!("{DCT}description")),
        set([
            "Some description@en",
            "Una descripció qualsevol@ca",
            "Una descripción cualquiera@es"
        ])
    );
    let rights = the(r, &dist, &format!("{DCT}rights"));
    assert_eq!(
        terms(r, &rights, RDFS_LABEL),
        set([
            "Some stament about rights@en",
            "Una nota sobre drets@ca",
            "Una nota sobre derechos@es"
        ])
    );
}

#[tokio::test]
async fn translated_agents_access_rights_and_invalid_language_tags() {
    let pkg = json!({
        "id": "6a0c1e2f-0b41-4c83-9d53-1f2a3b4c5d6e",
        "name": "baumkataster-moers",
        "title": "Baumkataster",
        "title_translated": {"DE": "Baumkataster", "en": "Tree register", "nicht gültig!": "x", "fr": ""},
        "notes_translated": "{\"de\": \"Alle Stadtbäume.\", \"en\": \"All city trees.\"}",
        "tags": [{"name": "Bäume"}],
        "tags_translated": {"de": ["Bäume", "Umwelt"], "en": "trees, environment"},
        "access_rights": {"de": "Öffentlich zugänglich", "en": "Publicly accessible"},
        "publisher": [{
            "name": "Stadt Moers",
            "name_translated": {"de": "Stadt Moers", "en": "City of Moers"},
            "email": "opendata@moers.de",
            "url": "https://www.moers.de",
            "type": "http://purl.org/adms/publishertype/LocalAuthority"
        }],
        "creator": [
            {"name": {"de": "Grünflächenamt", "en": "Parks department"}},
            {"name": "Vermessungsamt", "identifier": "DE-MO-62", "email": "vermessung@moers.de"}
        ],
        "contact": [{"name": "Grünflächenamt", "name_translated": {"de": "Grünflächenamt"}, "email": "gruen@moers.de"}],
    });
    let (out, base, _portal) = harvest_packages(vec![pkg], 10).await;
    let records = out.records();
    let r = find(&records, &format!("{base}dataset/baumkataster-moers"));
    let d = ds(r);
    assert_eq!(
        terms(r, &d, &format!("{DCT}title")),
        set(["Baumkataster@de", "Tree register@en"]),
        "upper-case tags are lower-cased, invalid ones and empty texts left out"
    );
    assert_eq!(
        terms(r, &d, &format!("{DCT}description")),
        set(["Alle Stadtbäume.@de", "All city trees.@en"])
    );
    assert_eq!(
        terms(r, &d, &format!("{DCAT}keyword")),
        set(["Bäume@de", "Umwelt@de", "trees@en", "environment@en"])
    );
    let rights = the(r, &d, &format!("{DCT}accessRights"));
    assert_eq!(
        terms(r, &rights, RDFS_LABEL),
        set(["Öffentlich zugänglich@de", "Publicly accessible@en"])
    );
    let publisher = the(r, &d, &format!("{DCT}publisher"));
    assert_eq!(
        terms(r, &publisher, &format!("{FOAF}name")),
        set(["Stadt Moers@de", "City of Moers@en"]),
        "the plain name repeats a translation"
    );
    assert_eq!(
        terms(r, &publisher, &format!("{DCT}type")),
        set(["http://purl.org/adms/publishertype/LocalAuthority"])
    );
    assert_eq!(
        terms(r, &publisher, &format!("{FOAF}homepage")),
        set(["https://www.moers.de"])
    );
    let parks = with(
        r,
        &d,
        &format!("{DCT}creator"),
        &format!("{FOAF}name"),
        "Parks department@en",
    );
    assert_eq!(
        terms(r, &parks, &format!("{FOAF}name")),
        set(["Grünflächenamt@de", "Parks department@en"])
    );
    let survey = with(
        r,
        &d,
        &format!("{DCT}creator"),
        &format!("{FOAF}name"),
        "Vermessungsamt",
    );
    assert!(
        matches!(survey, Term::BlankNode(_)),
        "the identifier is no IRI"
    );
    assert_eq!(
        terms(r, &survey, &format!("{DCT}identifier")),
        set(["DE-MO-62"])
    );
    let c = the(r, &d, &format!("{DCAT}contactPoint"));
    assert_eq!(
        terms(r, &c, &format!("{VCARD}fn")),
        set(["Grünflächenamt@de"])
    );
}

/// A member of a dataset series, as ckanext-dataset-series stores it.
fn series_member(id: &str, name: &str, year: u32, in_series: Value) -> Value {
    json!({
        "id": id,
        "name": name,
        "title": format!("Luftqualität Moers {year}"),
        "notes": format!("Stundenwerte der Messstation Moers-Meerbeck für {year}."),
        "type": "dataset",
        "in_series": in_series,
        "issued": format!("{year}-01-01"),
        "resources": [{"id": format!("{id}-csv"), "url": format!("https://daten.moers.de/luft/{year}.csv"), "format": "CSV"}],
    })
}

#[tokio::test]
async fn in_series_ids_are_resolved_to_the_series_iri() {
    let Some(mut series) = example("ckan_dcat_ap_dataset_series.json") else {
        return;
    };
    // Ids sort the members before the series (sort=id asc, one package per
    // page): the series is unknown when they are mapped.
    let series_id = "f0000000-0000-4000-8000-5e7ie5000001";
    series["id"] = json!(series_id);
    let packages = vec![
        series.clone(),
        series_member(
            "a0000000-0000-4000-8000-000000002022",
            "luftqualitaet-2022",
            2022,
            json!([series_id]),
        ),
        series_member(
            "a0000000-0000-4000-8000-000000002023",
            "luftqualitaet-2023",
            2023,
            json!(format!("[\"{series_id}\"]")),
        ),
        series_member(
            "b0000000-0000-4000-8000-000000000001",
            "luft-verwaist",
            2021,
            json!(["gibt-es-nicht"]),
        ),
        series_member(
            "c0000000-0000-4000-8000-000000000001",
            "luft-iri",
            2020,
            json!(["https://daten.example/reihe/luft"]),
        ),
        // After the series: known from the listing, no look-up.
        series_member(
            "f1000000-0000-4000-8000-000000002024",
            "luftqualitaet-2024",
            2024,
            json!(["test-dataset-series"]),
        ),
    ];
    let (out, base, portal) = harvest_packages(packages, 1).await;
    let records = out.records();
    let series_iri = format!("{base}dataset/test-dataset-series");
    let s = find(&records, &series_iri);
    assert_eq!(
        terms(s, &ds(s), RDF_TYPE),
        set([&format!("{DCAT}DatasetSeries")])
    );
    assert!(objects(s, &ds(s), &format!("{DCAT}inSeries")).is_empty());
    for name in [
        "luftqualitaet-2022",
        "luftqualitaet-2023",
        "luftqualitaet-2024",
    ] {
        let m = find(&records, &format!("{base}dataset/{name}"));
        assert_eq!(
            terms(m, &ds(m), &format!("{DCAT}inSeries")),
            set([&series_iri]),
            "{name}"
        );
    }
    let m = find(&records, &format!("{base}dataset/luft-iri"));
    assert_eq!(
        terms(m, &ds(m), &format!("{DCAT}inSeries")),
        set(["https://daten.example/reihe/luft"])
    );
    let orphan = find(&records, &format!("{base}dataset/luft-verwaist"));
    assert!(objects(orphan, &ds(orphan), &format!("{DCAT}inSeries")).is_empty());
    // One warning, on the orphan's page, naming it and the reason.
    let warnings: Vec<_> = out.pages.iter().flat_map(|p| &p.warnings).collect();
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    let w = warnings[0];
    assert_eq!(w.record, format!("{base}dataset/luft-verwaist"));
    assert!(w.reason.contains("gibt-es-nicht"), "{}", w.reason);
    assert!(w.reason.contains("404"), "{}", w.reason);
    assert!(w.snippet.contains("luft-verwaist"), "{}", w.snippet);
    // package_show once per unknown id (cached), none for the known ones.
    let shows: Vec<String> = portal.with(|s| {
        s.requests
            .iter()
            .filter(|r| r.action == "package_show")
            .map(|r| r.params["id"].clone())
            .collect()
    });
    assert_eq!(
        shows,
        vec![series_id.to_owned(), "gibt-es-nicht".to_owned()]
    );
}

/// Schleswig-Holstein's collections: a package of type `collection` is a
/// series, its members name it in a `child_of` relationship (as the
/// portal's package_show gives it: the parent's id under `__extras`); a
/// `child_of` a package that is no series gives no `dcat:inSeries`.
#[tokio::test]
async fn collections_and_child_of_relationships_are_series() {
    let collection_id = "f9f957a1-d655-409a-aeb9-3aeba1ec5907";
    let plain_id = "0a000000-0000-4000-8000-00000000000a";
    let child = |id: &str, name: &str, year: u32, parent: &str| {
        let mut m = series_member(id, name, year, Value::Null);
        m["relationships_as_subject"] = json!([{
            "comment": "", "type": "child_of", "id": format!("rel-{id}"),
            "__extras": {"object_package_id": parent, "subject_package_id": id}
        }]);
        m
    };
    let packages = vec![
        child(
            "a1000000-0000-4000-8000-000000002021",
            "kita-2021",
            2021,
            collection_id,
        ),
        // CKAN's documented form: the parent's name as `object`.
        {
            let mut m = series_member(
                "a1000000-0000-4000-8000-000000002022",
                "kita-2022",
                2022,
                Value::Null,
            );
            m["relationships_as_subject"] = json!([{"subject": "kita-2022", "object": "kindertagesstaetten", "type": "child_of"}]);
            m
        },
        child(
            "a1000000-0000-4000-8000-000000002023",
            "kita-anhang",
            2023,
            plain_id,
        ),
        json!({"id": plain_id, "name": "kein-sammelband", "title": "Kein Sammelband", "type": "dataset"}),
        json!({"id": collection_id, "name": "kindertagesstaetten", "title": "Kindertagesstätten",
               "type": "collection"}),
    ];
    let (out, base, _portal) = harvest_packages(packages, 1).await;
    let records = out.records();
    let series_iri = format!("{base}dataset/kindertagesstaetten");
    let s = find(&records, &series_iri);
    assert_eq!(
        terms(s, &ds(s), RDF_TYPE),
        set([&format!("{DCAT}DatasetSeries")])
    );
    for name in ["kita-2021", "kita-2022"] {
        let m = find(&records, &format!("{base}dataset/{name}"));
        assert_eq!(
            terms(m, &ds(m), &format!("{DCAT}inSeries")),
            set([&series_iri]),
            "{name}"
        );
    }
    let m = find(&records, &format!("{base}dataset/kita-anhang"));
    assert!(objects(m, &ds(m), &format!("{DCAT}inSeries")).is_empty());
    let warnings: Vec<_> = out.pages.iter().flat_map(|p| &p.warnings).collect();
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(
        warnings[0].reason.contains("no dataset series"),
        "{}",
        warnings[0].reason
    );
}

#[tokio::test]
async fn in_series_look_ups_are_bounded_per_run() {
    let unknown: Vec<String> = (0..105).map(|i| format!("reihe-{i:03}")).collect();
    let packages = vec![
        series_member(
            "a0000000-0000-4000-8000-000000000001",
            "viele-reihen",
            2023,
            json!(unknown),
        ),
        series_member(
            "a0000000-0000-4000-8000-000000000002",
            "noch-einmal",
            2024,
            json!(["reihe-000", "reihe-104"]),
        ),
    ];
    let (out, _base, portal) = harvest_packages(packages, 10).await;
    let shows = portal.with(|s| {
        s.requests
            .iter()
            .filter(|r| r.action == "package_show")
            .count()
    });
    assert_eq!(shows, harvester::ckan::MAX_SERIES_LOOKUPS);
    let warnings: Vec<_> = out.pages.iter().flat_map(|p| &p.warnings).collect();
    assert_eq!(warnings.len(), 105 + 2);
    assert_eq!(
        warnings
            .iter()
            .filter(|w| w.reason.contains("look-ups are used"))
            .count(),
        5 + 1
    );
}

#[tokio::test]
async fn govdata_dcatde_agents_and_contact_details() {
    let pkg = json!({
        "id": "3e5b8a1c-7d2f-4e90-b6a1-2c4d6e8f0a12",
        "name": "wahlergebnisse-landtagswahl-2022",
        "title": "Wahlergebnisse der Landtagswahl 2022",
        "notes": "Ergebnisse nach Stimmbezirken.",
        "license_id": "dl-by-de/2.0",
        "author": "Wahlamt der Stadt Moers",
        "author_email": "wahlamt@moers.de",
        "maintainer": "Erika Mustermann",
        "maintainer_email": "erika.mustermann@moers.de",
        "organization": {"id": "8f1b2c3d-4e5f-4a6b-9c8d-7e6f5a4b3c2d", "name": "stadt-moers", "title": "Stadt Moers"},
        "extras": [
            {"key": "author_url", "value": "https://www.moers.de/wahlen"},
            {"key": "author_contacttype", "value": "Organization"},
            {"key": "maintainer_url", "value": "https://www.moers.de/statistik"},
            {"key": "maintainer_contacttype", "value": "Person"},
            {"key": "maintainer_type", "value": "http://purl.org/adms/publishertype/LocalAuthority"},
            {"key": "maintainer_tel", "value": "+49 (0)2841 / 201-0"},
            {"key": "maintainer_street", "value": "Rathausplatz 1"},
            {"key": "maintainer_city", "value": "Moers"},
            {"key": "maintainer_zip", "value": "47441"},
            {"key": "maintainer_country", "value": "Deutschland"},
            {"key": "originator", "value": "IT.NRW"},
            {"key": "originator_email", "value": "poststelle@it.nrw.de"},
            {"key": "originator_url", "value": "https://www.it.nrw"},
            {"key": "originator_contacttype", "value": "Organization"},
            {"key": "contributorID", "value": "[\"http://dcat-ap.de/def/contributors/openNRW\"]"},
            {"key": "used_datasets", "value": "[\"https://www.opengeodata.nrw.de/produkte/wahlbezirke\"]"},
        ],
        "resources": [{"id": "r1", "url": "https://daten.moers.de/wahlen/ltw2022.csv", "format": "CSV",
                       "language": ["de", "http://publications.europa.eu/resource/authority/language/ENG"],
                       "hash": "d41d8cd98f00b204e9800998ecf8427e", "hash_algorithm": "MD5"}],
    });
    let (out, base, _portal) = harvest_packages(vec![pkg], 10).await;
    let records = out.records();
    let r = find(
        &records,
        &format!("{base}dataset/wahlergebnisse-landtagswahl-2022"),
    );
    let d = ds(r);
    // The contact point: the maintainer as a person, with ckanext-dcatde's
    // telephone and address.
    let c = the(r, &d, &format!("{DCAT}contactPoint"));
    assert_eq!(terms(r, &c, RDF_TYPE), set([&format!("{VCARD}Individual")]));
    assert_eq!(
        terms(r, &c, &format!("{VCARD}fn")),
        set(["Erika Mustermann"])
    );
    assert_eq!(
        terms(r, &c, &format!("{VCARD}hasEmail")),
        set(["mailto:erika.mustermann@moers.de"])
    );
    assert_eq!(
        terms(r, &c, &format!("{VCARD}hasTelephone")),
        set(["tel:+4928412010"])
    );
    let address = the(r, &c, &format!("{VCARD}hasAddress"));
    assert_eq!(
        terms(r, &address, RDF_TYPE),
        set([&format!("{VCARD}Address")])
    );
    for (p, v) in [
        ("street-address", "Rathausplatz 1"),
        ("locality", "Moers"),
        ("postal-code", "47441"),
        ("country-name", "Deutschland"),
    ] {
        assert_eq!(terms(r, &address, &format!("{VCARD}{p}")), set([v]), "{p}");
    }
    // dcatde:maintainer: a person with homepage and type.
    let m = the(r, &d, &format!("{DCATDE}maintainer"));
    assert_eq!(
        terms(r, &m, RDF_TYPE),
        set([&format!("{FOAF}Agent"), &format!("{FOAF}Person")])
    );
    assert_eq!(
        terms(r, &m, &format!("{FOAF}homepage")),
        set(["https://www.moers.de/statistik"])
    );
    assert_eq!(
        terms(r, &m, &format!("{DCT}type")),
        set(["http://purl.org/adms/publishertype/LocalAuthority"])
    );
    // dct:creator (author) and dcatde:originator as organisations.
    for (property, name, mail, home) in [
        (
            format!("{DCT}creator"),
            "Wahlamt der Stadt Moers",
            "mailto:wahlamt@moers.de",
            "https://www.moers.de/wahlen",
        ),
        (
            format!("{DCATDE}originator"),
            "IT.NRW",
            "mailto:poststelle@it.nrw.de",
            "https://www.it.nrw",
        ),
    ] {
        let a = the(r, &d, &property);
        assert_eq!(
            terms(r, &a, RDF_TYPE),
            set([&format!("{FOAF}Agent"), &format!("{FOAF}Organization")])
        );
        assert_eq!(terms(r, &a, &format!("{FOAF}name")), set([name]));
        assert_eq!(terms(r, &a, &format!("{FOAF}mbox")), set([mail]));
        assert_eq!(terms(r, &a, &format!("{FOAF}homepage")), set([home]));
    }
    // The organisation is the publisher, under ckanext-dcat's organisation IRI.
    let publisher = the(r, &d, &format!("{DCT}publisher"));
    assert_eq!(
        publisher,
        iri(&format!(
            "{base}organization/8f1b2c3d-4e5f-4a6b-9c8d-7e6f5a4b3c2d"
        ))
    );
    assert_eq!(
        terms(r, &publisher, &format!("{FOAF}name")),
        set(["Stadt Moers"])
    );
    assert_eq!(
        terms(r, &d, &format!("{DCT}relation")),
        set(["https://www.opengeodata.nrw.de/produkte/wahlbezirke"])
    );
    let dist = the(r, &d, &format!("{DCAT}distribution"));
    assert_eq!(
        terms(r, &dist, &format!("{DCT}language")),
        set([&format!("{EU}language/DEU"), &format!("{EU}language/ENG")])
    );
    let checksum = the(r, &dist, "http://spdx.org/rdf/terms#checksum");
    assert_eq!(
        terms(r, &checksum, "http://spdx.org/rdf/terms#algorithm"),
        set(["http://spdx.org/rdf/terms#checksumAlgorithm_md5"])
    );
}

#[tokio::test]
async fn dcat_prefixed_extras_are_read_as_ckanext_dcat_does() {
    let Some(pkg) = example("ckan_dataset.json") else {
        return;
    };
    let (out, base, _portal) = harvest_packages(vec![pkg], 10).await;
    let records = out.records();
    let r = find(
        &records,
        &format!("{base}dataset/2988a6aa-2802-4f32-b846-d4520c79c4b7"),
    );
    let d = ds(r);
    assert_eq!(
        terms(r, &d, &format!("{DCT}issued")),
        set(["2012-05-10^^date"])
    );
    assert_eq!(
        terms(r, &d, &format!("{DCT}modified")),
        set(["2012-05-10T21:04:00^^dateTime"]),
        "a time without seconds gets them"
    );
    let publisher = the(r, &d, &format!("{DCT}publisher"));
    assert_eq!(
        terms(r, &publisher, &format!("{FOAF}name")),
        set(["Geological Society"])
    );
    assert_eq!(
        terms(r, &publisher, &format!("{FOAF}mbox")),
        set(["mailto:info@gs.org"])
    );
    let creator = the(r, &d, &format!("{DCT}creator"));
    assert_eq!(
        terms(r, &creator, &format!("{FOAF}name")),
        set(["John Doe"])
    );
    assert_eq!(
        terms(r, &creator, &format!("{FOAF}mbox")),
        set(["mailto:johndoe@example.com"])
    );
    assert_eq!(
        terms(r, &d, &format!("{DCT}identifier")),
        set(["9df8df51-63db-37a8-e044-0003ba9b0d98"])
    );
}

/// A package of a CKAN 2.x portal with the Open Government Data Platform
/// schema (OGPD 1.1, GovData before DCAT-AP.de): contacts, dates and terms
/// of use as JSON in extras, no CKAN licence, maintainer or author.
fn ogpd_package(id: &str, name: &str, dates: Value) -> Value {
    let contacts = json!([
        {"role": "veroeffentlichende_stelle", "name": "Stadt Moers", "email": "opendata@moers.de",
         "url": "https://www.moers.de", "address": "Rathausplatz 1, 47441 Moers"},
        {"role": "autor", "name": "Fachdienst Umwelt und Klimaschutz", "email": "umwelt@moers.de"},
        {"role": "ansprechpartner", "name": "Fachdienst Umwelt und Klimaschutz", "email": "umwelt@moers.de",
         "address": "Stadt Moers; Fachdienst 7.3; Unterwallstraße 9; 47441 Moers; Deutschland"},
        {"role": "vertrieb", "name": "Kommunales Rechenzentrum Niederrhein", "email": "info@krzn.de",
         "url": "https://www.krzn.de"}
    ]);
    json!({
        "id": id,
        "name": name,
        "title": "Standorte der Altkleidercontainer",
        "notes": "Standorte der Altkleidercontainer im Stadtgebiet Moers.",
        "license_id": "",
        "maintainer": null,
        "author": null,
        "tags": [{"name": "Abfall"}, {"name": "Altkleider"}],
        "groups": [{"name": "umwelt_klima"}],
        "metadata_created": "2014-03-12T09:21:44.302164",
        "metadata_modified": "2019-11-04T14:02:10.118275",
        "extras": [
            {"key": "contacts", "value": contacts.to_string()},
            {"key": "dates", "value": dates.to_string()},
            {"key": "terms_of_use", "value": json!({"license_id": "dl-de-by-2.0",
                "license_url": "https://www.govdata.de/dl-de/by-2-0",
                "attribution_text": "Stadt Moers, Fachdienst Umwelt und Klimaschutz"}).to_string()},
            {"key": "ogd_version", "value": "v1.1"},
            {"key": "geographical_granularity", "value": "kommune"},
            {"key": "spatial_reference", "value": json!({"ags": "05170024", "text": "Moers"}).to_string()},
            {"key": "temporal_coverage_from", "value": "2014-01-01"},
            {"key": "temporal_coverage_to", "value": "2019-12-31"},
            {"key": "sector", "value": "oeffentlich"},
        ],
        "resources": [{"id": "d7e1", "url": "https://www.moers.de/opendata/altkleidercontainer.csv",
                       "format": "CSV", "name": "Altkleidercontainer (CSV)"}],
    })
}

#[tokio::test]
async fn legacy_ogpd_packages_keep_licence_publisher_contact_and_dates() {
    let full = ogpd_package(
        "0c9a4d2e-53b7-4f7e-8d4a-3f6b1e2c9d01",
        "altkleidercontainer",
        json!([
            {"role": "erstellt", "date": "2013-11-20"},
            {"role": "veroeffentlicht", "date": "2014-03-12T00:00:00"},
            {"role": "aktualisiert", "date": "2019-11-04"}
        ]),
    );
    let only_created = ogpd_package(
        "0c9a4d2e-53b7-4f7e-8d4a-3f6b1e2c9d02",
        "altkleidercontainer-2013",
        json!([{"role": "erstellt", "date": "2013-11-20"}]),
    );
    let (out, base, _portal) = harvest_packages(vec![full, only_created], 10).await;
    let records = out.records();
    let r = find(&records, &format!("{base}dataset/altkleidercontainer"));
    let d = ds(r);
    assert_eq!(
        terms(r, &d, &format!("{DCT}license")),
        set(["http://dcat-ap.de/def/licenses/dl-by-de/2.0"])
    );
    assert_eq!(
        terms(r, &d, &format!("{DCT}issued")),
        set(["2014-03-12T00:00:00^^dateTime"])
    );
    assert_eq!(
        terms(r, &d, &format!("{DCT}modified")),
        set(["2019-11-04^^date"])
    );
    let publisher = the(r, &d, &format!("{DCT}publisher"));
    assert_eq!(
        terms(r, &publisher, &format!("{FOAF}name")),
        set(["Stadt Moers"])
    );
    assert_eq!(
        terms(r, &publisher, &format!("{FOAF}mbox")),
        set(["mailto:opendata@moers.de"])
    );
    assert_eq!(
        terms(r, &publisher, &format!("{FOAF}homepage")),
        set(["https://www.moers.de"])
    );
    let creator = the(r, &d, &format!("{DCT}creator"));
    assert_eq!(
        terms(r, &creator, &format!("{FOAF}name")),
        set(["Fachdienst Umwelt und Klimaschutz"])
    );
    let maintainer = the(r, &d, &format!("{DCATDE}maintainer"));
    assert_eq!(
        terms(r, &maintainer, &format!("{FOAF}name")),
        set(["Kommunales Rechenzentrum Niederrhein"])
    );
    assert_eq!(
        terms(r, &maintainer, &format!("{FOAF}homepage")),
        set(["https://www.krzn.de"])
    );
    let c = the(r, &d, &format!("{DCAT}contactPoint"));
    assert_eq!(
        terms(r, &c, &format!("{VCARD}fn")),
        set(["Fachdienst Umwelt und Klimaschutz"])
    );
    assert_eq!(
        terms(r, &c, &format!("{VCARD}hasEmail")),
        set(["mailto:umwelt@moers.de"])
    );
    let address = the(r, &c, &format!("{VCARD}hasAddress"));
    for (p, v) in [
        ("street-address", "Unterwallstraße 9"),
        ("locality", "Moers"),
        ("postal-code", "47441"),
        ("country-name", "Deutschland"),
    ] {
        assert_eq!(terms(r, &address, &format!("{VCARD}{p}")), set([v]), "{p}");
    }
    assert_eq!(
        terms(r, &d, &format!("{DCATDE}politicalGeocodingURI")),
        set(["http://dcat-ap.de/def/politicalGeocoding/municipalityKey/05170024"])
    );
    assert_eq!(
        terms(r, &d, &format!("{DCATDE}politicalGeocodingLevelURI")),
        set(["http://dcat-ap.de/def/politicalGeocoding/Level/municipality"])
    );
    assert_eq!(
        terms(r, &d, &format!("{DCATDE}geocodingDescription")),
        set(["Moers"])
    );
    let temporal = the(r, &d, &format!("{DCT}temporal"));
    assert_eq!(
        terms(r, &temporal, &format!("{DCAT}startDate")),
        set(["2014-01-01^^date"])
    );
    assert_eq!(
        terms(r, &temporal, &format!("{DCAT}endDate")),
        set(["2019-12-31^^date"])
    );
    let dist = the(r, &d, &format!("{DCAT}distribution"));
    assert_eq!(
        terms(r, &dist, &format!("{DCT}license")),
        set(["http://dcat-ap.de/def/licenses/dl-by-de/2.0"])
    );
    assert_eq!(
        terms(r, &dist, &format!("{DCATDE}licenseAttributionByText")),
        set(["Stadt Moers, Fachdienst Umwelt und Klimaschutz"])
    );
    // Only "erstellt": that is the issue date; CKAN's timestamp the modification.
    let r = find(&records, &format!("{base}dataset/altkleidercontainer-2013"));
    let d = ds(r);
    assert_eq!(
        terms(r, &d, &format!("{DCT}issued")),
        set(["2013-11-20^^date"])
    );
    assert_eq!(
        terms(r, &d, &format!("{DCT}modified")),
        set(["2019-11-04T14:02:10.118275^^dateTime"])
    );
}

/// A package as ckanext-spatial's ISO harvester writes it (the extras of
/// a CSW record in a CKAN portal), written after the shape of real ones.
fn spatial_harvested_package(id: &str, name: &str, extras: Value) -> Value {
    let mut all = vec![
        json!({"key": "spatial_harvester", "value": "true"}),
        json!({"key": "guid", "value": format!("DE-BY-{id}")}),
        json!({"key": "resource-type", "value": "dataset"}),
    ];
    if let Value::Array(more) = extras {
        all.extend(more);
    }
    json!({
        "id": id, "name": name, "title": "Baumkataster", "notes": "Die Straßenbäume der Stadt.",
        "license_id": null, "license_title": null, "maintainer": null, "author": null,
        "metadata_created": "2023-06-14T00:49:28.521578",
        "metadata_modified": "2023-06-14T00:49:28.521585",
        "organization": {"id": "0c1a", "name": "stadt-beispiel", "title": "Stadt Beispiel"},
        "extras": all,
        "resources": [
            {"id": "r1", "url": "https://geo.stadt.example/wms", "format": "",
             "resource_locator_protocol": "OGC:WMS", "name": "Kartendienst"},
            {"id": "r2", "url": "https://geo.stadt.example/baeume.zip", "format": "",
             "resource_locator_protocol": "WWW:DOWNLOAD-1.0-http--download", "name": "Download"}
        ],
    })
}

/// ckanext-spatial's extras: licence texts, the point of contact's e-mail,
/// citation dates, the bounding box, lineage and the online resources'
/// protocols. Anything the package states itself wins.
#[tokio::test]
async fn ckanext_spatial_extras_give_licence_contact_dates_and_box() {
    let full = spatial_harvested_package(
        "7a2f",
        "baumkataster",
        json!([
            {"key": "licence", "value": "[\"Datenlizenz Deutschland – Namensnennung – Version 2.0\"]"},
            {"key": "contact-email", "value": "geodaten@stadt.example"},
            {"key": "responsible-party", "value": "[{\"name\": \"Stadt Beispiel, Vermessungsamt\", \"roles\": [\"pointOfContact\"]}]"},
            {"key": "dataset-reference-date", "value": "[{\"type\": \"creation\", \"value\": \"2016-01-01\"}, {\"type\": \"revision\", \"value\": \"2023-06-13\"}, {\"type\": \"publication\", \"value\": \"\"}]"},
            {"key": "bbox-west-long", "value": "11.36"},
            {"key": "bbox-east-long", "value": "11.72"},
            {"key": "bbox-south-lat", "value": "48.06"},
            {"key": "bbox-north-lat", "value": "48.25"},
            {"key": "lineage", "value": "Erfasst durch Begehung 2016."},
            {"key": "frequency-of-update", "value": "annually"}
        ]),
    );
    let unknown_licence = spatial_harvested_package(
        "7a30",
        "baumkataster-alt",
        json!([
            {"key": "licence", "value": "[\"Nutzung nur nach Rücksprache\"]"},
            {"key": "bbox-west-long", "value": "11.72"},
            {"key": "bbox-east-long", "value": "11.36"},
            {"key": "bbox-south-lat", "value": "48.06"},
            {"key": "bbox-north-lat", "value": "48.25"},
            {"key": "issued", "value": "2020-02-02"}
        ]),
    );
    let (out, base, _portal) = harvest_packages(vec![full, unknown_licence], 10).await;
    let records = out.records();
    let r = find(&records, &format!("{base}dataset/baumkataster"));
    let d = ds(r);
    assert_eq!(
        terms(r, &d, &format!("{DCT}license")),
        set(["http://dcat-ap.de/def/licenses/dl-by-de/2.0"])
    );
    let c = the(r, &d, &format!("{DCAT}contactPoint"));
    assert_eq!(
        terms(r, &c, &format!("{VCARD}hasEmail")),
        set(["mailto:geodaten@stadt.example"])
    );
    assert_eq!(
        terms(r, &c, &format!("{VCARD}fn")),
        set(["Stadt Beispiel, Vermessungsamt"])
    );
    // No publication date: the creation date is the issue date.
    assert_eq!(
        terms(r, &d, &format!("{DCT}issued")),
        set(["2016-01-01^^date"])
    );
    assert_eq!(
        terms(r, &d, &format!("{DCT}modified")),
        set(["2023-06-13^^date"])
    );
    let place = the(r, &d, &format!("{DCT}spatial"));
    let bbox = terms(r, &place, &format!("{DCAT}bbox"));
    assert_eq!(bbox.len(), 1);
    assert!(
        bbox.iter().next().is_some_and(|b| b
            .contains("[[[11.36,48.06],[11.72,48.06],[11.72,48.25],[11.36,48.25],[11.36,48.06]]]")),
        "{bbox:?}"
    );
    let provenance = the(r, &d, &format!("{DCT}provenance"));
    assert_eq!(
        terms(r, &provenance, RDFS_LABEL),
        set(["Erfasst durch Begehung 2016."])
    );
    assert_eq!(
        terms(r, &d, &format!("{DCT}accrualPeriodicity")),
        set(["http://publications.europa.eu/resource/authority/frequency/ANNUAL"])
    );
    let formats: BTreeSet<String> = objects(r, &d, &format!("{DCAT}distribution"))
        .into_iter()
        .flat_map(|dist| terms(r, dist, &format!("{DCT}format")))
        .collect();
    assert_eq!(
        formats,
        set([
            "http://publications.europa.eu/resource/authority/file-type/WMS_SRVC",
            // From the URL's extension.
            "http://publications.europa.eu/resource/authority/file-type/ZIP"
        ])
    );

    // A licence text no table knows is kept as the licence's label; a box
    // with west east of east is left out; the package's own date wins.
    let r = find(&records, &format!("{base}dataset/baumkataster-alt"));
    let d = ds(r);
    let licence = the(r, &d, &format!("{DCT}license"));
    assert_eq!(
        terms(r, &licence, RDFS_LABEL),
        set(["Nutzung nur nach Rücksprache"])
    );
    assert!(objects(r, &d, &format!("{DCT}spatial")).is_empty());
    assert_eq!(
        terms(r, &d, &format!("{DCT}issued")),
        set(["2020-02-02^^date"])
    );
}

#[tokio::test]
async fn odd_values_of_the_new_fields_are_left_out_without_panics() {
    let pkg = json!({
        "id": "odd", "name": "seltsame-felder", "title": "Seltsam",
        "title_translated": 42,
        "notes_translated": "{kein json",
        "tags_translated": ["nur", "eine", "liste"],
        "tags": [{"name": "bleibt"}],
        "provenance": {"": "leer", "de": null},
        "in_series": {"id": "x"},
        "qualified_relation": [{"relation": "keine iri", "role": "http://www.iana.org/assignments/relation/related"},
                               {"relation": "http://example.com/a"}, "text", null],
        "is_referenced_by": "urn:isbn:3-16-148410-0, https://doi.org/10.1000/182",
        "spatial_coverage": [{"geom": "{\"coordinates\": []}", "centroid": {"type": 5}, "uri": "nicht/absolut"}, 7],
        "temporal_coverage": "[{\"start\": \"gestern\", \"end\": \"2024-13\"}]",
        "contact": [{"name": "", "email": "keine-mail", "url": "ftp://x", "identifier": ""}, {"name": "Kontakt"}],
        "publisher": "[{\"name\": \"Verlag\", \"type\": \"kein-typ\", \"uri\": \"mailto:x@y.de\"}]",
        "creator": [[], {"name": null}],
        "extras": [
            {"key": "maintainer_tel", "value": "Zentrale: 02841 201-0"},
            {"key": "contacts", "value": "[{\"role\": 5}, \"x\", {\"role\": \"autor\", \"address\": 12}]"},
            {"key": "dates", "value": "{\"role\": \"veroeffentlicht\"}"},
            {"key": "terms_of_use", "value": "[]"},
            {"key": "spatial_reference", "value": "{\"ags\": \"0517002X\"}"},
            {"key": "geographical_granularity", "value": "Planet"},
        ],
        "resources": [{"id": "r", "url": "https://x.example/a.csv",
            "name_translated": {"de": ["Teil 1", 2]},
            "access_services": "[{\"title\": {\"de\": \"Dienst\"}, \"endpoint_url\": \"kaputt\", \"rights\": [\"Nutzung frei\", \"https://example.org/rechte\"], \"contact\": {\"name\": \"Dienststelle\"}, \"publisher\": [{\"name\": \"Betreiber\"}]}, 3]",
            "spatial_resolution_in_meters": ["1e3", "-2", "2.5"],
            "temporal_resolution": "P 1D"}],
    });
    let (out, base, _portal) = harvest_packages(vec![pkg], 10).await;
    let records = out.records();
    let r = find(&records, &format!("{base}dataset/seltsame-felder"));
    let d = ds(r);
    assert_eq!(terms(r, &d, &format!("{DCT}title")), set(["Seltsam"]));
    assert_eq!(terms(r, &d, &format!("{DCAT}keyword")), set(["bleibt"]));
    assert!(objects(r, &d, &format!("{DCT}description")).is_empty());
    assert!(objects(r, &d, &format!("{DCT}provenance")).is_empty());
    assert!(objects(r, &d, &format!("{DCAT}inSeries")).is_empty());
    assert!(objects(r, &d, &format!("{DCAT}qualifiedRelation")).is_empty());
    assert_eq!(
        terms(r, &d, &format!("{DCT}isReferencedBy")),
        set(["https://doi.org/10.1000/182"])
    );
    assert!(objects(r, &d, &format!("{DCT}spatial")).is_empty());
    // Dates that are none are kept as written, for validation to name.
    let period = the(r, &d, &format!("{DCT}temporal"));
    assert_eq!(
        terms(r, &period, &format!("{DCAT}startDate")),
        set(["gestern"])
    );
    assert_eq!(
        terms(r, &period, &format!("{DCAT}endDate")),
        set(["2024-13"])
    );
    let warnings: Vec<&str> = out
        .pages
        .iter()
        .flat_map(|p| &p.warnings)
        .filter(|w| w.record == d.to_string().trim_matches(['<', '>']))
        .map(|w| w.reason.as_str())
        .collect();
    for (property, value) in [("dcat:startDate", "gestern"), ("dcat:endDate", "2024-13")] {
        assert!(
            warnings
                .iter()
                .any(|w| w.starts_with(&format!("{property} \"{value}\" is no date"))),
            "{property}: {warnings:#?}"
        );
    }
    let c = the(r, &d, &format!("{DCAT}contactPoint"));
    assert_eq!(terms(r, &c, &format!("{VCARD}fn")), set(["Kontakt"]));
    assert!(terms(r, &c, &format!("{VCARD}hasTelephone")).is_empty());
    let publisher = the(r, &d, &format!("{DCT}publisher"));
    assert!(matches!(publisher, Term::BlankNode(_)));
    assert_eq!(
        terms(r, &publisher, &format!("{FOAF}name")),
        set(["Verlag"])
    );
    assert!(terms(r, &publisher, &format!("{DCT}type")).is_empty());
    assert!(objects(r, &d, &format!("{DCT}creator")).is_empty());
    assert!(objects(r, &d, &format!("{DCT}license")).is_empty());
    assert!(objects(r, &d, &format!("{DCATDE}politicalGeocodingURI")).is_empty());
    assert!(objects(r, &d, &format!("{DCATDE}politicalGeocodingLevelURI")).is_empty());
    let dist = the(r, &d, &format!("{DCAT}distribution"));
    assert_eq!(
        terms(r, &dist, &format!("{DCT}title")),
        set(["Teil 1@de", "2@de"])
    );
    assert_eq!(
        terms(r, &dist, &format!("{DCAT}spatialResolutionInMeters")),
        set(["2.5^^decimal"])
    );
    assert!(objects(r, &dist, &format!("{DCAT}temporalResolution")).is_empty());
    let service = the(r, &dist, &format!("{DCAT}accessService"));
    assert_eq!(
        terms(r, &service, &format!("{DCT}title")),
        set(["Dienst@de"])
    );
    assert!(objects(r, &service, &format!("{DCAT}endpointURL")).is_empty());
    assert_eq!(objects(r, &service, &format!("{DCT}rights")).len(), 2);
    let sc = the(r, &service, &format!("{DCAT}contactPoint"));
    assert_eq!(terms(r, &sc, &format!("{VCARD}fn")), set(["Dienststelle"]));
    let sp = the(r, &service, &format!("{DCT}publisher"));
    assert_eq!(terms(r, &sp, &format!("{FOAF}name")), set(["Betreiber"]));
}

#[tokio::test]
async fn translated_tags_and_access_services_stay_within_the_triple_bound() {
    let words: Vec<String> = (0..30_000).map(|i| format!("wort{i}")).collect();
    let services: Vec<Value> = (0..5_000)
        .map(|i| json!({"title": format!("Dienst {i}"), "endpoint_url": [format!("https://x.example/{i}")]}))
        .collect();
    let packages = vec![
        json!({"id": "t", "name": "viele-uebersetzungen", "title": "T", "tags_translated": {"de": words}}),
        json!({"id": "s", "name": "viele-dienste", "title": "S",
               "resources": [{"id": "r", "url": "https://x.example/a", "access_services": services}]}),
        json!({"id": "u", "name": "normal", "title": "Normal"}),
    ];
    let (portal, base) = start(packages);
    let mut src = source(base.clone());
    src.max_record_triples = 20_000;
    let out = run(&src).await;
    drop(portal);
    assert!(out.complete);
    let errors: Vec<_> = out.pages.iter().flat_map(|p| &p.record_errors).collect();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors.iter().all(|e| e.reason.contains("20000 triples")),
        "{errors:#?}"
    );
    assert_eq!(out.records().len(), 1);
}
