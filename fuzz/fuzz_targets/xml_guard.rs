//! The DTD and entity guard every RDF/XML and CSW document passes first
//! (`harvester::xml_guard::check`). Its byte scan must never panic, and what
//! it accepts must hold no entity declaration and no DOCTYPE internal subset
//! as the XML tokenizers that read it afterwards see them: quick-xml 0.37
//! (under Oxigraph's RDF/XML parser, which expands the entities declared in
//! the DOCTYPE) and 0.42 (under the CSW reader). A document accepted with a
//! DOCTYPE that holds a `[` outside quoted literals for either of them is a
//! crash. The CSW reader is then run on what was accepted.
#![no_main]

use harvester::csw::xml::{parse_tree, XmlLimits};
use libfuzzer_sys::fuzz_target;

/// Whether a DOCTYPE's text holds `[` outside `"…"` and `'…'`.
fn opens_subset(doctype: &[u8]) -> bool {
    let mut quote = None;
    for &b in doctype {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'[') => return true,
            (Some(q), _) if b == q => quote = None,
            _ => {}
        }
    }
    false
}

fn assert_no_subset(doctype: &[u8], data: &[u8], tokenizer: &str) {
    assert!(
        !opens_subset(doctype),
        "the guard accepted a DOCTYPE with an internal subset as {tokenizer} reads it: {:?}",
        String::from_utf8_lossy(data)
    );
}

fuzz_target!(|data: &[u8]| {
    if harvester::xml_guard::check(data, "fuzz input").is_err() {
        return;
    }
    assert!(
        !data.windows(8).any(|w| w.eq_ignore_ascii_case(b"<!ENTITY")),
        "the guard accepted an entity declaration"
    );
    let mut reader = quick_xml_rdf::Reader::from_reader(data);
    loop {
        match reader.read_event() {
            Ok(quick_xml_rdf::events::Event::DocType(t)) => {
                assert_no_subset(&t, data, "quick-xml 0.37")
            }
            Ok(quick_xml_rdf::events::Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    let mut reader = quick_xml::Reader::from_reader(data);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::DocType(t)) => {
                assert_no_subset(t.as_bytes(), data, "quick-xml 0.42")
            }
            Ok(quick_xml::events::Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    let _ = parse_tree(data, &XmlLimits::default());
});
