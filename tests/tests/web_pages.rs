//! The web pages in a real browser: real DCAT, CKAN and CSW fixtures are
//! served on loopback and harvested by the `catalog-server` binary, `serve`
//! runs on loopback, and `web/tests/pages.test.mjs` (node's test runner,
//! playwright-core driving Debian's chromium, axe-core) checks the pages
//! against `/api/search` and `/api/datasets/{id}`, accessibility, the
//! keyboard path, the console and the first visit's JS and CSS bytes. A map
//! tile server on loopback (`[web] tile_url`) gives the search page its
//! map. It saves a screenshot of each page type to `docs/screenshots/`.
//!
//! Skips with a message when chromium, node or `web/node_modules` is
//! missing; fails instead under `CI=true`.

use catalog_tests::portals::{
    ckan_fixture_packages, iso_fixture_records, write_portal_config, CkanPortal, CswPortal,
};
use catalog_tests::*;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

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

/// A 1×1 light blue PNG: every tile of the loopback tile server.
const TILE: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53,
    0xde, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xb8, 0xf3, 0xe2, 0x2b,
    0x00, 0x05, 0x5d, 0x02, 0xba, 0xb0, 0x13, 0x8b, 0xc3, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e,
    0x44, 0xae, 0x42, 0x60, 0x82,
];

/// A map tile server on loopback: every `GET` is answered with [`TILE`].
/// Returns the tile URL template and the number of tiles served.
fn tile_server() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the tile server");
    let port = listener.local_addr().expect("tile server address").port();
    let served = Arc::new(AtomicUsize::new(0));
    let count = served.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let count = count.clone();
            std::thread::spawn(move || {
                let Ok(read) = stream.try_clone() else {
                    return;
                };
                let mut reader = BufReader::new(read);
                let mut writer = stream;
                loop {
                    // The request line and headers, up to the blank line.
                    let mut line = String::new();
                    let mut lines = 0;
                    loop {
                        line.clear();
                        match reader.read_line(&mut line) {
                            Ok(0) | Err(_) => return,
                            Ok(_) if line.trim().is_empty() => break,
                            Ok(_) => lines += 1,
                        }
                    }
                    if lines == 0 {
                        return;
                    }
                    count.fetch_add(1, Ordering::Relaxed);
                    let head = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: {}\r\nCache-Control: max-age=3600\r\n\r\n",
                        TILE.len()
                    );
                    if writer.write_all(head.as_bytes()).is_err() || writer.write_all(TILE).is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    (
        format!("http://127.0.0.1:{port}/tiles/{{z}}/{{x}}/{{y}}.png"),
        served,
    )
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
    let (tile_url, tiles) = tile_server();
    let config = write_portal_config(
        dir.path(),
        &specs,
        &format!(
            "[harvest]\nconcurrency = 2\n[web]\ntile_url = \"{tile_url}\"\ntile_attribution = \"Kacheln: Testserver <loopback>\"\n"
        ),
    );
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
    assert!(
        tiles.load(Ordering::Relaxed) > 0,
        "the search page's map loaded no tile"
    );
}
