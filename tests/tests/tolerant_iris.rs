//! One invalid IRI does not lose a page: pages in Turtle, RDF/XML and
//! JSON-LD with IRIs that RFC 3987 forbids (spaces in a `tel:` IRI, square
//! brackets in a query, a stray `%`, a second `#`) and a language tag that
//! BCP 47 forbids (`de_DE` in RDF/XML and JSON-LD, where the syntax allows
//! it; `de-DE-1` in Turtle, whose grammar refuses `_`) keep all their
//! datasets; the repaired values are stored, listed in
//! the run report as warnings naming record and property, shown on the
//! source's page, and reported by `catalog-server validate` and
//! `POST /api/validate`.

use catalog_tests::*;
use serde_json::Value;

const TEL_BAD: &str = "tel:+49 40 4 28 40 - 3494";
const TEL_GOOD: &str = "tel:+49%2040%204%2028%2040%20-%203494";
const MAP_BAD: &str = "https://geo.example/karten.html?LAYER[zoom]=1&LAYER[id]=38836";
const MAP_GOOD: &str = "https://geo.example/karten.html?LAYER%5Bzoom%5D=1&LAYER%5Bid%5D=38836";

fn turtle(host: &str) -> String {
    format!(
        r#"@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
<http://{host}/catalog> a dcat:Catalog ; dcat:dataset <http://{host}/d/1>, <http://{host}/d/2>, <http://{host}/d/3> .
<http://{host}/d/1> a dcat:Dataset ; dct:title "Eins"@de ;
  dcat:contactPoint [ a vcard:Organization ; vcard:fn "Amt" ; vcard:hasTelephone <{TEL_BAD}> ] .
<http://{host}/d/2> a dcat:Dataset ; dct:title "Zwei"@de-DE-1 ;
  dcat:landingPage <{MAP_BAD}> .
<http://{host}/d/3> a dcat:Dataset ; dct:title "Drei"@de ;
  dcat:landingPage <http://{host}/100%> ; dct:relation <http://{host}/a#b#c> .
"#
    )
}

fn rdf_xml(host: &str) -> String {
    let map = MAP_BAD.replace('&', "&amp;");
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
  xmlns:dcat="http://www.w3.org/ns/dcat#" xmlns:dct="http://purl.org/dc/terms/"
  xmlns:vcard="http://www.w3.org/2006/vcard/ns#">
  <dcat:Catalog rdf:about="http://{host}/catalog">
    <dcat:dataset><dcat:Dataset rdf:about="http://{host}/d/1">
      <dct:title xml:lang="de">Eins</dct:title>
      <dcat:contactPoint><vcard:Organization>
        <vcard:fn>Amt</vcard:fn><vcard:hasTelephone rdf:resource="{TEL_BAD}"/>
      </vcard:Organization></dcat:contactPoint>
    </dcat:Dataset></dcat:dataset>
    <dcat:dataset><dcat:Dataset rdf:about="http://{host}/d/2">
      <dct:title xml:lang="de_DE">Zwei</dct:title>
      <dcat:landingPage rdf:resource="{map}"/>
    </dcat:Dataset></dcat:dataset>
    <dcat:dataset><dcat:Dataset rdf:about="http://{host}/d/3">
      <dct:title xml:lang="de">Drei</dct:title>
      <dcat:landingPage rdf:resource="http://{host}/100%"/>
      <dct:relation rdf:resource="http://{host}/a#b#c"/>
    </dcat:Dataset></dcat:dataset>
  </dcat:Catalog>
</rdf:RDF>
"#
    )
}

fn json_ld(host: &str) -> String {
    serde_json::json!({
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "vcard": "http://www.w3.org/2006/vcard/ns#",
            "dcat:landingPage": {"@type": "@id"},
            "dct:relation": {"@type": "@id"},
            "vcard:hasTelephone": {"@type": "@id"}
        },
        "@graph": [
            {"@id": format!("http://{host}/catalog"), "@type": "dcat:Catalog",
             "dcat:dataset": [
                {"@id": format!("http://{host}/d/1")},
                {"@id": format!("http://{host}/d/2")},
                {"@id": format!("http://{host}/d/3")}]},
            {"@id": format!("http://{host}/d/1"), "@type": "dcat:Dataset",
             "dct:title": {"@value": "Eins", "@language": "de"},
             "dcat:contactPoint": {"@type": "vcard:Organization", "vcard:fn": "Amt",
                                   "vcard:hasTelephone": TEL_BAD}},
            {"@id": format!("http://{host}/d/2"), "@type": "dcat:Dataset",
             "dct:title": {"@value": "Zwei", "@language": "de_DE"},
             "dcat:landingPage": MAP_BAD},
            {"@id": format!("http://{host}/d/3"), "@type": "dcat:Dataset",
             "dct:title": {"@value": "Drei", "@language": "de"},
             "dcat:landingPage": format!("http://{host}/100%"),
             "dct:relation": format!("http://{host}/a#b#c")}
        ]
    })
    .to_string()
}

/// A syntax: file extension (also the source id), media type, page maker.
type Syntax = (&'static str, &'static str, fn(&str) -> String);

/// The three syntaxes, each served with its media type.
fn pages() -> [Syntax; 3] {
    [
        ("ttl", "text/turtle", turtle),
        ("rdf", "application/rdf+xml", rdf_xml),
        ("jsonld", "application/ld+json", json_ld),
    ]
}

#[test]
fn invalid_iris_are_repaired_and_reported_in_every_syntax() {
    let stub = StubServer::start();
    let mut specs = Vec::new();
    for (ext, media, page) in pages() {
        let path = format!("/{ext}/catalog");
        stub.serve_bytes(&path, page(&format!("{ext}.example")).into_bytes(), media);
        specs.push(SourceSpec::new(ext, &stub.url(&path)));
    }
    let dir = TempDir::new("tolerant-iris");
    let config = write_config(dir.path(), &specs, "");
    let (out, reports) = harvest(&config, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    for (ext, _, _) in pages() {
        let host = format!("{ext}.example");
        let r = report_of(&reports, ext);
        assert_eq!(r["status"], "success", "{ext}: {r}");
        assert_eq!(
            r["added"], 3,
            "{ext}: every dataset of the page is kept: {r}"
        );
        assert_eq!(r["errors"].as_array().map(Vec::len), Some(0), "{ext}: {r}");
        let warnings = r["warnings"].as_array().cloned().unwrap_or_default();
        // One warning per repaired value: the telephone, the language tag,
        // the bracketed landing page, the stray %, the second #.
        assert_eq!(warnings.len(), 5, "{ext}: {warnings:#?}");
        let find = |needle: &str| {
            warnings
                .iter()
                .find(|w| {
                    let reason = w["reason"].as_str().unwrap_or("").to_lowercase();
                    reason.contains(&needle.to_lowercase())
                })
                .unwrap_or_else(|| panic!("{ext}: no warning with {needle}: {warnings:#?}"))
        };
        let tel = find(TEL_BAD);
        assert_eq!(tel["record"], format!("http://{host}/d/1"), "{tel}");
        let reason = tel["reason"].as_str().unwrap_or("");
        assert!(
            reason.contains("vcard/ns#hasTelephone") && reason.contains(TEL_GOOD),
            "{reason}"
        );
        let map = find(MAP_BAD);
        assert_eq!(map["record"], format!("http://{host}/d/2"), "{map}");
        assert!(map["reason"]
            .as_str()
            .is_some_and(|r| r.contains("dcat#landingPage") && r.contains(MAP_GOOD)));
        let bad_lang = if ext == "ttl" { "de-DE-1" } else { "de_DE" };
        let lang = find(bad_lang);
        assert_eq!(lang["record"], format!("http://{host}/d/2"), "{lang}");
        assert!(find("/100%\"")["reason"]
            .as_str()
            .is_some_and(|r| r.contains("/100%25")));
        assert!(find("a#b#c")["reason"]
            .as_str()
            .is_some_and(|r| r.contains("a#b%23c")));
    }
    assert!(
        stdout.contains("value(s) repaired") && stdout.contains(TEL_BAD),
        "{stdout}"
    );

    // The repaired values are what is stored and served.
    let served = Served::start(&config);
    for (ext, _, _) in pages() {
        let host = format!("{ext}.example");
        let rows = served.select(&format!(
            "SELECT ?tel ?map (LANG(?title) AS ?lang) WHERE {{
               <http://{host}/d/1> <http://www.w3.org/ns/dcat#contactPoint>/<http://www.w3.org/2006/vcard/ns#hasTelephone> ?tel .
               <http://{host}/d/2> <http://www.w3.org/ns/dcat#landingPage> ?map ; <http://purl.org/dc/terms/title> ?title }}"
        ));
        assert_eq!(rows.len(), 1, "{ext}: {rows:?}");
        assert!(rows[0]["tel"].contains(TEL_GOOD), "{ext}: {rows:?}");
        assert!(rows[0]["map"].contains(MAP_GOOD), "{ext}: {rows:?}");
        // `de_DE` becomes `de-de`; `de-DE-1` cannot be repaired: the text
        // stays, without language tag.
        let lang = if ext == "ttl" { "" } else { "de-de" };
        assert_eq!(rows[0]["lang"], lang, "{ext}: {rows:?}");
    }
    // The source's page lists the repairs of its last run.
    let html = served.get_html("/sources/ttl").replace("&#x2f;", "/");
    assert!(html.contains("run-warnings"), "{html}");
    assert!(html.contains("hasTelephone"), "{html}");

    // POST /api/validate: the report lists the repairs; the document is
    // validated with the repaired values.
    for (ext, media, page) in pages() {
        let (status, body) = request(
            reqwest::Method::POST,
            &format!("{}/api/validate?profile=dcat-ap-3", served.base),
            "application/json",
            Some((media, page("upload.example").into_bytes())),
        )
        .expect("validate");
        let text = String::from_utf8_lossy(&body);
        assert_eq!(status, 200, "{ext}: {text}");
        let json: Value = serde_json::from_slice(&body).expect("JSON report");
        let repairs = json["repairs"].as_array().cloned().unwrap_or_default();
        assert_eq!(repairs.len(), 5, "{ext}: {json}");
        assert!(
            repairs
                .iter()
                .any(|r| r["focus_node"] == "http://upload.example/d/2"
                    && r["path"] == "http://www.w3.org/ns/dcat#landingPage"),
            "{ext}: {repairs:?}"
        );
    }
    drop(served);

    // catalog-server validate reads the file and names the repairs.
    for (ext, _, page) in pages() {
        let file = dir.path().join(format!("page.{ext}"));
        std::fs::write(&file, page("file.example")).expect("write");
        let out = run_catalog(
            &config,
            &[
                "validate",
                "--profile",
                "dcat-ap-3",
                file.to_str().unwrap_or_default(),
            ],
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.code() == Some(0) || out.status.code() == Some(1),
            "{ext}: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(text.matches("repaired:").count(), 5, "{ext}: {text}");
        assert!(
            text.contains(TEL_BAD) && text.contains(TEL_GOOD),
            "{ext}: {text}"
        );
    }
}
