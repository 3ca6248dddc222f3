//! What the metadata quality score costs next to validation: the synthetic
//! DCAT-AP.de records of the harvest benchmark (default 20,000), each
//! canonicalized (`store::prepare`), validated against `dcat-ap-de-3` and
//! scored (`validation::quality::score` and its DQV triples), one thread;
//! prints the time per record of each step and the score's share.
//!
//! `cargo bench -p catalog-server --bench quality -- [RECORDS]`

#[path = "common/dcat.rs"]
mod dcat;

use catalog_server::config::ValidationConfig;
use catalog_server::store::prepare;
use catalog_server::validation::quality::{self, QualityVocabularies};
use catalog_server::validation::Profiles;
use harvester::split::split_page;
use harvester::SplitOptions;
use oxrdfio::{RdfFormat, RdfParser};
use std::time::{Duration, Instant};

fn main() -> anyhow::Result<()> {
    let records: usize = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    let profile = Profiles::new(&ValidationConfig::default())
        .get("dcat-ap-de-3")?
        .ok_or_else(|| anyhow::anyhow!("profile dcat-ap-de-3 is not shipped"))?;
    let vocab = QualityVocabularies::shipped();
    let options = SplitOptions {
        source_id: "bench".into(),
        mint_base: "http://bench.example/id/".into(),
        max_record_triples: 10_000,
    };
    let per_page = 1000;
    let (mut t_prepare, mut t_validate, mut t_score, mut t_compute) = (
        Duration::ZERO,
        Duration::ZERO,
        Duration::ZERO,
        Duration::ZERO,
    );
    let (mut done, mut total_score, mut measurements, mut record_triples) =
        (0usize, 0u64, 0usize, 0usize);
    for number in 1..=records.div_ceil(per_page) {
        let text = dcat::page(number, per_page, records, "http://bench.example");
        let triples = RdfParser::from_format(RdfFormat::Turtle)
            .for_slice(text.as_bytes())
            .map(|q| q.map(oxrdf::Triple::from))
            .collect::<Result<Vec<_>, _>>()?;
        for r in split_page(triples, "http://bench.example/page", &options).records {
            let started = Instant::now();
            let p = prepare("bench", &r)?;
            let prepared = Instant::now();
            let checked = profile.check(&p.triples).map_err(anyhow::Error::msg)?;
            let report = checked.report_triples(&p.rid, &p.triples);
            let validated = Instant::now();
            let q = quality::score(
                &p.triples,
                p.dataset.as_ref(),
                Some(checked.violations),
                None,
                vocab,
            );
            let computed = Instant::now();
            let dqv = q.dqv_triples(&p.rid, p.dataset.as_ref(), "2026-12-05T00:00:00Z");
            let scored = Instant::now();
            t_prepare += prepared - started;
            t_validate += validated - prepared;
            t_score += scored - validated;
            t_compute += computed - validated;
            total_score += u64::from(q.score);
            measurements += dqv.len();
            record_triples += p.triples.len();
            std::hint::black_box(report);
            done += 1;
        }
    }
    let us = |d: Duration| d.as_secs_f64() * 1e6 / done.max(1) as f64;
    println!("records                     {done}");
    println!(
        "prepare (canonical form)    {:8.1} µs/record",
        us(t_prepare)
    );
    println!(
        "validate (dcat-ap-de-3)     {:8.1} µs/record",
        us(t_validate)
    );
    println!("score + DQV triples         {:8.1} µs/record", us(t_score));
    println!(
        "  of which the score alone  {:8.1} µs/record",
        us(t_compute)
    );
    println!(
        "score / (prepare+validate)  {:8.1} %",
        100.0 * t_score.as_secs_f64() / (t_prepare + t_validate).as_secs_f64().max(1e-9)
    );
    println!(
        "mean score {:.1}, {:.1} DQV triples/record, {:.1} record triples/record",
        total_score as f64 / done.max(1) as f64,
        measurements as f64 / done.max(1) as f64,
        record_triples as f64 / done.max(1) as f64
    );
    Ok(())
}
