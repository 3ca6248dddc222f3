//! Bad input never panics, never grows memory without bound, and never
//! removes what a source stored before.
//!
//! Each file of `bad-input/w3c-rdf-tests/` and `bad-input/xml-attacks/` is the
//! page of its own source. A first harvest stores one good dataset per source;
//! then the stub serves the bad file at the same URL and a second harvest must
//! report a per-page error for every source while the good dataset stays.

use catalog_tests::*;
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let is_data = matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("ttl" | "nt" | "trig" | "rdf" | "xml" | "xsd" | "dtd")
            );
            if is_data && name != "manifest.ttl" && !name.starts_with("LICENSE") {
                out.push(p);
            }
        }
    }
}

fn good_page(i: usize) -> Vec<u8> {
    format!(
        "@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .\n\
         <http://good.example/ds/{i}> a dcat:Dataset ; dct:title \"Gut {i}\" ;\n\
           dcat:distribution [ dcat:accessURL <http://good.example/{i}.csv> ] .\n"
    )
    .into_bytes()
}

#[test]
fn bad_pages_give_clear_errors_and_keep_earlier_records() {
    let (Some(w3c), Some(xml)) = (
        fixtures("bad-input/w3c-rdf-tests"),
        fixtures("bad-input/xml-attacks"),
    ) else {
        return;
    };
    let mut bad = Vec::new();
    files(&w3c, &mut bad);
    files(&xml, &mut bad);
    assert!(bad.len() > 200, "found only {} bad files", bad.len());

    let stub = StubServer::start();
    let mut specs = Vec::new();
    for i in 0..bad.len() {
        let path = format!("/s{i}/catalog");
        stub.serve_bytes(&path, good_page(i), "text/turtle");
        specs.push(SourceSpec::new(&format!("s{i}"), &stub.url(&path)));
    }
    let dir = TempDir::new("bad-input");
    let config = write_config(
        dir.path(),
        &specs,
        "[harvest]\nconcurrency = 8\ntimeout = \"20s\"\nmax_page_bytes = \"4 MiB\"\n",
    );
    let (out, reports) = harvest(&config, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(reports.as_array().map(Vec::len), Some(bad.len()));

    // Now every source serves its bad file.
    for (i, file) in bad.iter().enumerate() {
        let body = std::fs::read(file).expect("fixture");
        stub.serve_bytes(&format!("/s{i}/catalog"), body, media_type_for(file));
    }
    let (out, reports) = harvest(&config, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let mut problems = Vec::new();
    for (i, file) in bad.iter().enumerate() {
        let report = report_of(&reports, &format!("s{i}"));
        let errors = report["errors"].as_array().cloned().unwrap_or_default();
        let first = errors
            .first()
            .map(|e| e["reason"].as_str().unwrap_or("").to_owned())
            .unwrap_or_default();
        let url_named = errors
            .first()
            .is_some_and(|e| e["url"].as_str().unwrap_or("").contains(&format!("/s{i}/")));
        if report["status"] != "failed"
            || first.is_empty()
            || !url_named
            || report["complete"] != false
        {
            problems.push(format!("{}: {report}", file.display()));
        }
    }
    assert!(
        problems.is_empty(),
        "{} files not reported as a failed page:\n{}",
        problems.len(),
        problems.join("\n")
    );
    // Memory stayed bounded while parsing XML bombs and friends.
    let peak_mib = children_peak_rss_kib() / 1024;
    assert!(peak_mib < 1024, "peak RSS of a harvest was {peak_mib} MiB");

    // Everything stored by the first harvest is still there.
    let served = Served::start(&config);
    let n = served.count(
        "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> }",
    );
    assert_eq!(n, bad.len());
    let titles = served.count(
        "SELECT (COUNT(*) AS ?n) WHERE { <http://good.example/ds/0> <http://purl.org/dc/terms/title> \"Gut 0\" }",
    );
    assert_eq!(titles, 1);
}

#[test]
fn hanging_looping_and_huge_responses_are_stopped() {
    let stub = StubServer::start();
    stub.set("/hang", Behaviour::Hang);
    stub.set("/endless", Behaviour::Endless);
    stub.set("/huge", Behaviour::HugeDeclared);
    stub.set("/down", Behaviour::Status(503));
    let self_link = format!(
        "@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix hydra: <http://www.w3.org/ns/hydra/core#> .\n\
         <http://loop.example/ds> a dcat:Dataset .\n\
         <{u}> a hydra:PartialCollectionView ; hydra:next <{u}> .\n",
        u = stub.url("/loop?page=1")
    );
    stub.serve_bytes("/loop?page=1", self_link.into_bytes(), "text/turtle");
    let dir = TempDir::new("stops");
    let specs = vec![
        SourceSpec::new("hang", &stub.url("/hang")),
        SourceSpec::new("endless", &stub.url("/endless")),
        SourceSpec::new("huge", &stub.url("/huge")),
        SourceSpec::new("loop", &stub.url("/loop?page=1")),
        SourceSpec::new("down", &stub.url("/down")),
    ];
    let config = write_config(
        dir.path(),
        &specs,
        "[harvest]\nconcurrency = 5\ntimeout = \"3s\"\nread_timeout = \"2s\"\nmax_page_bytes = \"1 MiB\"\n",
    );
    let started = std::time::Instant::now();
    let (out, reports) = harvest(&config, &[]);
    let elapsed = started.elapsed();
    assert_eq!(out.status.code(), Some(1));
    assert!(elapsed.as_secs() < 60, "took {elapsed:?}");
    let reason = |id: &str| {
        report_of(&reports, id)["errors"][0]["reason"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    };
    assert!(reason("hang").contains("timed out"), "{}", reason("hang"));
    assert!(
        reason("endless").contains("larger than the limit"),
        "{}",
        reason("endless")
    );
    assert!(
        reason("huge").contains("larger than the limit"),
        "{}",
        reason("huge")
    );
    assert!(reason("down").contains("503"), "{}", reason("down"));
    let looping = report_of(&reports, "loop");
    assert_eq!(looping["pages"], 1);
    assert_eq!(looping["added"], 1);
    assert_eq!(looping["complete"], false);
    assert!(
        looping["end_reason"]
            .as_str()
            .unwrap_or("")
            .contains("paging loop"),
        "{looping}"
    );
    // The self-linking page was requested once.
    assert_eq!(
        stub.requests()
            .iter()
            .filter(|r| r.starts_with("/loop"))
            .count(),
        1
    );
}
