//! The index schema. Bump [`SCHEMA_VERSION`] whenever fields, analyzers or
//! extraction rules change: an index of an older version is rebuilt from the
//! store at start-up.

use crate::analysis;
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, FAST, STORED,
    STRING,
};

/// Version of schema, analyzers and extraction rules.
pub const SCHEMA_VERSION: u32 = 8;

/// The facets, in the order of the API: (API name, field name).
pub const FACETS: [&str; FACET_COUNT] = [
    "theme",
    "publisher",
    "source",
    "format",
    "license",
    "keyword",
    "geocoding",
    "hvd_category",
    "quality",
];

/// The number of facets.
pub const FACET_COUNT: usize = 9;

/// The fields of the index.
#[derive(Clone, Debug)]
pub struct Fields {
    pub schema: Schema,
    pub rid: Field,
    pub hash: Field,
    pub dataset: Field,
    pub title: Field,
    pub title_sort: Field,
    pub description: Field,
    pub source_title: Field,
    pub title_de: Field,
    pub title_en: Field,
    pub desc_de: Field,
    pub desc_en: Field,
    pub keywords_de: Field,
    pub keywords_en: Field,
    pub publisher_text: Field,
    pub source_text: Field,
    pub theme_text: Field,
    /// Combined German-analyzed text (titles, keywords ×2, descriptions,
    /// publisher, source, theme labels): what unprefixed words search
    /// (with `title_de`/`title_en`, boosted).
    pub text_de: Field,
    /// Combined English-analyzed text (English titles, keywords ×2, descriptions).
    pub text_en: Field,
    /// Combined text in other languages (plain analyzer).
    pub text_plain: Field,
    /// Every title with every word (the `words` analyzer: no stop words
    /// removed): what a query of stop words only searches.
    pub title_words: Field,
    /// German titles and keywords with each term reversed (the `de_rev`
    /// analyzer): its term dictionary finds the compounds a word ends.
    pub text_rev: Field,
    /// The facet fields, in the order of [`FACETS`].
    pub facets: [Field; FACET_COUNT],
    pub modified: Field,
    pub issued: Field,
    /// The metadata quality score (0–405), when the record was scored.
    pub quality: Field,
    pub temporal_start: Field,
    pub temporal_end: Field,
    pub min_lon: Field,
    pub min_lat: Field,
    pub max_lon: Field,
    pub max_lat: Field,
    /// Grid cells of the bounding box (see [`crate::geo`]).
    pub geo_cell: Field,
}

fn text(analyzer: &str) -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(analyzer)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    )
}

impl Fields {
    pub fn new() -> Self {
        let mut b = Schema::builder();
        let raw_fast = STRING | STORED | FAST;
        let rid = b.add_text_field("rid", raw_fast.clone());
        let hash = b.add_text_field("hash", STRING | FAST);
        let dataset = b.add_text_field("dataset", STRING | STORED);
        let title = b.add_text_field("title", TextOptions::default().set_stored());
        let title_sort = b.add_text_field("title_sort", STRING | FAST);
        let description = b.add_text_field("description", TextOptions::default().set_stored());
        let source_title = b.add_text_field("source_title", TextOptions::default().set_stored());
        let title_de = b.add_text_field("title_de", text(analysis::GERMAN));
        let title_en = b.add_text_field("title_en", text(analysis::ENGLISH));
        let desc_de = b.add_text_field("desc_de", text(analysis::GERMAN));
        let desc_en = b.add_text_field("desc_en", text(analysis::ENGLISH));
        let keywords_de = b.add_text_field("keywords_de", text(analysis::GERMAN));
        let keywords_en = b.add_text_field("keywords_en", text(analysis::ENGLISH));
        let publisher_text = b.add_text_field("publisher_text", text(analysis::GERMAN));
        let source_text = b.add_text_field("source_text", text(analysis::GERMAN));
        let theme_text = b.add_text_field("theme_text", text(analysis::GERMAN));
        let text_de = b.add_text_field("text_de", text(analysis::GERMAN));
        let text_en = b.add_text_field("text_en", text(analysis::ENGLISH));
        let text_plain = b.add_text_field("text_plain", text(analysis::PLAIN));
        let title_words = b.add_text_field("title_words", text(analysis::WORDS));
        let text_rev = b.add_text_field(
            "text_rev",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(analysis::GERMAN_REVERSED)
                    .set_index_option(IndexRecordOption::Basic),
            ),
        );
        let facets = FACETS.map(|name| b.add_text_field(name, raw_fast.clone()));
        let num = || NumericOptions::default().set_fast().set_indexed();
        let modified = b.add_i64_field("modified", num().set_stored());
        let issued = b.add_i64_field("issued", num().set_stored());
        let quality = b.add_i64_field("quality_score", num().set_stored());
        let temporal_start = b.add_i64_field("temporal_start", num());
        let temporal_end = b.add_i64_field("temporal_end", num());
        let min_lon = b.add_f64_field("min_lon", num());
        let min_lat = b.add_f64_field("min_lat", num());
        let max_lon = b.add_f64_field("max_lon", num());
        let max_lat = b.add_f64_field("max_lat", num());
        let geo_cell = b.add_text_field("geo_cell", STRING);
        Self {
            schema: b.build(),
            rid,
            hash,
            dataset,
            title,
            title_sort,
            description,
            source_title,
            title_de,
            title_en,
            desc_de,
            desc_en,
            keywords_de,
            keywords_en,
            publisher_text,
            source_text,
            theme_text,
            text_de,
            text_en,
            text_plain,
            title_words,
            text_rev,
            facets,
            modified,
            issued,
            quality,
            temporal_start,
            temporal_end,
            min_lon,
            min_lat,
            max_lon,
            max_lat,
            geo_cell,
        }
    }

    /// The facet field of an API facet name.
    pub fn facet(&self, name: &str) -> Option<Field> {
        FACETS
            .iter()
            .position(|f| *f == name)
            .map(|i| self.facets[i])
    }
}

impl Default for Fields {
    fn default() -> Self {
        Self::new()
    }
}
