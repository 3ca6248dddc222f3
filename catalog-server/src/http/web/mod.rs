//! The web pages for citizens: server-rendered HTML that works without
//! JavaScript, with KoliBri web components as progressive enhancement.
//!
//! | module | pages |
//! |---|---|
//! | [`pages`] | `/` (home), `/datasets` (search), `/datasets/{id}` for browsers |
//! | [`sources`] | `/sources`, `/sources/{id}`, `/sources/{id}/validation.csv` |
//! | [`validate`] | `/validate` (form and report) |
//! | [`sparql`] | `/sparql` for browsers (editor, examples, results table) |
//! | [`steward`] | `/login`, `/logout`, `POST /sources/{id}/harvest`, `POST /sources/{id}/preview` |
//!
//! [`logins`] holds the CSRF check of every form post and the stewards'
//! logins.
//!
//! Templates (`web/templates/`), the texts of each language
//! (`web/i18n/{de,en}.toml`) and the assets (`web/static/`, KoliBri from
//! `web/node_modules`) are embedded in the binary. Assets are served under
//! `/assets/{hash}/…`, the hash naming the whole asset set, with a cache
//! lifetime of a year. The language comes from `?lang=` (remembered in a
//! cookie), then the cookie, then `Accept-Language`; German by default.
//!
//! The pages stay out of the OpenAPI document ([`PAGE_ROUTES`]); the ones
//! that share a route with the API (`/`, `/datasets/{id}`) answer HTML by
//! content negotiation.

pub mod labels;
pub mod logins;
pub mod pages;
pub mod quality;
pub mod sources;
pub mod sparql;
pub mod steward;
pub mod validate;

use super::AppState;
use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use minijinja::{context, Environment, Value};
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

/// Routes of HTML pages that the OpenAPI document leaves out.
pub const PAGE_ROUTES: &[&str] = &[
    "/datasets",
    "/sources",
    "/sources/{id}",
    "/sources/{id}/validation.csv",
    "/sources/{id}/harvest",
    "/sources/{id}/preview",
    "/quality",
    "/validate",
    "/login",
    "/logout",
    "/assets/{hash}/{*path}",
];

/// What the pages share: the application's state and, in `serve`, the
/// scheduler's (next runs).
pub struct WebState {
    pub app: Arc<AppState>,
    pub admin: Option<Arc<super::AdminState>>,
    /// The stewards' logins.
    pub logins: logins::Logins,
}

/// The routes of the pages and assets.
pub fn routes(app: Arc<AppState>, admin: Option<Arc<super::AdminState>>) -> Router {
    // The validate form's post: the upload limit of /api/validate, plus
    // room for the other fields.
    let upload = axum::extract::DefaultBodyLimit::max(
        usize::try_from(app.limits.config.max_upload)
            .unwrap_or(usize::MAX)
            .saturating_add(64 * 1024),
    );
    Router::new()
        .route("/datasets", get(pages::search_page))
        .route("/sources", get(sources::sources_page))
        .route("/sources/{id}", get(sources::source_page))
        .route("/sources/{id}/validation.csv", get(sources::source_csv))
        .route("/sources/{id}/harvest", post(steward::harvest))
        .route("/sources/{id}/preview", post(steward::preview))
        .route("/quality", get(quality::quality_page))
        .route(
            "/validate",
            get(validate::validate_page)
                .post(validate::validate_post)
                .layer(upload),
        )
        .route("/login", get(steward::login_page).post(steward::login))
        .route("/logout", post(steward::logout))
        .route("/assets/{hash}/{*path}", get(asset))
        .layer(tower_http::compression::CompressionLayer::new())
        .with_state(Arc::new(WebState {
            app,
            admin,
            logins: logins::Logins::default(),
        }))
}

/// A language the pages are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    De,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::De => "de",
            Lang::En => "en",
        }
    }

    fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "de" => Some(Lang::De),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language of a request: `?lang=`, then the `lang` cookie, then
    /// the first of de/en in `Accept-Language` (by q-value), else German.
    pub fn of_request(headers: &HeaderMap, query_lang: Option<&str>) -> Lang {
        if let Some(l) = query_lang.and_then(Lang::parse) {
            return l;
        }
        if let Some(l) = cookie(headers, "lang").and_then(|v| Lang::parse(&v)) {
            return l;
        }
        let accept = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let mut ranges: Vec<(f32, usize, &str)> = accept
            .split(',')
            .enumerate()
            .filter_map(|(i, part)| {
                let mut pieces = part.split(';');
                let tag = pieces.next()?.trim();
                let mut q = 1.0f32;
                for p in pieces {
                    if let Some(v) = p.trim().strip_prefix("q=") {
                        q = v.trim().parse().unwrap_or(0.0);
                    }
                }
                (q > 0.0).then_some((q, i, tag))
            })
            .collect();
        ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        for (_, _, tag) in ranges {
            let primary = tag.split('-').next().unwrap_or("");
            if let Some(l) = Lang::parse(primary) {
                return l;
            }
        }
        Lang::De
    }
}

/// Whether the `Accept` header ranks HTML above every media type the
/// endpoint offers otherwise (a browser's does; `*/*` does not).
pub fn prefers_html(headers: &HeaderMap, offered: &[&str]) -> bool {
    let mut all: Vec<&str> = offered.to_vec();
    all.push("text/html");
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    super::negotiate(accept, &all) == Some("text/html")
}

/// The value of a cookie of the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| k.trim() == name)
        .map(|(_, v)| v.trim().to_owned())
}

/// The UI texts of both languages, from `web/i18n/`.
static TEXTS: LazyLock<[BTreeMap<String, String>; 2]> = LazyLock::new(|| {
    [
        parse_texts("de", include_str!("../../../../web/i18n/de.toml")),
        parse_texts("en", include_str!("../../../../web/i18n/en.toml")),
    ]
});

fn parse_texts(lang: &str, text: &str) -> BTreeMap<String, String> {
    match toml::from_str(text) {
        Ok(map) => map,
        Err(e) => {
            tracing::error!("web/i18n/{lang}.toml: {e}");
            BTreeMap::new()
        }
    }
}

/// The UI texts of a language.
pub fn texts(lang: Lang) -> &'static BTreeMap<String, String> {
    &TEXTS[match lang {
        Lang::De => 0,
        Lang::En => 1,
    }]
}

/// One UI text; the key itself when missing (a test keeps both files
/// complete).
pub fn text(lang: Lang, key: &str) -> String {
    texts(lang)
        .get(key)
        .cloned()
        .unwrap_or_else(|| key.to_owned())
}

const TEMPLATES: &[(&str, &str)] = &[
    (
        "base.html",
        include_str!("../../../../web/templates/base.html"),
    ),
    (
        "macros.html",
        include_str!("../../../../web/templates/macros.html"),
    ),
    (
        "home.html",
        include_str!("../../../../web/templates/home.html"),
    ),
    (
        "search.html",
        include_str!("../../../../web/templates/search.html"),
    ),
    (
        "dataset.html",
        include_str!("../../../../web/templates/dataset.html"),
    ),
    (
        "sources.html",
        include_str!("../../../../web/templates/sources.html"),
    ),
    (
        "source.html",
        include_str!("../../../../web/templates/source.html"),
    ),
    (
        "validate.html",
        include_str!("../../../../web/templates/validate.html"),
    ),
    (
        "login.html",
        include_str!("../../../../web/templates/login.html"),
    ),
    (
        "preview.html",
        include_str!("../../../../web/templates/preview.html"),
    ),
    (
        "sparql.html",
        include_str!("../../../../web/templates/sparql.html"),
    ),
    (
        "quality.html",
        include_str!("../../../../web/templates/quality.html"),
    ),
    (
        "error.html",
        include_str!("../../../../web/templates/error.html"),
    ),
];

static TEMPLATE_ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    // Only http(s) IRIs from harvested data become links (no `javascript:`).
    env.add_test("weblink", |v: &str| {
        v.starts_with("https://") || v.starts_with("http://")
    });
    for (name, source) in TEMPLATES {
        if let Err(e) = env.add_template(name, source) {
            tracing::error!("web template {name}: {e}");
        }
    }
    env
});

/// What every page needs: language, texts, asset base, catalog title and
/// the link that switches the language.
pub struct PageContext {
    pub lang: Lang,
    pub catalog_title: String,
    /// The request's path and query, for the language switch.
    pub path: String,
    pub query: Vec<(String, String)>,
    /// Set the language cookie (the request chose a language by `?lang=`).
    pub remember_lang: bool,
    /// `Set-Cookie` values to send with the page.
    pub cookies: Vec<String>,
}

impl PageContext {
    pub fn new(state: &AppState, headers: &HeaderMap, path: &str, raw_query: &str) -> Self {
        let mut query = Vec::new();
        let mut chosen = None;
        for (k, v) in url::form_urlencoded::parse(raw_query.as_bytes()) {
            if k == "lang" {
                chosen = Some(v.into_owned());
            } else {
                query.push((k.into_owned(), v.into_owned()));
            }
        }
        let lang = Lang::of_request(headers, chosen.as_deref());
        PageContext {
            lang,
            catalog_title: state.config().catalog.title.clone(),
            path: path.to_owned(),
            query,
            remember_lang: chosen.as_deref().and_then(Lang::parse).is_some(),
            cookies: Vec::new(),
        }
    }

    fn switch_href(&self) -> String {
        let other = match self.lang {
            Lang::De => "en",
            Lang::En => "de",
        };
        let mut pairs = self.query.clone();
        pairs.push(("lang".to_owned(), other.to_owned()));
        format!("{}?{}", self.path, encode_query(&pairs))
    }

    /// Renders a template with the common values and `page`.
    pub fn render(&self, status: StatusCode, name: &str, page: Value) -> Response {
        let base = context! {
            lang => self.lang.code(),
            t => Value::from_serialize(texts(self.lang)),
            assets => asset_base(),
            catalog_title => &self.catalog_title,
            switch_href => self.switch_href(),
        };
        let html = TEMPLATE_ENV
            .get_template(name)
            .and_then(|t| t.render(minijinja::value::merge_maps([page, base])));
        match html {
            Ok(html) => {
                let mut response = (status, html).into_response();
                let h = response.headers_mut();
                h.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                );
                h.insert(
                    header::VARY,
                    HeaderValue::from_static("Accept, Accept-Language, Cookie"),
                );
                h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
                if self.remember_lang {
                    let cookie = format!(
                        "lang={}; Path=/; Max-Age=31536000; SameSite=Lax",
                        self.lang.code()
                    );
                    if let Ok(v) = HeaderValue::from_str(&cookie) {
                        h.append(header::SET_COOKIE, v);
                    }
                }
                for cookie in &self.cookies {
                    if let Ok(v) = HeaderValue::from_str(cookie) {
                        h.append(header::SET_COOKIE, v);
                    }
                }
                response
            }
            Err(e) => {
                tracing::error!("rendering {name}: {e:#}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("rendering the page failed: {e}"),
                )
                    .into_response()
            }
        }
    }

    /// An error page with the status and a message.
    pub fn error(&self, status: StatusCode, message: &str) -> Response {
        self.render(
            status,
            "error.html",
            context! { status => status.as_u16(), message => message },
        )
    }
}

/// A query string from pairs.
pub fn encode_query(pairs: &[(String, String)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

/// The pages' own stylesheet and script.
#[derive(RustEmbed)]
#[folder = "../web/static/"]
struct StaticAssets;

/// KoliBri's components as the browser loads them (lazily, one file per
/// component).
#[derive(RustEmbed)]
#[folder = "../web/node_modules/@public-ui/components/dist/kolibri/"]
#[include = "*.js"]
struct KolibriAssets;

/// KoliBri's default theme.
#[derive(RustEmbed)]
#[folder = "../web/node_modules/@public-ui/theme-default/dist/"]
#[include = "index.mjs"]
struct ThemeAssets;

/// Leaflet, for the search page's map (only where `[web] tile_url` is set).
#[derive(RustEmbed)]
#[folder = "../web/node_modules/leaflet/dist/"]
#[include = "leaflet.js"]
#[include = "leaflet.css"]
struct LeafletAssets;

/// An embedded asset by its path under `/assets/{hash}/`.
fn asset_file(path: &str) -> Option<rust_embed::EmbeddedFile> {
    if let Some(rest) = path.strip_prefix("kolibri/") {
        return KolibriAssets::get(rest);
    }
    if let Some(rest) = path.strip_prefix("leaflet/") {
        return LeafletAssets::get(rest);
    }
    if path == "theme-default.mjs" {
        return ThemeAssets::get("index.mjs");
    }
    StaticAssets::get(path)
}

/// Every asset path under `/assets/{hash}/`.
pub fn asset_paths() -> Vec<String> {
    let mut paths: Vec<String> = StaticAssets::iter().map(|p| p.into_owned()).collect();
    paths.extend(KolibriAssets::iter().map(|p| format!("kolibri/{p}")));
    paths.extend(LeafletAssets::iter().map(|p| format!("leaflet/{p}")));
    paths.push("theme-default.mjs".to_owned());
    paths
}

/// The hash of the whole asset set (its paths and contents), which names
/// the folder assets are served from: any change gives new URLs.
static ASSET_HASH: LazyLock<String> = LazyLock::new(|| {
    let mut h = Sha256::new();
    let mut paths = asset_paths();
    paths.sort();
    for p in &paths {
        h.update(p.as_bytes());
        if let Some(f) = asset_file(p) {
            h.update(f.metadata.sha256_hash());
        }
    }
    hex::encode(&h.finalize()[..6])
});

/// Where the assets are served: `/assets/{hash}`.
pub fn asset_base() -> String {
    format!("/assets/{}", *ASSET_HASH)
}

/// `GET /assets/{hash}/{*path}`: an embedded asset, cached for a year
/// (the hash changes with any asset).
async fn asset(Path((hash, path)): Path<(String, String)>) -> Response {
    if hash != *ASSET_HASH {
        return (StatusCode::NOT_FOUND, "no such asset version").into_response();
    }
    let Some(file) = asset_file(&path) else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    let media = match path.rsplit('.').next() {
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    };
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, media),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        file.data.into_owned(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_texts() {
        let [de, en] = &*TEXTS;
        assert!(de.len() > 50, "de.toml did not parse: {} texts", de.len());
        let de_keys: Vec<_> = de.keys().collect();
        let en_keys: Vec<_> = en.keys().collect();
        assert_eq!(de_keys, en_keys, "de.toml and en.toml differ in their keys");
    }

    #[test]
    fn every_template_parses() {
        let env = &*TEMPLATE_ENV;
        for (name, _) in TEMPLATES {
            assert!(env.get_template(name).is_ok(), "{name} did not parse");
        }
    }

    #[test]
    fn language_by_query_cookie_and_accept_language() {
        let mut h = HeaderMap::new();
        assert_eq!(Lang::of_request(&h, None), Lang::De);
        h.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("fr-FR, en-GB;q=0.8, de;q=0.5"),
        );
        assert_eq!(Lang::of_request(&h, None), Lang::En);
        h.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("en;q=0.3, de-DE"),
        );
        assert_eq!(Lang::of_request(&h, None), Lang::De);
        h.insert(header::COOKIE, HeaderValue::from_static("a=b; lang=en"));
        assert_eq!(Lang::of_request(&h, None), Lang::En);
        assert_eq!(Lang::of_request(&h, Some("de")), Lang::De);
        assert_eq!(Lang::of_request(&h, Some("xx")), Lang::En);
    }

    #[test]
    fn assets_are_embedded_under_one_hash() {
        for p in [
            "site.css",
            "site.js",
            "theme-default.mjs",
            "kolibri/index.esm.js",
            "kolibri/kolibri.esm.js",
        ] {
            assert!(asset_file(p).is_some(), "{p} is not embedded");
        }
        assert_eq!(ASSET_HASH.len(), 12);
        assert!(asset_file("kolibri/index.esm.js.map").is_none());
    }
}
