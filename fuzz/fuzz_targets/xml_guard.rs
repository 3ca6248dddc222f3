//! The DTD and entity guard every RDF/XML and CSW document passes first
//! (`harvester::xml_guard::check`). Its byte scan must never panic, and a
//! document it accepts must hold no entity declaration the XML readers
//! would expand: the CSW reader (quick-xml, which refuses DTDs itself) is
//! run on whatever the guard lets through.
#![no_main]

use harvester::csw::xml::{parse_tree, XmlLimits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if harvester::xml_guard::check(data, "fuzz input").is_ok() {
        let _ = parse_tree(data, &XmlLimits::default());
    }
});
