//! One CKAN package (a `package_show` result or one entry of a
//! `package_search` page) mapped to DCAT-AP.de (`harvester::ckan::map`), and
//! its dataset IRI as a listing reads it. Mapping the same package twice
//! must give the same record (dataset IRI and canonical form): a mapping
//! that depended on hash map order would make every harvest see a change.
#![no_main]

use catalog_fuzz::{defaults, PAGE_URL};
use harvester::ckan::map::{dataset_iri_of_package, map_package, package_snippet, MapContext};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(package) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    // A package_show envelope: map its result.
    let package = match package.get("result") {
        Some(result) if result.is_object() => result.clone(),
        _ => package,
    };
    let ctx = MapContext {
        portal_base: url::Url::parse("https://ckan.example/portal/").expect("a valid URL"),
        defaults: defaults(),
        page_url: PAGE_URL.into(),
        max_record_triples: 5_000,
    };
    let _ = package_snippet(&package);
    let _ = dataset_iri_of_package(&package, &ctx.portal_base);
    let first = map_package(&package, &ctx);
    let second = map_package(&package, &ctx);
    match (first, second) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.dataset, b.dataset);
            assert_eq!(
                harvester::canonical_ntriples(&a.triples),
                harvester::canonical_ntriples(&b.triples),
                "the mapping is not deterministic"
            );
        }
        (Err(a), Err(b)) => assert_eq!(a.reason, b.reason),
        (a, b) => panic!("one mapping failed, the other did not: {a:?} / {b:?}"),
    }
});
