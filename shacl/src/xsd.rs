//! XSD literal handling: value comparison (as SPARQL `<`, `<=`, `=`) and
//! lexical well-formedness checks for `sh:datatype`.

use oxrdf::vocab::{rdf, xsd};
use oxrdf::{LiteralRef, NamedNodeRef, TermRef};
use oxsdatatypes::{
    Boolean, Date, DateTime, Decimal, Double, Duration, Float, GDay, GMonth, GMonthDay, GYear,
    GYearMonth, Integer, Time,
};
use std::cmp::Ordering;
use std::str::FromStr;

/// Whether `datatype` is `xsd:integer` or one of its built-in derived types.
pub(crate) fn is_integer_datatype(datatype: NamedNodeRef<'_>) -> bool {
    integer_bounds(datatype).is_some()
}

/// Bounds (inclusive) of the integer datatypes; `None` if `datatype` is not an integer type.
fn integer_bounds(datatype: NamedNodeRef<'_>) -> Option<(Option<i128>, Option<i128>)> {
    Some(
        match datatype
            .as_str()
            .strip_prefix("http://www.w3.org/2001/XMLSchema#")?
        {
            "integer" => (None, None),
            "nonPositiveInteger" => (None, Some(0)),
            "negativeInteger" => (None, Some(-1)),
            "nonNegativeInteger" => (Some(0), None),
            "positiveInteger" => (Some(1), None),
            "long" => (Some(i64::MIN.into()), Some(i64::MAX.into())),
            "int" => (Some(i32::MIN.into()), Some(i32::MAX.into())),
            "short" => (Some(i16::MIN.into()), Some(i16::MAX.into())),
            "byte" => (Some(i8::MIN.into()), Some(i8::MAX.into())),
            "unsignedLong" => (Some(0), Some(u64::MAX.into())),
            "unsignedInt" => (Some(0), Some(u32::MAX.into())),
            "unsignedShort" => (Some(0), Some(u16::MAX.into())),
            "unsignedByte" => (Some(0), Some(u8::MAX.into())),
            _ => return None,
        },
    )
}

/// A parsed XSD value, as far as comparisons are concerned.
#[derive(Debug, Clone, PartialEq)]
enum Value<'a> {
    Decimal(Decimal),
    Float(Double),
    Str(&'a str),
    Boolean(bool),
    DateTime(DateTime),
    Date(Date),
    Time(Time),
    Duration(Duration),
    GYear(GYear),
    GYearMonth(GYearMonth),
    GMonthDay(GMonthDay),
    GMonth(GMonth),
    GDay(GDay),
}

fn parse_value(literal: LiteralRef<'_>) -> Option<Value<'_>> {
    let v = literal.value();
    let dt = literal.datatype();
    if let Some((min, max)) = integer_bounds(dt) {
        let i = Integer::from_str(v).ok()?;
        check_integer_bounds(v, min, max)?;
        return Some(Value::Decimal(Decimal::from(i)));
    }
    Some(match dt {
        xsd::DECIMAL => Value::Decimal(Decimal::from_str(v).ok()?),
        xsd::DOUBLE => Value::Float(Double::from_str(v).ok()?),
        xsd::FLOAT => Value::Float(Double::from(Float::from_str(v).ok()?)),
        xsd::STRING => Value::Str(v),
        xsd::BOOLEAN => Value::Boolean(Boolean::from_str(v).ok()?.into()),
        xsd::DATE_TIME | xsd::DATE_TIME_STAMP => {
            let d = DateTime::from_str(v).ok()?;
            if dt == xsd::DATE_TIME_STAMP && d.timezone_offset().is_none() {
                return None;
            }
            Value::DateTime(d)
        }
        xsd::DATE => Value::Date(Date::from_str(v).ok()?),
        xsd::TIME => Value::Time(Time::from_str(v).ok()?),
        xsd::DURATION | xsd::DAY_TIME_DURATION | xsd::YEAR_MONTH_DURATION => {
            let d = Duration::from_str(v).ok()?;
            if dt == xsd::DAY_TIME_DURATION && d.months() != 0 {
                return None;
            }
            if dt == xsd::YEAR_MONTH_DURATION && d.seconds() != Decimal::from(0) {
                return None;
            }
            Value::Duration(d)
        }
        xsd::G_YEAR => Value::GYear(GYear::from_str(v).ok()?),
        xsd::G_YEAR_MONTH => Value::GYearMonth(GYearMonth::from_str(v).ok()?),
        xsd::G_MONTH_DAY => Value::GMonthDay(GMonthDay::from_str(v).ok()?),
        xsd::G_MONTH => Value::GMonth(GMonth::from_str(v).ok()?),
        xsd::G_DAY => Value::GDay(GDay::from_str(v).ok()?),
        _ => return None,
    })
}

fn check_integer_bounds(lexical: &str, min: Option<i128>, max: Option<i128>) -> Option<()> {
    if min.is_none() && max.is_none() {
        return Some(());
    }
    let n = i128::from_str(lexical.trim_start_matches('+')).ok()?;
    if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
        return None;
    }
    Some(())
}

/// Compares two RDF terms as the SPARQL `<` / `=` operators would.
///
/// Returns `None` when the terms are not comparable (different value spaces,
/// IRIs, blank nodes, ill-typed literals, indeterminate date/time order...).
pub fn compare(a: TermRef<'_>, b: TermRef<'_>) -> Option<Ordering> {
    let (TermRef::Literal(a), TermRef::Literal(b)) = (a, b) else {
        return None;
    };
    // Language-tagged strings: comparable if they share the language tag (lexical order).
    if a.datatype() == rdf::LANG_STRING || b.datatype() == rdf::LANG_STRING {
        return (a.language().map(str::to_ascii_lowercase)
            == b.language().map(str::to_ascii_lowercase)
            && a.language().is_some())
        .then(|| a.value().cmp(b.value()));
    }
    let (va, vb) = (parse_value(a)?, parse_value(b)?);
    match (va, vb) {
        (Value::Decimal(x), Value::Decimal(y)) => Some(x.cmp(&y)),
        (Value::Decimal(x), Value::Float(y)) => Double::from(x).partial_cmp(&y),
        (Value::Float(x), Value::Decimal(y)) => x.partial_cmp(&Double::from(y)),
        (Value::Float(x), Value::Float(y)) => x.partial_cmp(&y),
        (Value::Str(x), Value::Str(y)) => Some(x.cmp(y)),
        (Value::Boolean(x), Value::Boolean(y)) => Some(x.cmp(&y)),
        (Value::DateTime(x), Value::DateTime(y)) => x.partial_cmp(&y),
        (Value::Date(x), Value::Date(y)) => x.partial_cmp(&y),
        (Value::Time(x), Value::Time(y)) => x.partial_cmp(&y),
        (Value::Duration(x), Value::Duration(y)) => x.partial_cmp(&y),
        (Value::GYear(x), Value::GYear(y)) => x.partial_cmp(&y),
        (Value::GYearMonth(x), Value::GYearMonth(y)) => x.partial_cmp(&y),
        (Value::GMonthDay(x), Value::GMonthDay(y)) => x.partial_cmp(&y),
        (Value::GMonth(x), Value::GMonth(y)) => x.partial_cmp(&y),
        (Value::GDay(x), Value::GDay(y)) => x.partial_cmp(&y),
        _ => None,
    }
}

/// Whether a literal is well-formed for its datatype (`sh:datatype` semantics).
///
/// Literals of datatypes this engine does not know are considered well-formed.
pub fn is_well_formed(literal: LiteralRef<'_>) -> bool {
    let dt = literal.datatype();
    if dt == rdf::LANG_STRING {
        return literal.language().is_some();
    }
    if dt == xsd::STRING || dt == xsd::ANY_URI {
        return true;
    }
    if dt.as_str() == "http://www.w3.org/2001/XMLSchema#hexBinary" {
        let v = literal.value();
        return v.len().is_multiple_of(2) && v.bytes().all(|b| b.is_ascii_hexdigit());
    }
    if dt.as_str().starts_with("http://www.w3.org/2001/XMLSchema#") {
        let known = is_integer_datatype(dt)
            || matches!(
                dt,
                xsd::DECIMAL
                    | xsd::DOUBLE
                    | xsd::FLOAT
                    | xsd::BOOLEAN
                    | xsd::DATE_TIME
                    | xsd::DATE_TIME_STAMP
                    | xsd::DATE
                    | xsd::TIME
                    | xsd::DURATION
                    | xsd::DAY_TIME_DURATION
                    | xsd::YEAR_MONTH_DURATION
                    | xsd::G_YEAR
                    | xsd::G_YEAR_MONTH
                    | xsd::G_MONTH_DAY
                    | xsd::G_MONTH
                    | xsd::G_DAY
            );
        if known {
            return parse_value(literal).is_some();
        }
    }
    true
}

/// SPARQL `langMatches` (RFC 4647 basic filtering).
pub(crate) fn lang_matches(tag: &str, range: &str) -> bool {
    if range == "*" {
        return !tag.is_empty();
    }
    if tag.len() < range.len() || !tag.is_char_boundary(range.len()) {
        return false;
    }
    let (prefix, rest) = tag.split_at(range.len());
    prefix.eq_ignore_ascii_case(range) && (rest.is_empty() || rest.starts_with('-'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxrdf::Literal;

    fn lit(v: &str, dt: NamedNodeRef<'_>) -> Literal {
        Literal::new_typed_literal(v, dt)
    }

    fn cmp(a: &Literal, b: &Literal) -> Option<Ordering> {
        compare(a.as_ref().into(), b.as_ref().into())
    }

    #[test]
    fn numeric_promotion() {
        assert_eq!(
            cmp(&lit("1", xsd::INTEGER), &lit("1.0", xsd::DECIMAL)),
            Some(Ordering::Equal)
        );
        assert_eq!(
            cmp(&lit("2", xsd::INT), &lit("1.5e0", xsd::DOUBLE)),
            Some(Ordering::Greater)
        );
        assert_eq!(
            cmp(&lit("10", xsd::INTEGER), &lit("9", xsd::INTEGER)),
            Some(Ordering::Greater)
        );
        assert_eq!(cmp(&lit("NaN", xsd::DOUBLE), &lit("1", xsd::INTEGER)), None);
        assert_eq!(
            cmp(&lit("abc", xsd::INTEGER), &lit("1", xsd::INTEGER)),
            None
        );
    }

    #[test]
    fn dates_and_strings() {
        assert_eq!(
            cmp(&lit("2020-01-01", xsd::DATE), &lit("2019-12-31", xsd::DATE)),
            Some(Ordering::Greater)
        );
        assert_eq!(
            cmp(
                &lit("2020-01-01T10:00:00Z", xsd::DATE_TIME),
                &lit("2020-01-01T11:00:00+02:00", xsd::DATE_TIME)
            ),
            Some(Ordering::Greater)
        );
        // date vs dateTime are different value spaces
        assert_eq!(
            cmp(
                &lit("2020-01-01", xsd::DATE),
                &lit("2020-01-01T00:00:00Z", xsd::DATE_TIME)
            ),
            None
        );
        assert_eq!(
            cmp(&Literal::from("a"), &Literal::from("b")),
            Some(Ordering::Less)
        );
        assert_eq!(cmp(&Literal::from("a"), &lit("1", xsd::INTEGER)), None);
        let en = Literal::new_language_tagged_literal_unchecked("a", "en");
        assert_eq!(cmp(&en, &Literal::from("b")), None);
    }

    #[test]
    fn well_formedness() {
        assert!(is_well_formed(lit("42", xsd::INTEGER).as_ref()));
        assert!(!is_well_formed(lit("4.2", xsd::INTEGER).as_ref()));
        assert!(!is_well_formed(lit("300", xsd::BYTE).as_ref()));
        assert!(!is_well_formed(
            lit("-1", xsd::NON_NEGATIVE_INTEGER).as_ref()
        ));
        assert!(is_well_formed(lit("2020-02-29", xsd::DATE).as_ref()));
        assert!(!is_well_formed(lit("2021-02-29", xsd::DATE).as_ref()));
        assert!(!is_well_formed(lit("maybe", xsd::BOOLEAN).as_ref()));
        let hex = NamedNodeRef::new_unchecked("http://www.w3.org/2001/XMLSchema#hexBinary");
        assert!(is_well_formed(lit("476a55339FF0", hex).as_ref()));
        assert!(!is_well_formed(lit("476", hex).as_ref()));
        assert!(!is_well_formed(lit("zz", hex).as_ref()));
        assert!(is_well_formed(
            lit(
                "whatever",
                NamedNodeRef::new_unchecked("http://example.com/dt")
            )
            .as_ref()
        ));
    }

    #[test]
    fn language_ranges() {
        assert!(lang_matches("de-DE", "de"));
        assert!(lang_matches("DE", "de"));
        assert!(!lang_matches("deu", "de"));
        assert!(lang_matches("en", "*"));
        assert!(!lang_matches("", "*"));
    }
}
