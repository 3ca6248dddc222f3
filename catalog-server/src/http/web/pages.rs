//! The citizens' pages: home (`/`), search (`/datasets`) and the dataset
//! page (`/datasets/{id}` for browsers). Search runs the same code as
//! `/api/search` ([`crate::http::search::parse_params`] and the index),
//! not an HTTP call.

use super::labels::{self, label};
use super::{encode_query, text, Lang, PageContext};
use crate::http::search::{parse_params, SearchParams, MAX_WINDOW};
use crate::http::AppState;
use crate::validation::quality::{Band, Metric};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use catalog_search::{SearchRequest, SearchResult, Sort, FACETS};
use minijinja::{context, Value};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

/// The bounding-box fields of the search page, which become `bbox`.
const BBOX_FIELDS: [&str; 4] = ["west", "south", "east", "north"];

/// Runs a search off the async runtime.
async fn run_search(state: &AppState, request: SearchRequest) -> Result<SearchResult, String> {
    let index = state.search.clone();
    match tokio::task::spawn_blocking(move || index.search(&request)).await {
        Ok(Ok(r)) => Ok(r),
        Ok(Err(e)) => Err(format!("search failed: {e}")),
        Err(e) => Err(format!("search failed: {e}")),
    }
}

/// A hit as the templates show it.
#[derive(Serialize)]
struct HitView {
    id: String,
    title: String,
    /// HTML from the index: escaped text with `<mark>` around matches.
    snippet: String,
    publisher: Option<String>,
    modified: Option<String>,
    modified_display: Option<String>,
    formats: Vec<String>,
    themes: Vec<String>,
    /// The metadata quality score and its band's name in the page's
    /// language (absent: not scored).
    quality_score: Option<u32>,
    quality_label: Option<String>,
}

/// The name of a quality band ("Excellent", …) in `lang`.
pub fn band_label(band: &str, lang: Lang) -> String {
    text(lang, &format!("band_{band}"))
}

fn hit_views(result: &SearchResult, lang: Lang) -> Vec<HitView> {
    result
        .hits
        .iter()
        .map(|h| HitView {
            id: h.id.clone(),
            title: h.title.clone(),
            snippet: h.snippet.clone(),
            publisher: h.publisher.clone(),
            modified: h.modified.clone(),
            modified_display: h.modified.as_ref().map(|m| m.chars().take(10).collect()),
            formats: h.formats.clone(),
            themes: h.themes.iter().map(|t| label(t, lang)).collect(),
            quality_score: h.quality,
            quality_label: h.quality.map(|q| band_label(Band::of(q).name(), lang)),
        })
        .collect()
}

fn facet<'a>(result: &'a SearchResult, name: &str) -> &'a [catalog_search::FacetValue] {
    result
        .facets
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_slice())
        .unwrap_or(&[])
}

/// `GET /`: search box, counts, themes, newest datasets, sources; what
/// the index page said before, for clients that ask for HTML.
pub async fn home_page(state: Arc<AppState>, headers: HeaderMap, raw: String) -> Response {
    let page = PageContext::new(&state, &headers, "/", &raw);
    let lang = page.lang;
    let request = SearchRequest {
        sort: Sort::Modified,
        size: 5,
        facet_size: 1000,
        ..Default::default()
    };
    let result = match run_search(&state, request).await {
        Ok(r) => r,
        Err(e) => return page.error(StatusCode::INTERNAL_SERVER_ERROR, &e),
    };
    let theme_counts: HashMap<&str, u64> = facet(&result, "theme")
        .iter()
        .map(|v| (v.value.as_str(), v.count))
        .collect();
    let mut themes: Vec<Value> = labels::themes()
        .iter()
        .map(|iri| {
            context! {
                iri => iri,
                label => label(iri, lang),
                count => theme_counts.get(iri.as_str()).copied().unwrap_or(0),
            }
        })
        .collect();
    themes.sort_by_key(|t| {
        t.get_attr("label")
            .map(|l| l.to_string())
            .unwrap_or_default()
    });
    let source_counts: HashMap<&str, u64> = facet(&result, "source")
        .iter()
        .map(|v| (v.value.as_str(), v.count))
        .collect();
    let config = state.config();
    let sources: Vec<Value> = config
        .sources
        .iter()
        .map(|s| {
            context! {
                id => &s.id.0,
                title => &s.title,
                count => source_counts.get(s.id.0.as_str()).copied().unwrap_or(0),
            }
        })
        .collect();
    page.render(
        StatusCode::OK,
        "home.html",
        context! {
            nav => "home",
            total => result.total,
            themes => themes,
            newest => Value::from_serialize(hit_views(&result, lang)),
            sources => sources,
        },
    )
}

/// A name and value of a hidden form field or query pair.
#[derive(Serialize)]
struct Field {
    name: String,
    value: String,
}

fn fields(pairs: &[(String, String)], without: &[&str]) -> Vec<Field> {
    pairs
        .iter()
        .filter(|(k, _)| !without.contains(&k.as_str()))
        .map(|(k, v)| Field {
            name: k.clone(),
            value: v.clone(),
        })
        .collect()
}

fn href(pairs: &[(String, String)]) -> String {
    if pairs.is_empty() {
        "/datasets".to_owned()
    } else {
        format!("/datasets?{}", encode_query(pairs))
    }
}

/// The page's query as `/api/search` parameters: empty optional fields
/// dropped, the four coordinate fields joined into `bbox`.
fn api_pairs(query: &[(String, String)], lang: Lang) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    let mut corners: [Option<String>; 4] = Default::default();
    for (k, v) in query {
        if let Some(i) = BBOX_FIELDS.iter().position(|f| f == k) {
            if !v.trim().is_empty() {
                corners[i] = Some(v.trim().replace(',', "."));
            }
            continue;
        }
        let optional = matches!(k.as_str(), "sort" | "page" | "bbox") || k == "q";
        if optional && v.trim().is_empty() {
            continue;
        }
        pairs.push((k.clone(), v.clone()));
    }
    let given = corners.iter().filter(|c| c.is_some()).count();
    if given == 4 {
        let joined: Vec<String> = corners.into_iter().flatten().collect();
        pairs.retain(|(k, _)| k != "bbox");
        pairs.push(("bbox".to_owned(), joined.join(",")));
    } else if given > 0 {
        return Err(text(lang, "bbox_title") + ": " + &BBOX_FIELDS.join(", "));
    }
    Ok(pairs)
}

/// `GET /datasets`: the search page, with the parameters of `/api/search`
/// (and `west`, `south`, `east`, `north` for the coordinate fields).
pub async fn search_page(
    State(web): State<Arc<super::WebState>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let state = web.app.clone();
    let started = std::time::Instant::now();
    let raw = raw.unwrap_or_default();
    let page = PageContext::new(&state, &headers, "/datasets", &raw);
    let lang = page.lang;
    let pairs = match api_pairs(&page.query, lang) {
        Ok(p) => p,
        Err(e) => return page.error(StatusCode::BAD_REQUEST, &e),
    };
    let params = match parse_params(&encode_query(&pairs)) {
        Ok(p) => p,
        Err(e) => return page.error(StatusCode::BAD_REQUEST, &e.message),
    };
    let SearchParams {
        request,
        page: page_no,
        size,
    } = params;
    let q = request.q.clone();
    let sort = request.sort;
    let bbox = request.bbox;
    let active: Vec<Vec<String>> = request.filters.to_vec();
    let result = match run_search(&state, request).await {
        Ok(r) => r,
        Err(e) => return page.error(StatusCode::INTERNAL_SERVER_ERROR, &e),
    };
    let config = state.config();
    let source_title = |id: &str| -> String {
        config
            .sources
            .iter()
            .find(|s| s.id.0 == id)
            .map(|s| s.title.clone())
            .unwrap_or_else(|| id.to_owned())
    };
    let value_label = |facet: &str, value: &str| -> String {
        match facet {
            "theme" | "license" | "hvd_category" => label(value, lang),
            "source" => source_title(value),
            "geocoding" => labels::last_segment(value),
            "quality" => band_label(value, lang),
            _ => value.to_owned(),
        }
    };
    // The pairs every link starts from: no page (a changed filter starts
    // at page 1).
    let base: Vec<(String, String)> = pairs.iter().filter(|(k, _)| k != "page").cloned().collect();
    let mut facets = Vec::new();
    for (name, values) in &result.facets {
        let i = FACETS.iter().position(|f| f == name);
        let chosen = i.map(|i| active[i].as_slice()).unwrap_or(&[]);
        let mut values: Vec<&catalog_search::FacetValue> = values.iter().collect();
        if name == "quality" {
            // Bands best first, as data.europa.eu lists them.
            values.sort_by_key(|v| Band::parse(&v.value).map(|b| b as u8));
        }
        let values: Vec<Value> = values
            .into_iter()
            .map(|v| {
                let on = chosen.contains(&v.value);
                let mut p = base.clone();
                if on {
                    p.retain(|(k, val)| !(k == name && *val == v.value));
                } else {
                    p.push((name.clone(), v.value.clone()));
                }
                context! {
                    value => &v.value,
                    label => value_label(name, &v.value),
                    count => v.count,
                    active => on,
                    href => href(&p),
                }
            })
            .collect();
        facets.push(context! {
            name => name,
            label => text(lang, &format!("facet_{name}")),
            values => values,
        });
    }
    let mut chips = Vec::new();
    for (name, values) in FACETS.iter().zip(&active) {
        for v in values {
            let mut p = base.clone();
            p.retain(|(k, val)| !(k == name && val == v));
            chips.push(context! {
                name => name,
                facet => text(lang, &format!("facet_{name}")),
                label => value_label(name, v),
                href => href(&p),
            });
        }
    }
    if let Some(b) = bbox {
        let mut p = base.clone();
        p.retain(|(k, _)| k != "bbox");
        chips.push(context! {
            name => "bbox",
            facet => text(lang, "facet_bbox"),
            label => format!("{}, {} – {}, {}", b.min_lon, b.min_lat, b.max_lon, b.max_lat),
            href => href(&p),
        });
    }
    let clear: Vec<(String, String)> = base
        .iter()
        .filter(|(k, _)| k == "q" || k == "sort")
        .cloned()
        .collect();
    let pages = if size == 0 {
        1
    } else {
        (result.total as usize)
            .div_ceil(size)
            .clamp(1, (MAX_WINDOW / size).max(1))
    };
    let page_href = |n: usize| {
        let mut p = base.clone();
        if n > 1 {
            p.push(("page".to_owned(), n.to_string()));
        }
        href(&p)
    };
    let sorts: Vec<Value> = [
        (Sort::Relevance, "relevance"),
        (Sort::Modified, "modified"),
        (Sort::Title, "title"),
        (Sort::Quality, "quality"),
    ]
    .iter()
    .map(|(s, name)| {
        context! {
            value => name,
            label => text(lang, &format!("sort_{name}")),
            selected => *s == sort,
        }
    })
    .collect();
    let did_you_mean = result.did_you_mean.as_ref().map(|d| {
        let mut p: Vec<(String, String)> = base.iter().filter(|(k, _)| k != "q").cloned().collect();
        p.insert(0, ("q".to_owned(), d.clone()));
        context! { text => d, href => href(&p) }
    });
    let bbox_values = match bbox {
        Some(b) => context! {
            west => b.min_lon.to_string(), south => b.min_lat.to_string(),
            east => b.max_lon.to_string(), north => b.max_lat.to_string(),
        },
        None => context! { west => "", south => "", east => "", north => "" },
    };
    let mut response = page.render(
        StatusCode::OK,
        "search.html",
        context! {
            nav => "datasets",
            q => q,
            total => result.total,
            matched => format!("{:?}", result.matched).to_lowercase(),
            fuzzy => result.fuzzy,
            fallback => result.fallback,
            did_you_mean => did_you_mean,
            hits => Value::from_serialize(hit_views(&result, lang)),
            first_rank => (page_no - 1) * size + 1,
            facets => facets,
            chips => chips,
            clear_href => href(&clear),
            sorts => sorts,
            page => page_no,
            pages => pages,
            prev_href => (page_no > 1).then(|| page_href(page_no - 1)),
            next_href => (page_no < pages).then(|| page_href(page_no + 1)),
            keep_without_q => Value::from_serialize(fields(&base, &["q"])),
            keep_without_sort => Value::from_serialize(fields(&base, &["sort"])),
            keep_without_bbox => Value::from_serialize(fields(&base, &["bbox"])),
            // `[web] tile_url`: the area filter's map.
            map => config.web.tile_url.as_ref().map(|url| context! {
                tile_url => url,
                attribution => config.web.tile_attribution.as_deref().unwrap_or(""),
            }),
            bbox => bbox_values,
        },
    );
    // Search and rendering on the server, for the budget in BENCHMARKS.md.
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if let Ok(v) = axum::http::HeaderValue::from_str(&format!("render;dur={ms:.2}")) {
        response.headers_mut().insert("server-timing", v);
    }
    response
}

/// HTML from a source, made safe: tags and attributes outside ammonia's
/// safe list are removed, links get `rel="noopener noreferrer"`.
fn sanitize(html: &str) -> String {
    ammonia::clean(html)
}

/// A description as safe HTML: source HTML sanitized, anything else read
/// as Markdown (plain text is Markdown too) and then sanitized.
pub fn description_html(description: &str) -> String {
    static TAG: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?i)</?(p|br|ul|ol|li|a|b|i|em|strong|div|span|h[1-6]|table)\b").ok()
    });
    let looks_html = TAG.as_ref().is_some_and(|re| re.is_match(description));
    if looks_html {
        return sanitize(description);
    }
    let parser = pulldown_cmark::Parser::new(description);
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    sanitize(&html)
}

/// A contact point as the page shows it.
#[derive(Serialize, Default)]
struct Contact {
    name: Option<String>,
    email: Option<String>,
    email_href: Option<String>,
    url: Option<String>,
}

/// The dataset's contact points (`dcat:contactPoint` → vCard name, email,
/// URL).
fn contacts(dataset: &str, triples: &[oxigraph::model::Triple]) -> Vec<Contact> {
    use harvester::vocab::{dcat, vcard};
    use oxigraph::model::{NamedOrBlankNode, Term};
    let value = |t: &Term| match t {
        Term::NamedNode(n) => n.as_str().to_owned(),
        Term::Literal(l) => l.value().to_owned(),
        Term::BlankNode(b) => b.as_str().to_owned(),
    };
    let mut out = Vec::new();
    for t in triples {
        let is_dataset =
            matches!(&t.subject, NamedOrBlankNode::NamedNode(n) if n.as_str() == dataset);
        if !is_dataset || t.predicate.as_ref() != dcat::CONTACT_POINT {
            continue;
        }
        let node: NamedOrBlankNode = match &t.object {
            Term::NamedNode(n) => n.clone().into(),
            Term::BlankNode(b) => b.clone().into(),
            Term::Literal(_) => continue,
        };
        let mut c = Contact::default();
        for u in triples.iter().filter(|u| u.subject == node) {
            let p = u.predicate.as_ref();
            if p == vcard::FN || (p == vcard::ORGANIZATION_NAME && c.name.is_none()) {
                c.name = Some(value(&u.object));
            } else if p == vcard::HAS_EMAIL {
                let v = value(&u.object);
                let address = v.strip_prefix("mailto:").unwrap_or(&v).to_owned();
                c.email_href = Some(format!("mailto:{address}"));
                c.email = Some(address);
            } else if p == vcard::HAS_URL {
                let v = value(&u.object);
                if v.starts_with("http://") || v.starts_with("https://") {
                    c.url = Some(v);
                }
            }
        }
        if c.name.is_some() || c.email.is_some() || c.url.is_some() {
            out.push(c);
        }
    }
    out
}

/// The schema.org `Dataset` description of a dataset, as JSON-LD that can
/// stand in a `<script>` element.
fn schema_org(d: &crate::http::datasets::DatasetView, base_iri: &str, catalog: &str) -> String {
    let mut v = serde_json::json!({
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": d.dataset,
        "name": d.title,
        "description": d.description,
        "url": format!("{base_iri}datasets/{}", d.id),
        "identifier": d.dataset,
        "keywords": d.keywords,
        "includedInDataCatalog": {"@type": "DataCatalog", "name": catalog, "url": base_iri},
    });
    if let Some(p) = &d.publisher {
        v["publisher"] = serde_json::json!({"@type": "Organization", "name": p});
    }
    if let Some(l) = d.licenses.first() {
        v["license"] = serde_json::json!(l);
    }
    if let Some(m) = &d.modified {
        v["dateModified"] = serde_json::json!(m);
    }
    if let Some(i) = &d.issued {
        v["datePublished"] = serde_json::json!(i);
    }
    if let Some(t) = &d.temporal {
        v["temporalCoverage"] = serde_json::json!(format!(
            "{}/{}",
            t.start.as_deref().unwrap_or(".."),
            t.end.as_deref().unwrap_or("..")
        ));
    }
    if let Some(b) = &d.bbox {
        v["spatialCoverage"] = serde_json::json!({
            "@type": "Place",
            "geo": {"@type": "GeoShape", "box": format!("{} {} {} {}", b.min_lat, b.min_lon, b.max_lat, b.max_lon)},
        });
    }
    let distributions: Vec<serde_json::Value> = d
        .distributions
        .iter()
        .filter_map(|x| {
            let url = x.download_url.first().or(x.access_url.first())?;
            let mut o = serde_json::json!({"@type": "DataDownload", "contentUrl": url});
            if let Some(f) = x.format.as_ref().or(x.media_type.as_ref()) {
                o["encodingFormat"] = serde_json::json!(f);
            }
            if let Some(t) = &x.title {
                o["name"] = serde_json::json!(t);
            }
            Some(o)
        })
        .collect();
    if !distributions.is_empty() {
        v["distribution"] = serde_json::Value::Array(distributions);
    }
    // `</` would end the script element; `<\/` is the same JSON string.
    v.to_string().replace("</", "<\\/")
}

/// `/datasets/{id}` for browsers: the dataset page.
pub async fn dataset_page(
    state: Arc<AppState>,
    id: String,
    headers: HeaderMap,
    raw: String,
) -> Response {
    let page = PageContext::new(&state, &headers, &format!("/datasets/{id}"), &raw);
    let lang = page.lang;
    let st = state.clone();
    let loaded = tokio::task::spawn_blocking(move || {
        let view = crate::http::datasets::load_view(&st, &id)?;
        let validation = crate::http::validate::stored_view(&st.store, &id).ok();
        Ok::<_, crate::http::ApiError>((view, validation))
    })
    .await;
    let ((d, triples), validation) = match loaded {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => return page.error(e.status, &e.message),
        Err(e) => return page.error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    };
    let config = state.config();
    let named = |iri: &String| context! { iri => iri, label => label(iri, lang) };
    let distributions: Vec<Value> = d
        .distributions
        .iter()
        .map(|x| {
            context! {
                title => x.title,
                format => x.format,
                media_type => x.media_type,
                license => x.license.as_ref().map(named),
                download_url => x.download_url.iter().filter(|u| is_web_link(u)).collect::<Vec<_>>(),
                access_url => x.access_url.iter().filter(|u| is_web_link(u)).collect::<Vec<_>>(),
            }
        })
        .collect();
    let validation = validation.map(|v| {
        let messages: Vec<Value> = v
            .report
            .results
            .iter()
            .take(20)
            .map(|r| context! { severity => r.severity, message => r.message, path => r.path })
            .collect();
        context! {
            profile => v.report.profile,
            conforms => v.report.conforms,
            violations => v.report.violations,
            warnings => v.report.warnings,
            infos => v.report.infos,
            messages => messages,
        }
    });
    let description = description_html(&d.description);
    let quality = d.quality.as_ref().map(|q| quality_context(q, lang));
    page.render(
        StatusCode::OK,
        "dataset.html",
        context! {
            nav => "datasets",
            description_html => (!description.trim().is_empty()).then_some(description),
            contacts => Value::from_serialize(contacts(&d.dataset, &triples)),
            themes => d.themes.iter().map(named).collect::<Vec<_>>(),
            hvd_categories => d.hvd_categories.iter().map(named).collect::<Vec<_>>(),
            licenses => d.licenses.iter().map(named).collect::<Vec<_>>(),
            distributions => distributions,
            validation => validation,
            quality => quality,
            schema_org => schema_org(&d, &config.base_iri, &config.catalog.title),
            // The harvested page's URL may carry a source's credentials.
            page_url => super::sources::redact_url(&d.catalog_record.page),
            d => Value::from_serialize(&d),
        },
    )
}

/// A dataset's quality for its page: score and band, the metrics that
/// miss points with what to do, most points first (what to fix first),
/// every metric by dimension, and the links with their last check.
fn quality_context(q: &crate::http::quality::QualityView, lang: Lang) -> Value {
    let note_text = |note: Option<&str>| match note {
        Some("not checked") => Some(text(lang, "quality_not_checked")),
        Some("no distribution") => Some(text(lang, "quality_no_distribution")),
        Some(other) => Some(other.to_owned()),
        None => None,
    };
    let mut rows = Vec::new();
    let mut fixes: Vec<(u32, Value)> = Vec::new();
    for m in Metric::ALL {
        let Some(v) = q.metrics.get(m.name()) else {
            continue;
        };
        let label = text(lang, &format!("metric_{}", m.name()));
        let note = note_text(v.note);
        if v.points < v.max {
            fixes.push((
                v.max - v.points,
                context! {
                    metric => m.name(),
                    label => &label,
                    lost => v.max - v.points,
                    hint => text(lang, &format!("fix_{}", m.name())),
                    note => &note,
                },
            ));
        }
        rows.push(context! {
            metric => m.name(),
            label => label,
            dimension => text(lang, &format!("dimension_{:?}", v.dimension)),
            points => v.points,
            max => v.max,
            note => note,
        });
    }
    // Most points first; equal ones in the methodology's order.
    fixes.sort_by_key(|f| std::cmp::Reverse(f.0));
    let links: Vec<Value> = q
        .links
        .iter()
        .filter(|l| is_web_link(&l.url))
        .map(|l| {
            context! {
                url => l.url,
                property => l.property,
                status => l.status,
                ok => l.ok,
                error => l.error,
                checked => l.checked.as_ref().map(|c| c.chars().take(10).collect::<String>()),
            }
        })
        .collect();
    context! {
        score => q.score,
        max => q.max,
        band => q.band,
        band_label => band_label(&q.band, lang),
        fixes => fixes.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
        metrics => rows,
        links => links,
    }
}

/// Only http(s) links become `href`s (no `javascript:` from a source).
fn is_web_link(u: &str) -> bool {
    u.starts_with("https://") || u.starts_with("http://")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_html_is_sanitized_and_markdown_rendered() {
        let html =
            description_html("<p onclick=\"x()\">Daten <script>alert(1)</script><b>fett</b></p>");
        assert!(
            !html.contains("script") && !html.contains("onclick"),
            "{html}"
        );
        assert!(html.contains("<b>fett</b>"), "{html}");
        let md = description_html("Erste Zeile\n\n* eins\n* zwei\n\n[Link](javascript:alert(1))");
        assert!(md.contains("<li>eins</li>"), "{md}");
        assert!(!md.contains("javascript"), "{md}");
        let plain = description_html("a < b & c");
        assert!(plain.contains("a &lt; b &amp; c"), "{plain}");
    }

    #[test]
    fn coordinate_fields_become_bbox() {
        let q = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let p = api_pairs(
            &q(&[
                ("q", ""),
                ("west", "9,5"),
                ("south", "53"),
                ("east", "10"),
                ("north", "54"),
                ("sort", ""),
            ]),
            Lang::De,
        )
        .expect("four corners");
        assert_eq!(p, q(&[("bbox", "9.5,53,10,54")]));
        assert!(api_pairs(&q(&[("west", "9")]), Lang::De).is_err());
        let p = api_pairs(&q(&[("q", "wald"), ("theme", "x")]), Lang::De).expect("plain");
        assert_eq!(p, q(&[("q", "wald"), ("theme", "x")]));
    }
}
