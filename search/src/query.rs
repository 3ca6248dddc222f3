//! The citizen query language and its translation to Tantivy queries.
//!
//! - words: all must match (in title, keywords, description, publisher,
//!   source, theme labels: one combined field per analyzer, see
//!   [`crate::schema::Fields::text_de`], and the boosted title field);
//! - `"a phrase"`: the words in this order;
//! - `-word`, `-"a phrase"`: must not match;
//! - `a OR b`: either (binds tighter than the implicit AND);
//! - `field:word` / `field:"a phrase"` with field one of `title`,
//!   `description`, `keyword`, `publisher`, `source`, `theme`, `format`,
//!   `license`, `geocoding`, `id`, `iri`.
//!
//! A query that does not follow the grammar (an unclosed quote, a dangling
//! `OR` or `-`) is searched as plain words instead: [`parse`] never fails.

use crate::analysis;
use crate::schema::Fields;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, DisjunctionMaxQuery, FuzzyTermQuery, Occur, PhraseQuery,
    Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Searcher, Term};

/// Where an atom is searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// All text fields.
    All,
    Title,
    Description,
    Keyword,
    Publisher,
    Source,
    Theme,
    /// Exact facet value (case-sensitive, except format which is upper-cased).
    Facet(usize),
    Id,
    Iri,
    /// Title words as written, stop words included: what the words of a
    /// query of stop words only search (see [`drop_stop_words`]). No prefix
    /// names it.
    Words,
}

impl Target {
    fn by_name(name: &str) -> Option<Target> {
        Some(match name.to_ascii_lowercase().as_str() {
            "title" | "titel" => Target::Title,
            "description" | "beschreibung" => Target::Description,
            "keyword" | "keywords" | "schlagwort" => Target::Keyword,
            "publisher" | "herausgeber" => Target::Publisher,
            "source" | "quelle" => Target::Source,
            "theme" | "thema" => Target::Theme,
            "format" => Target::Facet(3),
            "license" | "licence" | "lizenz" => Target::Facet(4),
            "geocoding" => Target::Facet(6),
            "id" => Target::Id,
            "iri" | "dataset" => Target::Iri,
            _ => return None,
        })
    }
}

/// A word or phrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Atom {
    pub target: Target,
    pub text: String,
    pub phrase: bool,
}

/// Atoms of which one must match (`a OR b`), possibly negated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    pub negated: bool,
    pub alternatives: Vec<Atom>,
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Parsed {
    pub clauses: Vec<Clause>,
    /// The query did not follow the grammar and is searched as plain words.
    pub fallback: bool,
}

#[derive(Debug)]
enum Tok {
    Word {
        neg: bool,
        target: Target,
        text: String,
        phrase: bool,
    },
    Or,
}

fn lex(q: &str) -> Result<Vec<Tok>, ()> {
    let mut out = Vec::new();
    let chars: Vec<char> = q.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let mut neg = false;
        if chars[i] == '-' {
            neg = true;
            i += 1;
            if i >= chars.len() || chars[i].is_whitespace() {
                return Err(());
            }
        }
        // Optional field prefix.
        let mut target = Target::All;
        let start = i;
        let mut j = i;
        while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_') {
            j += 1;
        }
        if j < chars.len() && chars[j] == ':' && j > start {
            let name: String = chars[start..j].iter().collect();
            if let Some(t) = Target::by_name(&name) {
                target = t;
                i = j + 1;
            }
        }
        if i < chars.len() && chars[i] == '"' {
            let close = chars[i + 1..].iter().position(|c| *c == '"').ok_or(())?;
            let text: String = chars[i + 1..i + 1 + close].iter().collect();
            i = i + 1 + close + 1;
            out.push(Tok::Word {
                neg,
                target,
                text,
                phrase: true,
            });
            continue;
        }
        let s = i;
        while i < chars.len() && !chars[i].is_whitespace() {
            if chars[i] == '"' {
                return Err(());
            }
            i += 1;
        }
        let text: String = chars[s..i].iter().collect();
        if text.is_empty() {
            return Err(());
        }
        if text == "OR" && !neg && target == Target::All {
            out.push(Tok::Or);
        } else {
            out.push(Tok::Word {
                neg,
                target,
                text,
                phrase: false,
            });
        }
    }
    Ok(out)
}

/// Parses a query; never fails (see the module docs).
pub fn parse(q: &str) -> Parsed {
    // Canonical composition first, as the index's text (see
    // [`crate::analysis::nfc`]): "Bäume" typed with a combining diaeresis
    // is the same word.
    let q = &crate::analysis::nfc(q);
    match parse_strict(q) {
        Ok(clauses) => Parsed {
            clauses,
            fallback: false,
        },
        Err(()) => Parsed {
            clauses: plain_words(q),
            fallback: true,
        },
    }
}

fn plain_words(q: &str) -> Vec<Clause> {
    q.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && *w != "OR")
        .map(|w| Clause {
            negated: false,
            alternatives: vec![Atom {
                target: Target::All,
                text: w.to_owned(),
                phrase: false,
            }],
        })
        .collect()
}

fn parse_strict(q: &str) -> Result<Vec<Clause>, ()> {
    let toks = lex(q)?;
    let mut clauses: Vec<Clause> = Vec::new();
    let mut pending_or = false;
    for t in toks {
        match t {
            Tok::Or => {
                let prev_ok = clauses.last().is_some_and(|c| !c.negated);
                if pending_or || !prev_ok {
                    return Err(());
                }
                pending_or = true;
            }
            Tok::Word {
                neg,
                target,
                text,
                phrase,
            } => {
                let atom = Atom {
                    target,
                    text,
                    phrase,
                };
                if pending_or {
                    if neg {
                        return Err(());
                    }
                    match clauses.last_mut() {
                        Some(c) => c.alternatives.push(atom),
                        None => return Err(()),
                    }
                    pending_or = false;
                } else {
                    clauses.push(Clause {
                        negated: neg,
                        alternatives: vec![atom],
                    });
                }
            }
        }
    }
    if pending_or {
        return Err(());
    }
    Ok(clauses)
}

/// Whether an atom is a word or phrase of stop words only, searched in
/// analyzed text.
fn is_stop_atom(a: &Atom) -> bool {
    !matches!(
        a.target,
        Target::Facet(_) | Target::Id | Target::Iri | Target::Words
    ) && analysis::only_stop_words(&a.text)
}

/// Query analysis as index analysis: words and phrases of stop words only
/// ("für", "fuer", "des", "the") are never required, in any clause (the
/// German analyzer drops them, the English one keeps some, so a required
/// stop word would find nothing in German text). A query whose positive
/// words are all stop words searches them instead in the titles as written
/// ([`Target::Words`], all required): "Was ist wo" still finds a title.
pub fn drop_stop_words(mut parsed: Parsed) -> Parsed {
    let content = parsed
        .clauses
        .iter()
        .any(|c| !c.negated && c.alternatives.iter().any(|a| !is_stop_atom(a)));
    for c in &mut parsed.clauses {
        if !content && !c.negated {
            for a in &mut c.alternatives {
                if is_stop_atom(a) {
                    a.target = Target::Words;
                }
            }
        } else {
            c.alternatives.retain(|a| !is_stop_atom(a));
        }
    }
    parsed.clauses.retain(|c| !c.alternatives.is_empty());
    parsed
}

/// The shipped synonym list (see its header).
const SYNONYM_LIST: &str = include_str!("../lists/synonyms-de.txt");

/// How a synonym is looked up: lowercased, umlauts and ß folded as German
/// text is, hyphens dropped, spaces collapsed.
fn synonym_key(text: &str) -> String {
    let lower = text.to_lowercase().replace('-', "");
    let mut out = String::new();
    analysis::normalize_german(&lower, &mut out);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The synonym groups by member key: each member's group (as written).
fn synonyms() -> &'static std::collections::HashMap<String, Vec<String>> {
    static MAP: std::sync::OnceLock<std::collections::HashMap<String, Vec<String>>> =
        std::sync::OnceLock::new();
    MAP.get_or_init(|| {
        let mut map: std::collections::HashMap<String, Vec<String>> =
            std::collections::HashMap::new();
        for line in SYNONYM_LIST.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let group: Vec<String> = line
                .split(',')
                .map(str::trim)
                .filter(|m| !m.is_empty())
                .map(str::to_owned)
                .collect();
            for m in &group {
                map.entry(synonym_key(m))
                    .or_default()
                    .extend(group.iter().cloned());
            }
        }
        map
    })
}

/// Adds the synonyms of the shipped list (`search/lists/synonyms-de.txt`)
/// to each positive unprefixed word as `OR` alternatives ("kita" also
/// finds "Kindertagesstätte"; a synonym of several words is a phrase).
pub fn expand_synonyms(mut parsed: Parsed) -> Parsed {
    for clause in parsed.clauses.iter_mut().filter(|c| !c.negated) {
        let mut seen: std::collections::HashSet<String> = clause
            .alternatives
            .iter()
            .map(|a| synonym_key(&a.text))
            .collect();
        let mut extra = Vec::new();
        for a in &clause.alternatives {
            if a.target != Target::All || a.phrase {
                continue;
            }
            for member in synonyms().get(&synonym_key(&a.text)).into_iter().flatten() {
                if seen.insert(synonym_key(member)) {
                    extra.push(Atom {
                        target: Target::All,
                        text: member.clone(),
                        phrase: member.contains(' '),
                    });
                }
            }
        }
        clause.alternatives.extend(extra);
    }
    parsed
}

/// A flat word query (see [`QueryBuilder::build_flat`]).
pub struct FlatQuery {
    /// All terms, boosted as in [`QueryBuilder::build`]: for the best hits.
    pub scoring: Box<dyn Query>,
    /// The terms of the combined text fields only: the same documents
    /// (every title is also indexed in its language's combined field, see
    /// `SearchIndex::document`), fewer posting lists to read; for counting.
    pub matching: Box<dyn Query>,
    /// The terms and boosts per word (`OR` alternative), in the order
    /// [`QueryBuilder::build`] nests them: adding the term scores of each
    /// word, then the words, in this order gives the single pass's score
    /// exactly.
    pub groups: Vec<Vec<(Term, f32)>>,
}

/// `q` with `boost` (left alone when the boost is 1).
fn boosted(q: Box<dyn Query>, boost: f32) -> Box<dyn Query> {
    if (boost - 1.0).abs() > f32::EPSILON {
        Box::new(BoostQuery::new(q, boost))
    } else {
        q
    }
}

/// Builds Tantivy queries for parsed citizen queries.
pub struct QueryBuilder {
    fields: Fields,
    de: TextAnalyzer,
    en: TextAnalyzer,
    plain: TextAnalyzer,
    words: TextAnalyzer,
    de_rev: TextAnalyzer,
    /// The index whose terms fuzzy matching, compounds and joined words
    /// are looked up in (none: exact words only).
    vocabulary: Option<Searcher>,
}

/// Terms of the query per analyzer, for highlighting.
#[derive(Debug, Default, Clone)]
pub struct HighlightTerms {
    pub german: Vec<String>,
    pub english: Vec<String>,
}

#[derive(Clone, Copy)]
enum Analyzer {
    De,
    En,
    Plain,
    Words,
}

impl QueryBuilder {
    pub fn new(fields: Fields) -> Self {
        Self {
            fields,
            de: analysis::german(),
            en: analysis::english(),
            plain: analysis::plain(),
            words: analysis::words(),
            de_rev: analysis::german_reversed(),
            vocabulary: None,
        }
    }

    /// Looks terms up in `searcher`'s index: needed for fuzzy matching,
    /// compounds and joined words.
    pub fn with_vocabulary(mut self, searcher: &Searcher) -> Self {
        self.vocabulary = Some(searcher.clone());
        self
    }

    fn text_fields(&self, target: Target) -> Vec<(Field, Analyzer, f32)> {
        let f = &self.fields;
        use Analyzer::*;
        match target {
            // One combined field per analyzer (keywords repeated for their
            // boost) plus the short title field (boosted: a short title
            // that is the query ranks first): at most two posting lists per
            // language to score instead of ten fields.
            Target::All => vec![
                (f.title_de, De, 2.0),
                (f.title_en, En, 2.0),
                (f.text_de, De, 1.0),
                (f.text_en, En, 1.0),
                (f.text_plain, Plain, 0.5),
            ],
            Target::Title => vec![(f.title_de, De, 1.0), (f.title_en, En, 1.0)],
            Target::Description => vec![(f.desc_de, De, 1.0), (f.desc_en, En, 1.0)],
            Target::Keyword => vec![(f.keywords_de, De, 1.0), (f.keywords_en, En, 1.0)],
            Target::Publisher => vec![(f.publisher_text, De, 1.0)],
            Target::Source => vec![(f.source_text, De, 1.0)],
            Target::Theme => vec![(f.theme_text, De, 1.0)],
            Target::Words => vec![(f.title_words, Words, 1.0)],
            Target::Facet(_) | Target::Id | Target::Iri => Vec::new(),
        }
    }

    fn analyze(&mut self, a: Analyzer, text: &str) -> Vec<(usize, String)> {
        let analyzer = match a {
            Analyzer::De => &mut self.de,
            Analyzer::En => &mut self.en,
            Analyzer::Plain => &mut self.plain,
            Analyzer::Words => &mut self.words,
        };
        let mut out = Vec::new();
        let mut stream = analyzer.token_stream(text);
        while let Some(t) = stream.next() {
            out.push((t.position, t.text.clone()));
        }
        out
    }

    /// The query for one atom, or `None` when it has no searchable token
    /// (only stop words). `fuzzy`: also match the index's terms near a
    /// word's (see [`fuzzy_terms`]) and, in German fields, the compounds
    /// that begin or end with it (see [`compound_terms`]).
    fn atom_query(
        &mut self,
        atom: &Atom,
        fuzzy: bool,
        hl: &mut HighlightTerms,
    ) -> Option<Box<dyn Query>> {
        let exact_field = match atom.target {
            Target::Facet(i) => Some(self.fields.facets[i]),
            Target::Id => Some(self.fields.rid),
            Target::Iri => Some(self.fields.dataset),
            _ => None,
        };
        if let Some(field) = exact_field {
            let value = if atom.target == Target::Facet(3) {
                atom.text.trim().to_uppercase()
            } else {
                atom.text.trim().to_owned()
            };
            return Some(Box::new(TermQuery::new(
                Term::from_field_text(field, &value),
                IndexRecordOption::Basic,
            )));
        }
        let mut disjuncts: Vec<Box<dyn Query>> = Vec::new();
        for (field, analyzer, boost) in self.text_fields(atom.target) {
            let tokens = self.analyze(analyzer, &atom.text);
            if tokens.is_empty() {
                continue;
            }
            match analyzer {
                Analyzer::De => hl.german.extend(tokens.iter().map(|(_, t)| t.clone())),
                Analyzer::En => hl.english.extend(tokens.iter().map(|(_, t)| t.clone())),
                Analyzer::Plain | Analyzer::Words => {}
            }
            let q: Box<dyn Query> = if tokens.len() == 1 {
                let term = Term::from_field_text(field, &tokens[0].1);
                let exact: Box<dyn Query> =
                    Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs));
                let near = match &self.vocabulary {
                    Some(searcher) if fuzzy && !atom.phrase && atom.target != Target::Words => {
                        let mut near = fuzzy_terms(searcher, &term, &tokens[0].1);
                        if matches!(analyzer, Analyzer::De) {
                            let backwards = analysis::tokens(&mut self.de_rev, &atom.text);
                            near.extend(last_part(searcher, field, &atom.text, &mut self.de));
                            if let [backwards] = backwards.as_slice() {
                                near.extend(compound_terms(
                                    searcher,
                                    (field, &tokens[0].1),
                                    (self.fields.text_rev, backwards),
                                    &mut self.de,
                                ));
                            }
                        }
                        near
                    }
                    _ => Vec::new(),
                };
                if near.is_empty() {
                    exact
                } else {
                    let mut alts: Vec<(Occur, Box<dyn Query>)> =
                        vec![(Occur::Should, Box::new(BoostQuery::new(exact, 2.0)))];
                    alts.extend(near.into_iter().map(|t| {
                        let q: Box<dyn Query> =
                            Box::new(TermQuery::new(t, IndexRecordOption::WithFreqs));
                        (Occur::Should, q)
                    }));
                    Box::new(BooleanQuery::new(alts))
                }
            } else {
                let first = tokens[0].0;
                let terms: Vec<(usize, Term)> = tokens
                    .iter()
                    .map(|(p, t)| (p - first, Term::from_field_text(field, t)))
                    .collect();
                Box::new(PhraseQuery::new_with_offset(terms))
            };
            disjuncts.push(boosted(q, boost));
        }
        match disjuncts.len() {
            0 => None,
            1 => disjuncts.pop(),
            // Unprefixed words: title and combined text add up (the title
            // field is a boost on top of the text, not an alternative).
            _ if atom.target == Target::All => Some(Box::new(BooleanQuery::new(
                disjuncts.into_iter().map(|q| (Occur::Should, q)).collect(),
            ))),
            _ => Some(Box::new(DisjunctionMaxQuery::with_tie_breaker(
                disjuncts, 0.2,
            ))),
        }
    }

    /// The text part of a search: `None` means "match everything".
    /// `fuzzy`: words also match the index's terms near them (see
    /// [`fuzzy_terms`]); `relax: Some(found)`, after a stricter step found
    /// `found` datasets: not every positive clause must match (see
    /// [`relaxes`]). The third value says whether the query was relaxed.
    pub fn build(
        &mut self,
        parsed: &Parsed,
        fuzzy: bool,
        relax: Option<u64>,
    ) -> (Option<Box<dyn Query>>, HighlightTerms, bool) {
        let mut hl = HighlightTerms::default();
        let mut negatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut positives: Vec<Box<dyn Query>> = Vec::new();
        // Per positive clause: its word, when it is one unprefixed word.
        let mut single: Vec<Option<&str>> = Vec::new();
        for clause in &parsed.clauses {
            let mut alts: Vec<Box<dyn Query>> = Vec::new();
            for a in &clause.alternatives {
                let mut scratch = HighlightTerms::default();
                let sink = if clause.negated {
                    &mut scratch
                } else {
                    &mut hl
                };
                if let Some(q) = self.atom_query(a, fuzzy && !clause.negated, sink) {
                    alts.push(q);
                }
            }
            let q: Box<dyn Query> = match alts.len() {
                0 => continue,
                1 => alts.remove(0),
                _ => Box::new(BooleanQuery::new(
                    alts.into_iter().map(|q| (Occur::Should, q)).collect(),
                )),
            };
            if clause.negated {
                negatives.push((Occur::MustNot, q));
            } else {
                positives.push(q);
                single.push(match clause.alternatives.as_slice() {
                    [a] if a.target == Target::All && !a.phrase => Some(a.text.as_str()),
                    _ => None,
                });
            }
        }
        let positives = self.join_compounds(positives, &single);
        if negatives.is_empty() && positives.is_empty() {
            return (None, hl, false);
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let n = positives.len();
        let relaxed = relax.is_some_and(|found| relaxes(n, found));
        if relaxed {
            let any: Vec<(Occur, Box<dyn Query>)> =
                positives.into_iter().map(|q| (Occur::Should, q)).collect();
            clauses.push((
                Occur::Must,
                Box::new(BooleanQuery::with_minimum_required_clauses(
                    any,
                    relaxed_minimum(n),
                )),
            ));
        } else {
            clauses.extend(positives.into_iter().map(|q| (Occur::Must, q)));
        }
        if n == 0 {
            clauses.push((Occur::Must, Box::new(AllQuery)));
        }
        clauses.extend(negatives);
        (Some(Box::new(BooleanQuery::new(clauses))), hl, relaxed)
    }

    /// The same query as [`QueryBuilder::build`] (without fuzzy matching)
    /// as one flat disjunction of single-term queries, when the parsed query
    /// has that shape: one positive clause (no exclusions) of unprefixed
    /// words or `OR` alternatives, each analysed to one token per field.
    /// `build` nests the same terms in summing disjunctions (one per word,
    /// one for the alternatives, under a single required clause), so both
    /// match the same documents with the same scores; the flat form lets
    /// Tantivy find the best hits with block-max WAND, skipping documents
    /// that cannot reach them. `None` for any other shape.
    pub fn build_flat(&mut self, parsed: &Parsed) -> Option<FlatQuery> {
        let [clause] = parsed.clauses.as_slice() else {
            return None;
        };
        if clause.negated {
            return None;
        }
        let titles = [self.fields.title_de, self.fields.title_en];
        let mut scoring: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut matching: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut groups: Vec<Vec<(Term, f32)>> = Vec::new();
        for a in &clause.alternatives {
            if a.target != Target::All {
                return None;
            }
            let mut group = Vec::new();
            for (field, analyzer, boost) in self.text_fields(Target::All) {
                let tokens = self.analyze(analyzer, &a.text);
                let token = match tokens.as_slice() {
                    [] => continue,
                    [(_, t)] => t,
                    _ => return None,
                };
                let term = Term::from_field_text(field, token);
                group.push((term.clone(), boost));
                let q: Box<dyn Query> =
                    Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs));
                scoring.push((Occur::Should, boosted(q, boost)));
                if !titles.contains(&field) {
                    matching.push((
                        Occur::Should,
                        Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                    ));
                }
            }
            if !group.is_empty() {
                groups.push(group);
            }
        }
        if scoring.is_empty() || matching.is_empty() {
            return None;
        }
        Some(FlatQuery {
            scoring: Box::new(BooleanQuery::new(scoring)),
            matching: Box::new(BooleanQuery::new(matching)),
            groups,
        })
    }

    /// Two neighbouring words that the index knows as one compound ("baum
    /// kataster", "kataster bäume" → "Baumkataster"): either word order,
    /// the first word's stem joined to the second as written, with or
    /// without a linking element (`s`, `es`, `n`, `en`, `e`, `er`). The
    /// compound's German term, when a document has it.
    fn joined_term(&mut self, a: &str, b: &str) -> Option<String> {
        let searcher = self.vocabulary.clone()?;
        let field = self.fields.text_de;
        for (x, y) in [(a, b), (b, a)] {
            let stem = match self.analyze(Analyzer::De, x).as_slice() {
                [(_, stem)] => stem.clone(),
                _ => continue,
            };
            let mut tail = String::new();
            analysis::normalize_german(&y.to_lowercase(), &mut tail);
            for link in ["", "s", "es", "n", "en", "e", "er"] {
                let joined = format!("{stem}{link}{tail}");
                if let [(_, t)] = self.analyze(Analyzer::De, &joined).as_slice() {
                    let found = searcher
                        .doc_freq(&Term::from_field_text(field, t))
                        .is_ok_and(|n| n > 0);
                    if found {
                        return Some(t.clone());
                    }
                }
            }
        }
        None
    }

    /// Merges each pair of neighbouring one-word clauses that form a
    /// compound of the index (see [`QueryBuilder::joined_term`]) into one
    /// clause: both words, or the compound.
    fn join_compounds(
        &mut self,
        positives: Vec<Box<dyn Query>>,
        single: &[Option<&str>],
    ) -> Vec<Box<dyn Query>> {
        let mut out: Vec<Box<dyn Query>> = Vec::new();
        let mut pending: Option<(Box<dyn Query>, Option<&str>)> = None;
        for (q, word) in positives.into_iter().zip(single.iter().copied()) {
            let joined = match (&pending, word) {
                (Some((_, Some(a))), Some(b)) => self.joined_term(a, b),
                _ => None,
            };
            match (pending.take(), joined) {
                (Some((first, _)), Some(t)) => {
                    let term = |field| -> Box<dyn Query> {
                        Box::new(TermQuery::new(
                            Term::from_field_text(field, &t),
                            IndexRecordOption::WithFreqs,
                        ))
                    };
                    let both: Box<dyn Query> = Box::new(BooleanQuery::new(vec![
                        (Occur::Must, first),
                        (Occur::Must, q),
                    ]));
                    out.push(Box::new(BooleanQuery::new(vec![
                        (Occur::Should, both),
                        (Occur::Should, boosted(term(self.fields.title_de), 2.0)),
                        (Occur::Should, term(self.fields.text_de)),
                    ])));
                }
                (previous, _) => {
                    out.extend(previous.map(|(p, _)| p));
                    pending = Some((q, word));
                }
            }
        }
        out.extend(pending.map(|(p, _)| p));
        out
    }

    /// Whether a positive clause has no word the index knows: none of its
    /// words (or `OR` alternatives) is a term of its fields in any
    /// document. Such a word is misspelt (or part of a compound): the
    /// search tries fuzzy matching before dropping words.
    pub fn has_unknown_word(&mut self, parsed: &Parsed, searcher: &Searcher) -> bool {
        parsed.clauses.iter().filter(|c| !c.negated).any(|c| {
            c.alternatives.iter().all(|a| {
                if a.phrase {
                    return false;
                }
                let fields = self.text_fields(a.target);
                if fields.is_empty() {
                    return false;
                }
                fields.into_iter().all(|(field, analyzer, _)| {
                    self.analyze(analyzer, &a.text).iter().all(|(_, t)| {
                        searcher
                            .doc_freq(&Term::from_field_text(field, t))
                            .is_ok_and(|n| n == 0)
                    })
                })
            })
        })
    }

    /// Whether fuzzy matching could change anything (a positive word of at
    /// least 4 characters: typos from 5, compounds from 4).
    pub fn fuzzy_applies(parsed: &Parsed) -> bool {
        parsed.clauses.iter().any(|c| {
            !c.negated
                && c.alternatives.iter().any(|a| {
                    !a.phrase
                        && !matches!(
                            a.target,
                            Target::Facet(_) | Target::Id | Target::Iri | Target::Words
                        )
                        && a.text.chars().count() >= 4
                })
        })
    }
}

/// Relaxed matching applies from this many positive clauses (with two,
/// only when nothing has both: see [`relaxes`]).
pub const RELAX_FROM: usize = 2;

/// Whether a query of `n` positive clauses (compounds joined) is relaxed
/// after a stricter step found `found` datasets: from three clauses (the
/// caller relaxes only when that was too little); with two (one may then be
/// missing, see [`relaxed_minimum`]) only when nothing at all has both, so
/// that a dataset with every word the citizen typed is never shown among
/// datasets with only one.
pub fn relaxes(n: usize, found: u64) -> bool {
    n > RELAX_FROM || (n == RELAX_FROM && found == 0)
}

/// How many of `n` positive clauses a relaxed query requires: all but a
/// quarter, and at least all but one (3 of 4, 4 of 5, 6 of 8).
pub fn relaxed_minimum(n: usize) -> usize {
    n - (n / 4).max(1)
}

/// Edits allowed between a word and an index term, by the word's length
/// (analyzed, in characters): none below 5, 1 for 5–8, 2 from 9.
pub fn fuzzy_distance(chars: usize) -> u8 {
    match chars {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// At most this many index terms stand in for one word.
const MAX_EXPANSIONS: usize = 30;

/// Whether an index term near a word is a plausible misspelling of it,
/// not an unrelated word that happens to be close: it starts with the
/// word's first character, and it is one edit away (a transposition is
/// one) or clears a similarity bar of 0.7 (Sørensen-Dice over character
/// pairs). Two edits in a long compound often make another word with the
/// same first half ("strassenbaum" → "strassennam"): the bar keeps those
/// out, while two typos in one long word ("kindergardn") stay in.
pub fn plausible_variant(word: &str, term: &str) -> bool {
    if word.chars().next() != term.chars().next() {
        return false;
    }
    strsim::damerau_levenshtein(word, term) <= 1 || strsim::sorensen_dice(word, term) >= 0.7
}

/// The German term of `field` for the longest last part of a compound
/// word that the index knows, when the word itself is no term of `field`:
/// "strassenbaeume" → "baum", "bushaltestellen" → "haltestell". A German
/// compound names a kind of its last part, so the part stands in for the
/// whole. The part has at least 5 characters and the rest at least 3; at
/// most one dictionary lookup per character.
pub fn last_part(
    searcher: &Searcher,
    field: Field,
    word: &str,
    de: &mut TextAnalyzer,
) -> Option<Term> {
    let known = |t: &str| {
        searcher
            .doc_freq(&Term::from_field_text(field, t))
            .is_ok_and(|n| n > 0)
    };
    let mut lower = String::new();
    analysis::normalize_german(&word.to_lowercase(), &mut lower);
    if let [whole] = analysis::tokens(de, &lower).as_slice() {
        if known(whole) {
            return None;
        }
    }
    let starts: Vec<usize> = lower.char_indices().map(|(i, _)| i).collect();
    let chars = starts.len();
    (3..chars.saturating_sub(4)).find_map(|k| {
        let tail = &lower[starts[k]..];
        match analysis::tokens(de, tail).as_slice() {
            [t] if t.chars().count() >= 4 && known(t) => Some(Term::from_field_text(field, t)),
            _ => None,
        }
    })
}

/// At most this many index terms are read to find the compounds of a word.
const COMPOUND_SCAN: usize = 2_000;

/// The German terms of `field` that are compounds beginning or ending with
/// a word (at least 4 characters; the compound at least 3 longer):
/// "radweg" → "radwegenetz", "optiker" → "augenoptiker". Beginnings: the
/// word's stem `stem` as a prefix range of the field's term dictionary.
/// Endings: the word unstemmed and reversed (`backwards`) as a prefix range
/// of the reversed terms of titles and keywords (`reversed`, see
/// [`analysis::german_reversed`]), each found term turned and stemmed by
/// `de`. At most [`COMPOUND_SCAN`] terms are read per segment and
/// direction (see [`prefix_terms`]), and the [`MAX_EXPANSIONS`] most
/// frequent kept: bounded work, whatever the index size. This is the
/// decompounder: its word list is the index's own vocabulary.
pub fn compound_terms(
    searcher: &Searcher,
    (field, stem): (Field, &str),
    (reversed, backwards): (Field, &str),
    de: &mut TextAnalyzer,
) -> Vec<Term> {
    let mut found: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    for (dict_field, prefix, flip) in [(field, stem, false), (reversed, backwards, true)] {
        let chars = prefix.chars().count();
        if chars < 4 {
            continue;
        }
        for (text, freq) in prefix_terms(searcher, dict_field, prefix, COMPOUND_SCAN) {
            if text.chars().count() < chars + 3 {
                continue;
            }
            if flip {
                let mut forward = String::new();
                analysis::reverse(&text, &mut forward);
                for t in analysis::tokens(de, &forward) {
                    *found.entry(t).or_default() += freq;
                }
            } else {
                *found.entry(text).or_default() += freq;
            }
        }
    }
    let mut ranked: Vec<(u64, String)> = found.into_iter().map(|(t, n)| (n, t)).collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    ranked
        .into_iter()
        .take(MAX_EXPANSIONS)
        .map(|(_, t)| Term::from_field_text(field, &t))
        .collect()
}

/// The terms of `field` that begin with `prefix` (at most `limit` read per
/// segment, in dictionary order) and their document counts over the
/// segments.
pub fn prefix_terms(
    searcher: &Searcher,
    field: Field,
    prefix: &str,
    limit: usize,
) -> Vec<(String, u64)> {
    let mut found: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    for segment in searcher.segment_readers() {
        let Ok(inverted) = segment.inverted_index(field) else {
            continue;
        };
        let Ok(mut stream) = inverted.terms().range().ge(prefix.as_bytes()).into_stream() else {
            continue;
        };
        let mut read = 0;
        while read < limit && stream.advance() {
            read += 1;
            let Ok(text) = std::str::from_utf8(stream.key()) else {
                continue;
            };
            if !text.starts_with(prefix) {
                break;
            }
            *found.entry(text.to_owned()).or_default() += u64::from(stream.value().doc_freq);
        }
    }
    found.into_iter().collect()
}

/// The index terms of `term`'s field within [`fuzzy_distance`] of `word`
/// (transpositions count as one edit) that are [`plausible_variant`]s, the
/// word itself excluded, nearest and most frequent first, at most
/// [`MAX_EXPANSIONS`]. Reads each segment's term dictionary through a
/// Levenshtein automaton: work bounded by the terms near the word, not by
/// the index size.
pub fn fuzzy_terms(searcher: &Searcher, term: &Term, word: &str) -> Vec<Term> {
    let distance = fuzzy_distance(word.chars().count());
    if distance == 0 {
        return Vec::new();
    }
    let field = term.field();
    let query = FuzzyTermQuery::new(term.clone(), distance, true);
    let mut found: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    for segment in searcher.segment_readers() {
        let Ok(automaton) = query.automaton() else {
            return Vec::new();
        };
        let Ok(inverted) = segment.inverted_index(field) else {
            continue;
        };
        let Ok(mut stream) = inverted.terms().search(automaton).into_stream() else {
            continue;
        };
        while stream.advance() {
            let Ok(text) = std::str::from_utf8(stream.key()) else {
                continue;
            };
            if text != word && plausible_variant(word, text) {
                *found.entry(text.to_owned()).or_default() += u64::from(stream.value().doc_freq);
            }
        }
    }
    let mut ranked: Vec<(usize, u64, String)> = found
        .into_iter()
        .map(|(t, freq)| (strsim::damerau_levenshtein(word, &t), freq, t))
        .collect();
    ranked.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    ranked
        .into_iter()
        .take(MAX_EXPANSIONS)
        .map(|(_, _, t)| Term::from_field_text(field, &t))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decomposed_text_parses_as_composed() {
        // "Bäume Straße title:Übersicht" with combining marks.
        let decomposed = "Ba\u{308}ume Stra\u{df}e title:U\u{308}bersicht";
        assert_eq!(parse(decomposed), parse("Bäume Straße title:Übersicht"));
    }

    fn words(p: &Parsed) -> Vec<Vec<String>> {
        p.clauses
            .iter()
            .map(|c| {
                c.alternatives
                    .iter()
                    .map(|a| {
                        format!(
                            "{}{:?}:{}{}",
                            if c.negated { "-" } else { "" },
                            a.target,
                            a.text,
                            if a.phrase { "\"" } else { "" }
                        )
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn grammar() {
        let p = parse(
            r#"Bäume "in Kiel" -Wald Parkplatz OR Parkhaus publisher:Stadt title:"Open Data""#,
        );
        assert!(!p.fallback);
        assert_eq!(
            words(&p),
            vec![
                vec!["All:Bäume".to_owned()],
                vec!["All:in Kiel\"".to_owned()],
                vec!["-All:Wald".to_owned()],
                vec!["All:Parkplatz".to_owned(), "All:Parkhaus".to_owned()],
                vec!["Publisher:Stadt".to_owned()],
                vec!["Title:Open Data\"".to_owned()],
            ]
        );
        // Unknown prefixes are words.
        assert_eq!(
            words(&parse("http://x")),
            vec![vec!["All:http://x".to_owned()]]
        );
    }

    #[test]
    fn synonyms_are_alternatives() {
        let p = expand_synonyms(parse("OePNV -Kita haltestellen"));
        let w = words(&p);
        assert!(w[0].contains(&"All:nahverkehr".to_owned()), "{w:?}");
        assert!(
            w[0].contains(&"All:öffentlicher personennahverkehr\"".to_owned()),
            "{w:?}"
        );
        // "öpnv" is the word typed ("OePNV"): not added again.
        assert!(!w[0].contains(&"All:öpnv".to_owned()), "{w:?}");
        // Exclusions are not widened.
        assert_eq!(w[1], vec!["-All:Kita".to_owned()]);
        let p = expand_synonyms(parse("B-Plan"));
        assert!(words(&p)[0].contains(&"All:bebauungsplan".to_owned()));
        assert_eq!(
            synonym_key("Öffentlicher  Personennahverkehr"),
            synonym_key("oeffentlicher personennahverkehr")
        );
        // Every group of the shipped list has at least two members.
        for line in SYNONYM_LIST
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            assert!(
                line.split(',').filter(|m| !m.trim().is_empty()).count() >= 2,
                "{line}"
            );
        }
    }

    #[test]
    fn forgiving_steps() {
        assert_eq!(
            (3..=9).map(relaxed_minimum).collect::<Vec<_>>(),
            vec![2, 3, 4, 5, 6, 6, 7]
        );
        assert_eq!([4, 5, 8, 9, 14].map(fuzzy_distance), [0, 1, 1, 2, 2]);
        // One edit: a typo if it starts alike.
        for (word, term) in [
            ("schwimbad", "schwimmbad"),
            ("musem", "museum"),
            ("speilplatz", "spielplatz"),
            ("apotek", "apothek"),
        ] {
            assert!(plausible_variant(word, term), "{word} {term}");
        }
        // Two edits: only above the similarity bar.
        assert!(plausible_variant("bibliothk", "bibliothek"));
        assert!(plausible_variant("wahlergebnise", "wahlergebniss"));
        assert!(!plausible_variant("strassenbaum", "strassennam"));
        // Another first character: never.
        assert!(!plausible_variant("kita", "gita"));
        assert!(!plausible_variant("bader", "lader"));
    }

    /// One clause of one alternative per item.
    fn clauses(items: &[&str]) -> Vec<Vec<String>> {
        items.iter().map(|i| vec![(*i).to_owned()]).collect()
    }

    #[test]
    fn stop_words_are_never_required() {
        let p = drop_stop_words(parse("Arbeitnehmer mit Arbeitsort"));
        assert_eq!(words(&p), clauses(&["All:Arbeitnehmer", "All:Arbeitsort"]));
        let p = drop_stop_words(parse(
            "sachverstaendige fuer landwirtschaft -der the OR wald",
        ));
        assert_eq!(
            words(&p),
            clauses(&["All:sachverstaendige", "All:landwirtschaft", "All:wald"])
        );
        // Phrases of stop words only, and prefixed stop words, too.
        let p = drop_stop_words(parse(r#"haushalt "für die" title:des"#));
        assert_eq!(words(&p), vec![vec!["All:haushalt".to_owned()]]);
        // Exact fields are not analyzed: kept.
        let p = drop_stop_words(parse("format:der wald"));
        assert_eq!(words(&p).len(), 2);
    }

    #[test]
    fn stop_words_only_search_title_words() {
        let p = drop_stop_words(parse("Was ist wo -der"));
        assert_eq!(words(&p), clauses(&["Words:Was", "Words:ist", "Words:wo"]));
        assert!(!QueryBuilder::fuzzy_applies(&p));
        assert!(drop_stop_words(parse("-der")).clauses.is_empty());
    }

    #[test]
    fn broken_queries_fall_back_to_words() {
        for q in [
            r#""unclosed quote"#,
            "OR Bäume",
            "Bäume OR",
            "a - b",
            "x OR OR y",
        ] {
            let p = parse(q);
            assert!(p.fallback, "{q}");
            assert!(!p.clauses.is_empty(), "{q}");
            assert!(p.clauses.iter().all(|c| !c.negated));
        }
    }
}
