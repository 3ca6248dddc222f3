//! The OpenAPI document against the router it describes: every route of the
//! application (and every method on it) is in the document and nothing
//! else is, and the served document is a well-formed OpenAPI 3.1 document.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use catalog_server::config::Config;
use catalog_server::harvest::scheduler::Scheduler;
use catalog_server::harvest::Harvesting;
use catalog_server::http::{self, AdminState, AppState, HttpLimits};
use catalog_server::metrics::Metrics;
use catalog_server::store::CatalogStore;
use catalog_tests::TempDir;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use tower::ServiceExt;

/// The whole application of `serve` on an empty store, and its document.
fn app(dir: &TempDir) -> (axum::Router, utoipa::openapi::OpenApi) {
    let cfg = dir.path().join("catalog.toml");
    std::fs::write(
        &cfg,
        "data_dir = \"data\"\nbase_iri = \"http://land.example/\"\n\n\
         [[sources]]\nid = \"stadt\"\ntitle = \"Stadt\"\nkind = \"dcat\"\nurl = \"catalog.ttl\"\n",
    )
    .expect("write the config");
    let config = Arc::new(Config::load(&cfg).expect("config"));
    let store = Arc::new(CatalogStore::open(&config.data_dir).expect("store"));
    let (search, _) = catalog_server::search_index::open(&config, &store).expect("search index");
    let harvesting = Arc::new(Harvesting::new(config.clone(), store.clone()).expect("harvesting"));
    let scheduler = Scheduler::new(harvesting, Arc::new(Metrics::new()));
    let limits = Arc::new(HttpLimits::new(&config.http));
    let state = Arc::new(AppState::new(
        store,
        scheduler.current(),
        search,
        &config,
        limits.clone(),
    ));
    http::app_and_document(state, Arc::new(AdminState::new(scheduler, limits)))
}

/// The route templates of a router. axum has no API that lists them; its
/// `Debug` output names every route as `RouteId(n): "/template"`. If a new
/// axum prints routes differently, this finds none and the test says so.
fn router_paths(router: &axum::Router) -> BTreeSet<String> {
    let debug = format!("{router:?}");
    let mut paths = BTreeSet::new();
    let mut rest = debug.as_str();
    while let Some(i) = rest.find("RouteId(") {
        rest = &rest[i + "RouteId(".len()..];
        let Some(after) = rest.find("): \"") else {
            continue;
        };
        if !rest[..after].bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let path = &rest[after + 4..];
        if let Some(end) = path.find('"') {
            let path = &path[..end];
            if !path.contains("__private__axum") {
                paths.insert(path.to_owned());
            }
        }
    }
    paths
}

/// A concrete path for a template: every `{param}` becomes `x0`.
fn concrete(template: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in template.chars() {
        match c {
            '{' => in_param = true,
            '}' => {
                in_param = false;
                out.push_str("x0");
            }
            _ if in_param => {}
            c => out.push(c),
        }
    }
    out
}

/// The methods the router serves on a path: what its 405 answer to a
/// method no route uses allows (`HEAD` comes with every `GET`).
async fn router_methods(router: &axum::Router, template: &str) -> BTreeSet<String> {
    let request = Request::builder()
        .method(Method::PATCH)
        .uri(concrete(template))
        .body(Body::empty())
        .expect("request");
    let response = router.clone().oneshot(request).await.expect("answer");
    assert_eq!(
        response.status(),
        StatusCode::METHOD_NOT_ALLOWED,
        "PATCH {template}: no route may use PATCH, so the router must answer 405 with Allow"
    );
    response
        .headers()
        .get("allow")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .split(',')
        .map(|m| m.trim().to_ascii_lowercase())
        .filter(|m| !m.is_empty() && m != "head")
        .collect()
}

fn document_operations(doc: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let mut out = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        let methods = item
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, _)| k.clone())
            .filter(|k| {
                [
                    "get", "put", "post", "delete", "options", "head", "patch", "trace",
                ]
                .contains(&k.as_str())
            })
            .collect();
        out.insert(path.clone(), methods);
    }
    out
}

#[tokio::test]
async fn every_route_is_documented_and_every_documented_route_exists() {
    let dir = TempDir::new("openapi-routes");
    let (router, doc) = app(&dir);
    let doc = serde_json::to_value(&doc).expect("document as JSON");
    let mut paths = router_paths(&router);
    // The web pages stay out of the API document.
    for page in http::web::PAGE_ROUTES {
        assert!(
            paths.remove(*page),
            "page route {page} is not in the router"
        );
    }
    assert!(
        paths.len() >= 15 && paths.contains("/sparql") && paths.contains("/api/openapi.json"),
        "could not read the router's routes from its Debug output: {paths:?}"
    );
    let mut routes = BTreeMap::new();
    for path in &paths {
        routes.insert(path.clone(), router_methods(&router, path).await);
    }
    let documented = document_operations(&doc);
    assert_eq!(
        routes, documented,
        "the router's routes (left) and the OpenAPI document's operations (right) differ"
    );
}

/// Every `$ref` in `v`.
fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(o) => {
            for (k, v) in o {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r),
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_served_document_is_openapi_3_1() {
    let dir = TempDir::new("openapi-served");
    let (router, _) = app(&dir);
    let request = Request::get("/api/openapi.json")
        .body(Body::empty())
        .expect("request");
    let response = router.oneshot(request).await.expect("answer");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    let doc: Value = serde_json::from_slice(&body).expect("the document is JSON");

    // The root: version, info, paths.
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["info"]["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));

    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["admin_token"]["type"], "http");
    assert_eq!(schemes["admin_token"]["scheme"], "bearer");

    let mut operation_ids = BTreeSet::new();
    let mut secured = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        assert!(path.starts_with('/'), "{path}");
        let templated: BTreeSet<&str> = path
            .split('{')
            .skip(1)
            .filter_map(|s| s.split('}').next())
            .collect();
        for (method, op) in item.as_object().expect("path item") {
            let at = format!("{} {path}", method.to_uppercase());
            // Unique operation ids, at least one answer, each described.
            let id = op["operationId"].as_str().unwrap_or_default().to_owned();
            assert!(
                !id.is_empty() && operation_ids.insert(id),
                "{at}: operationId"
            );
            let responses = op["responses"].as_object().expect("responses");
            assert!(!responses.is_empty(), "{at}: no responses");
            for (status, r) in responses {
                assert!(
                    status.len() == 3
                        && status.parse::<u16>().is_ok_and(|s| (100..600).contains(&s)),
                    "{at}: status {status}"
                );
                assert!(r["description"].is_string(), "{at} {status}: description");
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        r["content"].as_object().is_some_and(|c| !c.is_empty()),
                        "{at} {status}: error answers have a body"
                    );
                }
            }
            // Path parameters: exactly the template's, all required.
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let in_path: BTreeSet<&str> = params
                .iter()
                .filter(|p| p["in"] == "path")
                .map(|p| {
                    assert_eq!(p["required"], true, "{at}: path parameter {}", p["name"]);
                    p["name"].as_str().unwrap_or_default()
                })
                .collect();
            assert_eq!(in_path, templated, "{at}: path parameters");
            for p in &params {
                assert!(
                    ["query", "header", "path", "cookie"].contains(&p["in"].as_str().unwrap_or("")),
                    "{at}: parameter {}",
                    p["name"]
                );
                assert!(
                    p["schema"].is_object(),
                    "{at}: parameter {} schema",
                    p["name"]
                );
            }
            // Security names a declared scheme; only admin actions use it.
            if let Some(security) = op["security"].as_array() {
                for requirement in security {
                    for name in requirement.as_object().expect("requirement").keys() {
                        assert!(schemes[name].is_object(), "{at}: scheme {name}");
                    }
                }
                secured += 1;
                assert!(
                    responses.contains_key("401") && responses.contains_key("403"),
                    "{at}: a secured operation answers 401 and 403"
                );
            }
        }
    }
    assert_eq!(
        secured, 5,
        "harvest, preview, reload, backup and the audit trail need the token"
    );

    // Every reference resolves.
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in all {
        let pointer = r
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("external $ref {r}"));
        assert!(doc.pointer(pointer).is_some(), "unresolved $ref {r}");
    }
}
