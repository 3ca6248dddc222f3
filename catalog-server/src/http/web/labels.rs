//! Names of the IRIs the pages show: EU data themes, licences (EU and
//! DCAT-AP.de) and high-value dataset categories, German and English, from
//! the shipped vocabularies' `skos:prefLabel`s.

use super::Lang;
use oxrdfio::{RdfFormat, RdfParser};
use std::collections::HashMap;
use std::sync::LazyLock;

const PREF_LABEL: &str = "http://www.w3.org/2004/02/skos/core#prefLabel";
const IN_SCHEME: &str = "http://www.w3.org/2004/02/skos/core#inScheme";
/// The EU data theme scheme.
pub const THEME_SCHEME: &str = "http://publications.europa.eu/resource/authority/data-theme";

/// The vocabulary files labels are read from.
const FILES: &[&str] = &[
    "eu/data-theme.ttl",
    "eu/licence.ttl",
    "dcat-ap-de/licenses.ttl",
    "eu/hvd-category.ttl",
];

#[derive(Default)]
struct Labels {
    /// IRI → (German, English).
    names: HashMap<String, (Option<String>, Option<String>)>,
    /// The EU data themes' IRIs.
    themes: Vec<String>,
}

static LABELS: LazyLock<Labels> = LazyLock::new(|| {
    let mut labels = Labels::default();
    for file in FILES {
        let Some(bytes) = crate::validation::vocabulary_file(file) else {
            tracing::error!("vocabulary {file} is not shipped");
            continue;
        };
        for quad in RdfParser::from_format(RdfFormat::Turtle).for_slice(bytes) {
            let quad = match quad {
                Ok(q) => q,
                Err(e) => {
                    tracing::error!("vocabulary {file}: {e}");
                    break;
                }
            };
            let subject = match &quad.subject {
                oxrdf::NamedOrBlankNode::NamedNode(n) => n.as_str().to_owned(),
                _ => continue,
            };
            match (quad.predicate.as_str(), &quad.object) {
                (PREF_LABEL, oxrdf::Term::Literal(l)) => {
                    let entry = labels.names.entry(subject).or_default();
                    match l.language() {
                        Some("de") => entry.0 = Some(l.value().to_owned()),
                        Some("en") | None => entry.1 = Some(l.value().to_owned()),
                        _ => {}
                    }
                }
                // OP_DATPRO ("provisional data") is no theme a dataset is filed under.
                (IN_SCHEME, oxrdf::Term::NamedNode(s))
                    if s.as_str() == THEME_SCHEME && !subject.ends_with("/OP_DATPRO") =>
                {
                    labels.themes.push(subject)
                }
                _ => {}
            }
        }
    }
    labels
});

/// The name of an IRI in a language (the other language's, else the IRI's
/// last segment, when the vocabularies do not name it).
pub fn label(iri: &str, lang: Lang) -> String {
    if let Some((de, en)) = LABELS.names.get(iri) {
        let (first, second) = match lang {
            Lang::De => (de, en),
            Lang::En => (en, de),
        };
        if let Some(l) = first.as_ref().or(second.as_ref()) {
            return l.clone();
        }
    }
    last_segment(iri)
}

/// The last path segment of an IRI (the IRI itself when it has none).
pub fn last_segment(iri: &str) -> String {
    iri.trim_end_matches('/')
        .rsplit(['/', '#'])
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or(iri)
        .to_owned()
}

/// The EU data themes' IRIs.
pub fn themes() -> &'static [String] {
    &LABELS.themes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn themes_and_licences_are_named_in_both_languages() {
        assert_eq!(themes().len(), 13, "the EU data themes");
        let agri = "http://publications.europa.eu/resource/authority/data-theme/AGRI";
        assert_eq!(
            label(agri, Lang::De),
            "Landwirtschaft, Fischerei, Forstwirtschaft und Nahrungsmittel"
        );
        assert_eq!(
            label(agri, Lang::En),
            "Agriculture, fisheries, forestry and food"
        );
        let by = "http://dcat-ap.de/def/licenses/cc-by/4.0";
        assert_ne!(label(by, Lang::De), "4.0", "DCAT-AP.de licences are named");
        assert_eq!(label("http://example.org/x/unknown", Lang::De), "unknown");
    }
}
