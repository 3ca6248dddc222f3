//! A CKAN `package_search` response body: checked and unpacked
//! (`ckan::client::parse_search_body`), then every package mapped as the
//! harvest does with each page.
#![no_main]

use catalog_fuzz::{defaults, PAGE_URL};
use harvester::ckan::client::parse_search_body;
use harvester::ckan::map::{dataset_iri_of_package, map_package, MapContext};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok((_count, results)) = parse_search_body(data) else {
        return;
    };
    let ctx = MapContext {
        portal_base: url::Url::parse("https://ckan.example/").expect("a valid URL"),
        defaults: defaults(),
        page_url: PAGE_URL.into(),
        max_record_triples: 5_000,
    };
    for package in &results {
        let _ = dataset_iri_of_package(package, &ctx.portal_base);
        let _ = map_package(package, &ctx);
    }
});
