//! What a citizen types into `/api/search`: the query language
//! (`catalog_search::query::parse`), the Tantivy queries built from it (with
//! and without fuzzy matching, and the flat form), and a search with it
//! against a small index, with filters, a bounding box, dates and paging
//! taken from the input (within the bounds `/api/search` checks).
//!
//! Input: `q` is the text up to the first NUL (at most 1,000 characters, as
//! the endpoint allows); the bytes after it choose the other parameters.
#![no_main]

use catalog_search::extract::{parse_date, parse_geometry, BBox, Text};
use catalog_search::query::{parse, QueryBuilder};
use catalog_search::{DatasetDoc, SearchIndex, SearchRequest, Sort, WriterOptions};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn index() -> &'static SearchIndex {
    static INDEX: OnceLock<SearchIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("catalog-fuzz-search-{}", std::process::id()));
        let index =
            SearchIndex::create(&dir, WriterOptions::default()).expect("an index in the temp dir");
        let docs: Vec<DatasetDoc> = SAMPLES
            .iter()
            .enumerate()
            .map(|(i, s)| sample(i, s))
            .collect();
        index.apply(&docs, &[]).expect("the sample documents");
        index
    })
}

const SAMPLES: &[(&str, &str, &str, &str)] = &[
    (
        "Bäume in Kiel",
        "Baumkataster der Landeshauptstadt Kiel",
        "CSV",
        "2024-05-01",
    ),
    (
        "Parkplätze und Parkhäuser",
        "Freie Stellplätze, Open Data",
        "JSON",
        "2023-11-30T12:00:00Z",
    ),
    (
        "Badegewässer Stammdaten",
        "Badestellen in Schleswig-Holstein",
        "WMS",
        "2022",
    ),
    (
        "Traffic counts",
        "Vehicle counts per hour in English",
        "CSV",
        "2021-02",
    ),
    (
        "Haushaltsplan 2025",
        "Einnahmen und Ausgaben der Stadt",
        "PDF",
        "2025-01-15",
    ),
];

fn sample(i: usize, (title, desc, format, modified): &(&str, &str, &str, &str)) -> DatasetDoc {
    let mut doc = DatasetDoc {
        rid: format!("{i:020}"),
        hash: format!("h{i}"),
        dataset: format!("https://portal.example/dataset/{i}"),
        source: if i % 2 == 0 { "kiel" } else { "luebeck" }.into(),
        source_title: "Stadt".into(),
        titles: vec![Text {
            value: (*title).into(),
            lang: if i == 3 { "en" } else { "de" }.into(),
        }],
        descriptions: vec![Text {
            value: (*desc).into(),
            lang: String::new(),
        }],
        ..Default::default()
    };
    doc.formats = vec![(*format).into()];
    doc.keywords = vec![Text {
        value: "Umwelt".into(),
        lang: "de".into(),
    }];
    doc.modified = parse_date(modified);
    doc.bbox = parse_geometry("POLYGON((9.9 54.5,10.3 54.5,10.3 54.2,9.9 54.2,9.9 54.5))");
    doc
}

/// Reads the parameters after `q`, one or a few bytes each.
struct Params<'a>(&'a [u8]);

impl Params<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let (q, rest) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let q = String::from_utf8_lossy(q);
    if q.chars().count() > 1000 {
        return;
    }
    let index = index();
    let parsed = parse(&q);
    let mut builder = QueryBuilder::new(index.fields().clone());
    for (fuzzy, relaxed) in [(false, false), (false, true), (true, false), (true, true)] {
        let _ = builder.build(&parsed, fuzzy, relaxed.then_some(0));
    }
    let _ = builder.build_flat(&parsed);
    let _ = QueryBuilder::fuzzy_applies(&parsed);

    let mut p = Params(rest);
    let mut req = SearchRequest {
        q: q.into_owned(),
        ..Default::default()
    };
    let flags = p.byte();
    if flags & 1 != 0 {
        let facet = usize::from(p.byte()) % req.filters.len();
        let value = ["CSV", "JSON", "kiel", "Umwelt", "", "x"][usize::from(p.byte()) % 6];
        req.filters[facet].push(value.into());
    }
    if flags & 2 != 0 {
        let mut coordinate = |max: f64| f64::from(p.byte() as i8) / 128.0 * max;
        let (a, b, c, d) = (
            coordinate(180.0),
            coordinate(90.0),
            coordinate(180.0),
            coordinate(90.0),
        );
        req.bbox = Some(BBox {
            min_lon: a.min(c),
            min_lat: b.min(d),
            max_lon: a.max(c),
            max_lat: b.max(d),
        });
    }
    if flags & 4 != 0 {
        req.modified_since = Some(i64::from(p.byte() as i8) * 30_000_000);
    }
    if flags & 8 != 0 {
        let (from, to) = (i64::from(p.byte() as i8), i64::from(p.byte() as i8));
        req.temporal_from = Some(from.min(to) * 30_000_000);
        req.temporal_to = Some(from.max(to) * 30_000_000);
    }
    req.sort = [Sort::Relevance, Sort::Modified, Sort::Title][usize::from(flags >> 4) % 3];
    req.size = usize::from(p.byte() % 101);
    req.offset = (usize::from(p.byte()) * 40).min(10_000 - req.size);
    req.facet_size = usize::from(p.byte());
    let _ = index.search(&req);
});
