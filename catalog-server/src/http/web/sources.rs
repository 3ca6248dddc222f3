//! The sources' pages for data stewards: `/sources` (every municipality's
//! last run, counts, next run) and `/sources/{id}` (the last runs with
//! their item errors, the validation results grouped by constraint), and
//! `/sources/{id}/validation.csv` (every validation result of the source).
//!
//! These pages are public: URLs in errors are shown without credentials
//! ([`redact`]), and nothing of a preview appears here.

use super::{encode_query, text, Lang, PageContext, WebState};
use crate::http::validate::stored_view;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use minijinja::{context, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, LazyLock};

/// Runs shown on a source's page.
const RUNS_SHOWN: usize = 10;
/// Item errors shown per run.
const ERRORS_SHOWN: usize = 50;
/// Example records per validation group.
const EXAMPLES: usize = 3;

/// Query parameter names whose values are secrets.
const SECRET_PARAMS: &[&str] = &[
    "token",
    "access_token",
    "api_key",
    "apikey",
    "key",
    "password",
    "passwd",
    "secret",
    "signature",
    "sig",
    "auth",
];

static URL_IN_TEXT: LazyLock<Option<regex::Regex>> =
    LazyLock::new(|| regex::Regex::new(r#"https?://[^\s"'<>]+"#).ok());

/// A URL without credentials: user and password removed, the values of
/// secret-looking query parameters replaced by `***`.
pub fn redact_url(u: &str) -> String {
    let Ok(mut url) = url::Url::parse(u) else {
        return u.to_owned();
    };
    if !url.username().is_empty() || url.password().is_some() {
        let _ = url.set_username("");
        let _ = url.set_password(None);
    }
    if url.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let secret = SECRET_PARAMS.contains(&k.to_ascii_lowercase().as_str());
                (
                    k.into_owned(),
                    if secret {
                        "***".to_owned()
                    } else {
                        v.into_owned()
                    },
                )
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url.to_string()
}

/// A text with every URL in it redacted ([`redact_url`]).
pub fn redact(text: &str) -> String {
    match URL_IN_TEXT.as_ref() {
        Some(re) => re
            .replace_all(text, |c: &regex::Captures<'_>| redact_url(&c[0]))
            .into_owned(),
        None => text.to_owned(),
    }
}

/// A run for the pages; its errors only with `with_errors`, their URLs
/// unredacted only with `reveal` (the viewer may act for the source).
fn run_view(run: &crate::store::RunRecord, with_errors: bool, reveal: bool) -> Value {
    let shown = |t: &str| super::steward::shown(t, reveal);
    let items = |list: &[crate::store::StoredError]| -> Vec<Value> {
        if !with_errors {
            return Vec::new();
        }
        list.iter()
            .take(ERRORS_SHOWN)
            .map(|e| {
                context! {
                    url => shown(&e.url),
                    record => e.record.as_deref().map(shown),
                    reason => shown(&e.reason),
                }
            })
            .collect()
    };
    let errors = items(&run.errors);
    let warnings = items(&run.warnings);
    let count = |k: &str| run.counts.get(k).copied().unwrap_or(0);
    context! {
        id => &run.id,
        status => &run.status,
        trigger => &run.trigger,
        started => &run.started,
        ended => &run.ended,
        added => count("added"),
        updated => count("updated"),
        unchanged => count("unchanged"),
        withdrawn => count("withdrawn"),
        failed => count("failed"),
        error_count => run.errors.len(),
        errors => errors,
        more_errors => run.errors.len().saturating_sub(ERRORS_SHOWN),
        warnings => warnings,
        more_warnings => run.warnings.len().saturating_sub(ERRORS_SHOWN),
    }
}

/// `GET /sources`: every configured source with its last run and next
/// run.
pub async fn sources_page(
    State(web): State<Arc<WebState>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let page = PageContext::new(&web.app, &headers, "/sources", &raw.unwrap_or_default());
    let config = web.app.config();
    let store = web.app.store.clone();
    let ids: Vec<String> = config.sources.iter().map(|s| s.id.0.clone()).collect();
    let loaded = tokio::task::spawn_blocking(move || {
        ids.iter()
            .map(|id| Ok((store.last_run(id)?, store.published_rids(id)?.len())))
            .collect::<Result<Vec<_>, crate::store::StoreError>>()
    })
    .await;
    let rows = match loaded {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return page.error(StatusCode::SERVICE_UNAVAILABLE, &e.to_string()),
        Err(e) => return page.error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    };
    let sources: Vec<Value> = config
        .sources
        .iter()
        .zip(rows)
        .map(|(s, (last, published))| {
            context! {
                id => &s.id.0,
                title => &s.title,
                kind => s.kind.as_str(),
                enabled => s.enabled,
                published => published,
                last_run => last.as_ref().map(|r| run_view(r, false, false)),
                next_run => web.admin.as_ref().and_then(|a| a.scheduler.next_run(s)),
            }
        })
        .collect();
    page.render(
        StatusCode::OK,
        "sources.html",
        context! { nav => "sources", sources => sources },
    )
}

/// Validation results of a source grouped by what failed.
#[derive(Default)]
struct Group {
    records: BTreeSet<String>,
    examples: Vec<(String, String)>,
    results: usize,
}

/// One validation result of a record, as the CSV has it.
struct ResultRow {
    rid: String,
    dataset: String,
    profile: String,
    view: crate::validation::ResultView,
}

/// Every validation result of the source's published records.
fn source_results(
    store: &crate::store::CatalogStore,
    source: &str,
) -> Result<Vec<ResultRow>, crate::store::StoreError> {
    let mut rids: Vec<String> = store.published_rids(source)?.into_iter().collect();
    rids.sort();
    let mut rows = Vec::new();
    for rid in rids {
        // A record without a report (profile none) has no results.
        let Ok(v) = stored_view(store, &rid) else {
            continue;
        };
        for r in v.report.results {
            rows.push(ResultRow {
                rid: rid.clone(),
                dataset: v.dataset.clone(),
                profile: v.report.profile.clone(),
                view: r,
            });
        }
    }
    Ok(rows)
}

/// The local name of a SHACL term (`sh:MinCountConstraintComponent` →
/// `MinCount`).
fn short_component(iri: &str) -> String {
    let local = iri.rsplit(['#', '/']).next().unwrap_or(iri);
    local
        .strip_suffix("ConstraintComponent")
        .unwrap_or(local)
        .to_owned()
}

/// `GET /sources/{id}`: the source's last runs with their item errors and
/// its validation results grouped by constraint.
pub async fn source_page(
    State(web): State<Arc<WebState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let mut page = PageContext::new(
        &web.app,
        &headers,
        &format!("/sources/{id}"),
        &raw.unwrap_or_default(),
    );
    let queued = page
        .query
        .iter()
        .find(|(k, _)| k == "queued")
        .map(|(_, v)| v.clone());
    let role = super::steward::role(&web, &headers);
    let may_act = role.as_ref().is_some_and(|r| r.may_act_for(&id));
    let csrf = if may_act {
        Some(super::steward::form_token(&mut page, &web, &headers))
    } else {
        None
    };
    let config = web.app.config();
    let Some(source) = config.source(&id) else {
        return page.error(
            StatusCode::NOT_FOUND,
            &format!("no source {id:?} in the configuration"),
        );
    };
    let store = web.app.store.clone();
    let sid = id.clone();
    let loaded = tokio::task::spawn_blocking(move || {
        let runs = store.runs(&sid, RUNS_SHOWN)?;
        let published = store.published_rids(&sid)?.len();
        let results = source_results(&store, &sid)?;
        // The quality summary is shown when it can be read; the page does
        // not fail without it.
        let quality = match crate::http::quality::source_summary(&store, &sid) {
            Ok(q) => Some(q),
            Err(e) => {
                tracing::warn!(source = %sid, "quality summary: {}", e.message);
                None
            }
        };
        Ok::<_, crate::store::StoreError>((runs, published, results, quality))
    })
    .await;
    let (runs, published, results, quality) = match loaded {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return page.error(StatusCode::SERVICE_UNAVAILABLE, &e.to_string()),
        Err(e) => return page.error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    };
    let quality = quality.map(|q| source_quality_context(&q, page.lang));
    let mut groups: BTreeMap<(String, String, String, String), Group> = BTreeMap::new();
    for row in &results {
        let r = &row.view;
        let key = (
            r.severity.clone(),
            r.constraint_component.clone(),
            r.path.clone().unwrap_or_default(),
            r.message.clone(),
        );
        let g = groups.entry(key).or_default();
        g.results += 1;
        if g.records.insert(row.rid.clone()) && g.examples.len() < EXAMPLES {
            g.examples.push((row.rid.clone(), row.dataset.clone()));
        }
    }
    let severity_rank = |s: &str| match s {
        "Violation" => 0,
        "Warning" => 1,
        _ => 2,
    };
    let mut groups: Vec<_> = groups.into_iter().collect();
    groups.sort_by(|a, b| {
        severity_rank(&a.0 .0)
            .cmp(&severity_rank(&b.0 .0))
            .then(b.1.records.len().cmp(&a.1.records.len()))
    });
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|((severity, component, path, message), g)| {
            context! {
                severity => severity,
                component => short_component(&component),
                component_iri => component,
                path => path,
                message => message,
                records => g.records.len(),
                results => g.results,
                examples => g.examples.iter().map(|(rid, dataset)| context! { id => rid, dataset => dataset }).collect::<Vec<_>>(),
            }
        })
        .collect();
    let runs: Vec<Value> = runs.iter().map(|r| run_view(r, true, may_act)).collect();
    page.render(
        StatusCode::OK,
        "source.html",
        context! {
            nav => "sources",
            source => context! {
                id => &source.id.0,
                title => &source.title,
                kind => source.kind.as_str(),
                url => super::steward::shown(&source.url, may_act),
                profile => &source.profile.0,
                schedule => source.schedule.as_ref().map(|c| c.expression.clone()),
                enabled => source.enabled,
            },
            next_run => web.admin.as_ref().and_then(|a| a.scheduler.next_run(source)),
            published => published,
            runs => runs,
            groups => groups,
            quality => quality,
            result_count => results.len(),
            may_act => may_act,
            csrf => csrf,
            queued => queued,
        },
    )
}

/// Links listed per source page; the API lists every one.
const BROKEN_LINKS_SHOWN: usize = 50;
/// Runs in the page's quality trend; the API lists every kept run.
const TREND_SHOWN: usize = 10;

/// A source's quality for its page: mean score, datasets per band, each
/// metric's pass rate (the weakest first, as what to work on), and the
/// broken links with the datasets that name them.
fn source_quality_context(q: &crate::http::quality::SourceQualityView, lang: Lang) -> Value {
    use crate::validation::quality::{Band, Metric};
    let bands: Vec<Value> = [Band::Excellent, Band::Good, Band::Sufficient, Band::Bad]
        .into_iter()
        .map(|b| {
            context! {
                band => b.name(),
                label => super::pages::band_label(b.name(), lang),
                count => q.bands.get(b.name()).copied().unwrap_or(0),
                href => format!(
                    "/datasets?{}",
                    encode_query(&[
                        ("source".to_owned(), q.source.clone()),
                        ("quality".to_owned(), b.name().to_owned()),
                    ])
                ),
            }
        })
        .collect();
    // Until a link of the source is checked, the status metrics are not
    // measured: listed last, with that note instead of a task.
    let unchecked = q.links.ok + q.links.broken == 0;
    let mut metrics: Vec<(bool, f64, u32, Value)> = Metric::ALL
        .iter()
        .filter_map(|m| {
            let s = q.metrics.get(m.name())?;
            let rate = s.pass_rate?;
            let not_checked = unchecked && m.is_link_status();
            Some((
                not_checked,
                rate,
                s.max,
                context! {
                    metric => m.name(),
                    label => text(lang, &format!("metric_{}", m.name())),
                    hint => if not_checked {
                        text(lang, "quality_not_checked")
                    } else {
                        text(lang, &format!("fix_{}", m.name()))
                    },
                    max => s.max,
                    passed => s.passed,
                    percent => format!("{:.0}", rate * 100.0),
                },
            ))
        })
        .collect();
    // Weakest first; among equal rates the metric worth more points.
    metrics.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(b.2.cmp(&a.2)));
    let broken: Vec<Value> = q
        .broken_links
        .iter()
        .take(BROKEN_LINKS_SHOWN)
        .map(|l| {
            context! {
                url => l.url,
                web => l.url.starts_with("https://") || l.url.starts_with("http://"),
                status => l.status,
                error => l.error,
                checked => l.checked.chars().take(10).collect::<String>(),
                datasets => l.datasets.len(),
            }
        })
        .collect();
    // The last runs' quality, newest first.
    let trend: Vec<Value> = q
        .trend
        .iter()
        .rev()
        .take(TREND_SHOWN)
        .map(|p| {
            context! {
                run => p.run,
                ended => p.ended.as_ref().map(|e| e.chars().take(16).collect::<String>().replace('T', " ")),
                mean => p.mean_score.map(|m| format!("{m:.1}")),
                scored => p.scored,
                bands => [Band::Excellent, Band::Good, Band::Sufficient, Band::Bad]
                    .iter()
                    .map(|b| p.bands.get(b.name()).copied().unwrap_or(0))
                    .collect::<Vec<_>>(),
            }
        })
        .collect();
    context! {
        scored => q.scored,
        records => q.records,
        mean => q.mean_score.map(|m| format!("{m:.1}")),
        mean_band => q.mean_score.map(|m| super::pages::band_label(Band::of(m.round() as u32).name(), lang)),
        max => q.max,
        bands => bands,
        metrics => metrics.into_iter().map(|(_, _, _, v)| v).collect::<Vec<_>>(),
        links => context! { urls => q.links.urls, ok => q.links.ok, broken => q.links.broken, not_checked => q.links.not_checked },
        broken => broken,
        broken_more => q.broken_links.len().saturating_sub(BROKEN_LINKS_SHOWN),
        trend => trend,
    }
}

/// `GET /sources/{id}/validation.csv`: every validation result of the
/// source's published records, one line each.
pub async fn source_csv(State(web): State<Arc<WebState>>, Path(id): Path<String>) -> Response {
    if web.app.config().source(&id).is_none() {
        return (
            StatusCode::NOT_FOUND,
            format!("no source {id:?} in the configuration"),
        )
            .into_response();
    }
    let store = web.app.store.clone();
    let sid = id.clone();
    let built = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, String> {
        let rows = source_results(&store, &sid).map_err(|e| e.to_string())?;
        let mut w = csv::Writer::from_writer(Vec::new());
        let header = [
            "record",
            "dataset",
            "profile",
            "severity",
            "constraint",
            "path",
            "focus_node",
            "value",
            "message",
            "source_shape",
        ];
        w.write_record(header).map_err(|e| e.to_string())?;
        for r in rows {
            let v = &r.view;
            w.write_record([
                r.rid.as_str(),
                r.dataset.as_str(),
                r.profile.as_str(),
                v.severity.as_str(),
                v.constraint_component.as_str(),
                v.path.as_deref().unwrap_or(""),
                v.focus_node.as_str(),
                v.value.as_deref().unwrap_or(""),
                v.message.as_str(),
                v.source_shape.as_str(),
            ])
            .map_err(|e| e.to_string())?;
        }
        w.into_inner().map_err(|e| e.to_string())
    })
    .await;
    match built {
        Ok(Ok(body)) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"validation-{id}.csv\""),
                ),
            ],
            body,
        )
            .into_response(),
        Ok(Err(e)) => (StatusCode::SERVICE_UNAVAILABLE, e).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_reach_the_pages() {
        assert_eq!(
            redact_url("https://user:geheim@portal.example/api?rows=5&apikey=abc"),
            "https://portal.example/api?rows=5&apikey=***"
        );
        assert_eq!(
            redact("fetching https://a:b@x.example/c?token=t failed: 401"),
            "fetching https://x.example/c?token=*** failed: 401"
        );
        assert_eq!(redact_url("not a url"), "not a url");
        assert_eq!(
            short_component("http://www.w3.org/ns/shacl#MinCountConstraintComponent"),
            "MinCount"
        );
    }
}
