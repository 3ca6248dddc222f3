//! CSW sources end to end: the loopback CSW portal
//! ([`catalog_tests::portals::CswPortal`]) serves GetCapabilities and paged
//! GetRecords built from the real ISO 19139 records under
//! `shared/fixtures/csw/`, the `catalog-server` binary harvests them
//! (`kind = "csw"`), and what was stored is read back over `/sparql` and
//! compared with the source XML. Paging quirks, an exception report
//! mid-harvest and hostile XML go through the same path.

use catalog_tests::portals::{
    generated_iso_id, generated_iso_record, iso_fixture_records, write_portal_config, Answer,
    CswPortal, CswState, NextRecord,
};
use catalog_tests::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const DCAT: &str = "http://www.w3.org/ns/dcat#";
const DCT: &str = "http://purl.org/dc/terms/";
const FOAF: &str = "http://xmlns.com/foaf/0.1/";

fn config(dir: &TempDir, portal: &CswPortal, page_size: usize) -> PathBuf {
    write_portal_config(
        dir.path(),
        &[(
            "csw",
            "csw",
            &portal.endpoint(),
            &format!("page_size = {page_size}\ninclude_services = true\npublisher = {{ name = \"Stadt Beispiel\", iri = \"https://stadt.example/\" }}"),
        )],
        "",
    )
}

/// The fileIdentifiers stored for `source` (on the records' dcat:CatalogRecord).
fn stored_file_identifiers(served: &Served, source: &str) -> Vec<String> {
    served
        .select(&format!(
            "SELECT ?id WHERE {{ GRAPH <urn:dcat-catalog:meta:{source}> {{ ?r <{FOAF}primaryTopic> ?d }} \
             GRAPH ?r {{ ?cr a <{DCAT}CatalogRecord> ; <{FOAF}primaryTopic> ?d ; <{DCT}identifier> ?id }} }}"
        ))
        .into_iter()
        .map(|r| r["id"].clone())
        .collect()
}

fn count_datasets(served: &Served, source: &str) -> usize {
    served.count(&format!(
        "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE {{ GRAPH <urn:dcat-catalog:meta:{source}> {{ ?r <{FOAF}primaryTopic> ?d }} }}"
    ))
}

/// Harvests the fixture records with a quirk and checks one record per ISO
/// record, identified by fileIdentifier.
fn harvest_fixtures(
    name: &str,
    page_size: usize,
    quirk: impl FnOnce(&mut CswState),
) -> Option<(serde_json::Value, Vec<String>, usize)> {
    let csw = fixtures("csw")?;
    let records = iso_fixture_records(&csw);
    assert!(records.len() >= 30, "{}", records.len());
    let portal = CswPortal::start(records.clone(), None);
    portal.with(quirk);
    let dir = TempDir::new(name);
    let cfg = config(&dir, &portal, page_size);
    let (out, reports) = harvest(&cfg, &[]);
    let report = report_of(&reports, "csw").clone();
    assert!(
        out.status.success(),
        "{name}: {}\n{report}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(report["status"], "success", "{name}: {report}");
    assert_eq!(report["complete"], true, "{name}");
    assert_eq!(report["added"], records.len(), "{name}: {report}");
    let served = Served::start(&cfg);
    let mut got = stored_file_identifiers(&served, "csw");
    got.sort();
    let mut expected: Vec<String> = records.iter().map(|(id, _)| id.clone()).collect();
    expected.sort();
    assert_eq!(got, expected, "{name}: one record per ISO record");
    assert_eq!(count_datasets(&served, "csw"), records.len());
    let requests = portal.requests();
    assert_eq!(requests[0], "GET GetCapabilities", "{requests:?}");
    Some((report, requests, records.len()))
}

fn check_page_size(page_size: usize) {
    let Some((report, requests, n)) =
        harvest_fixtures(&format!("csw-page-{page_size}"), page_size, |_| {})
    else {
        return;
    };
    assert_eq!(report["pages"], n.div_ceil(page_size));
    // Only GetRecords pages follow, each once, advancing by the records returned.
    let starts: Vec<&String> = requests.iter().skip(1).collect();
    assert_eq!(starts.len(), n.div_ceil(page_size), "{requests:?}");
    for (k, r) in starts.iter().enumerate() {
        assert_eq!(
            **r,
            format!(
                "POST GetRecords start={} max={page_size}",
                1 + k * page_size
            )
        );
    }
}

#[test]
fn csw_page_size_1() {
    check_page_size(1);
}

#[test]
fn csw_page_size_7() {
    check_page_size(7);
}

#[test]
fn csw_page_size_100() {
    check_page_size(100);
}

#[test]
fn csw_paging_next_record_missing() {
    if let Some((report, _, n)) =
        harvest_fixtures("csw-no-next", 7, |s| s.next_record = NextRecord::Missing)
    {
        assert_eq!(report["pages"], n.div_ceil(7));
    }
}

#[test]
fn csw_paging_next_record_one_after_end() {
    // pycsw answers nextRecord=1 on the last page: no loop back to the start.
    if let Some((report, requests, n)) =
        harvest_fixtures("csw-next-one", 7, |s| s.next_record = NextRecord::OneAtEnd)
    {
        assert_eq!(report["pages"], n.div_ceil(7));
        assert_eq!(requests.len(), 1 + n.div_ceil(7), "{requests:?}");
    }
}

#[test]
fn csw_paging_next_record_beyond_matched() {
    if let Some((report, requests, n)) = harvest_fixtures("csw-next-beyond", 7, |s| {
        s.next_record = NextRecord::BeyondMatched
    }) {
        assert_eq!(report["pages"], n.div_ceil(7));
        assert_eq!(requests.len(), 1 + n.div_ceil(7), "{requests:?}");
    }
}

#[test]
fn csw_paging_short_pages() {
    // The server returns at most 3 records whatever maxRecords says: the
    // client advances by what it got and drops nothing.
    if let Some((report, requests, n)) = harvest_fixtures("csw-short", 10, |s| s.max_page = Some(3))
    {
        assert_eq!(report["pages"], n.div_ceil(3));
        assert!(requests.iter().skip(1).all(|r| r.ends_with("max=10")));
        assert_eq!(requests[2], "POST GetRecords start=4 max=10");
    }
}

#[test]
fn csw_exception_mid_harvest_is_partial_and_deletes_nothing() {
    let Some(csw) = fixtures("csw") else { return };
    let records = iso_fixture_records(&csw);
    let n = records.len();
    let portal = CswPortal::start(records, None);
    let dir = TempDir::new("csw-exception");
    let cfg = config(&dir, &portal, 5);
    let (out, reports) = harvest(&cfg, &[]);
    assert!(out.status.success(), "{reports}");
    assert_eq!(report_of(&reports, "csw")["added"], n);

    portal.with(|s| s.exception_after = Some(10));
    let (out, reports) = harvest(&cfg, &[]);
    let report = report_of(&reports, "csw");
    assert!(!out.status.success());
    assert_eq!(report["status"], "partial", "{report}");
    assert_eq!(report["complete"], false);
    assert_eq!(report["pages"], 2, "{report}");
    assert_eq!(report["unchanged"], 10, "{report}");
    assert_eq!(report["pages_failed"], 1);
    let errors = report["errors"].to_string();
    assert!(
        errors.contains("NoApplicableCode") && errors.contains("Database connection lost"),
        "{errors}"
    );
    let served = Served::start(&cfg);
    assert_eq!(
        count_datasets(&served, "csw"),
        n,
        "an incomplete run deletes nothing"
    );
}

/// Text of the first `<{tag}>` after `after` (gco:CharacterString or
/// gmx:Anchor content), entities decoded, trimmed. Plain string scanning,
/// independent of the harvester's parser.
fn first_text(xml: &str, after: &str, tag: &str) -> Option<String> {
    let from = xml.find(after)?;
    let rest = &xml[from..];
    let open = rest.find(&format!("<{tag}"))?;
    let rest = &rest[open..];
    let close = rest.find(&format!("</{tag}>"))?;
    let inner = &rest[..close];
    let start = inner
        .find("CharacterString")
        .or_else(|| inner.find("Anchor"))?;
    let gt = inner[start..].find('>')? + start + 1;
    let end = inner[gt..].find('<').map_or(inner.len(), |e| e + gt);
    let text = decode_entities(&inner[gt..end]);
    let text = text.trim().to_owned();
    (!text.is_empty()).then_some(text)
}

/// The five predefined entities and numeric character references.
fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(semi) = rest.find(';') else { break };
        let entity = &rest[1..semi];
        let decoded = match entity {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn all_decimals(xml: &str, tag: &str) -> Vec<f64> {
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find(&format!("<gmd:{tag}>")) {
        rest = &rest[i..];
        let Some(d) = rest.find("<gco:Decimal>") else {
            break;
        };
        rest = &rest[d + "<gco:Decimal>".len()..];
        if let Some(v) = rest.split('<').next().and_then(|v| v.trim().parse().ok()) {
            out.push(v);
        }
    }
    out
}

#[test]
fn csw_fixture_records_mapped_field_by_field() {
    let Some(csw) = fixtures("csw") else { return };
    let records = iso_fixture_records(&csw);
    let portal = CswPortal::start(records.clone(), None);
    let dir = TempDir::new("csw-fields");
    let cfg = config(&dir, &portal, 100);
    let (out, reports) = harvest(&cfg, &[]);
    assert!(out.status.success(), "{reports}");
    let served = Served::start(&cfg);
    // fileIdentifier → dataset IRI.
    let by_id: BTreeMap<String, String> = served
        .select(&format!(
            "SELECT ?id ?d WHERE {{ GRAPH <urn:dcat-catalog:meta:csw> {{ ?r <{FOAF}primaryTopic> ?d }} \
             GRAPH ?r {{ ?cr a <{DCAT}CatalogRecord> ; <{FOAF}primaryTopic> ?d ; <{DCT}identifier> ?id }} }}"
        ))
        .into_iter()
        .map(|r| (r["id"].clone(), r["d"].clone()))
        .collect();
    let stored = catalog_tests::portals::StoredSource::read(&served, "csw");
    let mut bbox_checked = 0;
    let mut abstracts_checked = 0;
    for (id, xml) in &records {
        let iri = by_id.get(id).unwrap_or_else(|| panic!("{id} not stored"));
        // Title: the citation title.
        let title = first_text(xml, "identificationInfo", "gmd:title")
            .unwrap_or_else(|| panic!("{id}: no title in the XML"));
        let titles = stored.values(iri, &format!("{DCT}title"));
        assert!(
            titles.contains(&title),
            "{id}: title {titles:?} vs XML {title:?}"
        );
        // Abstract → description.
        if let Some(abs) = first_text(xml, "identificationInfo", "gmd:abstract") {
            let got = stored.values(iri, &format!("{DCT}description"));
            let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                got.iter().any(|g| norm(g) == norm(&abs)),
                "{id}: description {got:?} vs XML {abs:?}"
            );
            abstracts_checked += 1;
        }
        // One bounding box: the WKT polygon holds exactly its four values.
        let (w, e, s, n) = (
            all_decimals(xml, "westBoundLongitude"),
            all_decimals(xml, "eastBoundLongitude"),
            all_decimals(xml, "southBoundLatitude"),
            all_decimals(xml, "northBoundLatitude"),
        );
        if w.len() == 1 && e.len() == 1 && s.len() == 1 && n.len() == 1 {
            let bbox = served.select(&format!(
                "SELECT ?b WHERE {{ GRAPH ?g {{ <{iri}> <{DCT}spatial> ?l . ?l <{DCAT}bbox> ?b }} }}"
            ));
            let wkt = bbox
                .iter()
                .map(|r| r["b"].clone())
                .find(|b| b.starts_with("POLYGON"))
                .unwrap_or_else(|| panic!("{id}: no WKT bbox in {bbox:?}"));
            let nums: Vec<f64> = wkt
                .trim_start_matches("POLYGON((")
                .trim_end_matches("))")
                .split([',', ' '])
                .filter_map(|v| v.trim().parse().ok())
                .collect();
            // lon lat order: (W N, E N, E S, W S, W N)
            let expect = [w[0], n[0], e[0], n[0], e[0], s[0], w[0], s[0], w[0], n[0]];
            assert_eq!(nums.len(), 10, "{id}: {wkt}");
            for (a, b) in nums.iter().zip(expect) {
                assert!(
                    (a - b).abs() < 1e-9,
                    "{id}: {wkt} vs W{w:?} E{e:?} S{s:?} N{n:?}"
                );
            }
            bbox_checked += 1;
        }
    }
    assert!(bbox_checked >= 10, "{bbox_checked}");
    assert!(abstracts_checked >= 20, "{abstracts_checked}");

    // Berlin FIS-Broker open-data record: licence, attribution, contact, publisher default.
    let doc = std::fs::read_to_string(csw.join("berlin-fisbroker/dataset-open-data.xml"))
        .expect("fixture");
    let berlin_id = catalog_tests::portals::scan_file_identifiers(&doc)[0].clone();
    let iri = by_id[&berlin_id].clone();
    let licences: Vec<String> = stored
        .values(&iri, &format!("{DCT}license"))
        .into_iter()
        .chain(stored.distribution_values(&iri, &format!("{DCT}license")))
        .collect();
    assert!(
        licences
            .iter()
            .any(|l| l == "http://dcat-ap.de/def/licenses/dl-by-de/2.0"),
        "{iri}: {licences:?}"
    );
    let attribution = "http://dcat-ap.de/def/dcatde/licenseAttributionByText";
    assert!(
        !stored.distribution_values(&iri, attribution).is_empty()
            || !stored.values(&iri, attribution).is_empty(),
        "{iri}: {:?} {:?}",
        stored.datasets.get(&iri),
        stored.distributions.get(&iri)
    );
    let emails = served.select(&format!(
        "SELECT ?e WHERE {{ GRAPH ?g {{ <{iri}> <{DCAT}contactPoint> ?c . ?c <http://www.w3.org/2006/vcard/ns#hasEmail> ?e }} }}"
    ));
    assert!(!emails.is_empty(), "{iri}: contact email");
    assert!(emails.iter().all(|e| e["e"].starts_with("mailto:")));
    // Every dataset has a publisher (its own party or the source's default).
    for iri in by_id.values() {
        assert!(
            !stored.values(iri, &format!("{DCT}publisher")).is_empty(),
            "{iri}: no publisher"
        );
    }
}

fn bad_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if p.is_dir() {
            bad_files(&p, out);
        } else if !name.starts_with("LICENSE") && !name.ends_with(".md") {
            out.push(p);
        }
    }
}

/// Every file of `bad-input/csw-invalid/` and `bad-input/xml-attacks/`,
/// served once as a GetRecords page and once as the capabilities: each
/// source reports a clear error, the binary does not crash, memory stays
/// bounded and the record stored by an earlier good run stays.
#[test]
fn csw_bad_input_gives_clear_errors_and_keeps_earlier_records() {
    let (Some(invalid), Some(attacks)) = (
        fixtures("bad-input/csw-invalid"),
        fixtures("bad-input/xml-attacks"),
    ) else {
        return;
    };
    let mut bad = Vec::new();
    bad_files(&invalid, &mut bad);
    bad_files(&attacks, &mut bad);
    assert!(bad.len() >= 12, "{bad:?}");
    let mut portals = Vec::new();
    let mut ids = Vec::new();
    for (i, _) in bad.iter().enumerate() {
        for how in ["page", "caps"] {
            portals.push(CswPortal::start(
                vec![(generated_iso_id(i), generated_iso_record(i))],
                None,
            ));
            ids.push(format!("bad-{how}-{i}"));
        }
    }
    let dir = TempDir::new("csw-bad");
    let urls: Vec<String> = portals.iter().map(CswPortal::endpoint).collect();
    let sources: Vec<(&str, &str, &str, &str)> = ids
        .iter()
        .zip(&urls)
        .map(|(id, url)| (id.as_str(), "csw", url.as_str(), "page_size = 10"))
        .collect();
    let cfg = write_portal_config(dir.path(), &sources, "[harvest]\nconcurrency = 4\n");
    let (out, reports) = harvest(&cfg, &[]);
    assert!(out.status.success(), "{reports}");

    for (i, path) in bad.iter().enumerate() {
        let body = String::from_utf8_lossy(&std::fs::read(path).expect("fixture")).into_owned();
        portals[2 * i].with(|s| {
            s.page_faults.insert(
                1,
                Answer::Body {
                    status: 200,
                    content_type: "application/xml".into(),
                    body: body.clone(),
                },
            );
        });
        portals[2 * i + 1].with(|s| s.capabilities = body.clone());
    }
    let (out, reports) = harvest(&cfg, &[]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a clean failure exit, no crash: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rss = children_peak_rss_kib();
    eprintln!("peak RSS (largest child so far): {rss} KiB");
    assert!(rss < 1024 * 1024, "memory bounded: {rss} KiB");
    let served = Served::start(&cfg);
    let mut problems = Vec::new();
    for (k, id) in ids.iter().enumerate() {
        let file = bad[k / 2].display();
        let report = report_of(&reports, id);
        let errors = report["errors"].as_array().cloned().unwrap_or_default();
        // A failed page is an error entry; a failed GetCapabilities ends the run.
        let reason = errors
            .first()
            .and_then(|e| e["reason"].as_str())
            .or(report["end_reason"].as_str())
            .unwrap_or("")
            .to_owned();
        eprintln!("{id} ({file}): {} — {reason}", report["status"]);
        if report["status"] != "failed" || reason.len() < 10 {
            problems.push(format!("{id} ({file}): no clear error: {report}"));
        }
        if count_datasets(&served, id) != 1 {
            problems.push(format!("{id} ({file}): the earlier record is gone"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
