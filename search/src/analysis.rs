//! Text analysis: the German, English and generic analyzers, and the German
//! normalization filter that makes "Straßenbäume", "strassenbaeume" and
//! "Strassenbaum" meet.
//!
//! | name | used for | chain |
//! |---|---|---|
//! | `de` | `@de` and untagged text (the portals are German) | split on non-alphanumerics, drop tokens > 40 bytes, lowercase, [`GermanNormalizer`], German stop words (normalized the same way, so "für" and "fuer" both stop), ASCII folding, Snowball German stemmer |
//! | `en` | `@en` text | split, drop long, lowercase, English stop words, ASCII folding, Snowball English (Porter2) stemmer |
//! | `plain` | other languages | split, drop long, lowercase, ASCII folding |
//! | `de_rev` | German titles and keywords once more, for compounds | the `de` chain without the stemmer, then each term reversed ([`Reverse`]) |
//! | `words` | titles once more, for queries of stop words only | split, drop long, lowercase, [`GermanNormalizer`], ASCII folding (no stop words, no stemming) |
//!
//! The German stop words are the shipped list `search/lists/stopwords-de.txt`
//! (Snowball's); the English ones are Lucene's ([`ENGLISH_STOP_WORDS`]). A
//! query word that is a stop word in either language is never required (see
//! [`is_stop_word`] and `query`): the German and the English fields are
//! searched together, and a word one analyzer drops would otherwise be
//! required by the other.
//!
//! German compounds are split against the index's own vocabulary at query
//! time (no maintained crate ships a German decompounding dictionary, and
//! tantivy's `SplitCompoundWords` needs one): two query words that the
//! index knows as one compound match it, and in the forgiving steps a word
//! matches the compounds it begins (a prefix range of the term dictionary)
//! or ends (a prefix range of the `de_rev` terms), and an unknown compound
//! matches its longest known last part (see `query`).

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer, TextAnalyzerBuilder, Token, TokenFilter, TokenStream, Tokenizer,
    TokenizerManager,
};

/// Analyzer names as registered in the index's tokenizer manager.
pub const GERMAN: &str = "de";
pub const ENGLISH: &str = "en";
pub const PLAIN: &str = "plain";
pub const WORDS: &str = "words";
pub const GERMAN_REVERSED: &str = "de_rev";

/// The shipped German stop-word list (see the module docs).
const GERMAN_STOP_LIST: &str = include_str!("../lists/stopwords-de.txt");

/// The English stop words (Lucene's `EnglishAnalyzer` list).
pub const ENGLISH_STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it",
    "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these",
    "they", "this", "to", "was", "will", "with",
];

/// The German stop words, lowercased and normalized by [`normalize_german`].
pub fn german_stop_words() -> &'static std::collections::HashSet<String> {
    static SET: std::sync::OnceLock<std::collections::HashSet<String>> = std::sync::OnceLock::new();
    SET.get_or_init(|| {
        let mut out = String::new();
        GERMAN_STOP_LIST
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|w| {
                normalize_german(&w.to_lowercase(), &mut out);
                out.clone()
            })
            .collect()
    })
}

/// Whether a word (as typed) is a German or an English stop word.
pub fn is_stop_word(word: &str) -> bool {
    let lower = word.to_lowercase();
    if ENGLISH_STOP_WORDS.contains(&lower.as_str()) {
        return true;
    }
    let mut normalized = String::new();
    normalize_german(&lower, &mut normalized);
    german_stop_words().contains(&normalized)
}

/// Whether a text has words and all of them are stop words.
pub fn only_stop_words(text: &str) -> bool {
    let mut words = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty());
    let mut any = false;
    for w in words.by_ref() {
        if !is_stop_word(w) {
            return false;
        }
        any = true;
    }
    any
}

/// `text` in Unicode's canonical composition (NFC). The tokenizer splits on
/// characters that are not alphanumeric, and a combining mark is not: text
/// in decomposed form (as macOS writes file names and some editors paste),
/// "Ba\u{308}ume", would become the words "ba" and "ume". Indexed text and
/// queries are composed before they are analyzed; text that is already
/// composed (nearly all) is only checked.
pub fn nfc(text: &str) -> String {
    use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};
    match is_nfc_quick(text.chars()) {
        IsNormalized::Yes => text.to_owned(),
        _ => text.nfc().collect(),
    }
}

/// The German analyzer.
pub fn german() -> TextAnalyzer {
    // Built once (the stop-word set is the costly part), cloned per use:
    // every search builds its query and snippet analyzers.
    static PROTOTYPE: std::sync::OnceLock<TextAnalyzer> = std::sync::OnceLock::new();
    PROTOTYPE.get_or_init(build_german).clone()
}

/// The German chain up to the stemmer: split, drop long, lowercase,
/// normalize, stop words, fold.
fn german_words() -> TextAnalyzerBuilder<impl Tokenizer> {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(GermanNormalizer)
        .filter(StopWordFilter::remove(german_stop_words().iter().cloned()))
        .filter(AsciiFoldingFilter)
}

fn build_german() -> TextAnalyzer {
    german_words()
        .filter(Stemmer::new(Language::German))
        .build()
}

/// The English analyzer.
pub fn english() -> TextAnalyzer {
    static PROTOTYPE: std::sync::OnceLock<TextAnalyzer> = std::sync::OnceLock::new();
    PROTOTYPE.get_or_init(build_english).clone()
}

fn build_english() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(StopWordFilter::remove(
            ENGLISH_STOP_WORDS.iter().map(|w| (*w).to_owned()),
        ))
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::English))
        .build()
}

/// The analyzer for text in other languages: no stemming.
pub fn plain() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// The German analyzer without stemming and with each term reversed, for
/// finding compounds by their last part (see [`Reverse`]). Unstemmed: the
/// stemmer cuts a compound's end differently from the word alone
/// ("augenoptiker" → "augenopt", "optiker" → "optik").
pub fn german_reversed() -> TextAnalyzer {
    static PROTOTYPE: std::sync::OnceLock<TextAnalyzer> = std::sync::OnceLock::new();
    PROTOTYPE
        .get_or_init(|| german_words().filter(Reverse).build())
        .clone()
}

/// The analyzer of every word as written (umlauts normalized, no stop
/// words, no stemming): for queries that are stop words only.
pub fn words() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(GermanNormalizer)
        .filter(AsciiFoldingFilter)
        .build()
}

/// Registers the analyzers in a tokenizer manager.
pub fn register(manager: &TokenizerManager) {
    manager.register(GERMAN, german());
    manager.register(ENGLISH, english());
    manager.register(PLAIN, plain());
    manager.register(WORDS, words());
    manager.register(GERMAN_REVERSED, german_reversed());
}

/// The tokens an analyzer makes of a text.
pub fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while let Some(t) = stream.next() {
        out.push(t.text.clone());
    }
    out
}

/// Normalizes lowercased German the way Lucene's `GermanNormalizationFilter`
/// (the Snowball "German2" variant) does: `ä ö ü` → `a o u`, `ß` → `ss`, and
/// the transcriptions `ae`, `oe` → `a`, `o`, `ue` → `u` (but not after a
/// vowel or `q`, so "Feuer", "Bauer" and "Quelle" stay as they are).
/// Query and index text go through the same chain, so the rule only has to
/// be consistent, not linguistically perfect.
#[derive(Clone, Copy, Debug, Default)]
pub struct GermanNormalizer;

/// Normalizes one lowercased word (see [`GermanNormalizer`]).
pub fn normalize_german(word: &str, out: &mut String) {
    #[derive(PartialEq, Clone, Copy)]
    enum State {
        /// After a consonant or at the start.
        N,
        /// After a vowel (or `q`): a following `e` is kept.
        V,
        /// After `a`, `o` or a `u` that follows a consonant: a following `e` is dropped.
        Umlaut,
    }
    out.clear();
    out.reserve(word.len());
    let mut state = State::N;
    for c in word.chars() {
        match c {
            'a' | 'o' => {
                out.push(c);
                state = State::Umlaut;
            }
            'u' => {
                out.push(c);
                state = if state == State::N {
                    State::Umlaut
                } else {
                    State::V
                };
            }
            'e' => {
                if state != State::Umlaut {
                    out.push('e');
                }
                state = State::V;
            }
            'i' | 'q' | 'y' => {
                out.push(c);
                state = State::V;
            }
            'ä' => {
                out.push('a');
                state = State::V;
            }
            'ö' => {
                out.push('o');
                state = State::V;
            }
            'ü' => {
                out.push('u');
                state = State::V;
            }
            'ß' => {
                out.push_str("ss");
                state = State::N;
            }
            _ => {
                out.push(c);
                state = State::N;
            }
        }
    }
}

impl TokenFilter for GermanNormalizer {
    type Tokenizer<T: Tokenizer> = MapWordsFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> MapWordsFilter<T> {
        MapWords(normalize_german).transform(tokenizer)
    }
}

/// Reverses each token ("augenoptik" → "kitponegua"): the reversed German
/// terms of titles and keywords let a word find the compounds it ends
/// ("optiker" → "Augenoptiker") by a prefix search (see
/// `query::compound_terms`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Reverse;

/// Reverses a word by characters.
pub fn reverse(word: &str, out: &mut String) {
    out.clear();
    out.extend(word.chars().rev());
}

impl TokenFilter for Reverse {
    type Tokenizer<T: Tokenizer> = MapWordsFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> MapWordsFilter<T> {
        MapWords(reverse).transform(tokenizer)
    }
}

/// A filter that rewrites each token's text with a function.
#[derive(Clone, Copy)]
pub struct MapWords(pub fn(&str, &mut String));

impl TokenFilter for MapWords {
    type Tokenizer<T: Tokenizer> = MapWordsFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> MapWordsFilter<T> {
        MapWordsFilter {
            inner: tokenizer,
            map: self.0,
            buffer: String::new(),
        }
    }
}

#[derive(Clone)]
pub struct MapWordsFilter<T> {
    inner: T,
    map: fn(&str, &mut String),
    buffer: String,
}

impl<T: Tokenizer> Tokenizer for MapWordsFilter<T> {
    type TokenStream<'a> = MapWordsStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        MapWordsStream {
            tail: self.inner.token_stream(text),
            map: self.map,
            buffer: &mut self.buffer,
        }
    }
}

pub struct MapWordsStream<'a, T> {
    tail: T,
    map: fn(&str, &mut String),
    buffer: &'a mut String,
}

impl<T: TokenStream> TokenStream for MapWordsStream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        (self.map)(&token.text, self.buffer);
        std::mem::swap(&mut token.text, self.buffer);
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn de(text: &str) -> Vec<String> {
        tokens(&mut german(), text)
    }

    #[test]
    fn decomposed_umlauts_are_composed_first() {
        let decomposed = "Stra\u{df}enba\u{308}ume";
        assert_eq!(nfc(decomposed), "Straßenbäume");
        assert_eq!(de(&nfc(decomposed)), de("Straßenbäume"));
        // Without composition the combining mark splits the word.
        assert_ne!(de(decomposed), de("Straßenbäume"));
        assert_eq!(nfc("Kiel"), "Kiel");
    }

    #[test]
    fn umlaut_spellings_and_inflections_meet() {
        let a = de("Straßenbäume");
        assert_eq!(a, de("strassenbaeume"));
        assert_eq!(a, de("Strassenbaum"));
        assert_eq!(a, de("STRASSENBÄUME"));
        assert_eq!(a.len(), 1);
        assert_eq!(de("Bäume"), de("Baum"));
        assert_eq!(de("Gewässer"), de("Gewaesser"));
        assert_eq!(de("Grünflächen"), de("gruenflaechen"));
        assert_eq!(de("Öffnungszeiten"), de("Oeffnungszeiten"));
        assert_ne!(de("Baum"), de("Bau"));
    }

    #[test]
    fn vowel_e_pairs_after_vowels_are_kept() {
        let mut out = String::new();
        normalize_german("feuer", &mut out);
        assert_eq!(out, "feuer");
        normalize_german("bauer", &mut out);
        assert_eq!(out, "bauer");
        normalize_german("quelle", &mut out);
        assert_eq!(out, "quelle");
        normalize_german("straße", &mut out);
        assert_eq!(out, "strasse");
        normalize_german("kaese", &mut out);
        assert_eq!(out, "kase");
    }

    #[test]
    fn stop_words_are_dropped_and_text_is_split() {
        assert_eq!(de("Die Bäume in der Stadt"), de("baum stadt"));
        assert_eq!(de("Open-Data-Portal").len(), 3);
    }

    #[test]
    fn stop_words_in_both_spellings() {
        assert!(de("für").is_empty());
        assert!(de("fuer").is_empty());
        assert!(de("FÜR").is_empty());
        assert!(de("ueber").is_empty());
        assert!(de("dass").is_empty());
        assert!(de("daß").is_empty());
        assert_eq!(
            de("Sachverständige fuer Landwirtschaft"),
            de("sachverstaendige landwirtschaft")
        );
        assert_eq!(de("Haushalt des Landes"), de("haushalt landes"));
        for w in [
            "für", "fuer", "Die", "mit", "des", "the", "of", "über", "ueber",
        ] {
            assert!(is_stop_word(w), "{w}");
        }
        for w in ["Haushalt", "Bäume", "Weg1", "Landes", "Feuer"] {
            assert!(!is_stop_word(w), "{w}");
        }
        assert!(only_stop_words("für die"));
        assert!(only_stop_words("In-the"));
        assert!(!only_stop_words("The-Who"));
        assert!(!only_stop_words("für Bäume"));
        assert!(!only_stop_words("..."));
    }

    #[test]
    fn reversed_german_terms() {
        let mut r = german_reversed();
        assert_eq!(
            tokens(&mut r, "Augenoptiker für Kleingärten"),
            vec!["rekitponegua", "netragnielk"]
        );
    }

    #[test]
    fn words_keep_stop_words_and_normalize() {
        let mut w = words();
        assert_eq!(tokens(&mut w, "Was ist wo?"), vec!["was", "ist", "wo"]);
        assert_eq!(tokens(&mut w, "Für"), tokens(&mut w, "fuer"));
    }

    #[test]
    fn english_stems() {
        let mut en = english();
        assert_eq!(tokens(&mut en, "Trees"), tokens(&mut en, "tree"));
        assert_eq!(tokens(&mut en, "the parking spaces"), vec!["park", "space"]);
    }
}
