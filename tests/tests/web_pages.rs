//! The web pages in a real browser: real DCAT, CKAN and CSW fixtures are
//! served on loopback and harvested by the `catalog-server` binary, `serve`
//! runs on loopback, and `web/tests/pages.test.mjs` (node's test runner,
//! playwright-core driving Debian's chromium, axe-core) checks the pages
//! against `/api/search` and `/api/datasets/{id}`, accessibility, the
//! keyboard path, the console and the first visit's JS and CSS bytes. It
//! saves a screenshot of each page type to `docs/screenshots/`.
//!
//! Skips with a message when chromium, node or `web/node_modules` is
//! missing; fails instead under `CI=true`.

use catalog_tests::portals::{
    ckan_fixture_packages, iso_fixture_records, write_portal_config, CkanPortal, CswPortal,
};
use catalog_tests::*;
use std::path::{Path, PathBuf};
use std::process::Command;

const STEWARD_ENV: &str = "WEB_TEST_STEWARD_ROSTOCK";
const STEWARD_TOKEN: &str = "rostock-steward-token-of-more-than-32-characters";

fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// What the browser test needs, or why it cannot run.
fn missing(web: &Path) -> Option<String> {
    if !chromium().is_file() {
        return Some(format!("no chromium at {}", chromium().display()));
    }
    if Command::new("node").arg("--version").output().is_err() {
        return Some("no node".into());
    }
    if !web.join("node_modules/playwright-core").is_dir() {
        return Some(format!(
            "no {}/node_modules (run npm ci there)",
            web.display()
        ));
    }
    None
}

#[test]
fn pages_in_a_real_browser() {
    let web = workspace().join("web");
    if let Some(why) = missing(&web) {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "the browser test cannot run under CI: {why}"
        );
        eprintln!("skipping the browser test: {why}");
        return;
    }
    let (Some(dcat), Some(ckan), Some(csw)) = (fixtures("dcat"), fixtures("ckan"), fixtures("csw"))
    else {
        return;
    };
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
    ];
    let mut sources: Vec<(String, String, String, String)> = Vec::new();
    for (id, rel) in files {
        let path = dcat.join(rel);
        // The fixtures' next pages lead to the real portals: to a last
        // page on loopback instead, so that the test runs offline.
        let body = String::from_utf8_lossy(&std::fs::read(&path).expect("fixture"))
            .replace(
                "http://opendata.schleswig-holstein.de/catalog.xml?page=51",
                &stub.url("/terminal"),
            )
            .replace(
                "https://www.opendata-hro.de/catalog.rdf?page=2",
                &stub.url("/terminal"),
            );
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let route = format!("/{id}/{name}");
        stub.serve_bytes(&route, body.into_bytes(), media_type_for(&path));
        // Rostock's data steward logs in with a token of their own.
        let extra = if *id == "rostock" {
            format!("steward_token_env = \"{STEWARD_ENV}\"")
        } else {
            String::new()
        };
        sources.push((id.to_string(), "dcat".into(), stub.url(&route), extra));
    }
    let ckan_portal = CkanPortal::start(ckan_fixture_packages(&ckan));
    let csw_portal = CswPortal::start(iso_fixture_records(&csw), None);
    sources.push((
        "ckan".into(),
        "ckan".into(),
        ckan_portal.base_url(),
        "rows = 50".into(),
    ));
    sources.push((
        "csw".into(),
        "csw".into(),
        csw_portal.endpoint(),
        "page_size = 50".into(),
    ));
    let dir = TempDir::new("web-pages");
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
    }
    let served = Served::start_with(&config, &[], &[(STEWARD_ENV, STEWARD_TOKEN)]);
    let validate_file =
        dcat.join("govdata-shacl-testcases/dashboard/rostock-catalog-original-input.rdf");
    let measure = dir.path().join("measure.json");
    let output = Command::new("node")
        .args(["--test", "--test-concurrency=1", "tests/pages.test.mjs"])
        .current_dir(&web)
        .env("BASE_URL", &served.base)
        .env("CHROMIUM", chromium())
        .env("SCREENSHOTS", workspace().join("docs/screenshots"))
        .env("MEASURE", &measure)
        .env("STEWARD_SOURCE", "rostock")
        .env("STEWARD_TOKEN", STEWARD_TOKEN)
        .env("FOREIGN_SOURCE", "brandenburg")
        .env("VALIDATE_FILE", &validate_file)
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        output.status.success(),
        "the browser test failed:\n{stdout}"
    );
    if let Ok(m) = std::fs::read_to_string(&measure) {
        println!("measured: {m}");
    }
}
