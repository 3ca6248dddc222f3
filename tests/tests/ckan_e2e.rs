//! CKAN sources end to end: the loopback CKAN portal
//! ([`catalog_tests::portals::CkanPortal`]) serves the real recorded packages
//! (`shared/fixtures/ckan/`) or generated ones, the `catalog-server` binary
//! harvests them (`kind = "ckan"`), and what was stored is read back over
//! `/sparql` and compared with the source JSON.

use catalog_tests::portals::{
    ckan_fixture_packages, generated_package, write_portal_config, Answer, CkanPortal, StoredSource,
};
use catalog_tests::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::PathBuf;

const DCAT: &str = "http://www.w3.org/ns/dcat#";
const DCT: &str = "http://purl.org/dc/terms/";
const FOAF: &str = "http://xmlns.com/foaf/0.1/";

fn config(dir: &TempDir, portal: &CkanPortal, rows: usize) -> PathBuf {
    write_portal_config(
        dir.path(),
        &[(
            "ckan",
            "ckan",
            &portal.base_url(),
            &format!("rows = {rows}\ncontributor_id = \"http://dcat-ap.de/def/contributors/test\""),
        )],
        "",
    )
}

fn text(v: &Value) -> Option<String> {
    let s = match v {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

fn extra<'a>(p: &'a Value, key: &str) -> Option<&'a Value> {
    p["extras"]
        .as_array()
        .and_then(|e| e.iter().find(|x| x["key"] == key))
        .map(|x| &x["value"])
}

/// The dataset IRI the issue prescribes: the `uri` extra, else `{portal}/dataset/{name}`.
fn dataset_iri(base: &str, p: &Value) -> String {
    extra(p, "uri")
        .or_else(|| p.get("uri"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| {
            let name = p["name"].as_str().or(p["id"].as_str()).unwrap_or("");
            format!("{base}dataset/{name}")
        })
}

fn set<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> BTreeSet<String> {
    items.into_iter().map(Into::into).collect()
}

fn count_datasets(served: &Served, source: &str) -> usize {
    served.count(&format!(
        "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE {{ GRAPH <urn:dcat-catalog:meta:{source}> {{ ?r <{FOAF}primaryTopic> ?d }} }}"
    ))
}

#[test]
fn ckan_fixtures_harvested_and_mapped_field_by_field() {
    let Some(ckan) = fixtures("ckan") else { return };
    let packages = ckan_fixture_packages(&ckan);
    assert!(packages.len() >= 10, "{}", packages.len());
    let portal = CkanPortal::start(packages.clone());
    let base = portal.base_url();
    let dir = TempDir::new("ckan-fixtures");
    let cfg = config(&dir, &portal, 4);
    let (out, reports) = harvest(&cfg, &[]);
    let report = report_of(&reports, "ckan");
    assert!(
        out.status.success(),
        "{}\n{report}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(report["status"], "success", "{report}");
    assert_eq!(report["complete"], true);
    assert_eq!(report["added"], packages.len());
    assert_eq!(report["pages"], packages.len().div_ceil(4));
    // Paged with the stable sort, stopped on the count.
    let searches = portal.searches();
    assert_eq!(searches.len(), packages.len().div_ceil(4));
    assert!(searches
        .iter()
        .all(|q| q.get("sort").map(String::as_str) == Some("id asc")));

    let served = Served::start(&cfg);
    let stored = StoredSource::read(&served, "ckan");
    assert_eq!(
        stored.datasets.len(),
        packages.len(),
        "one record per package"
    );

    // Every package, field by field against its JSON.
    let mut checked = 0;
    for p in &packages {
        let iri = dataset_iri(&base, p);
        assert!(stored.datasets.contains_key(&iri), "{iri} missing");
        let title = text(&p["title"]).or_else(|| text(&p["name"]));
        assert_eq!(
            stored.values(&iri, &format!("{DCT}title")),
            set(title),
            "{iri}"
        );
        assert_eq!(
            stored.values(&iri, &format!("{DCT}description")),
            set(text(&p["notes"])),
            "{iri}"
        );
        if let Some(tags) = p["tags"].as_array() {
            let words: BTreeSet<String> = tags.iter().filter_map(|t| text(&t["name"])).collect();
            assert_eq!(
                stored.values(&iri, &format!("{DCAT}keyword")),
                words,
                "{iri}"
            );
        }
        let resources = p["resources"].as_array().cloned().unwrap_or_default();
        assert_eq!(
            stored.distributions.get(&iri).map_or(0, Vec::len),
            resources.len(),
            "{iri}: one distribution per resource"
        );
        // Resource URLs become access URLs (unless an access_url field says otherwise).
        let urls: BTreeSet<String> = resources
            .iter()
            .filter(|r| r.get("access_url").is_none())
            .filter_map(|r| text(&r["url"]))
            .filter(|u| u.starts_with("http"))
            .collect();
        let access = stored.distribution_values(&iri, &format!("{DCAT}accessURL"));
        assert!(urls.is_subset(&access), "{iri}: {urls:?} ⊄ {access:?}");
        // CKAN's timestamps become issued/modified unless DCAT extras say
        // otherwise (ckanext-dcat also reads them with a `dcat_` prefix).
        let has = |k: &str| {
            extra(p, k).is_some() || extra(p, &format!("dcat_{k}")).is_some() || p.get(k).is_some()
        };
        if !has("modified") {
            if let Some(m) = text(&p["metadata_modified"]) {
                let got = stored.values(&iri, &format!("{DCT}modified"));
                assert!(
                    got.iter().any(|g| g[..19] == m[..19]),
                    "{iri}: modified {got:?} vs {m}"
                );
            }
        }
        if let Some(url) = text(&p["url"]).filter(|u| u.starts_with("http")) {
            assert_eq!(
                stored.values(&iri, &format!("{DCAT}landingPage")),
                set([url])
            );
        }
        if let Some(org) = p["organization"]["title"].as_str() {
            let publisher = stored.values(&iri, &format!("{DCT}publisher"));
            assert_eq!(publisher.len(), 1, "{iri}");
            let names = served.select(&format!(
                "SELECT ?n WHERE {{ GRAPH ?g {{ <{iri}> <{DCT}publisher> ?a . ?a <{FOAF}name> ?n }} }}"
            ));
            assert_eq!(names.len(), 1, "{iri}");
            assert_eq!(names[0]["n"], org.trim(), "{iri}");
        }
        checked += 1;
    }
    assert_eq!(checked, packages.len());

    // Schleswig-Holstein: licence IRI, themes from groups, its own contributor.
    let sh = "http://opendata.schleswig-holstein.de/dataset/f5bf56d5-db87-4e3c-a8eb-ce04da862a6e";
    assert_eq!(
        stored.values(sh, &format!("{DCT}license")),
        set(["http://dcat-ap.de/def/licenses/dl-by-de/2.0"])
    );
    assert_eq!(
        stored.values(sh, &format!("{DCAT}theme")),
        set([
            "http://publications.europa.eu/resource/authority/data-theme/SOCI",
            "http://publications.europa.eu/resource/authority/data-theme/EDUC"
        ])
    );
    assert_eq!(
        stored.values(sh, "http://dcat-ap.de/def/dcatde/contributorID"),
        set(["http://dcat-ap.de/def/contributors/schleswigHolstein"])
    );
    // demo.ckan.org: the contributor default, contact point with mailto:,
    // upload → downloadURL, CSV format.
    let demo = format!("{base}dataset/100-validated-species-of-plants");
    assert_eq!(
        stored.values(&demo, "http://dcat-ap.de/def/dcatde/contributorID"),
        set(["http://dcat-ap.de/def/contributors/test"])
    );
    let email = served.select(&format!(
        "SELECT ?e WHERE {{ GRAPH ?g {{ <{demo}> <{DCAT}contactPoint> ?c . ?c <http://www.w3.org/2006/vcard/ns#hasEmail> ?e }} }}"
    ));
    assert_eq!(email.len(), 1);
    assert_eq!(email[0]["e"], "mailto:misoh049@gmail.com");
    assert_eq!(
        stored.distribution_values(&demo, &format!("{DCT}format")),
        set(["http://publications.europa.eu/resource/authority/file-type/CSV"])
    );
    assert_eq!(
        stored
            .distribution_values(&demo, &format!("{DCAT}downloadURL"))
            .len(),
        1
    );
}

#[test]
fn ckan_10000_packages_rows_1000_harvested_completely() {
    let packages: Vec<Value> = (0..10_000)
        .map(|i| generated_package(i, "2024-01-01T00:00:00.000000"))
        .collect();
    let portal = CkanPortal::start(packages);
    let dir = TempDir::new("ckan-10k");
    let cfg = config(&dir, &portal, 1000);
    let (out, reports) = harvest(&cfg, &[]);
    let report = report_of(&reports, "ckan");
    assert!(out.status.success(), "{report}");
    assert_eq!(report["status"], "success");
    assert_eq!(report["complete"], true);
    assert_eq!(report["pages"], 10);
    assert_eq!(report["added"], 10_000);
    assert_eq!(portal.searches().len(), 10);
    eprintln!(
        "10,000 packages in {} s; peak RSS of children so far {} KiB",
        report["seconds"],
        children_peak_rss_kib()
    );
    let served = Served::start(&cfg);
    assert_eq!(count_datasets(&served, "ckan"), 10_000);
    assert_eq!(
        served.count(&format!(
            "SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?d <{DCAT}distribution> ?x }} }}"
        )),
        20_000
    );
}

/// 25 good packages harvested with rows=10; then each bad answer in turn:
/// a clear page error naming the source and URL, and nothing stored is lost.
#[test]
fn ckan_bad_pages_give_clear_errors_and_keep_earlier_data() {
    let packages: Vec<Value> = (0..25)
        .map(|i| generated_package(i, "2024-01-01T00:00:00"))
        .collect();
    let portal = CkanPortal::start(packages);
    let dir = TempDir::new("ckan-bad-pages");
    let cfg = config(&dir, &portal, 10);
    let (out, reports) = harvest(&cfg, &[]);
    assert!(out.status.success(), "{reports}");
    assert_eq!(report_of(&reports, "ckan")["added"], 25);

    // (name, answer to every request, answer to one page, expected error text)
    type Case = (
        &'static str,
        Option<Answer>,
        Option<(usize, Answer)>,
        &'static str,
    );
    let cases: Vec<Case> = vec![
        (
            "non-JSON",
            Some(Answer::Body {
                status: 200,
                content_type: "application/json".into(),
                body: "this is not json".into(),
            }),
            None,
            "not valid JSON",
        ),
        ("HTML page", Some(Answer::html()), None, "HTML page"),
        (
            "truncated JSON",
            Some(Answer::truncated_json()),
            None,
            "truncated JSON",
        ),
        (
            "success:false",
            Some(Answer::Failure("Access denied: token invalid".into())),
            None,
            "Access denied: token invalid",
        ),
        (
            "500 on page 3",
            None,
            Some((3, Answer::Status(500))),
            "HTTP status 500",
        ),
    ];
    for (name, fixed, fault, expected) in cases {
        // The portal's titles change, so a page that is read updates its records.
        portal.with(|s| {
            s.fixed = fixed.clone();
            s.page_faults.clear();
            if let Some((n, a)) = &fault {
                s.page_faults.insert(*n, a.clone());
            }
            // As in CKAN, a change moves `metadata_modified`, so the
            // incremental query of the next run asks for it.
            for p in s.packages.iter_mut() {
                p["title"] = json!(format!("{} ({name})", p["name"].as_str().unwrap_or("")));
                p["metadata_modified"] = json!(now_ckan());
            }
        });
        let (out, reports) = harvest(&cfg, &[]);
        let report = report_of(&reports, "ckan");
        assert!(!out.status.success(), "{name}: {report}");
        assert_eq!(report["complete"], false, "{name}");
        let errors = report["errors"].to_string();
        assert!(errors.contains(expected), "{name}: {errors}");
        assert!(
            errors.contains("/api/3/action/package_search"),
            "{name}: names the URL: {errors}"
        );
        assert_eq!(report["pages_failed"], 1, "{name}: {report}");
        if fault.is_some() {
            // Pages 1 and 2 were read and stored; page 3 failed.
            assert_eq!(report["status"], "partial", "{name}");
            assert_eq!(report["updated"], 20, "{name}: {report}");
        } else {
            assert_eq!(report["status"], "failed", "{name}");
            assert_eq!(report["updated"], 0, "{name}");
        }
        let served = Served::start(&cfg);
        assert_eq!(count_datasets(&served, "ckan"), 25, "{name}: nothing lost");
    }
}

/// Packages with missing or wrongly typed fields, 50,000 tags or 10,000
/// resources: per-record errors naming the package, the others stored, the
/// earlier version of a now-broken package kept, memory bounded.
#[test]
fn ckan_bad_packages_are_record_errors_and_memory_stays_bounded() {
    let good: Vec<Value> = (0..5)
        .map(|i| generated_package(i, "2024-01-01T00:00:00"))
        .collect();
    let mut first = good.clone();
    first.push(json!({"id": "b-tags", "name": "viele-tags", "title": "Tags (noch normal)", "tags": [{"name": "a"}]}));
    first.push(
        json!({"id": "c-res", "name": "viele-ressourcen", "title": "Ressourcen (noch normal)",
        "resources": [{"id": "r0", "url": "https://x.example/0.csv", "format": "CSV"}]}),
    );
    let portal = CkanPortal::start(first);
    let dir = TempDir::new("ckan-bad-packages");
    let cfg = config(&dir, &portal, 1000);
    let (out, reports) = harvest(&cfg, &[]);
    assert!(out.status.success(), "{reports}");
    assert_eq!(report_of(&reports, "ckan")["added"], 7);

    let many_tags: Vec<Value> = (0..50_000)
        .map(|i| json!({"name": format!("schlagwort-{i}")}))
        .collect();
    let many_resources: Vec<Value> = (0..10_000)
        .map(|i| json!({"id": format!("r{i}"), "url": format!("https://x.example/{i}.csv"), "format": "CSV", "description": "Eine von sehr vielen Ressourcen."}))
        .collect();
    let mut second = good.clone();
    second.extend([
        json!({"id": "b-tags", "name": "viele-tags", "title": "Tags", "tags": many_tags}),
        json!({"id": "c-res", "name": "viele-ressourcen", "title": "Ressourcen", "resources": many_resources}),
        json!({"title": "weder id noch name"}),
        json!({"id": "d-weird", "name": "seltsam", "title": null, "notes": 42, "tags": ["eins", null, 3],
               "groups": "umwelt", "resources": "none", "extras": {"uri": 5}, "license_id": null,
               "metadata_created": 17, "organization": "stadt", "url": "javascript:alert(1)"}),
        json!({"id": "e-nulls", "name": "nullen", "title": "Nullen", "tags": null, "resources": [null, 5, {"url": null, "size": "-3"}]}),
        json!("kein Paket"),
    ]);
    portal.with(|s| s.packages = second);
    // A full run: the broken packages carry no `metadata_modified`, so an
    // incremental query would not return them.
    let (out, reports) = harvest(&cfg, &["--full"]);
    let report = report_of(&reports, "ckan");
    assert!(!out.status.success());
    assert_eq!(report["status"], "partial", "{report}");
    assert_eq!(report["complete"], true);
    assert_eq!(report["failed"], 4, "{report}");
    let errors: Vec<String> = report["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    format!(
                        "{} | {} | {} | {}",
                        e["record"], e["reason"], e["snippet"], e["url"]
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let has = |a: &str, b: &str| errors.iter().any(|e| e.contains(a) && e.contains(b));
    assert!(has("viele-tags", "50000 tags"), "{errors:#?}");
    assert!(has("viele-ressourcen", "10000 resources"), "{errors:#?}");
    assert!(
        has("weder id noch name", "neither an id nor a name"),
        "{errors:#?}"
    );
    assert!(has("kein Paket", "not a JSON object"), "{errors:#?}");
    assert!(
        errors.iter().all(|e| e.contains("package_search")),
        "{errors:#?}"
    );
    let rss = children_peak_rss_kib();
    eprintln!("peak RSS of the harvests (largest child so far): {rss} KiB");
    assert!(rss < 1024 * 1024, "memory bounded: {rss} KiB");

    let served = Served::start(&cfg);
    let stored = StoredSource::read(&served, "ckan");
    let base = portal.base_url();
    // 5 good + 2 kept from the first run + the two odd but mappable packages.
    assert_eq!(stored.datasets.len(), 9, "{:?}", stored.datasets.keys());
    assert_eq!(
        stored.values(&format!("{base}dataset/viele-tags"), &format!("{DCT}title")),
        set(["Tags (noch normal)"]),
        "the earlier version is kept"
    );
    assert_eq!(
        stored.values(
            &format!("{base}dataset/viele-ressourcen"),
            &format!("{DCT}title")
        ),
        set(["Ressourcen (noch normal)"])
    );
    let weird = format!("{base}dataset/seltsam");
    assert_eq!(
        stored.values(&weird, &format!("{DCAT}keyword")),
        set(["eins", "3"])
    );
    assert!(stored
        .values(&weird, &format!("{DCAT}landingPage"))
        .is_empty());
    assert_eq!(
        stored
            .distributions
            .get(&format!("{base}dataset/nullen"))
            .map_or(0, Vec::len),
        1
    );
}

#[test]
fn ckan_series_translations_and_organisations_end_to_end() {
    let Some(ckan) = fixtures("ckan") else { return };
    let load = |f: &str| {
        catalog_tests::portals::load_ckan_package(&ckan.join("ckanext-dcat-examples").join(f))
    };
    // One package per page and ids sorting the members first: the series is
    // resolved with package_show.
    let series_id = "f0000000-0000-4000-8000-000000000001";
    let mut series = load("ckan_dcat_ap_dataset_series.json");
    series["id"] = json!(series_id);
    let mut multilingual = load("ckan_dataset_multilingual.json");
    multilingual["id"] = json!("e0000000-0000-4000-8000-000000000001");
    let member = |id: &str, name: &str, in_series: &str| {
        json!({
            "id": id, "name": name, "title": format!("Luftqualität {name}"),
            "notes": "Stundenwerte der Messstation.", "type": "dataset",
            "in_series": [in_series], "license_id": "dl-by-de/2.0",
            "organization": {"id": "8f1b2c3d-4e5f-4a6b-9c8d-7e6f5a4b3c2d", "name": "stadt-moers", "title": "Stadt Moers"},
            "resources": [{"id": format!("{id}-csv"), "url": format!("https://daten.moers.de/luft/{name}.csv"), "format": "CSV"}],
        })
    };
    let packages = vec![
        series,
        multilingual,
        member(
            "a0000000-0000-4000-8000-000000000001",
            "luft-2023",
            series_id,
        ),
        member(
            "b0000000-0000-4000-8000-000000000001",
            "luft-verwaist",
            "gibt-es-nicht",
        ),
    ];
    let portal = CkanPortal::start(packages.clone());
    let base = portal.base_url();
    let dir = TempDir::new("ckan-series");
    let cfg = config(&dir, &portal, 1);
    let (out, reports) = harvest(&cfg, &[]);
    let report = report_of(&reports, "ckan");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{report}");
    assert_eq!(report["added"], packages.len(), "{report}");
    // The orphan's in_series is reported as left out.
    assert!(
        stdout.contains("luft-verwaist") && stdout.contains("in_series \"gibt-es-nicht\""),
        "{stdout}"
    );

    let served = Served::start(&cfg);
    let stored = StoredSource::read(&served, "ckan");
    let series_iri = format!("{base}dataset/test-dataset-series");
    assert_eq!(
        stored.values(
            &series_iri,
            "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
        ),
        set([format!("{DCAT}DatasetSeries")])
    );
    let member_iri = format!("{base}dataset/luft-2023");
    assert_eq!(
        stored.values(&member_iri, &format!("{DCAT}inSeries")),
        set([series_iri])
    );
    assert!(stored
        .values(
            &format!("{base}dataset/luft-verwaist"),
            &format!("{DCAT}inSeries")
        )
        .is_empty());
    // The organisation is the publisher under ckanext-dcat's IRI for it.
    assert_eq!(
        stored.values(&member_iri, &format!("{DCT}publisher")),
        set([format!(
            "{base}organization/8f1b2c3d-4e5f-4a6b-9c8d-7e6f5a4b3c2d"
        )])
    );
    // ckanext-fluent: the titles keep their languages.
    let ml = format!("{base}dataset/test-dataset-multilingual");
    let titles: BTreeSet<String> = served
        .select(&format!(
            "SELECT ?t ?l WHERE {{ GRAPH ?g {{ <{ml}> <{DCT}title> ?t BIND(LANG(?t) AS ?l) }} }}"
        ))
        .into_iter()
        .map(|row| format!("{}@{}", row["t"], row["l"]))
        .collect();
    assert_eq!(
        titles,
        set([
            "Test DCAT dataset@en",
            "Conjunt de dades de prova DCAT@ca",
            "Conjunto de datos de prueba DCAT@es"
        ])
    );
}

/// The current UTC time as CKAN writes `metadata_modified`.
fn now_ckan() -> String {
    humantime::format_rfc3339_micros(std::time::SystemTime::now())
        .to_string()
        .trim_end_matches('Z')
        .to_owned()
}
