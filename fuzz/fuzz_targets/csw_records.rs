//! A CSW GetRecords response: read in one pass (`harvester::csw::xml`),
//! every ISO 19139 record read (`csw::iso`) and mapped to DCAT-AP
//! (`csw::map`), as `csw::client::read_page` does for each fetched page.
//! Reading the same page twice must give the same records (dataset IRIs and
//! canonical forms) and the same record errors.
//!
//! Input: the first byte's low bit maps service records too
//! (`include_services`), its second bit lowers the per-record byte limit to
//! 2 KiB so that the limit's paths are reached; the rest is the body.
#![no_main]

use catalog_fuzz::{defaults, PAGE_URL};
use harvester::csw::client::read_page;
use harvester::csw::{MapOptions, XmlLimits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let limits = XmlLimits {
        max_record_bytes: if selector & 2 != 0 { 2048 } else { 4 << 20 },
        ..XmlLimits::default()
    };
    let options = MapOptions {
        defaults: defaults(),
        include_services: selector & 1 != 0,
    };
    let first = read_page(body, PAGE_URL, 1, &limits, &options);
    let second = read_page(body, PAGE_URL, 1, &limits, &options);
    match (first, second) {
        (Ok(a), Ok(b)) => {
            assert_eq!(
                summary(&a.0),
                summary(&b.0),
                "the mapping is not deterministic"
            );
            assert_eq!((a.1, a.2, a.3), (b.1, b.2, b.3));
        }
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        (a, b) => panic!(
            "one read failed, the other did not: {:?} / {:?}",
            a.err(),
            b.err()
        ),
    }
});

fn summary(page: &harvester::Page) -> (Vec<(String, String)>, Vec<String>) {
    let records = page
        .records
        .iter()
        .map(|r| {
            (
                r.dataset.as_str().to_owned(),
                harvester::canonical_ntriples(&r.triples),
            )
        })
        .collect();
    let errors = page
        .record_errors
        .iter()
        .map(|e| format!("{}: {}", e.record, e.reason))
        .collect();
    (records, errors)
}
