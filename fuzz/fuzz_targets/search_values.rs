//! The values the search index reads out of harvested records and that
//! `/api/search` reads from its parameters: dates (`extract::parse_date`,
//! shown again by `format_time`), geometries (`extract::parse_geometry`,
//! then the grid cells of `geo`), HTML in descriptions (`strip_html`),
//! format labels and theme labels.
//!
//! Input: text, each function gets all of it.
#![no_main]

use catalog_search::extract::{
    format_label, format_time, parse_date, parse_geometry, strip_html, theme_labels,
};
use catalog_search::geo::{doc_cells, query_cells};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(seconds) = parse_date(text) {
        let _ = format_time(seconds);
    }
    if let Some(b) = parse_geometry(text) {
        assert!(b.min_lon <= b.max_lon && b.min_lat <= b.max_lat, "{b:?}");
        let _ = doc_cells(&b);
        let _ = query_cells(&b);
    }
    let _ = strip_html(text);
    let _ = format_label(text);
    let _ = theme_labels(text);
});
