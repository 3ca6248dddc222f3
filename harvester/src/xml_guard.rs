//! The DTD rule shared by every XML reader of the harvester (RDF/XML pages
//! and uploads, CSW responses, ISO records, capabilities):
//!
//! **A document whose DOCTYPE has an internal subset, or that declares
//! entities, is refused** — whatever the case of `<!DOCTYPE`, whatever comments
//! or quoted text surround it, wherever it stands (after megabytes of comment,
//! after the root element). Entity declarations are what XML bombs (billion
//! laughs, quadratic blow-up) and external-entity attacks need, and the
//! RDF/XML parser expands entities eagerly; DCAT and ISO metadata never need
//! them. A plain DOCTYPE (`<!DOCTYPE rdf:RDF>`, or with a `SYSTEM`/`PUBLIC`
//! identifier) is accepted and never fetched.
//!
//! [`check`] is one linear pass over the document's markup, tokenized as the
//! XML parsers we use (quick-xml) tokenize it, so that no construct can hide
//! markup from the scan that the parser then sees:
//!
//! - at each `<`: a comment `<!-- … -->`, a CDATA section `<![CDATA[ … ]]>`
//!   and a processing instruction `<? … ?>` are skipped whole; a start or end
//!   tag is skipped up to its `>`, quoted attribute values (`'…'`, `"…"`)
//!   included;
//! - `<!DOCTYPE` (ASCII case-insensitive) is read as XML 1.0's `doctypedecl`:
//!   a name, optionally `SYSTEM "…"` or `PUBLIC "…" ["…"]`, then `>`. An
//!   internal subset (`[`) is refused; so is anything else that is not this
//!   shape (a DOCTYPE that parsers could read differently), including quoted
//!   identifiers that contain `<` or `>`;
//! - finally, any `<!ENTITY` (ASCII case-insensitive) anywhere in the bytes —
//!   also inside comments, CDATA sections or processing instructions — is
//!   refused, so that no difference between this scanner and a parser can let
//!   an entity declaration through.
//!
//! The scan works on bytes: the markup characters are ASCII, so UTF-8 and
//! ISO-8859-x documents are scanned alike. It runs at about 2 GB/s, a few
//! percent of the RDF/XML parse it protects (the ignored test `scan_cost`
//! measures both).

use memchr::{memchr, memchr3, memmem};

/// What made a document unacceptable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finding {
    /// `<!DOCTYPE name [ … ]>`; `entities` tells whether the document contains
    /// entity declarations.
    InternalSubset { entities: bool },
    /// `<!ENTITY` somewhere other than in an internal subset (a comment, a
    /// CDATA section, a processing instruction, or stray markup).
    EntityDeclaration,
    /// A DOCTYPE that is not `<!DOCTYPE name [SYSTEM/PUBLIC "…"]>`; the text
    /// says what is wrong.
    MalformedDoctype(&'static str),
    /// Elements nested deeper than [`MAX_DEPTH`]: the RDF/XML parser's
    /// work grows with the square of the depth (measured: 50,000 levels,
    /// 3.5 MB, took 53 s), and no metadata record needs more than a few
    /// dozen levels.
    TooDeep,
}

/// The deepest element nesting accepted. ISO 19139 records in CSW
/// responses, the deepest metadata harvested, reach about 20 levels.
pub const MAX_DEPTH: usize = 512;

/// Why a document was refused: what was found, where, and a snippet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DtdRefused {
    pub finding: Finding,
    /// Byte offset of the markup found (its `<`).
    pub offset: usize,
    /// The operator-facing explanation, naming what was found and why it is
    /// refused.
    pub message: String,
    /// The document's text from the offending markup on.
    pub snippet: String,
}

/// Applies the rule to a whole document. `what` names the document kind in
/// the advice ("RDF/XML", "XML").
pub fn check(doc: &[u8], what: &str) -> Result<(), DtdRefused> {
    let found = match scan_markup(doc) {
        Some((offset, Finding::InternalSubset { .. })) => Some((
            offset,
            Finding::InternalSubset {
                entities: find_entity_declaration(doc).is_some(),
            },
        )),
        Some(other) => Some(other),
        None => find_entity_declaration(doc).map(|at| (at, Finding::EntityDeclaration)),
    };
    match found {
        None => Ok(()),
        Some((offset, finding)) => Err(refusal(doc, offset, finding, what)),
    }
}

fn refusal(doc: &[u8], offset: usize, finding: Finding, what: &str) -> DtdRefused {
    let advice = format!("Publish {what} without a DOCTYPE.");
    let message = match finding {
        Finding::InternalSubset { entities: true } => format!(
            "XML document declares a DOCTYPE internal subset (entity declarations) at byte \
             {offset}; documents with DTD internal subsets are refused (entity-expansion \
             protection). {advice}"
        ),
        Finding::InternalSubset { entities: false } => format!(
            "XML document declares a DOCTYPE internal subset at byte {offset}; documents with DTD \
             internal subsets are refused (entity-expansion protection). {advice}"
        ),
        Finding::EntityDeclaration => format!(
            "XML document contains an entity declaration (<!ENTITY) at byte {offset}; documents \
             that declare entities are refused (entity-expansion protection), even inside \
             comments, CDATA sections or processing instructions. {advice}"
        ),
        Finding::TooDeep => format!(
            "XML document nests elements more than {MAX_DEPTH} levels deep (at byte {offset}); \
             such documents are refused (the parser's work grows with the square of the depth). \
             Metadata needs a few dozen levels at most."
        ),
        Finding::MalformedDoctype(why) => format!(
            "XML document has a DOCTYPE at byte {offset} that is not a plain \
             <!DOCTYPE name [SYSTEM/PUBLIC \"…\"]> ({why}); such DOCTYPEs are refused \
             (entity-expansion protection). {advice}"
        ),
    };
    let end = doc.len().min(offset.saturating_add(200));
    let snippet = crate::record::snippet(&String::from_utf8_lossy(&doc[offset..end]), 160);
    DtdRefused {
        finding,
        offset,
        message,
        snippet,
    }
}

/// Walks the markup as quick-xml tokenizes it. Returns the first DOCTYPE that
/// breaks the rule. Stops at the first construct that is not closed (a parser
/// fails there, before reading anything after it).
fn scan_markup(doc: &[u8]) -> Option<(usize, Finding)> {
    let mut pos = 0;
    let mut depth = 0usize;
    while let Some(i) = memchr(b'<', &doc[pos..]) {
        let at = pos + i;
        let rest = &doc[at..];
        let end = match rest.get(1)? {
            b'!' => {
                if rest.starts_with(b"<!--") {
                    // The comment ends at the first `-->` after `<!--`.
                    at + 4 + memmem::find(&rest[4..], b"-->")? + 3
                } else if rest.starts_with(b"<![CDATA[") {
                    at + 9 + memmem::find(&rest[9..], b"]]>")? + 3
                } else if starts_with_ignore_case(rest, b"<!DOCTYPE") {
                    match doctype(rest) {
                        Ok(len) => at + len,
                        Err(finding) => return Some((at, finding)),
                    }
                } else {
                    // `<!ENTITY`, `<!ELEMENT`, … outside a DOCTYPE: not
                    // well-formed, parsers stop here (and `<!ENTITY` is
                    // refused by the byte search). Look at what follows.
                    at + 2
                }
            }
            // A processing instruction (or the XML declaration) ends at the
            // first `?>`, the `?` of `<?` included (`<?>` is closed).
            b'?' => at + 1 + memmem::find(&rest[1..], b"?>")? + 2,
            // Start and end tags: up to `>`, quoted values skipped.
            first => {
                let close = at + 1 + tag_end(&rest[1..])?;
                if *first == b'/' {
                    depth = depth.saturating_sub(1);
                } else if doc[close - 1] != b'/' {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Some((at, Finding::TooDeep));
                    }
                }
                close + 1
            }
        };
        pos = end;
    }
    None
}

/// The index of the `>` that closes a tag (quote-aware), in `s` (after `<`).
fn tag_end(s: &[u8]) -> Option<usize> {
    let mut pos = 0;
    loop {
        let i = pos + memchr3(b'>', b'"', b'\'', &s[pos..])?;
        match s[i] {
            b'>' => return Some(i),
            quote => pos = i + 1 + memchr(quote, &s[i + 1..])? + 1,
        }
    }
}

/// Reads a DOCTYPE declaration starting at `s` (`<!DOCTYPE…`); returns its
/// length when it is a plain one.
fn doctype(s: &[u8]) -> Result<usize, Finding> {
    const UNCLOSED: Finding = Finding::MalformedDoctype("not closed");
    let mut p = "<!DOCTYPE".len();
    let spaces = |p: usize| p + s[p..].iter().take_while(|b| is_space(**b)).count();
    let q = spaces(p);
    if q == p {
        return Err(if q == s.len() {
            UNCLOSED
        } else {
            Finding::MalformedDoctype("no space before the name")
        });
    }
    p = q;
    let name = s[p..]
        .iter()
        .take_while(|b| !is_space(**b) && !matches!(b, b'>' | b'[' | b']' | b'<' | b'"' | b'\''))
        .count();
    if name == 0 {
        return Err(match s.get(p) {
            None => UNCLOSED,
            Some(b'[') => Finding::InternalSubset { entities: false },
            Some(_) => Finding::MalformedDoctype("no name"),
        });
    }
    p = spaces(p + name);
    let keyword = |p: usize, word: &[u8]| {
        s.len() >= p + word.len() && s[p..p + word.len()].eq_ignore_ascii_case(word)
    };
    let literals = if keyword(p, b"SYSTEM") {
        p += "SYSTEM".len();
        (1, 1)
    } else if keyword(p, b"PUBLIC") {
        p += "PUBLIC".len();
        // XML requires the system literal after the public one; HTML does not.
        (1, 2)
    } else {
        (0, 0)
    };
    for n in 0..literals.1 {
        let q = spaces(p);
        match s.get(q) {
            Some(quote @ (b'"' | b'\'')) if q > p => {
                let Some(len) = memchr(*quote, &s[q + 1..]) else {
                    return Err(UNCLOSED);
                };
                if s[q + 1..q + 1 + len]
                    .iter()
                    .any(|b| matches!(b, b'<' | b'>'))
                {
                    return Err(Finding::MalformedDoctype(
                        "'<' or '>' inside a quoted identifier",
                    ));
                }
                p = q + 1 + len + 1;
            }
            Some(_) if n >= literals.0 => break,
            None => return Err(UNCLOSED),
            Some(_) => {
                return Err(Finding::MalformedDoctype(
                    "SYSTEM/PUBLIC without a quoted identifier",
                ))
            }
        }
    }
    p = spaces(p);
    match s.get(p) {
        Some(b'>') => Ok(p + 1),
        Some(b'[') => Err(Finding::InternalSubset { entities: false }),
        Some(_) => Err(Finding::MalformedDoctype("unexpected text before '>'")),
        None => Err(UNCLOSED),
    }
}

/// The offset of the first `<!ENTITY` (any case) in the bytes.
fn find_entity_declaration(doc: &[u8]) -> Option<usize> {
    memmem::find_iter(doc, b"<!").find(|&at| starts_with_ignore_case(&doc[at + 2..], b"ENTITY"))
}

fn starts_with_ignore_case(s: &[u8], prefix: &[u8]) -> bool {
    s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix)
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    const RDF_HEAD: &str = r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dct="http://purl.org/dc/terms/">"#;

    /// A bomb of `levels` nested entities, each referring `fan` times to the
    /// one before (`levels` = 10, `fan` = 10: 10^10 × 10 characters).
    fn nested_bomb(doctype: &str, levels: usize, fan: usize) -> String {
        let mut s =
            format!("<?xml version=\"1.0\"?>\n{doctype} rdf:RDF [\n<!ENTITY e0 \"0123456789\">\n");
        for level in 1..levels {
            s.push_str(&format!("<!ENTITY e{level} \""));
            for _ in 0..fan {
                s.push_str(&format!("&e{};", level - 1));
            }
            s.push_str("\">\n");
        }
        s.push_str("]>\n");
        s
    }

    fn refused(doc: &str) -> DtdRefused {
        check(doc.as_bytes(), "RDF/XML").expect_err(doc.get(..doc.len().min(200)).unwrap_or(""))
    }

    fn accepted(doc: &str) {
        if let Err(e) = check(doc.as_bytes(), "RDF/XML") {
            panic!(
                "refused: {e}\n{}",
                doc.get(..doc.len().min(300)).unwrap_or("")
            );
        }
    }

    fn with_body(head: &str) -> String {
        format!(
            "{head}{RDF_HEAD}<rdf:Description rdf:about=\"http://example.org/x\"><dct:title>&e9;</dct:title></rdf:Description></rdf:RDF>"
        )
    }

    #[test]
    fn upper_and_lower_case_doctype_bombs_are_refused() {
        for doctype in ["<!DOCTYPE", "<!doctype", "<!DocType"] {
            let doc = with_body(&nested_bomb(doctype, 10, 10));
            let e = refused(&doc);
            assert_eq!(
                e.finding,
                Finding::InternalSubset { entities: true },
                "{doctype}"
            );
            assert_eq!(e.offset, doc.find(doctype).unwrap_or(usize::MAX));
            assert!(
                e.message.starts_with(
                    "XML document declares a DOCTYPE internal subset (entity declarations) at byte 22; \
                     documents with DTD internal subsets are refused (entity-expansion protection). \
                     Publish RDF/XML without a DOCTYPE."
                ),
                "{}",
                e.message
            );
            assert!(e.snippet.starts_with(doctype), "{}", e.snippet);
        }
    }

    fn nested(levels: usize, empty_inside: usize) -> String {
        let open = "<rdf:Description rdf:about=\"http://x/s\"><dct:relation>";
        let close = "</dct:relation></rdf:Description>";
        format!(
            "{RDF_HEAD}{}{}x{}</rdf:RDF>",
            open.repeat(levels),
            "<dct:x a='/>'/>".repeat(empty_inside),
            close.repeat(levels)
        )
    }

    #[test]
    fn nesting_deeper_than_the_limit_is_refused() {
        // RDF_HEAD is one level, each repetition two.
        accepted(&nested((MAX_DEPTH - 1) / 2, 1000));
        let doc = nested(MAX_DEPTH / 2 + 1, 0);
        let e = refused(&doc);
        assert_eq!(e.finding, Finding::TooDeep);
        assert!(
            e.message.contains("more than 512 levels deep"),
            "{}",
            e.message
        );
        // Siblings do not add up: only nesting counts.
        let wide = format!(
            "{RDF_HEAD}{}</rdf:RDF>",
            "<rdf:Description rdf:about=\"http://x/s\"><dct:title>t</dct:title></rdf:Description>"
                .repeat(10_000)
        );
        accepted(&wide);
    }

    #[test]
    fn comment_with_bracket_inside_the_internal_subset_is_refused() {
        let doc = with_body(
            "<!DOCTYPE rdf:RDF [\n<!-- ] -->\n<!ENTITY e0 \"x\"><!ENTITY e9 \"&e0;&e0;\">\n]>\n",
        );
        assert_eq!(
            refused(&doc).finding,
            Finding::InternalSubset { entities: true }
        );
    }

    #[test]
    fn doctype_after_a_long_leading_comment_is_refused() {
        let comment = format!("<!--{}-->\n", "x".repeat(1_100_000));
        let doc = with_body(&format!("{comment}{}", nested_bomb("<!DOCTYPE", 10, 10)));
        let e = refused(&doc);
        assert_eq!(e.offset, comment.len() + "<?xml version=\"1.0\"?>\n".len());
        // Also after a long processing instruction and CDATA-free text.
        let pi = format!("<?xml version=\"1.0\"?><?pad {}?>", "y".repeat(1_100_000));
        assert_eq!(
            refused(&with_body(&format!(
                "{pi}{}",
                nested_bomb("<!DOCTYPE", 3, 3)
            )))
            .offset,
            pi.len() + "<?xml version=\"1.0\"?>\n".len()
        );
    }

    #[test]
    fn doctype_after_the_root_element_is_refused() {
        let doc = format!(
            "{RDF_HEAD}</rdf:RDF>\n{}",
            nested_bomb("<!DOCTYPE", 10, 10).replace("<?xml version=\"1.0\"?>\n", "")
        );
        assert_eq!(
            refused(&doc).finding,
            Finding::InternalSubset { entities: true }
        );
        // An internal subset without entity declarations, after the root.
        let doc = format!("{RDF_HEAD}</rdf:RDF><!DOCTYPE rdf:RDF [<!ELEMENT x ANY>]>");
        let e = refused(&doc);
        assert_eq!(e.finding, Finding::InternalSubset { entities: false });
        assert!(
            e.message
                .contains("declares a DOCTYPE internal subset at byte"),
            "{}",
            e.message
        );
    }

    #[test]
    fn quoted_attribute_values_and_literals_are_respected() {
        // `>` and `]` inside attribute values do not end the tag.
        accepted(&format!(
            "{RDF_HEAD}<rdf:Description rdf:about=\"http://example.org/a>b]\" dct:x='>]>'/></rdf:RDF>"
        ));
        // A `>` in an attribute value does not hide a later DOCTYPE.
        let doc = format!(
            "{RDF_HEAD}<rdf:Description rdf:about=\"x>\"/></rdf:RDF><!DOCTYPE x [<!ELEMENT x ANY>]>"
        );
        assert_eq!(
            refused(&doc).finding,
            Finding::InternalSubset { entities: false }
        );
        // `<!--` inside an attribute value (start or end tag) is no comment.
        for tag in ["<a x='<!--'/>", "</a x=\"><!--\">"] {
            let doc = format!("{tag}<!DOCTYPE a [<!ELEMENT a ANY>]><!-- -->");
            assert_eq!(
                refused(&doc).finding,
                Finding::InternalSubset { entities: false },
                "{tag}"
            );
        }
        // `>` and `]` inside a DOCTYPE's quoted identifiers.
        accepted(r#"<!DOCTYPE x PUBLIC "-//A]B//EN" 'http://example.invalid/x].dtd'><x/>"#);
        assert_eq!(
            refused(r#"<!DOCTYPE x SYSTEM "a>b" [<!ELEMENT x ANY>]><x/>"#).finding,
            Finding::MalformedDoctype("'<' or '>' inside a quoted identifier")
        );
    }

    #[test]
    fn cdata_comments_and_processing_instructions_are_not_doctypes() {
        accepted(&format!(
            "{RDF_HEAD}<dct:description><![CDATA[<!DOCTYPE x [ <!ELEMENT x ANY> ]> and ]> and ]]><!-- <!DOCTYPE y [ ]> --><?pi <!DOCTYPE z [ ]> ?></dct:description></rdf:RDF>"
        ));
        // But an entity declaration is refused wherever it stands.
        for place in [
            "<![CDATA[<!ENTITY a \"b\">]]>",
            "<!-- <!entity a \"b\"> -->",
            "<?pi <!Entity a \"b\"> ?>",
        ] {
            let doc = format!("{RDF_HEAD}<dct:description>{place}</dct:description></rdf:RDF>");
            let e = refused(&doc);
            assert_eq!(e.finding, Finding::EntityDeclaration, "{place}");
            assert!(e.message.contains("(<!ENTITY)"), "{}", e.message);
        }
        // `<?>` is a closed processing instruction for quick-xml: what follows is scanned.
        assert_eq!(
            refused("<?><!DOCTYPE a [<!ELEMENT a ANY>]>?><a/>").finding,
            Finding::InternalSubset { entities: false }
        );
        // `<!-->` does not close a comment (it needs `-->` after `<!--`).
        accepted("<!--><!DOCTYPE a [ ]>--><a/>");
    }

    #[test]
    fn external_and_parameter_entities_are_refused() {
        for subset in [
            r#"<!ENTITY e SYSTEM "file:///etc/passwd">"#,
            r#"<!ENTITY e PUBLIC "-//X//EN" "http://example.invalid/e.xml">"#,
            r#"<!ENTITY % p SYSTEM "http://example.invalid/p.dtd"> %p;"#,
            r#"<!ENTITY % p "<!ENTITY e 'x'>"> %p;"#,
        ] {
            let doc = format!("<!DOCTYPE x [{subset}]><x>&e;</x>");
            assert_eq!(
                refused(&doc).finding,
                Finding::InternalSubset { entities: true },
                "{subset}"
            );
        }
    }

    #[test]
    fn plain_doctypes_are_accepted_and_malformed_ones_refused() {
        for ok in [
            "<!DOCTYPE rdf:RDF>",
            "<!doctype html>",
            "<!DOCTYPE rdf:RDF SYSTEM \"http://example.invalid/rdf.dtd\" >",
            "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\"\n  \"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">",
            "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\">",
        ] {
            accepted(&format!("<?xml version=\"1.0\"?>{ok}<x/>"));
        }
        for (bad, why) in [
            (
                "<!DOCTYPEx [<!ELEMENT a ANY>]><x/>",
                "no space before the name",
            ),
            ("<!DOCTYPE ><x/>", "no name"),
            (
                "<!DOCTYPE x FOO [<!ELEMENT a ANY>]><x/>",
                "unexpected text before '>'",
            ),
            (
                "<!DOCTYPE x SYSTEM><x/>",
                "SYSTEM/PUBLIC without a quoted identifier",
            ),
            ("<!DOCTYPE x SYSTEM \"a\"<x/>", "unexpected text before '>'"),
            ("<!DOCTYPE x SYSTEM \"a\"", "not closed"),
            ("<!DOCTYPE x SYSTEM \"a", "not closed"),
            ("<!DOCTYPE x", "not closed"),
            ("<!DOCTYPE", "not closed"),
        ] {
            assert_eq!(
                refused(bad).finding,
                Finding::MalformedDoctype(why),
                "{bad}"
            );
        }
        assert_eq!(
            refused("<!DOCTYPE [<!ELEMENT x ANY>]><x/>").finding,
            Finding::InternalSubset { entities: false }
        );
    }

    #[test]
    fn documents_without_dtds_pass() {
        accepted("");
        accepted("<");
        accepted("plain text & <unclosed tag='");
        accepted(&format!(
            "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!-- Katalog -->\n{RDF_HEAD}<rdf:Description rdf:about=\"http://example.org/x?a=1&amp;b=2\"><dct:title xml:lang=\"de\">Straßenbäume &lt;2024&gt;</dct:title></rdf:Description></rdf:RDF>"
        ));
    }

    /// The scan reads bytes, so it relies on the parsers reading UTF-8 (or,
    /// for CSW, ISO-8859-x) only: a UTF-16 document, whose markup the scan
    /// cannot see, must fail in both parsers without entity expansion. (Should
    /// quick-xml's `encoding` feature ever be enabled, this fails first.)
    #[test]
    fn utf16_documents_are_not_read() {
        // Three levels, the last named `e9` as the body refers to it.
        let doc =
            with_body(&nested_bomb("<!DOCTYPE", 3, 3).replace("<!ENTITY e2 ", "<!ENTITY e9 "));
        let cases: [(&[u8], bool); 4] = [
            (&[0xFF, 0xFE], false),
            (&[0xFE, 0xFF], true),
            (&[], false),
            (&[], true),
        ];
        for (bom, big_endian) in cases {
            let mut bytes = bom.to_vec();
            for unit in doc.encode_utf16() {
                bytes.extend(if big_endian {
                    unit.to_be_bytes()
                } else {
                    unit.to_le_bytes()
                });
            }
            assert!(
                check(&bytes, "RDF/XML").is_ok(),
                "the scan does not see UTF-16 markup"
            );
            let fetched = crate::fetch::Document {
                url: "http://example.org/catalog".into(),
                final_url: "http://example.org/catalog".into(),
                media_type: Some("application/rdf+xml".into()),
                validators: Default::default(),
                body: bytes.clone().into(),
            };
            let parsed = crate::rdf::parse_document(&fetched, &crate::rdf::ParseOptions::default());
            if let Ok(p) = parsed {
                panic!("a UTF-16 document was parsed: {:?}", p.triples);
            }
            let limits = crate::csw::xml::XmlLimits::default();
            assert!(crate::csw::xml::parse_tree(&bytes, &limits).is_err());
        }
    }

    /// The defusedxml attack files: every one with an internal subset is
    /// refused; the others (no DTD, or a DOCTYPE with only a PUBLIC id) pass.
    #[test]
    fn defusedxml_fixtures() {
        let Some(dir) = catalog_tests::fixtures("bad-input/xml-attacks/defusedxml") else {
            return;
        };
        let expected: &[(&str, Option<Finding>)] = &[
            (
                "cyclic.xml",
                Some(Finding::InternalSubset { entities: true }),
            ),
            ("dtd.xml", None),
            (
                "dtd_element.xml",
                Some(Finding::InternalSubset { entities: false }),
            ),
            (
                "external.xml",
                Some(Finding::InternalSubset { entities: true }),
            ),
            (
                "external_file.xml",
                Some(Finding::InternalSubset { entities: true }),
            ),
            (
                "quadratic.xml",
                Some(Finding::InternalSubset { entities: true }),
            ),
            ("schema-include.xsd", None),
            ("simple-ns.xml", None),
            ("simple.xml", None),
            (
                "xmlbomb.xml",
                Some(Finding::InternalSubset { entities: true }),
            ),
            (
                "xmlbomb2.xml",
                Some(Finding::InternalSubset { entities: true }),
            ),
        ];
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("")
                .to_owned();
            if name.starts_with("LICENSE") || name.ends_with(".md") {
                continue;
            }
            let Some((_, want)) = expected.iter().find(|(n, _)| *n == name) else {
                panic!("unexpected fixture {name}: add it to the table");
            };
            let body = std::fs::read(&path).unwrap_or_default();
            let got = check(&body, "XML").err().map(|e| e.finding);
            assert_eq!(got, *want, "{name}");
            seen += 1;
        }
        assert_eq!(seen, expected.len());
    }

    fn files_with(dir: &std::path::Path, exts: &[&str], out: &mut Vec<std::path::PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                files_with(&p, exts, out);
            } else if p
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| exts.contains(&e))
            {
                out.push(p);
            }
        }
    }

    /// The real RDF/XML DCAT catalogs pass the rule and still parse; the
    /// real CSW responses and ISO records pass it and are still read.
    #[test]
    fn real_rdf_xml_and_csw_fixtures_pass() {
        let (Some(dcat), Some(csw)) = (
            catalog_tests::fixtures("dcat"),
            catalog_tests::fixtures("csw"),
        ) else {
            return;
        };
        let mut rdf = Vec::new();
        files_with(&dcat, &["rdf", "xml", "owl"], &mut rdf);
        assert!(rdf.len() >= 15, "{rdf:?}");
        for path in &rdf {
            let body = std::fs::read(path).unwrap_or_default();
            if let Err(e) = check(&body, "RDF/XML") {
                panic!("{}: {e}", path.display());
            }
            let doc = crate::fetch::Document {
                url: "http://example.org/catalog".into(),
                final_url: "http://example.org/catalog".into(),
                media_type: Some("application/rdf+xml".into()),
                validators: Default::default(),
                body: body.into(),
            };
            match crate::rdf::parse_document(&doc, &crate::rdf::ParseOptions::default()) {
                Ok(parsed) => assert!(!parsed.triples.is_empty(), "{}", path.display()),
                Err(e) => panic!("{}: {e}", path.display()),
            }
        }
        let mut xml = Vec::new();
        files_with(&csw, &["xml"], &mut xml);
        assert!(xml.len() >= 100, "{}", xml.len());
        let limits = crate::csw::xml::XmlLimits::default();
        for path in &xml {
            let body = std::fs::read(path).unwrap_or_default();
            if let Err(e) = check(&body, "XML") {
                panic!("{}: {e}", path.display());
            }
            // The reader still reads them, but the one broken on purpose
            // (`error_bad_xml.xml`) and pycsw's JSON answers stored as `.xml`.
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let json = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
            let broken = name == "error_bad_xml.xml" || json;
            match crate::csw::xml::parse_tree(&body, &limits) {
                Err(e) if !broken => panic!("{}: {e}", path.display()),
                Ok(_) if broken => panic!("{} was expected to fail", path.display()),
                _ => {}
            }
        }
    }

    /// The cost of the rule next to the RDF/XML parse it protects, on the
    /// real RDF/XML catalogs and on a generated 10 MB page. A measurement,
    /// not a check: `cargo test -p harvester --lib scan_cost -- --ignored
    /// --nocapture`.
    #[test]
    #[ignore]
    fn scan_cost() {
        fn rate(bytes: usize, d: std::time::Duration) -> f64 {
            bytes as f64 / 1e6 / d.as_secs_f64()
        }
        fn measure(label: &str, docs: &[Vec<u8>]) {
            let bytes: usize = docs.iter().map(Vec::len).sum();
            let rounds = (200_000_000 / bytes.max(1)).clamp(1, 1000);
            let started = std::time::Instant::now();
            for _ in 0..rounds {
                for d in docs {
                    assert!(check(std::hint::black_box(d), "RDF/XML").is_ok());
                }
            }
            let scan = started.elapsed() / rounds as u32;
            let started = std::time::Instant::now();
            let mut triples = 0;
            for d in docs {
                let parser = oxrdfio::RdfParser::from_format(oxrdfio::RdfFormat::RdfXml)
                    .with_base_iri("http://example.org/")
                    .unwrap_or_else(|e| panic!("{e}"));
                triples += parser.for_slice(d).filter(Result::is_ok).count();
            }
            let parse = started.elapsed();
            eprintln!(
                "{label}: {} documents, {:.1} MB, {triples} triples: scan {:.2} ms ({:.0} MB/s), \
                 parse {:.1} ms ({:.1} MB/s): the scan costs {:.2}% of the parse",
                docs.len(),
                bytes as f64 / 1e6,
                scan.as_secs_f64() * 1e3,
                rate(bytes, scan),
                parse.as_secs_f64() * 1e3,
                rate(bytes, parse),
                100.0 * scan.as_secs_f64() / parse.as_secs_f64()
            );
        }
        if let Some(dcat) = catalog_tests::fixtures("dcat") {
            let mut files = Vec::new();
            files_with(&dcat, &["rdf", "xml"], &mut files);
            let docs: Vec<Vec<u8>> = files
                .iter()
                .map(|p| std::fs::read(p).unwrap_or_default())
                .collect();
            measure("real RDF/XML fixtures", &docs);
        }
        let mut page = format!("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n{RDF_HEAD}\n");
        let mut i = 0;
        while page.len() < 10_000_000 {
            page.push_str(&format!(
                "<rdf:Description rdf:about=\"https://stadt.example/ds/{i}\">\
                 <rdf:type rdf:resource=\"http://www.w3.org/ns/dcat#Dataset\"/>\
                 <dct:identifier>ds-{i}</dct:identifier>\
                 <dct:title xml:lang=\"de\">Datensatz {i} der Stadt &amp; des Landkreises</dct:title>\
                 <dct:description xml:lang=\"de\">Beschreibung des Datensatzes {i}, mit etwas Text \
                 über Straßenbäume, Radwege und Haltestellen im Stadtgebiet.</dct:description>\
                 <dct:modified rdf:datatype=\"http://www.w3.org/2001/XMLSchema#date\">2024-03-01</dct:modified>\
                 <dct:publisher rdf:resource=\"https://stadt.example/org/1\"/>\
                 </rdf:Description>\n"
            ));
            i += 1;
        }
        page.push_str("</rdf:RDF>\n");
        measure("generated page", &[page.into_bytes()]);
    }
}
