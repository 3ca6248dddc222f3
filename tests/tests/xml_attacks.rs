//! Hostile DTDs end to end. Every XML reader refuses a document whose
//! DOCTYPE has an internal subset or that declares entities
//! (`harvester::xml_guard`): DCAT RDF/XML pages, CSW GetRecords pages and ISO
//! records inside them, uploads to `POST /api/validate` and files given to
//! `catalog-server validate`. Each gets the specific error, what was stored
//! before stays, and memory stays bounded (measured per process).
//!
//! The attacks: three forms that passed the earlier text scan (a lower-case
//! `<!doctype`, `<!-- ] -->` inside the internal subset, a DOCTYPE after
//! 1.1 MB of leading comment) and three classics (10 levels × 10 nested
//! entities, an external entity, a parameter entity). The bombs would expand
//! to 100 GB, so the binaries run with their address space capped: a
//! regression aborts that process instead of pressing on the machine.

use catalog_tests::portals::{
    generated_iso_id, generated_iso_record, write_portal_config, Answer, CswPortal,
};
use catalog_tests::*;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// Address space of every `catalog-server` process of these tests.
const ADDRESS_SPACE: u64 = 4 << 30;
/// Peak resident memory allowed to any of them.
const PEAK_MIB: u64 = 300;
/// What every attack is refused with.
const REFUSED: &str = "XML document declares a DOCTYPE internal subset (entity declarations)";
const WHY: &str = "documents with DTD internal subsets are refused (entity-expansion protection)";

#[derive(Clone, Copy, Debug)]
enum Attack {
    LowerCaseDoctype,
    BracketInComment,
    AfterLongComment,
    NestedBomb,
    ExternalEntity,
    ParameterEntity,
}

const ATTACKS: [Attack; 6] = [
    Attack::LowerCaseDoctype,
    Attack::BracketInComment,
    Attack::AfterLongComment,
    Attack::NestedBomb,
    Attack::ExternalEntity,
    Attack::ParameterEntity,
];

/// 10 entities, each 10 references to the one before: `&e9;` is 10^10 × 10
/// characters.
fn bomb_entities() -> String {
    let mut s = String::from("<!ENTITY e0 \"0123456789\">\n");
    for level in 1..10 {
        let _ = write!(s, "<!ENTITY e{level} \"");
        for _ in 0..10 {
            let _ = write!(s, "&e{};", level - 1);
        }
        s.push_str("\">\n");
    }
    s
}

impl Attack {
    fn name(self) -> &'static str {
        match self {
            Attack::LowerCaseDoctype => "lower-case-doctype",
            Attack::BracketInComment => "bracket-in-comment",
            Attack::AfterLongComment => "after-long-comment",
            Attack::NestedBomb => "nested-bomb",
            Attack::ExternalEntity => "external-entity",
            Attack::ParameterEntity => "parameter-entity",
        }
    }

    /// The markup before the root element `root` (after the XML declaration).
    fn prolog(self, root: &str) -> String {
        match self {
            Attack::LowerCaseDoctype => format!("<!doctype {root} [\n{}]>\n", bomb_entities()),
            Attack::BracketInComment => {
                format!("<!DOCTYPE {root} [\n<!-- ] -->\n{}]>\n", bomb_entities())
            }
            Attack::AfterLongComment => format!(
                "<!--{}-->\n<!DOCTYPE {root} [\n{}]>\n",
                " Kommentar ".repeat(100_000),
                bomb_entities()
            ),
            Attack::NestedBomb => format!("<!DOCTYPE {root} [\n{}]>\n", bomb_entities()),
            Attack::ExternalEntity => {
                format!("<!DOCTYPE {root} [\n<!ENTITY e9 SYSTEM \"file:///etc/passwd\">\n]>\n")
            }
            Attack::ParameterEntity => format!(
                "<!DOCTYPE {root} [\n<!ENTITY % p SYSTEM \"http://127.0.0.1:9/evil.dtd\">\n%p;\n\
                 <!ENTITY % q \"<!ENTITY e9 'x'>\">\n%q;\n]>\n"
            ),
        }
    }
}

// ==================================================================== DCAT

const RDF_NS: &str = r#"xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dcat="http://www.w3.org/ns/dcat#" xmlns:dct="http://purl.org/dc/terms/" xmlns:hydra="http://www.w3.org/ns/hydra/core#""#;

/// An RDF/XML catalog page of `source` with datasets `ids`, `&e9;` in the
/// titles when `reference`, a `hydra:next` link when `next` is set.
fn rdf_page(
    prolog: &str,
    source: &str,
    ids: &[usize],
    reference: bool,
    this: &str,
    next: Option<&str>,
) -> String {
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n{prolog}<rdf:RDF {RDF_NS}>\n\
         <dcat:Catalog rdf:about=\"https://stadt.example/{source}/catalog\">\
         <dct:title xml:lang=\"de\">Stadt {source}</dct:title>\n"
    );
    for i in ids {
        let _ = writeln!(
            s,
            "<dcat:dataset><dcat:Dataset rdf:about=\"https://stadt.example/{source}/ds/{i}\">\
             <dct:identifier>{source}-{i}</dct:identifier>\
             <dct:title xml:lang=\"de\">Datensatz {i}{}</dct:title>\
             <dcat:distribution><dcat:Distribution rdf:about=\"https://stadt.example/{source}/ds/{i}/csv\">\
             <dcat:accessURL rdf:resource=\"https://stadt.example/files/{i}.csv\"/>\
             </dcat:Distribution></dcat:distribution></dcat:Dataset></dcat:dataset>",
            if reference { " &e9;" } else { "" }
        );
    }
    s.push_str("</dcat:Catalog>\n");
    if let Some(next) = next {
        let _ = writeln!(
            s,
            "<hydra:PartialCollectionView rdf:about=\"{this}\"><hydra:next rdf:resource=\"{next}\"/></hydra:PartialCollectionView>"
        );
    }
    s.push_str("</rdf:RDF>\n");
    s
}

/// A source per attack, each a two-page Hydra catalog in RDF/XML. After a
/// good first run, page 2 turns into the attack: the run reports the
/// refusal for that page, page 1's records are unchanged and intact, and the
/// record only page 2 held is not withdrawn.
#[test]
fn dcat_pages_with_hostile_dtds_fail_alone() {
    let stub = StubServer::start();
    let dir = TempDir::new("xml-attacks-dcat");
    let mut specs = Vec::new();
    let page_url = |k: usize, n: usize| stub.url(&format!("/s{k}/catalog?page={n}"));
    let serve_page2 = |k: usize, prolog: &str, reference: bool| {
        let body = rdf_page(
            prolog,
            &format!("s{k}"),
            &[3],
            reference,
            &page_url(k, 2),
            None,
        );
        stub.serve_bytes(
            &format!("/s{k}/catalog?page=2"),
            body.into_bytes(),
            "application/rdf+xml",
        );
    };
    for (k, _) in ATTACKS.iter().enumerate() {
        let page1 = rdf_page(
            "",
            &format!("s{k}"),
            &[1, 2],
            false,
            &page_url(k, 1),
            Some(&page_url(k, 2)),
        );
        stub.serve_bytes(
            &format!("/s{k}/catalog?page=1"),
            page1.into_bytes(),
            "application/rdf+xml",
        );
        serve_page2(k, "", false);
        specs.push(SourceSpec::new(&format!("s{k}"), &page_url(k, 1)));
    }
    let config = write_config(dir.path(), &specs, "[harvest]\nconcurrency = 3\n");
    let (out, reports, _) = harvest_measured(&config, &[], ADDRESS_SPACE);
    assert!(out.status.success(), "{reports}");
    for (k, _) in ATTACKS.iter().enumerate() {
        assert_eq!(
            report_of(&reports, &format!("s{k}"))["added"],
            3,
            "{reports}"
        );
    }

    for (k, attack) in ATTACKS.iter().enumerate() {
        serve_page2(k, &attack.prolog("rdf:RDF"), true);
    }
    let (out, reports, peak_kib) = harvest_measured(&config, &[], ADDRESS_SPACE);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a clean failure exit, no crash: {}\n{reports}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("harvest peak RSS: {} MiB", peak_kib / 1024);
    assert!(
        peak_kib < PEAK_MIB * 1024,
        "the harvest peaked at {} MiB",
        peak_kib / 1024
    );
    let mut problems = Vec::new();
    for (k, attack) in ATTACKS.iter().enumerate() {
        let r = report_of(&reports, &format!("s{k}"));
        let error = &r["errors"][0];
        let reason = error["reason"].as_str().unwrap_or("");
        let ok = r["status"] == "partial"
            && r["complete"] == false
            && r["unchanged"] == 2
            && r["withdrawn"] == 0
            && error["url"].as_str() == Some(page_url(k, 2).as_str())
            && reason.contains(REFUSED)
            && reason.contains(WHY)
            && reason.contains("Publish RDF/XML without a DOCTYPE");
        if !ok {
            problems.push(format!("{}: {r}", attack.name()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // Every record of the first run is still published, titles intact.
    let export = run_catalog(&config, &["export", "--format", "nt"]);
    assert!(export.status.success());
    let nt = String::from_utf8_lossy(&export.stdout);
    for (k, _) in ATTACKS.iter().enumerate() {
        for i in 1..=3 {
            let title = format!(
                "<https://stadt.example/s{k}/ds/{i}> <http://purl.org/dc/terms/title> \"Datensatz {i}\"@de ."
            );
            assert!(nt.contains(&title), "missing: {title}");
        }
    }
    assert!(
        String::from_utf8_lossy(&export.stderr)
            .contains(&format!("exported {} records", 3 * ATTACKS.len())),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
}

// ===================================================================== CSW

const CSW_NS: &str = r#"xmlns:csw="http://www.opengis.net/cat/csw/2.0.2" xmlns:gmd="http://www.isotc211.org/2005/gmd" xmlns:gco="http://www.isotc211.org/2005/gco" xmlns:gmx="http://www.isotc211.org/2005/gmx" xmlns:gml="http://www.opengis.net/gml" xmlns:xlink="http://www.w3.org/1999/xlink""#;

/// An ISO record with `&e9;` in its abstract.
fn with_reference(record: &str) -> String {
    record.replacen(
        "<gmd:abstract><gco:CharacterString>",
        "<gmd:abstract><gco:CharacterString>&e9; ",
        1,
    )
}

/// A GetRecords response holding `records` from position `start` of
/// `matched`, after `prolog`.
fn csw_response(prolog: &str, records: &[String], start: usize, matched: usize) -> String {
    let next = if start + records.len() > matched {
        0
    } else {
        start + records.len()
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{prolog}<csw:GetRecordsResponse {CSW_NS} version=\"2.0.2\">\
         <csw:SearchStatus timestamp=\"2024-01-01T00:00:00Z\"/>\
         <csw:SearchResults numberOfRecordsMatched=\"{matched}\" numberOfRecordsReturned=\"{}\" nextRecord=\"{next}\" \
         elementSet=\"full\" recordSchema=\"http://www.isotc211.org/2005/gmd\">{}</csw:SearchResults></csw:GetRecordsResponse>",
        records.len(),
        records.concat()
    )
}

fn count_datasets(served: &Served, source: &str) -> usize {
    served.count(&format!(
        "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE {{ GRAPH <urn:dcat-catalog:meta:{source}> \
         {{ ?r <http://xmlns.com/foaf/0.1/primaryTopic> ?d }} }}"
    ))
}

/// Two CSW sources per attack, 10 records in pages of 5. After a good first
/// run, page 2 becomes the attack: once as the whole GetRecords response,
/// once as one ISO record inside an otherwise normal response. Each run
/// reports the refusal for page 2; page 1 is stored unchanged and nothing is
/// withdrawn.
#[test]
fn csw_pages_and_records_with_hostile_dtds_fail_alone() {
    const PER_SOURCE: usize = 10;
    let mut portals = Vec::new();
    let mut ids = Vec::new();
    for (k, attack) in ATTACKS.iter().enumerate() {
        for (m, how) in ["page", "record"].iter().enumerate() {
            let first = (2 * k + m) * PER_SOURCE;
            let records = (first..first + PER_SOURCE)
                .map(|i| (generated_iso_id(i), generated_iso_record(i)))
                .collect();
            portals.push(CswPortal::start(records, None));
            ids.push(format!("{how}-{}", attack.name()));
        }
    }
    let dir = TempDir::new("xml-attacks-csw");
    let urls: Vec<String> = portals.iter().map(CswPortal::endpoint).collect();
    let sources: Vec<(&str, &str, &str, &str)> = ids
        .iter()
        .zip(&urls)
        .map(|(id, url)| (id.as_str(), "csw", url.as_str(), "page_size = 5"))
        .collect();
    let config = write_portal_config(dir.path(), &sources, "[harvest]\nconcurrency = 3\n");
    let (out, reports, _) = harvest_measured(&config, &[], ADDRESS_SPACE);
    assert!(out.status.success(), "{reports}");
    for id in &ids {
        assert_eq!(
            report_of(&reports, id)["added"],
            PER_SOURCE,
            "{id}: {reports}"
        );
    }

    for (k, attack) in ATTACKS.iter().enumerate() {
        let prolog = attack.prolog("csw:GetRecordsResponse");
        portals[2 * k].with(|s| {
            let page2: Vec<String> = s.records[5..]
                .iter()
                .map(|(_, r)| with_reference(r))
                .collect();
            s.page_faults.insert(
                6,
                Answer::Body {
                    status: 200,
                    content_type: "application/xml".into(),
                    body: csw_response(&prolog, &page2, 6, PER_SOURCE),
                },
            );
        });
        let prolog = attack.prolog("gmd:MD_Metadata");
        portals[2 * k + 1].with(|s| {
            let record = &mut s.records[6].1;
            *record = format!("{prolog}{}", with_reference(record));
        });
    }
    let (out, reports, peak_kib) = harvest_measured(&config, &[], ADDRESS_SPACE);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a clean failure exit, no crash: {}\n{reports}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("harvest peak RSS: {} MiB", peak_kib / 1024);
    assert!(
        peak_kib < PEAK_MIB * 1024,
        "the harvest peaked at {} MiB",
        peak_kib / 1024
    );
    let served = Served::start(&config);
    let mut problems = Vec::new();
    for id in &ids {
        let r = report_of(&reports, id);
        let reason = r["errors"][0]["reason"].as_str().unwrap_or("");
        let ok = r["status"] == "partial"
            && r["complete"] == false
            && r["unchanged"] == 5
            && r["withdrawn"] == 0
            && r["pages_failed"] == 1
            && reason.contains(REFUSED)
            && reason.contains(WHY);
        if !ok {
            problems.push(format!("{id}: {r}"));
        }
        if count_datasets(&served, id) != PER_SOURCE {
            problems.push(format!("{id}: records of the first run are gone"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ================================================================= uploads

fn attack_document(attack: Attack) -> String {
    rdf_page(
        &attack.prolog("rdf:RDF"),
        "upload",
        &[1],
        true,
        "https://stadt.example/upload/catalog",
        None,
    )
}

/// `POST /api/validate` is public: every attack is a 400 naming the
/// refusal, the server stays up and small; a plain DOCTYPE is accepted.
#[test]
fn validate_endpoint_refuses_hostile_dtds_and_stays_small() {
    let dir = TempDir::new("xml-attacks-api");
    let config = write_config(dir.path(), &[], "");
    let served = Served::start_capped(&config, ADDRESS_SPACE);
    let url = format!("{}/api/validate?profile=dcat-ap-de-3", served.base);
    let post = |content_type: &str, body: String| {
        request(
            reqwest::Method::POST,
            &url,
            "application/json",
            Some((content_type, body.into_bytes())),
        )
        .expect("POST /api/validate")
    };
    for attack in ATTACKS {
        // Declared as RDF/XML, and sniffed (no usable Content-Type).
        for content_type in ["application/rdf+xml", "application/octet-stream"] {
            let (status, body) = post(content_type, attack_document(attack));
            let text = String::from_utf8_lossy(&body);
            assert_eq!(status, 400, "{} ({content_type}): {text}", attack.name());
            assert!(
                text.contains(REFUSED) && text.contains(WHY),
                "{} ({content_type}): {text}",
                attack.name()
            );
        }
        let (status, _) = blocking_get(&format!("{}/health", served.base), "application/json")
            .expect("GET /health");
        assert_eq!(status, 200, "after {}", attack.name());
    }
    // A plain DOCTYPE (no internal subset) is read.
    let plain = rdf_page(
        "<!DOCTYPE rdf:RDF SYSTEM \"http://127.0.0.1:9/rdf.dtd\">\n",
        "upload",
        &[1],
        false,
        "https://stadt.example/upload/catalog",
        None,
    );
    let (status, body) = post("application/rdf+xml", plain);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));

    let (status, _) =
        blocking_get(&format!("{}/health", served.base), "application/json").expect("GET /health");
    assert_eq!(status, 200);
    let peak_kib = vm_hwm_kib(served.child.id()).expect("VmHWM of the serve process");
    eprintln!("serve peak RSS: {} MiB", peak_kib / 1024);
    assert!(
        peak_kib < PEAK_MIB * 1024,
        "the server peaked at {} MiB",
        peak_kib / 1024
    );
}

/// `catalog-server validate FILE`: exit code 2 (unreadable input) with the
/// file and the refusal on stderr, memory bounded.
#[test]
fn validate_command_refuses_hostile_dtds() {
    let dir = TempDir::new("xml-attacks-cli");
    let config = dir.path().join("absent.toml");
    for attack in ATTACKS {
        let file = dir.path().join(format!("{}.rdf", attack.name()));
        std::fs::write(&file, attack_document(attack)).expect("write");
        let (out, peak_kib) = run_catalog_measured(
            &config,
            &["validate", file.to_str().unwrap_or_default()],
            ADDRESS_SPACE,
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{}: {stderr}", attack.name());
        assert!(
            stderr.contains(&format!("{}.rdf", attack.name()))
                && stderr.contains(REFUSED)
                && stderr.contains(WHY),
            "{}: {stderr}",
            attack.name()
        );
        assert!(
            peak_kib < PEAK_MIB * 1024,
            "{}: validate peaked at {} MiB",
            attack.name(),
            peak_kib / 1024
        );
    }
}

/// Deep nesting: the RDF/XML parser's work grows with the square of the
/// depth (50,000 levels took 53 s), so a few megabytes of nesting are
/// refused at once, as an upload and as a harvested page alike (one guard).
#[test]
fn deeply_nested_xml_is_refused_at_once() {
    let dir = TempDir::new("xml-attacks-deep");
    let config = write_config(dir.path(), &[], "");
    let served = Served::start_capped(&config, ADDRESS_SPACE);
    let levels = 200_000;
    let doc = format!(
        "<?xml version=\"1.0\"?><rdf:RDF {RDF_NS}>{}x{}</rdf:RDF>",
        "<rdf:Description rdf:about=\"http://x/s\"><dct:relation>".repeat(levels),
        "</dct:relation></rdf:Description>".repeat(levels)
    );
    let started = Instant::now();
    let (status, body) = request(
        reqwest::Method::POST,
        &format!("{}/api/validate", served.base),
        "application/json",
        Some(("application/rdf+xml", doc.into_bytes())),
    )
    .expect("POST /api/validate");
    let text = String::from_utf8_lossy(&body);
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("more than 512 levels deep"), "{text}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "refusing took {:?}",
        started.elapsed()
    );
}
