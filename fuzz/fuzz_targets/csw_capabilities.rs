//! A CSW GetCapabilities response, read as `csw::client::get_capabilities`
//! reads it: the element tree (`csw::xml::parse_tree`), an exception report
//! (`parse_response`) and the capabilities (`Capabilities::from_tree`).
#![no_main]

use harvester::csw::xml::{parse_response, parse_tree, XmlLimits};
use harvester::csw::Capabilities;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = XmlLimits {
        max_record_bytes: 16 << 20,
        ..XmlLimits::default()
    };
    let Ok(tree) = parse_tree(data, &limits) else {
        return;
    };
    if tree.name == "ows:ExceptionReport" {
        let _ = parse_response(data, &XmlLimits::default());
    }
    let _ = Capabilities::from_tree(&tree);
});
