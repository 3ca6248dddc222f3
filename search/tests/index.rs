//! The index on small hand-made records: queries, facets (disjunctive
//! counts), filters, sorting, replacement and removal, damage detection.

use catalog_search::extract::{extract, RecordInfo};
use catalog_search::{DatasetDoc, Match, SearchIndex, SearchRequest, Sort, WriterOptions};
use oxrdf::{BlankNode, Literal, NamedNode, Triple};

fn n(s: &str) -> NamedNode {
    NamedNode::new_unchecked(s)
}

struct Rec {
    id: &'static str,
    title: &'static str,
    lang: &'static str,
    keywords: &'static [&'static str],
    theme: &'static str,
    format: &'static str,
    modified: &'static str,
    wkt: Option<&'static str>,
}

fn doc(r: &Rec, source: &str) -> DatasetDoc {
    let d = n(&format!("http://portal.test/{}", r.id));
    let dct = |l: &str| n(&format!("http://purl.org/dc/terms/{l}"));
    let dcat = |l: &str| n(&format!("http://www.w3.org/ns/dcat#{l}"));
    let mut t = vec![
        Triple::new(
            d.clone(),
            dct("title"),
            if r.lang.is_empty() {
                Literal::new_simple_literal(r.title)
            } else {
                Literal::new_language_tagged_literal_unchecked(r.title, r.lang)
            },
        ),
        Triple::new(
            d.clone(),
            dct("description"),
            Literal::new_simple_literal(format!("<p>Beschreibung: <i>{}</i></p>", r.title)),
        ),
        Triple::new(
            d.clone(),
            dcat("theme"),
            n(&format!(
                "http://publications.europa.eu/resource/authority/data-theme/{}",
                r.theme
            )),
        ),
        Triple::new(
            d.clone(),
            dct("modified"),
            Literal::new_typed_literal(r.modified, n("http://www.w3.org/2001/XMLSchema#date")),
        ),
    ];
    for k in r.keywords {
        t.push(Triple::new(
            d.clone(),
            dcat("keyword"),
            Literal::new_simple_literal(*k),
        ));
    }
    let dist = BlankNode::new_unchecked(format!("d{}", r.id));
    t.push(Triple::new(d.clone(), dcat("distribution"), dist.clone()));
    t.push(Triple::new(
        dist,
        dct("format"),
        Literal::new_simple_literal(r.format),
    ));
    if let Some(w) = r.wkt {
        let s = BlankNode::new_unchecked(format!("s{}", r.id));
        t.push(Triple::new(d.clone(), dct("spatial"), s.clone()));
        t.push(Triple::new(s, dcat("bbox"), Literal::new_simple_literal(w)));
    }
    extract(
        &RecordInfo {
            rid: r.id,
            hash: &format!("h-{}", r.title),
            dataset: d.as_str(),
            source,
            source_title: "Stadt",
        },
        &t,
    )
}

const RECS: &[Rec] = &[
    Rec {
        id: "a",
        title: "Straßenbäume Kiel",
        lang: "de",
        keywords: &["Baum", "Umwelt"],
        theme: "ENVI",
        format: "csv",
        modified: "2024-01-10",
        wkt: Some("POLYGON((10.0 54.2, 10.3 54.2, 10.3 54.4, 10.0 54.4, 10.0 54.2))"),
    },
    Rec {
        id: "b",
        title: "Haltestellen des Nahverkehrs",
        lang: "",
        keywords: &["Bus", "Verkehr"],
        theme: "TRAN",
        format: "CSV",
        modified: "2023-05-01",
        wkt: Some("POLYGON((9.0 53.5, 9.5 53.5, 9.5 53.8, 9.0 53.8, 9.0 53.5))"),
    },
    Rec {
        id: "c",
        title: "Tree register",
        lang: "en",
        keywords: &["trees"],
        theme: "ENVI",
        format: "JSON",
        modified: "2022-02-02",
        wkt: None,
    },
    Rec {
        id: "d",
        title: "Parkplätze Innenstadt",
        lang: "de",
        keywords: &["Verkehr", "Parken"],
        theme: "TRAN",
        format: "json",
        modified: "2021-12-24",
        wkt: None,
    },
];

fn open(name: &str) -> (SearchIndex, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("search-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (index, why) = SearchIndex::open(&dir, WriterOptions::default()).expect("open");
    assert!(why.is_some(), "a new index says why it must be filled");
    let docs: Vec<DatasetDoc> = RECS.iter().map(|r| doc(r, "kiel")).collect();
    index.apply(&docs, &[]).expect("apply");
    (index, dir)
}

fn ids(index: &SearchIndex, req: &SearchRequest) -> Vec<String> {
    index
        .search(req)
        .expect("search")
        .hits
        .into_iter()
        .map(|h| h.id)
        .collect()
}

fn q(text: &str) -> SearchRequest {
    SearchRequest {
        q: text.to_owned(),
        ..SearchRequest::default()
    }
}

#[test]
fn queries_facets_filters_updates() {
    let (index, dir) = open("main");
    assert_eq!(ids(&index, &q("strassenbaeume")), vec!["a"]);
    assert_eq!(ids(&index, &q("Straßenbaum")), vec!["a"]);
    assert_eq!(ids(&index, &q("trees")), vec!["c"]);
    assert_eq!(ids(&index, &q("Verkehr -Bus")), vec!["d"]);
    assert_eq!(ids(&index, &q("Bus OR Parken")).len(), 2);
    assert_eq!(ids(&index, &q("\"Straßenbäume Kiel\"")), vec!["a"]);
    assert!(ids(&index, &q("\"Kiel Straßenbäume\"")).is_empty());
    assert_eq!(ids(&index, &q("format:csv")).len(), 2);
    assert_eq!(
        ids(&index, &q("Verkehr")).len(),
        2,
        "keyword and theme label"
    );
    // Typos: fuzzy only when exact finds too little.
    let r = index.search(&q("Haltestelen")).expect("search");
    assert!(r.fuzzy);
    assert_eq!(r.hits[0].id, "b");
    // Snippets highlight the match.
    let r = index.search(&q("Straßenbaum Kiel")).expect("search");
    assert!(
        r.hits[0].snippet.contains("<mark>"),
        "{}",
        r.hits[0].snippet
    );
    // Facets: disjunctive counts.
    let mut req = q("");
    req.filters[0] =
        vec!["http://publications.europa.eu/resource/authority/data-theme/ENVI".into()];
    let r = index.search(&req).expect("search");
    assert_eq!(r.total, 2);
    let theme = &r.facets[0].1;
    assert_eq!(
        theme.len(),
        2,
        "the theme facet still shows TRAN: {theme:?}"
    );
    let format = &r.facets[3].1;
    assert_eq!(
        format
            .iter()
            .map(|f| (f.value.as_str(), f.count))
            .collect::<Vec<_>>(),
        vec![("CSV", 1), ("JSON", 1)]
    );
    req.filters[3] = vec!["JSON".into()];
    let r = index.search(&req).expect("search");
    assert_eq!(
        r.hits.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(),
        vec!["c"]
    );
    // Bbox and dates.
    let mut req = q("");
    req.bbox = Some(catalog_search::BBox {
        min_lon: 10.2,
        min_lat: 54.3,
        max_lon: 11.0,
        max_lat: 55.0,
    });
    assert_eq!(ids(&index, &req), vec!["a"]);
    let mut req = q("");
    req.modified_since = catalog_search::extract::parse_date("2023-01-01");
    req.sort = Sort::Modified;
    assert_eq!(ids(&index, &req), vec!["a", "b"]);
    let mut req = q("");
    req.sort = Sort::Title;
    assert_eq!(ids(&index, &req), vec!["b", "d", "a", "c"]);
    // Paging.
    req.offset = 1;
    req.size = 2;
    assert_eq!(ids(&index, &req), vec!["d", "a"]);
    // Replace and remove.
    let mut changed = doc(&RECS[0], "kiel");
    changed.titles[0].value = "Stadtbäume Kiel".into();
    changed.hash = "h2".into();
    changed.descriptions.clear();
    index.apply(&[changed], &["b".to_owned()]).expect("apply");
    // The old title is gone (unprefixed, "Straßenbäume" would still find
    // the tree dataset by its keyword "Baum", the compound's last part).
    assert!(ids(&index, &q("title:Straßenbäume")).is_empty());
    assert_eq!(ids(&index, &q("Stadtbäume")), vec!["a"]);
    assert!(ids(&index, &q("Haltestellen")).is_empty());
    let held = index.indexed().expect("indexed");
    assert_eq!(held.len(), 3);
    assert_eq!(held.get("a").map(String::as_str), Some("h2"));
    drop(index);
    // Reopened: kept.
    let (index, why) = SearchIndex::open(&dir, WriterOptions::default()).expect("reopen");
    assert_eq!(why, None);
    assert_eq!(index.num_docs(), 3);
    drop(index);
    // An old schema version is rebuilt (empty: the caller refills it).
    std::fs::write(dir.join("schema-version"), "0").expect("write");
    let (index, why) = SearchIndex::open(&dir, WriterOptions::default()).expect("reopen");
    assert!(why.is_some_and(|w| w.contains("version 0")));
    assert_eq!(index.num_docs(), 0);
    drop(index);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn browse_cache_is_exact_and_follows_commits() {
    let (index, dir) = open("browse-cache");
    let mut req = q("");
    req.filters[3] = vec!["JSON".into(), "CSV".into()];
    let summary = |r: &catalog_search::SearchResult| {
        (
            r.total,
            r.hits.iter().map(|h| h.id.clone()).collect::<Vec<_>>(),
            r.facets.clone(),
        )
    };
    index.set_browse_cache(0);
    let uncached = summary(&index.search(&req).expect("search"));
    assert_eq!(uncached.0, 4);
    index.set_browse_cache(8);
    let first = summary(&index.search(&req).expect("search"));
    assert_eq!(first, uncached);
    // The same request with the values in another order: the cached answer.
    req.filters[3] = vec!["CSV".into(), "JSON".into(), "CSV".into()];
    assert_eq!(summary(&index.search(&req).expect("search")), uncached);
    // A commit (new searcher generation) invalidates it.
    index.apply(&[], &["b".to_owned()]).expect("apply");
    let after = summary(&index.search(&req).expect("search"));
    assert_eq!(after.0, 3, "{after:?}");
    assert!(!after.1.contains(&"b".to_owned()));
    index.set_browse_cache(0);
    assert_eq!(summary(&index.search(&req).expect("search")), after);
    drop(index);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn damaged_segments_are_detected() {
    let (index, dir) = open("damage");
    drop(index);
    let mut files: Vec<(u64, std::path::PathBuf)> = std::fs::read_dir(&dir)
        .expect("dir")
        .flatten()
        .filter(|e| {
            e.path()
                .extension()
                .is_some_and(|x| x != "json" && x != "lock")
        })
        .map(|e| (e.metadata().map(|m| m.len()).unwrap_or(0), e.path()))
        .collect();
    files.sort();
    let (len, victim) = files.pop().expect("segment file");
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&victim)
        .expect("open");
    f.set_len(len / 2).expect("truncate");
    drop(f);
    let (index, why) = SearchIndex::open(&dir, WriterOptions::default()).expect("reopen");
    assert!(why.is_some_and(|w| w.contains("damaged")), "{victim:?}");
    assert_eq!(index.num_docs(), 0);
    drop(index);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A generated record for the facet-count cross-check.
struct Gen {
    id: String,
    alpha: bool,
    theme: String,
    format: &'static str,
    keywords: Vec<String>,
    source: &'static str,
}

fn gen(i: usize) -> Gen {
    Gen {
        id: format!("g{i}"),
        alpha: i.is_multiple_of(3),
        theme: format!(
            "http://publications.europa.eu/resource/authority/data-theme/{}",
            ["ENVI", "TRAN", "ECON", "HEAL"][i % 4]
        ),
        format: ["CSV", "JSON", "XML"][(i * 7) % 3],
        // Every 13th has many keywords (more than fit in a facet slot).
        keywords: if i.is_multiple_of(13) {
            (0..20)
                .map(|j| format!("x{j}"))
                .chain(["alle".to_owned()])
                .collect()
        } else {
            vec!["alle".to_owned(), format!("k{}", i % 5)]
        },
        source: if i.is_multiple_of(7) {
            "kreis"
        } else {
            "stadt"
        },
    }
}

fn gen_doc(g: &Gen) -> DatasetDoc {
    let d = n(&format!("http://portal.test/{}", g.id));
    let dct = |l: &str| n(&format!("http://purl.org/dc/terms/{l}"));
    let dcat = |l: &str| n(&format!("http://www.w3.org/ns/dcat#{l}"));
    let title = format!("Datensatz {}{}", g.id, if g.alpha { " Alpha" } else { "" });
    let mut t = vec![
        Triple::new(
            d.clone(),
            dct("title"),
            Literal::new_language_tagged_literal_unchecked(title, "de"),
        ),
        Triple::new(d.clone(), dcat("theme"), n(&g.theme)),
    ];
    for k in &g.keywords {
        t.push(Triple::new(
            d.clone(),
            dcat("keyword"),
            Literal::new_simple_literal(k),
        ));
    }
    let dist = BlankNode::new_unchecked(format!("d{}", g.id));
    t.push(Triple::new(d.clone(), dcat("distribution"), dist.clone()));
    t.push(Triple::new(
        dist,
        dct("format"),
        Literal::new_simple_literal(g.format),
    ));
    for c in gen_hvd(g) {
        t.push(Triple::new(
            d.clone(),
            n("http://data.europa.eu/r5r/hvdCategory"),
            n(&c),
        ));
    }
    let mut doc = extract(
        &RecordInfo {
            rid: &g.id,
            hash: &g.id,
            dataset: d.as_str(),
            source: g.source,
            source_title: g.source,
        },
        &t,
    );
    doc.quality = gen_quality(g);
    doc
}

/// The HVD categories of a generated record: every third has one, every
/// sixth two.
fn gen_hvd(g: &Gen) -> Vec<String> {
    let i: u32 = g.id.trim_start_matches('g').parse().unwrap_or(0);
    let c = |code: &str| format!("http://data.europa.eu/bna/{code}");
    match (i % 3, i % 6) {
        (0, 0) => vec![c("c_ac64a52d"), c("c_e1da4e07")],
        (0, _) => vec![c("c_ac64a52d")],
        _ => Vec::new(),
    }
}

/// The quality of a generated record: every fifth is not scored.
fn gen_quality(g: &Gen) -> Option<(u32, String)> {
    let i: u32 = g.id.trim_start_matches('g').parse().unwrap_or(0);
    (!i.is_multiple_of(5)).then(|| {
        let score = (i * 37) % 406;
        let band = match score {
            351.. => "Excellent",
            221..=350 => "Good",
            121..=220 => "Sufficient",
            _ => "Bad",
        };
        (score, band.to_owned())
    })
}

/// The facet values of a generated record, by facet index.
fn gen_values(g: &Gen, facet: usize) -> Vec<String> {
    match facet {
        0 => vec![g.theme.clone()],
        2 => vec![g.source.to_owned()],
        3 => vec![g.format.to_owned()],
        5 => g.keywords.clone(),
        7 => {
            let mut v = gen_hvd(g);
            v.sort();
            v
        }
        8 => gen_quality(g).map(|(_, b)| b).into_iter().collect(),
        _ => Vec::new(),
    }
}

/// Every way of answering a request (a full visit, the per-segment totals
/// for browsing, narrowing to documents failing at most one filter, filters
/// that every document passes) gives the counts a brute-force evaluation
/// gives, over several segments with deleted documents.
#[test]
fn facet_counts_match_brute_force() {
    let dir = std::env::temp_dir().join(format!("search-test-brute-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (index, _) = SearchIndex::open(&dir, WriterOptions::default()).expect("open");
    let all: Vec<Gen> = (0..240).map(gen).collect();
    // Three commits: three segments.
    for chunk in all.chunks(80) {
        let docs: Vec<DatasetDoc> = chunk.iter().map(gen_doc).collect();
        index.apply(&docs, &[]).expect("apply");
    }
    // Deletions in two segments.
    let removed: Vec<String> = (0..240)
        .filter(|i: &usize| i.is_multiple_of(11))
        .map(|i| format!("g{i}"))
        .collect();
    index.apply(&[], &removed).expect("remove");
    let live: Vec<&Gen> = all.iter().filter(|g| !removed.contains(&g.id)).collect();
    let theme =
        |t: &str| format!("http://publications.europa.eu/resource/authority/data-theme/{t}");
    let filter_sets: Vec<Vec<(usize, Vec<String>)>> = vec![
        vec![],
        vec![(0, vec![theme("ENVI")])],
        vec![(0, vec![theme("ENVI"), theme("HEAL")])],
        vec![(2, vec!["kreis".into()])],
        vec![(5, vec!["alle".into()])],
        vec![(5, vec!["alle".into()]), (3, vec!["CSV".into()])],
        vec![(0, vec![theme("TRAN")]), (3, vec!["JSON".into()])],
        vec![
            (0, vec![theme("TRAN"), theme("ECON")]),
            (3, vec!["JSON".into(), "XML".into()]),
            (5, vec!["k1".into(), "k2".into()]),
        ],
        vec![
            (2, vec!["stadt".into()]),
            (5, vec!["k3".into()]),
            (5, vec![]),
        ],
        vec![(3, vec!["PDF".into()])],
        vec![(8, vec!["Good".into()])],
        vec![
            (7, vec!["http://data.europa.eu/bna/c_e1da4e07".into()]),
            (8, vec!["Good".into()]),
        ],
        vec![
            (8, vec!["Excellent".into(), "Bad".into()]),
            (3, vec!["CSV".into()]),
        ],
    ];
    for words in ["", "Alpha"] {
        for set in &filter_sets {
            let mut req = q(words);
            req.size = 5;
            req.facet_size = 100;
            for (i, v) in set {
                req.filters[*i] = v.clone();
            }
            let passes = |g: &Gen, except: Option<usize>| {
                (words.is_empty() || g.alpha)
                    && (0..catalog_search::FACET_COUNT).all(|i| {
                        Some(i) == except
                            || req.filters[i].is_empty()
                            || gen_values(g, i).iter().any(|v| req.filters[i].contains(v))
                    })
            };
            let r = index.search(&req).expect("search");
            let hits: Vec<&&Gen> = live.iter().filter(|g| passes(g, None)).collect();
            let what = format!("q={words:?} filters={set:?}");
            assert_eq!(r.total, hits.len() as u64, "{what}");
            assert_eq!(r.hits.len(), hits.len().min(5), "{what}");
            for h in &r.hits {
                assert!(
                    hits.iter().any(|g| g.id == h.id),
                    "{what}: {} is no hit",
                    h.id
                );
            }
            for facet in [0, 2, 3, 5, 7, 8] {
                let mut expected: std::collections::BTreeMap<String, u64> = Default::default();
                for g in live.iter().filter(|g| passes(g, Some(facet))) {
                    for v in gen_values(g, facet) {
                        *expected.entry(v).or_default() += 1;
                    }
                }
                let got: std::collections::BTreeMap<String, u64> = r.facets[facet]
                    .1
                    .iter()
                    .map(|f| (f.value.clone(), f.count))
                    .collect();
                assert_eq!(got, expected, "{what}: facet {facet}");
            }
        }
    }
    // Best quality first, unscored last; equal scores by relevance (all
    // equal here), then by address.
    for words in ["", "Alpha"] {
        let mut req = q(words);
        req.sort = Sort::Quality;
        req.size = 1000;
        let r = index.search(&req).expect("search");
        let got: Vec<Option<u32>> = r.hits.iter().map(|h| h.quality).collect();
        let mut expected: Vec<Option<u32>> = live
            .iter()
            .filter(|g| words.is_empty() || g.alpha)
            .map(|g| gen_quality(g).map(|(s, _)| s))
            .collect();
        expected.sort_by(|a, b| b.cmp(a));
        assert_eq!(got, expected, "q={words:?}");
        for h in &r.hits {
            let g = live.iter().find(|g| g.id == h.id).expect("live");
            assert_eq!(h.quality, gen_quality(g).map(|(s, _)| s), "{}", h.id);
        }
    }
    drop(index);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Relevance-sorted word searches run in two passes (matches and facets
/// without scores, then the best hits by block-max WAND). Over several
/// segments with deleted documents and documents of very different scores
/// (word counts, title or text, German or English), they give exactly the
/// answer of the single pass that scores every match: same total, same
/// facet counts, hits with the same scores rank by rank (up to float
/// rounding, which may reorder documents tied inside a page), and every
/// page holds the same documents (ties at a page's edges are ranked
/// exactly, so paging never shows a document twice or skips one).
#[test]
fn two_pass_searches_equal_the_single_pass() {
    let dir = std::env::temp_dir().join(format!("search-test-two-pass-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (index, _) = SearchIndex::open(&dir, WriterOptions::default()).expect("open");
    let words = ["Bäume", "Radwege", "Parkplatz", "Schulen", "Haltestellen"];
    let make = |i: usize| -> DatasetDoc {
        let d = n(&format!("http://portal.test/w{i}"));
        let dct = |l: &str| n(&format!("http://purl.org/dc/terms/{l}"));
        let dcat = |l: &str| n(&format!("http://www.w3.org/ns/dcat#{l}"));
        let w = words[i % words.len()];
        let other = words[(i / 5) % words.len()];
        // Title: the word once or not at all; description: the other word
        // repeated 0-3 times among filler of varying length.
        let title = if i.is_multiple_of(4) {
            format!("Übersicht {i}")
        } else {
            format!("{w} der Gemeinde {}", i % 17)
        };
        let filler = "Daten der Verwaltung ".repeat(1 + i % 9);
        let desc = format!("{filler}{}", format!("{other} ").repeat(i % 4));
        let mut t = vec![
            Triple::new(
                d.clone(),
                dct("title"),
                Literal::new_language_tagged_literal_unchecked(title, "de"),
            ),
            Triple::new(
                d.clone(),
                dct("description"),
                Literal::new_simple_literal(desc),
            ),
            Triple::new(
                d.clone(),
                dcat("theme"),
                n(&format!(
                    "http://publications.europa.eu/resource/authority/data-theme/{}",
                    ["ENVI", "TRAN", "ECON"][i % 3]
                )),
            ),
        ];
        if i % 6 == 1 {
            t.push(Triple::new(
                d.clone(),
                dct("title"),
                Literal::new_language_tagged_literal_unchecked(format!("Trees and {w}"), "en"),
            ));
        }
        if i % 10 == 3 {
            // Another language: the plain analyzer's field (boost 0.5).
            t.push(Triple::new(
                d.clone(),
                dct("title"),
                Literal::new_language_tagged_literal_unchecked(format!("Arbres et {w}"), "fr"),
            ));
        }
        for k in 0..(i % 3) {
            t.push(Triple::new(
                d.clone(),
                dcat("keyword"),
                Literal::new_simple_literal(words[(i + k) % words.len()]),
            ));
        }
        let id = format!("w{i}");
        extract(
            &RecordInfo {
                rid: &id,
                hash: &id,
                dataset: d.as_str(),
                source: if i.is_multiple_of(2) {
                    "stadt"
                } else {
                    "kreis"
                },
                source_title: "Quelle",
            },
            &t,
        )
    };
    let all: Vec<DatasetDoc> = (0..600).map(make).collect();
    for chunk in all.chunks(200) {
        index.apply(chunk, &[]).expect("apply");
    }
    let removed: Vec<String> = (0..600)
        .filter(|i: &usize| i.is_multiple_of(7))
        .map(|i| format!("w{i}"))
        .collect();
    index.apply(&[], &removed).expect("remove");
    let queries = [
        "Bäume",
        "baeume",
        "Radwege",
        "Parkplatz OR Schulen",
        "trees",
        "Gemeinde",
        "Haltestellen OR Haltestelle OR Bäume",
        "\"Schulen\"",
        "arbres",
        "der OR Radwege",
        // A typo: fuzzy matching (the flat query is not used then).
        "Parkplaz",
    ];
    let mut compared = 0;
    for text in queries {
        for (offset, size) in [(0, 10), (0, 1), (10, 10), (0, 100), (0, 0)] {
            let mut req = q(text);
            req.offset = offset;
            req.size = size;
            req.facet_size = 50;
            index.set_two_pass(false);
            let one = index.search(&req).expect("one pass");
            let mut every = req.clone();
            every.offset = 0;
            every.size = 1000;
            let scores: std::collections::HashMap<String, f32> = index
                .search(&every)
                .expect("all hits")
                .hits
                .into_iter()
                .map(|h| (h.id, h.score))
                .collect();
            assert_eq!(scores.len() as u64, one.total);
            index.set_two_pass(true);
            let two = index.search(&req).expect("two passes");
            let what = format!("q={text:?} offset={offset} size={size}");
            assert!(one.total > 0, "{what}: no hits, nothing compared");
            assert_eq!(two.total, one.total, "{what}: total");
            // Many documents tie (same words, same lengths); the same term
            // scores summed in another order may differ in the last bit, so
            // documents tied inside a page may come in another order. What
            // must hold: at every rank the same score (up to rounding), and
            // every hit's score is its score in the single pass.
            let close = |a: f32, b: f32| (a - b).abs() <= 1e-5 * b.abs().max(1.0);
            assert_eq!(two.hits.len(), one.hits.len(), "{what}: hits");
            for (rank, (a, b)) in two.hits.iter().zip(&one.hits).enumerate() {
                assert!(
                    close(a.score, b.score),
                    "{what}: rank {rank}: {} {} against {} {}",
                    a.id,
                    a.score,
                    b.id,
                    b.score
                );
                let own = scores.get(&a.id).copied();
                assert!(
                    own.is_some_and(|s| close(a.score, s)),
                    "{what}: {} scored {} but {own:?} in the single pass",
                    a.id,
                    a.score
                );
            }
            let facets = |r: &catalog_search::SearchResult| -> Vec<Vec<(String, u64)>> {
                r.facets
                    .iter()
                    .map(|(_, v)| v.iter().map(|f| (f.value.clone(), f.count)).collect())
                    .collect()
            };
            assert_eq!(facets(&two), facets(&one), "{what}: facets");
            compared += 1;
        }
    }
    assert_eq!(compared, queries.len() * 5);
    // Paging through the hits: no document on two pages, and every page
    // holds the documents of the single pass's page (many documents tie, so
    // this checks the exact ranking at page edges; without it, this fails).
    for text in queries {
        let pages = |two: bool| -> Vec<Vec<String>> {
            index.set_two_pass(two);
            (0..8)
                .map(|p| {
                    let mut req = q(text);
                    req.offset = p * 10;
                    req.size = 10;
                    req.facet_size = 1;
                    let r = index.search(&req).expect("page");
                    r.hits.into_iter().map(|h| h.id).collect()
                })
                .collect()
        };
        let (two, one) = (pages(true), pages(false));
        let mut seen = std::collections::HashSet::new();
        for (k, (a, b)) in two.iter().zip(&one).enumerate() {
            for id in a {
                assert!(seen.insert(id.clone()), "q={text:?}: {id} on two pages");
            }
            let set =
                |v: &Vec<String>| v.iter().cloned().collect::<std::collections::BTreeSet<_>>();
            assert_eq!(set(a), set(b), "q={text:?}: page {}", k + 1);
        }
    }
    drop(index);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A dataset of its own with a German title, for the compound tests.
fn titled(id: &'static str, title: &'static str) -> Rec {
    Rec {
        id,
        title,
        lang: "de",
        keywords: &[],
        theme: "ENVI",
        format: "CSV",
        modified: "2024-01-01",
        wkt: None,
    }
}

#[test]
fn compounds_are_found_by_their_parts() {
    let dir = std::env::temp_dir().join(format!("search-test-compounds-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (index, _) = SearchIndex::open(&dir, WriterOptions::default()).expect("open");
    let recs = [
        titled("k", "Baumkataster der Stadt"),
        titled("r", "Radwegenetz im Kreis"),
        titled("o", "Augenoptiker"),
        titled("w", "Wasserstände der Pegel"),
    ];
    let docs: Vec<DatasetDoc> = recs.iter().map(|r| doc(r, "stadt")).collect();
    index.apply(&docs, &[]).expect("apply");
    let first = |text: &str| {
        let r = index.search(&q(text)).expect("search");
        (r.hits.first().map(|h| h.id.clone()), r.matched)
    };
    // Two words of a compound, in either order, match it exactly.
    assert_eq!(first("Baum Kataster"), (Some("k".into()), Match::All));
    assert_eq!(first("kataster baeume"), (Some("k".into()), Match::All));
    // A word finds the compounds it begins or ends (a forgiving step).
    assert_eq!(first("Radweg"), (Some("r".into()), Match::Fuzzy));
    assert_eq!(first("optiker"), (Some("o".into()), Match::Fuzzy));
    // Parts shorter than four characters do not expand.
    assert_eq!(index.search(&q("rad")).expect("search").total, 0);
    let _ = std::fs::remove_dir_all(&dir);
}
