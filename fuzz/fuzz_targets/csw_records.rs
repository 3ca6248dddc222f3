//! A CSW GetRecords response: read in one pass (`harvester::csw::xml`),
//! every ISO 19139 record read (`csw::iso`) and mapped to DCAT-AP
//! (`csw::map`), as `csw::client::read_page` does for each fetched page.
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
    let _ = read_page(body, PAGE_URL, 1, &limits, &options);
});
