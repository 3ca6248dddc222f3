//! Full-text search over the catalog's published DCAT-AP records.
//!
//! - [`analysis`]: German (umlaut/ß folding + Snowball), English and plain analyzers;
//! - [`schema`]: the Tantivy schema and its version;
//! - [`extract`]: a record's triples → [`extract::DatasetDoc`] (titles by language,
//!   publisher, themes, formats, licences, geocoding, dates, bbox, temporal range);
//! - [`geo`]: grid cells that narrow bounding-box searches;
//! - [`query`]: the citizen query language → Tantivy queries (with a fuzzy variant);
//! - [`collect`]: one pass for hit count, top hits and disjunctive facet counts;
//! - [`index`]: the on-disk index: open/check/rebuild, upsert/remove, search
//!   (with an LRU cache of browse results, valid for one searcher generation).

pub mod analysis;
pub mod collect;
pub mod extract;
pub mod geo;
pub mod index;
pub mod query;
pub mod schema;

pub use extract::{extract, BBox, DatasetDoc, RecordInfo};
pub use index::{
    FacetValue, Hit, Match, SearchIndex, SearchRequest, SearchResult, Sort, Suggestions,
    WriterOptions, BROWSE_CACHE_DEFAULT,
};
pub use schema::{FACETS, FACET_COUNT, SCHEMA_VERSION};

use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("search index: {0}")]
    Corrupt(String),
    #[error("search index at {path}: {message}")]
    Io { path: String, message: String },
}

impl SearchError {
    pub(crate) fn io(path: &Path, e: std::io::Error) -> Self {
        SearchError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        }
    }
}

impl From<tantivy::directory::error::OpenReadError> for SearchError {
    fn from(e: tantivy::directory::error::OpenReadError) -> Self {
        SearchError::Corrupt(e.to_string())
    }
}

impl From<std::io::Error> for SearchError {
    fn from(e: std::io::Error) -> Self {
        SearchError::Corrupt(e.to_string())
    }
}
