//! Search quality on real Land catalogs: the Brandenburg and Rostock portal
//! dumps and a Schleswig-Holstein catalog page from the shared fixtures
//! (312 datasets) are split by the harvester, extracted and indexed in
//! process, then searched as citizens type: natural phrases with stop words
//! in both spellings, written-out umlauts, typos. The judged query set
//! (`tests/relevance/queries.tsv`) is scored with nDCG@10 and success@3
//! against the committed baseline (`tests/relevance/baseline.toml`).

use catalog_search::extract::{extract, RecordInfo};
use catalog_search::{DatasetDoc, SearchIndex, SearchRequest, WriterOptions};
use catalog_tests::fixtures;
use harvester::split::{split_page, SplitOptions};
use oxrdfio::{RdfFormat, RdfParser};
use std::path::{Path, PathBuf};

/// The real catalogs indexed: (fixture path under `dcat/`, source id).
const CATALOGS: &[(&str, &str)] = &[
    (
        "govdata-shacl-testcases/dashboard/brandenburg-catalog-original-input.rdf",
        "brandenburg",
    ),
    (
        "govdata-shacl-testcases/dashboard/rostock-catalog-original-input.rdf",
        "rostock",
    ),
    (
        "schleswig-holstein-catalog/catalog.xml",
        "schleswig-holstein",
    ),
];

struct Indexed {
    index: SearchIndex,
    dir: PathBuf,
    datasets: usize,
}

impl Drop for Indexed {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn read_catalog(path: &Path, source: &str) -> Vec<DatasetDoc> {
    let body = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let base = format!("https://fixtures.test/{source}");
    let parser = RdfParser::from_format(RdfFormat::RdfXml)
        .with_base_iri(&base)
        .unwrap_or_else(|e| panic!("{base}: {e}"));
    let triples: Vec<oxrdf::Triple> = parser
        .for_reader(body.as_slice())
        .map(|q| oxrdf::Triple::from(q.unwrap_or_else(|e| panic!("{}: {e}", path.display()))))
        .collect();
    let page = split_page(
        triples,
        &base,
        &SplitOptions {
            source_id: source.to_owned(),
            mint_base: "https://land.test/id/dataset/".to_owned(),
            max_record_triples: 1_000_000,
        },
    );
    assert!(
        page.errors.is_empty(),
        "{}: {:?}",
        path.display(),
        page.errors
    );
    page.records
        .iter()
        .enumerate()
        .map(|(i, r)| {
            extract(
                &RecordInfo {
                    rid: &format!("{source}-{i}"),
                    hash: &format!("h{i}"),
                    dataset: r.dataset.as_str(),
                    source,
                    source_title: source,
                },
                &r.triples,
            )
        })
        .collect()
}

/// The real catalogs in a fresh index, or `None` without the fixtures.
fn index_catalogs(name: &str) -> Option<Indexed> {
    let dcat = fixtures("dcat")?;
    let dir = std::env::temp_dir().join(format!("relevance-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (index, _) = SearchIndex::open(&dir, WriterOptions::default()).expect("open index");
    let mut docs = Vec::new();
    for (file, source) in CATALOGS {
        docs.extend(read_catalog(&dcat.join(file), source));
    }
    index.apply(&docs, &[]).expect("index the catalogs");
    Some(Indexed {
        index,
        dir,
        datasets: docs.len(),
    })
}

fn search(index: &SearchIndex, q: &str) -> catalog_search::SearchResult {
    index
        .search(&SearchRequest {
            q: q.to_owned(),
            size: 10,
            ..SearchRequest::default()
        })
        .unwrap_or_else(|e| panic!("{q}: {e}"))
}

fn titles(index: &SearchIndex, q: &str) -> Vec<String> {
    search(index, q).hits.into_iter().map(|h| h.title).collect()
}

/// Asserts that the dataset whose title starts with `title` is among the
/// first `n` hits of `q`.
fn assert_top(index: &SearchIndex, q: &str, title: &str, n: usize) {
    let got = titles(index, q);
    assert!(
        got.iter().take(n).any(|t| t.starts_with(title)),
        "{q:?}: {title:?} not in the first {n}: {got:?}"
    );
}

#[test]
fn stop_words_never_required_on_real_catalogs() {
    let Some(ix) = index_catalogs("stop") else {
        return;
    };
    assert_eq!(ix.datasets, 312);
    let index = &ix.index;
    // Natural phrases with stop words, in both spellings, umlauts written out.
    assert_top(
        index,
        "sachverstaendige fuer landwirtschaft",
        "Öffentlich bestellte und vereidigte Sachverständige für Landwirtschaft",
        1,
    );
    assert_top(
        index,
        "Sachverständige für Landwirtschaft",
        "Öffentlich bestellte und vereidigte Sachverständige für Landwirtschaft",
        1,
    );
    assert_top(
        index,
        "sozialaemter des landes",
        "Sozialämter in den kreisfreien",
        1,
    );
    assert_top(
        index,
        "regionaldaten fuer die gemeinde kosel",
        "Regionaldaten für die Gemeinde Kosel",
        1,
    );
    assert_top(
        index,
        "bäume der partnerstadt",
        "Bäume der Partnerstadt Versailles",
        1,
    );
    assert_top(
        index,
        "ladestationen fuer elektrofahrzeuge",
        "Ladestationen für Elektrofahrzeuge",
        1,
    );
    assert_top(index, "die schulen in potsdam", "Schulen in Potsdam", 1);
    assert_top(
        index,
        "einwohner in potsdam nach hauptaltersgruppen",
        "Einwohner in Potsdam nach Hauptaltersgruppen",
        1,
    );
    // "über" and "ueber" stop alike; English stop words do not bind German text.
    assert_eq!(
        titles(index, "ernteberichterstattung ueber obst"),
        titles(index, "Ernteberichterstattung über Obst")
    );
    assert_top(
        index,
        "tourism in the nature park barnim",
        "Adressen zum Tourismus des Naturparks Barnim",
        1,
    );
    // The same answer with and without the stop words.
    for (with, without) in [
        (
            "haushalt des landes brandenburg",
            "haushalt landes brandenburg",
        ),
        ("kunst im öffentlichen raum", "kunst öffentlichen raum"),
        (
            "mitglieder der härtefallkommission",
            "mitglieder härtefallkommission",
        ),
    ] {
        assert_eq!(titles(index, with), titles(index, without), "{with}");
    }
    // Stop words only: searched as written in the titles.
    let both = search(index, "in der");
    assert!(both.total > 0);
    for h in &both.hits {
        let words: Vec<String> = h
            .title
            .to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .map(str::to_owned)
            .collect();
        assert!(
            words.iter().any(|w| w == "in") && words.iter().any(|w| w == "der"),
            "{}",
            h.title
        );
    }
    assert!(search(index, "und").total > 0);
    assert_eq!(search(index, "zwischen wieder").total, 0);
}
