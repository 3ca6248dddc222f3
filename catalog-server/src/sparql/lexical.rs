//! The checks on a query's text, before any parser reads it: size and
//! nesting depth. Strings, IRIs and comments are skipped, so brackets inside
//! them do not count.

use super::{Limits, Refusal};

/// Refuses a query that is too long or nests too deep.
pub fn check_text(query: &str, limits: &Limits) -> Result<(), Refusal> {
    if query.len() > limits.max_query_bytes {
        return Err(Refusal::TooLong {
            size: query.len(),
            limit: limits.max_query_bytes,
        });
    }
    let depth = nesting_depth(query);
    if depth > limits.max_nesting {
        return Err(Refusal::TooDeep {
            depth,
            limit: limits.max_nesting,
        });
    }
    Ok(())
}

/// The deepest nesting of `(`, `[`, `{` and `<<` outside strings, IRIs and
/// comments (unbalanced closers are ignored: the parser reports them).
pub fn nesting_depth(query: &str) -> usize {
    let b = query.as_bytes();
    let (mut i, mut depth, mut deepest) = (0usize, 0usize, 0usize);
    while i < b.len() {
        match b[i] {
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            q @ (b'"' | b'\'') => {
                let long = b.get(i + 1) == Some(&q) && b.get(i + 2) == Some(&q);
                i += if long { 3 } else { 1 };
                while i < b.len() {
                    if b[i] == b'\\' {
                        i += 2;
                        continue;
                    }
                    if b[i] == q {
                        if !long {
                            break;
                        }
                        if b.get(i + 1) == Some(&q) && b.get(i + 2) == Some(&q) {
                            i += 2;
                            break;
                        }
                    } else if !long && b[i] == b'\n' {
                        break;
                    }
                    i += 1;
                }
            }
            b'<' if b.get(i + 1) == Some(&b'<') => {
                depth += 1;
                deepest = deepest.max(depth);
                i += 1;
            }
            b'>' if b.get(i + 1) == Some(&b'>') => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'<' => {
                // An IRI runs to `>` without characters an IRI may not
                // hold; otherwise this is the less-than operator.
                let mut j = i + 1;
                while j < b.len()
                    && !matches!(
                        b[j],
                        b'>' | b'<' | b'"' | b'{' | b'}' | b'|' | b'^' | b'`' | b'\\' | 0..=b' '
                    )
                {
                    j += 1;
                }
                if b.get(j) == Some(&b'>') {
                    i = j;
                }
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_brackets_outside_strings_iris_and_comments() {
        assert_eq!(nesting_depth("SELECT * WHERE { ?s ?p ?o }"), 1);
        assert_eq!(
            nesting_depth("SELECT * WHERE { ?s ?p ?o FILTER((?o > 1) && (?o < 3)) }"),
            3
        );
        assert_eq!(
            nesting_depth("SELECT * WHERE { ?s <http://x/(((> \"((((\" . # ((((\n }"),
            1
        );
        assert_eq!(nesting_depth("ASK { ?s ?p '''a ( \" ( ''' }"), 1);
        assert_eq!(
            nesting_depth("SELECT * { << << ?a ?b ?c >> ?d ?e >> ?f ?g }"),
            3
        );
        assert_eq!(nesting_depth(r#"ASK { ?s ?p "a \" ((" }"#), 1);
    }

    #[test]
    fn long_and_deep_queries_are_refused_with_the_limit_named() {
        let limits = Limits::default();
        let deep = format!(
            "SELECT * WHERE {{ ?s ?p ?o FILTER({}?o{}) }}",
            "(".repeat(1000),
            ")".repeat(1000)
        );
        let e = check_text(&deep, &limits).unwrap_err();
        assert!(e.to_string().contains("sparql.max_nesting"), "{e}");
        let long = format!("SELECT * WHERE {{ ?s ?p \"{}\" }}", "x".repeat(70_000));
        let e = check_text(&long, &limits).unwrap_err();
        assert!(e.to_string().contains("sparql.max_query_bytes"), "{e}");
        assert!(check_text("SELECT * WHERE { ?s ?p ?o } LIMIT 1", &limits).is_ok());
    }
}
