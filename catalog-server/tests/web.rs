//! The web pages without a browser: the whole application of `serve` on an
//! empty store, asked as a browser and as API clients would. The pages on
//! harvested real catalogs, in a real browser, are tested by
//! `tests/tests/web_pages.rs`.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use catalog_server::config::Config;
use catalog_server::harvest::scheduler::Scheduler;
use catalog_server::harvest::Harvesting;
use catalog_server::http::{self, AdminState, AppState, HttpLimits};
use catalog_server::metrics::Metrics;
use catalog_server::store::CatalogStore;
use catalog_tests::TempDir;
use std::sync::Arc;
use tower::ServiceExt;

const STEWARD_ENV: &str = "WEB_UNIT_TEST_STEWARD_STADT";
const STEWARD_TOKEN: &str = "stadt-steward-token-with-more-than-32-chars";

fn app(dir: &TempDir) -> axum::Router {
    let cfg = dir.path().join("catalog.toml");
    std::fs::write(
        &cfg,
        format!(
            "data_dir = \"data\"\nbase_iri = \"http://land.example/\"\n\n\
             [catalog]\ntitle = \"Offene Daten Testland\"\n\n\
             [[sources]]\nid = \"stadt\"\ntitle = \"Stadt\"\nkind = \"dcat\"\nurl = \"catalog.ttl\"\n\
             steward_token_env = \"{STEWARD_ENV}\"\n\n\
             [[sources]]\nid = \"dorf\"\ntitle = \"Dorf\"\nkind = \"dcat\"\nurl = \"dorf.ttl\"\n"
        ),
    )
    .expect("write the config");
    std::env::set_var(STEWARD_ENV, STEWARD_TOKEN);
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
    http::app(state, Arc::new(AdminState::new(scheduler, limits)))
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

async fn send(router: &axum::Router, request: Request<Body>) -> Answer {
    let response = router.clone().oneshot(request).await.expect("answer");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

async fn get(router: &axum::Router, uri: &str, headers: &[(&str, &str)]) -> Answer {
    let mut r = Request::builder().method(Method::GET).uri(uri);
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    send(router, r.body(Body::empty()).expect("request")).await
}

async fn post_form(router: &axum::Router, uri: &str, cookie: &str, form: &str) -> Answer {
    let r = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie)
        .body(Body::from(form.to_owned()))
        .expect("request");
    send(router, r).await
}

/// The value a `Set-Cookie` header gives a cookie.
fn set_cookie(a: &Answer, name: &str) -> Option<(String, String)> {
    a.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| {
            let value = v[name.len() + 1..]
                .split(';')
                .next()
                .unwrap_or("")
                .to_owned();
            (value, v.to_owned())
        })
}

const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

#[tokio::test]
async fn pages_render_in_both_languages_with_landmarks() {
    let dir = TempDir::new("web-pages-unit");
    let router = app(&dir);
    for uri in [
        "/",
        "/datasets",
        "/datasets?q=wald&sort=title",
        "/sources",
        "/sources/stadt",
        "/validate",
        "/login",
        "/sparql",
    ] {
        let a = get(&router, uri, &[("accept", BROWSER)]).await;
        assert_eq!(a.status, StatusCode::OK, "{uri}: {}", a.body);
        assert!(
            a.headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap_or("")
                .starts_with("text/html"),
            "{uri}"
        );
        for landmark in [
            "<html lang=\"de\">",
            "<header",
            "<nav",
            "<main id=\"main\"",
            "<footer",
            "class=\"skip-link\" href=\"#main\"",
            "<h1",
        ] {
            assert!(a.body.contains(landmark), "{uri} lacks {landmark}");
        }
    }
    let en = get(
        &router,
        "/",
        &[("accept-language", "en-GB,en;q=0.9,de;q=0.5")],
    )
    .await;
    assert!(en.body.contains("<html lang=\"en\">") && en.body.contains("Search terms"));
    let switched = get(&router, "/datasets?lang=en", &[]).await;
    assert!(switched.body.contains("<html lang=\"en\">"));
    let (value, _) = set_cookie(&switched, "lang").expect("the choice is remembered");
    assert_eq!(value, "en");
    let kept = get(
        &router,
        "/",
        &[("cookie", "lang=en"), ("accept-language", "de")],
    )
    .await;
    assert!(kept.body.contains("<html lang=\"en\">"));
}

#[tokio::test]
async fn bad_search_parameters_name_the_parameter() {
    let dir = TempDir::new("web-pages-bad");
    let router = app(&dir);
    let a = get(&router, "/datasets?sort=popular", &[]).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(
        a.body.contains("sort") && a.body.contains("popular"),
        "{}",
        a.body
    );
    let b = get(&router, "/datasets?west=9", &[]).await;
    assert_eq!(
        b.status,
        StatusCode::BAD_REQUEST,
        "a bounding box needs four corners"
    );
}

#[tokio::test]
async fn assets_are_hashed_immutable_and_compressed() {
    let dir = TempDir::new("web-pages-assets");
    let router = app(&dir);
    let home = get(&router, "/", &[]).await;
    // The templates escape `/` in attribute values as `&#x2f;`.
    let body = home.body.replace("&#x2f;", "/");
    let start = body
        .find("/assets/")
        .unwrap_or_else(|| panic!("no asset link: {body}"));
    let css = &body[start..];
    let css = &css[..css.find('"').expect("end of the link")];
    assert!(css.ends_with("/site.css"), "{css}");
    let a = get(&router, css, &[("accept-encoding", "gzip")]).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(
        a.headers[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(a.headers[header::CONTENT_ENCODING], "gzip");
    let kolibri = css.replace("site.css", "kolibri/kolibri.esm.js");
    assert_eq!(get(&router, &kolibri, &[]).await.status, StatusCode::OK);
    let stale = get(&router, "/assets/000000000000/site.css", &[]).await;
    assert_eq!(
        stale.status,
        StatusCode::NOT_FOUND,
        "another version's hash"
    );
}

#[tokio::test]
async fn rdf_clients_still_get_rdf_and_sparql_clients_results() {
    let dir = TempDir::new("web-pages-rdf");
    let router = app(&dir);
    // An unknown record: the browser gets an HTML page, RDF clients the
    // plain-text error as before.
    let id = "/datasets/0123456789abcdef0123";
    let html = get(&router, id, &[("accept", BROWSER)]).await;
    assert_eq!(html.status, StatusCode::NOT_FOUND);
    assert!(html.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap_or("")
        .starts_with("text/html"));
    for accept in ["text/turtle", "*/*", "application/ld+json"] {
        let rdf = get(&router, id, &[("accept", accept)]).await;
        assert_eq!(rdf.status, StatusCode::NOT_FOUND);
        assert!(
            rdf.headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap_or("")
                .starts_with("text/plain"),
            "{accept}"
        );
    }
    let q = "/sparql?query=ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D";
    let json = get(&router, q, &[("accept", "application/sparql-results+json")]).await;
    assert_eq!(json.status, StatusCode::OK);
    assert!(json.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap_or("")
        .contains("sparql-results+json"));
    let any = get(&router, q, &[]).await;
    assert!(any.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap_or("")
        .contains("sparql-results+json"));
    let page = get(&router, q, &[("accept", BROWSER)]).await;
    assert!(page.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap_or("")
        .starts_with("text/html"));
    assert!(
        page.body.contains("data-boolean=\"False\""),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn forms_need_the_csrf_token_and_stewards_their_own_source() {
    let dir = TempDir::new("web-pages-csrf");
    let router = app(&dir);
    let login = get(&router, "/login", &[]).await;
    let (csrf, cookie) = set_cookie(&login, "csrf").expect("a CSRF cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(login
        .body
        .contains(&format!("name=\"csrf\" value=\"{csrf}\"")));
    let jar = format!("csrf={csrf}");
    // Without the field, or with another value: refused.
    let token = format!("token={STEWARD_TOKEN}");
    assert_eq!(
        post_form(&router, "/login", &jar, &token).await.status,
        StatusCode::FORBIDDEN
    );
    let other = format!("{token}&csrf=0123456789abcdef0123456789abcdef");
    assert_eq!(
        post_form(&router, "/login", &jar, &other).await.status,
        StatusCode::FORBIDDEN
    );
    // A wrong token: refused.
    let wrong = format!("token=wrong-token-of-more-than-32-characters-x&csrf={csrf}");
    assert_eq!(
        post_form(&router, "/login", &jar, &wrong).await.status,
        StatusCode::FORBIDDEN
    );
    // The steward's token: a login for their source.
    let ok = post_form(&router, "/login", &jar, &format!("{token}&csrf={csrf}")).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(ok.headers[header::LOCATION], "/sources/stadt");
    let (login, cookie) = set_cookie(&ok, "login").expect("a login cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "served over http");
    let jar = format!("csrf={csrf}; login={login}");
    let own = get(&router, "/sources/stadt", &[("cookie", &jar)]).await;
    assert!(
        own.body.contains("action=\"/sources/stadt/harvest\""),
        "steward controls"
    );
    let public = get(&router, "/sources/stadt", &[]).await;
    assert!(
        !public.body.contains("/harvest\""),
        "no controls for the public"
    );
    let foreign = post_form(
        &router,
        "/sources/dorf/harvest",
        &jar,
        &format!("csrf={csrf}"),
    )
    .await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN, "{}", foreign.body);
    let no_csrf = post_form(&router, "/sources/stadt/harvest", &jar, "").await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    let anonymous = post_form(
        &router,
        "/sources/stadt/harvest",
        &format!("csrf={csrf}"),
        &format!("csrf={csrf}"),
    )
    .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    // The validate form is protected too.
    let r = Request::builder()
        .method(Method::POST)
        .uri("/validate")
        .header(header::CONTENT_TYPE, "multipart/form-data; boundary=XyZ")
        .header(header::COOKIE, format!("csrf={csrf}"))
        .body(Body::from(
            "--XyZ\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n<a> <b> <c> .\r\n--XyZ--\r\n",
        ))
        .expect("request");
    assert_eq!(send(&router, r).await.status, StatusCode::FORBIDDEN);
}
