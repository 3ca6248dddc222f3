//! `GET /quality`: the metadata quality per publisher (of one source with
//! `?source=`), for stewards and citizens: datasets, mean score, datasets
//! per band (each a link to the search filtered by publisher and band) and
//! the publisher's weakest metric.

use super::pages::band_label;
use super::{encode_query, text, PageContext, WebState};
use crate::validation::quality::{Band, Metric};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use minijinja::{context, Value};
use std::sync::Arc;

pub async fn quality_page(
    State(web): State<Arc<WebState>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let page = PageContext::new(&web.app, &headers, "/quality", &raw.unwrap_or_default());
    let lang = page.lang;
    let config = web.app.config();
    let source = page
        .query
        .iter()
        .find(|(k, _)| k == "source")
        .map(|(_, v)| v.clone())
        .filter(|v| !v.is_empty());
    if let Some(s) = &source {
        if config.source(s).is_none() {
            return page.error(
                StatusCode::NOT_FOUND,
                &format!("no source {s:?} in the configuration"),
            );
        }
    }
    let app = web.app.clone();
    let wanted = source.clone();
    let loaded = tokio::task::spawn_blocking(move || {
        crate::http::quality::publishers_summary(&app, wanted.as_deref())
    })
    .await;
    let summary = match loaded {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return page.error(e.status, &e.message),
        Err(e) => return page.error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    };
    let search_href = |publisher: &str, band: Option<&str>| {
        let mut pairs = vec![("publisher".to_owned(), publisher.to_owned())];
        if let Some(s) = &source {
            pairs.push(("source".to_owned(), s.clone()));
        }
        match band {
            Some(b) => pairs.push(("quality".to_owned(), b.to_owned())),
            None => pairs.push(("sort".to_owned(), "quality".to_owned())),
        }
        format!("/datasets?{}", encode_query(&pairs))
    };
    let bands = [Band::Excellent, Band::Good, Band::Sufficient, Band::Bad];
    let publishers: Vec<Value> = summary
        .publishers
        .iter()
        .map(|p| {
            // The metric the fewest of its datasets pass; among equal
            // rates the one worth more points.
            // Links not checked yet are nothing to fix.
            let weakest = Metric::ALL
                .iter()
                .filter(|m| summary.links_checked || !m.is_link_status())
                .filter_map(|m| {
                    let s = p.metrics.get(m.name())?;
                    Some((s.pass_rate?, s.max, *m))
                })
                .filter(|(rate, _, _)| *rate < 1.0)
                .min_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)))
                .map(|(rate, _, m)| {
                    context! {
                        label => text(lang, &format!("metric_{}", m.name())),
                        percent => format!("{:.0}", rate * 100.0),
                    }
                });
            context! {
                name => p.publisher,
                datasets => p.datasets,
                scored => p.scored,
                mean => p.mean_score.map(|m| format!("{m:.1}")),
                mean_band => p.mean_score.map(|m| band_label(Band::of(m.round() as u32).name(), lang)),
                href => search_href(&p.publisher, None),
                bands => bands
                    .iter()
                    .map(|b| context! {
                        count => p.bands.get(b.name()).copied().unwrap_or(0),
                        href => search_href(&p.publisher, Some(b.name())),
                    })
                    .collect::<Vec<_>>(),
                weakest => weakest,
            }
        })
        .collect();
    let sources: Vec<Value> = config
        .sources
        .iter()
        .map(|s| context! { id => &s.id.0, title => &s.title, selected => source.as_deref() == Some(s.id.0.as_str()) })
        .collect();
    page.render(
        StatusCode::OK,
        "quality.html",
        context! {
            nav => "quality",
            publishers => publishers,
            band_labels => bands.iter().map(|b| band_label(b.name(), lang)).collect::<Vec<_>>(),
            sources => sources,
            source => source,
            links_checked => summary.links_checked,
        },
    )
}
