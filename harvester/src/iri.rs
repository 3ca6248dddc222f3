//! IRIs and language tags as real portals write them: what RFC 3987 and
//! BCP 47 allow, and the repair of what they do not.
//!
//! Real catalogs carry IRIs with spaces (`tel:+49 40 4 28 40 - 3494`),
//! square brackets in queries (`karten.html?LAYER[zoom]=1`), stray `%` and a
//! second `#`. A strict parser refuses the whole document for one of them;
//! the harvester parses leniently instead and then checks every term of
//! every triple ([`tolerate`]). An IRI that is not valid is **repaired** by
//! percent-encoding (as UTF-8 bytes) exactly what RFC 3987 forbids where it
//! stands:
//!
//! - ASCII control characters, space and `"` `<` `>` `\` `^` `` ` `` `{`
//!   `|` `}` anywhere;
//! - `[` and `]` outside the authority (they are only allowed around an IPv6
//!   host);
//! - a `#` after the first one (a fragment cannot hold `#`);
//! - a `%` not followed by two hexadecimal digits (`%` → `%25`);
//! - non-ASCII characters outside RFC 3987's `ucschar` (and `iprivate` in
//!   the query), e.g. the noncharacter U+FFFE;
//! - white space around the IRI is removed.
//!
//! Everything else stays as written (no case folding, no normalization), so
//! a valid IRI is never changed. What still does not parse (no scheme, a
//! malformed authority) is not an IRI: its triple is dropped. A language tag
//! that is not BCP 47 has its `_` replaced by `-` (`de_DE`); if still not
//! valid, the literal keeps its text without the tag. Every repair and drop
//! is returned as a [`Repair`], for the report.

use oxrdf::{vocab::rdf, Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, Term, Triple};

/// Whether `text` is a valid absolute IRI (RFC 3987).
pub fn is_valid(text: &str) -> bool {
    NamedNodeRef::new(text).is_ok()
}

/// `text` as a valid IRI: unchanged when it is one, repaired as the module
/// documentation says when it can be, `None` when it cannot.
pub fn repair(text: &str) -> Option<String> {
    if is_valid(text) {
        return Some(text.to_owned());
    }
    let trimmed = text.trim();
    let mut out = String::with_capacity(trimmed.len() + 16);
    // The authority: after "scheme://" up to the next '/', '?' or '#'.
    let scheme_end = trimmed.find(':');
    let authority = scheme_end
        .filter(|&i| trimmed[i + 1..].starts_with("//"))
        .map(|i| {
            let start = i + 3;
            let end = trimmed[start..]
                .find(['/', '?', '#'])
                .map_or(trimmed.len(), |e| start + e);
            start..end
        });
    let query_start = trimmed.find('?');
    let mut seen_hash = false;
    let bytes = trimmed.as_bytes();
    for (i, c) in trimmed.char_indices() {
        let in_authority = authority.as_ref().is_some_and(|a| a.contains(&i));
        let in_query = query_start.is_some_and(|q| i > q);
        let encode = match c {
            '%' => {
                !(bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                    && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
            }
            '#' => std::mem::replace(&mut seen_hash, true),
            '[' | ']' => !in_authority,
            ' ' | '"' | '<' | '>' | '\\' | '^' | '`' | '{' | '|' | '}' => true,
            c if c.is_ascii_control() => true,
            c if c.is_ascii() => false,
            c => !(is_ucschar(c) || (in_query && is_iprivate(c))),
        };
        if encode {
            let mut buf = [0; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    is_valid(&out).then_some(out)
}

/// RFC 3987 `ucschar`.
fn is_ucschar(c: char) -> bool {
    matches!(u32::from(c),
        0xA0..=0xD7FF | 0xF900..=0xFDCF | 0xFDF0..=0xFFEF
        | 0x10000..=0x1FFFD | 0x20000..=0x2FFFD | 0x30000..=0x3FFFD
        | 0x40000..=0x4FFFD | 0x50000..=0x5FFFD | 0x60000..=0x6FFFD
        | 0x70000..=0x7FFFD | 0x80000..=0x8FFFD | 0x90000..=0x9FFFD
        | 0xA0000..=0xAFFFD | 0xB0000..=0xBFFFD | 0xC0000..=0xCFFFD
        | 0xD0000..=0xDFFFD | 0xE1000..=0xEFFFD)
}

/// RFC 3987 `iprivate` (allowed in the query only).
fn is_iprivate(c: char) -> bool {
    matches!(u32::from(c), 0xE000..=0xF8FF | 0xF0000..=0xFFFFD | 0x100000..=0x10FFFD)
}

/// Whether `tag` is a valid BCP 47 language tag.
pub fn is_valid_language(tag: &str) -> bool {
    oxilangtag::LanguageTag::parse(tag).is_ok()
}

/// What [`tolerate`] changed in one triple.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repair {
    /// The triple's subject as stored (repaired when it was the bad term).
    pub subject: NamedOrBlankNode,
    /// The triple's predicate as written.
    pub predicate: String,
    /// What was wrong, e.g. `IRI "tel:+49 40 1"`.
    pub found: String,
    /// What is stored instead (`None`: the triple was dropped).
    pub stored: Option<String>,
    /// The triple as stored (`None`: dropped).
    pub triple: Option<Triple>,
}

impl Repair {
    /// One line for a person: what was found, in which property, and what
    /// became of it.
    pub fn describe(&self) -> String {
        match &self.stored {
            Some(s) => format!(
                "{} in <{}> is not valid; stored as {s}",
                self.found, self.predicate
            ),
            None => format!(
                "{} in <{}> is not valid and cannot be repaired; the statement is left out",
                self.found, self.predicate
            ),
        }
    }
}

/// The triples with every IRI and language tag checked: valid ones pass
/// unchanged (without copying), invalid ones are repaired or their triple
/// dropped, each such change listed.
pub fn tolerate(triples: Vec<Triple>) -> (Vec<Triple>, Vec<Repair>) {
    let mut repairs = Vec::new();
    // Which triples need a look: IRIs repeat (predicates, classes, the
    // catalog's own nodes), so each distinct text is checked once.
    let bad: Vec<bool> = {
        let mut seen = Checked::default();
        triples.iter().map(|t| !seen.triple(t)).collect()
    };
    if !bad.contains(&true) {
        return (triples, repairs);
    }
    let mut out = Vec::with_capacity(triples.len());
    for (t, bad) in triples.into_iter().zip(bad) {
        if !bad {
            out.push(t);
            continue;
        }
        let predicate = t.predicate.as_str().to_owned();
        let mut found = Vec::new();
        let mut stored = Vec::new();
        let mut fix = |iri: &str| -> Option<NamedNode> {
            if is_valid(iri) {
                return Some(NamedNode::new_unchecked(iri));
            }
            found.push(format!("IRI {iri:?}"));
            let r = repair(iri);
            stored.push(r.as_ref().map(|r| format!("<{r}>")));
            r.map(NamedNode::new_unchecked)
        };
        let subject = match &t.subject {
            NamedOrBlankNode::NamedNode(n) => fix(n.as_str()).map(NamedOrBlankNode::NamedNode),
            other => Some(other.clone()),
        };
        let p = fix(t.predicate.as_str());
        let object = match &t.object {
            Term::NamedNode(n) => fix(n.as_str()).map(Term::NamedNode),
            Term::Literal(l) => {
                let value = l.value();
                let datatype = l.datatype();
                match l.language() {
                    Some(lang) => Some(Term::Literal(literal_with_language(
                        value,
                        lang,
                        &mut found,
                        &mut stored,
                    ))),
                    None if datatype == rdf::LANG_STRING => {
                        found.push(format!("literal {value:?} typed rdf:langString"));
                        stored.push(Some(format!("{value:?}")));
                        Some(Term::Literal(Literal::new_simple_literal(value)))
                    }
                    None => fix(datatype.as_str())
                        .map(|dt| Term::Literal(Literal::new_typed_literal(value, dt))),
                }
            }
            other => Some(other.clone()),
        };
        let subject_kept = subject.clone();
        let triple = match (subject, p, object) {
            (Some(s), Some(p), Some(o)) => Some(Triple::new(s, p, o)),
            _ => None,
        };
        let stored_text = if triple.is_some() {
            Some(stored.into_iter().flatten().collect::<Vec<_>>().join(", "))
        } else {
            None
        };
        repairs.push(Repair {
            subject: subject_kept.unwrap_or_else(|| t.subject.clone()),
            predicate,
            found: found.join(", "),
            stored: stored_text,
            triple: triple.clone(),
        });
        out.extend(triple);
    }
    (out, repairs)
}

fn literal_with_language(
    value: &str,
    lang: &str,
    found: &mut Vec<String>,
    stored: &mut Vec<Option<String>>,
) -> Literal {
    if is_valid_language(lang) {
        return Literal::new_language_tagged_literal_unchecked(value, lang.to_ascii_lowercase());
    }
    found.push(format!("language tag {lang:?}"));
    let dashed = lang.trim().replace('_', "-").to_ascii_lowercase();
    if is_valid_language(&dashed) {
        stored.push(Some(format!("@{dashed}")));
        return Literal::new_language_tagged_literal_unchecked(value, dashed);
    }
    stored.push(Some("a literal without language tag".to_owned()));
    Literal::new_simple_literal(value)
}

/// The IRIs and language tags found valid so far (borrowed from the
/// triples being checked).
#[derive(Default)]
struct Checked<'a> {
    valid: foldhash::HashSet<&'a str>,
}

impl<'a> Checked<'a> {
    /// `valid(text)`, remembered when true. Tags and IRIs cannot be
    /// confused: a valid IRI has a ':', a language tag never.
    fn check(&mut self, text: &'a str, valid: fn(&str) -> bool) -> bool {
        if self.valid.contains(text) {
            return true;
        }
        let ok = valid(text);
        if ok {
            self.valid.insert(text);
        }
        ok
    }

    fn iri(&mut self, text: &'a str) -> bool {
        self.check(text, is_valid)
    }

    fn triple(&mut self, t: &'a Triple) -> bool {
        let subject = match &t.subject {
            NamedOrBlankNode::NamedNode(n) => self.iri(n.as_str()),
            _ => true,
        };
        subject
            && self.iri(t.predicate.as_str())
            && match &t.object {
                Term::NamedNode(n) => self.iri(n.as_str()),
                Term::Literal(l) => match l.language() {
                    Some(lang) => self.check(lang, is_valid_language),
                    None => {
                        let dt = l.datatype();
                        dt != rdf::LANG_STRING && self.iri(dt.as_str())
                    }
                },
                _ => true,
            }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_iris_are_unchanged() {
        for iri in [
            "http://example.org/a b".replace(' ', "%20").as_str(),
            "https://example.org/straße?x=ä#frag",
            "http://[::1]:8080/path",
            "urn:uuid:1234",
            "tel:+49-40-428403494",
            "mailto:a@b.de",
        ] {
            assert_eq!(repair(iri).as_deref(), Some(iri), "{iri}");
        }
    }

    #[test]
    fn forbidden_characters_are_percent_encoded() {
        for (bad, good) in [
            (
                "tel:+49 40 4 28 40 - 3494",
                "tel:+49%2040%204%2028%2040%20-%203494",
            ),
            (
                "https://geo.example/karten.html?LAYER[zoom]=1&LAYER[id]=38836",
                "https://geo.example/karten.html?LAYER%5Bzoom%5D=1&LAYER%5Bid%5D=38836",
            ),
            ("http://example.org/a#b#c", "http://example.org/a#b%23c"),
            ("http://example.org/100%", "http://example.org/100%25"),
            ("http://example.org/%zz", "http://example.org/%25zz"),
            (
                "http://example.org/{id}|x",
                "http://example.org/%7Bid%7D%7Cx",
            ),
            ("  http://example.org/x \n", "http://example.org/x"),
            (
                "http://example.org/a\u{FFFE}b",
                "http://example.org/a%EF%BF%BEb",
            ),
            ("http://example.org/q\"<>", "http://example.org/q%22%3C%3E"),
        ] {
            assert!(!is_valid(bad), "{bad}");
            assert_eq!(repair(bad).as_deref(), Some(good), "{bad}");
        }
    }

    #[test]
    fn what_is_not_an_iri_is_not_repaired() {
        for bad in ["no scheme here", "", "http://exa mple.org:port/"] {
            assert_eq!(repair(bad), None, "{bad}");
        }
    }

    #[test]
    fn tolerate_repairs_and_reports() {
        let s = NamedNode::new_unchecked("http://example.org/d");
        let good = Triple::new(
            s.clone(),
            NamedNode::new_unchecked("http://purl.org/dc/terms/title"),
            Literal::new_language_tagged_literal_unchecked("T", "de"),
        );
        let tel = Triple::new(
            s.clone(),
            NamedNode::new_unchecked("http://www.w3.org/2006/vcard/ns#hasTelephone"),
            NamedNode::new_unchecked("tel:+49 40"),
        );
        let lang = Triple::new(
            s.clone(),
            NamedNode::new_unchecked("http://purl.org/dc/terms/description"),
            Literal::new_language_tagged_literal_unchecked("D", "de_DE"),
        );
        let lang2 = Triple::new(
            s.clone(),
            NamedNode::new_unchecked("http://purl.org/dc/terms/description"),
            Literal::new_language_tagged_literal_unchecked("E", "deutsch sprache"),
        );
        let dropped = Triple::new(
            s.clone(),
            NamedNode::new_unchecked("http://purl.org/dc/terms/source"),
            NamedNode::new_unchecked("not an iri"),
        );
        let (out, repairs) = tolerate(vec![good.clone(), tel, lang, lang2, dropped]);
        assert_eq!(out.len(), 4);
        assert_eq!(out[0], good);
        assert_eq!(out[1].object.to_string(), "<tel:+49%2040>");
        assert_eq!(out[2].object.to_string(), "\"D\"@de-de");
        assert_eq!(out[3].object.to_string(), "\"E\"");
        assert_eq!(repairs.len(), 4);
        assert!(repairs[0].describe().contains("\"tel:+49 40\""));
        assert!(repairs[0].describe().contains("<tel:+49%2040>"));
        assert_eq!(repairs[3].stored, None);
        assert_eq!(repairs[3].triple, None);
        assert!(repairs[3].describe().contains("left out"));
        assert!(repairs.iter().all(|r| r.subject == s.clone().into()));
    }
}
