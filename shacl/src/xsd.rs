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

/// An exact decimal of any size, for the `xsd:integer` and `xsd:decimal`
/// values beyond [`Decimal`] (more than about 39 digits, or more than 18
/// after the point): valid data, not a fault of it. Normal form: no leading
/// zeros in `int`, no trailing zeros in `frac`, zero is not negative.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Exact {
    negative: bool,
    int: String,
    frac: String,
}

impl Exact {
    /// Parses the lexical space of `xsd:decimal` (which includes `xsd:integer`'s).
    fn parse(lexical: &str) -> Option<Self> {
        let (negative, rest) = match lexical.as_bytes().first()? {
            b'-' => (true, &lexical[1..]),
            b'+' => (false, &lexical[1..]),
            _ => (false, lexical),
        };
        let (int, frac) = rest.split_once('.').unwrap_or((rest, ""));
        if (int.is_empty() && frac.is_empty())
            || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let int = int.trim_start_matches('0').to_owned();
        let frac = frac.trim_end_matches('0').to_owned();
        let zero = int.is_empty() && frac.is_empty();
        Some(Self {
            negative: negative && !zero,
            int,
            frac,
        })
    }

    fn of(d: Decimal) -> Option<Self> {
        Self::parse(&d.to_string())
    }

    fn to_double(&self) -> Option<Double> {
        let sign = if self.negative { "-" } else { "" };
        Double::from_str(&format!("{sign}0{}.{}0", self.int, self.frac)).ok()
    }
}

impl Ord for Exact {
    fn cmp(&self, other: &Self) -> Ordering {
        let magnitude = self
            .int
            .len()
            .cmp(&other.int.len())
            .then_with(|| self.int.cmp(&other.int))
            // Normal forms: the digit strings after the point compare as
            // the fractions do.
            .then_with(|| self.frac.cmp(&other.frac));
        match (self.negative, other.negative) {
            (false, false) => magnitude,
            (true, true) => magnitude.reverse(),
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
        }
    }
}

impl PartialOrd for Exact {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A parsed XSD value, as far as comparisons are concerned.
#[derive(Debug, Clone, PartialEq)]
enum Value<'a> {
    Decimal(Decimal),
    /// An integer or decimal too large or too precise for [`Decimal`].
    Exact(Exact),
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
        if v.contains('.') {
            return None;
        }
        let exact = Exact::parse(v)?;
        check_integer_bounds(&exact, min, max)?;
        return Some(match Integer::from_str(v) {
            Ok(i) => Value::Decimal(Decimal::from(i)),
            Err(_) => Value::Exact(exact),
        });
    }
    Some(match dt {
        xsd::DECIMAL => match Decimal::from_str(v) {
            Ok(d) => Value::Decimal(d),
            Err(_) => Value::Exact(Exact::parse(v)?),
        },
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

fn check_integer_bounds(value: &Exact, min: Option<i128>, max: Option<i128>) -> Option<()> {
    let bound = |b: i128| Exact::parse(&b.to_string());
    if min.and_then(bound).is_some_and(|m| *value < m)
        || max.and_then(bound).is_some_and(|m| *value > m)
    {
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
        (Value::Exact(x), Value::Exact(y)) => Some(x.cmp(&y)),
        (Value::Exact(x), Value::Decimal(y)) => Some(x.cmp(&Exact::of(y)?)),
        (Value::Decimal(x), Value::Exact(y)) => Some(Exact::of(x)?.cmp(&y)),
        (Value::Exact(x), Value::Float(y)) => x.to_double()?.partial_cmp(&y),
        (Value::Float(x), Value::Exact(y)) => x.partial_cmp(&y.to_double()?),
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
    fn numbers_beyond_64_bits_and_18_decimals_are_values() {
        let big = "123456789012345678901234567890123456789012345678901234567890";
        assert!(is_well_formed(lit(big, xsd::INTEGER).as_ref()));
        assert!(is_well_formed(
            lit(&format!("-{big}"), xsd::INTEGER).as_ref()
        ));
        assert!(is_well_formed(lit(big, xsd::NON_NEGATIVE_INTEGER).as_ref()));
        assert!(is_well_formed(lit(big, xsd::POSITIVE_INTEGER).as_ref()));
        assert!(!is_well_formed(
            lit(&format!("-{big}"), xsd::NON_NEGATIVE_INTEGER).as_ref()
        ));
        assert!(!is_well_formed(lit(big, xsd::LONG).as_ref()));
        assert!(!is_well_formed(
            lit("18446744073709551616", xsd::UNSIGNED_LONG).as_ref()
        ));
        assert!(is_well_formed(
            lit("18446744073709551615", xsd::UNSIGNED_LONG).as_ref()
        ));
        let precise = "0.1234567890123456789012345";
        assert!(is_well_formed(lit(precise, xsd::DECIMAL).as_ref()));
        assert!(is_well_formed(
            lit(&format!("{big}.5"), xsd::DECIMAL).as_ref()
        ));
        assert!(!is_well_formed(lit("1.2.3", xsd::DECIMAL).as_ref()));
        assert!(!is_well_formed(lit(".", xsd::DECIMAL).as_ref()));
        assert!(!is_well_formed(lit("1e5", xsd::DECIMAL).as_ref()));
        // Compared exactly, with each other and with ordinary values.
        let less = |a: &Literal, b: &Literal| cmp(a, b) == Some(Ordering::Less);
        assert!(less(&lit("1", xsd::INTEGER), &lit(big, xsd::INTEGER)));
        assert!(less(
            &lit(&format!("-{big}"), xsd::INTEGER),
            &lit("-1", xsd::INTEGER)
        ));
        assert!(less(
            &lit(big, xsd::INTEGER),
            &lit(&format!("{big}.5"), xsd::DECIMAL)
        ));
        assert!(less(
            &lit("0.1234567890123456789012344", xsd::DECIMAL),
            &lit(precise, xsd::DECIMAL)
        ));
        assert!(less(
            &lit("0.12", xsd::DECIMAL),
            &lit(precise, xsd::DECIMAL)
        ));
        assert!(less(
            &lit(precise, xsd::DECIMAL),
            &lit("0.13", xsd::DECIMAL)
        ));
        assert_eq!(
            cmp(
                &lit("0.10000000000000000000000", xsd::DECIMAL),
                &lit("0.1", xsd::DECIMAL)
            ),
            Some(Ordering::Equal)
        );
        assert!(less(&lit("1e3", xsd::DOUBLE), &lit(big, xsd::INTEGER)));
        assert_eq!(
            cmp(
                &lit("-0.000000000000000000000", xsd::DECIMAL),
                &lit("0", xsd::INTEGER)
            ),
            Some(Ordering::Equal)
        );
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
