//! Phone numbers in E.164, aware of the Brazilian mobile ninth digit.
//!
//! A focused parser rather than a full numbering-plan library: Atende needs E.164 normalisation,
//! Brazilian area codes and the ninth digit (numbers written, or sent by WhatsApp, without it are
//! the same line), and national numbers of a handful of regions. Brazilian numbers are fully
//! checked; other countries are checked for E.164 shape only.

use std::fmt;

/// An ISO 3166-1 alpha-2 region (`BR`): how national numbers (without `+`) are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Region([u8; 2]);

/// The text is not a two-letter region code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a two-letter region code")]
pub struct InvalidRegion;

/// Calling codes of the regions whose national numbers can be read without a `+`.
const CALLING_CODES: &[(&str, &str)] = &[
    ("AR", "54"),
    ("BR", "55"),
    ("CA", "1"),
    ("CL", "56"),
    ("CO", "57"),
    ("DE", "49"),
    ("ES", "34"),
    ("FR", "33"),
    ("GB", "44"),
    ("IT", "39"),
    ("MX", "52"),
    ("PE", "51"),
    ("PT", "351"),
    ("PY", "595"),
    ("US", "1"),
    ("UY", "598"),
];

impl Region {
    /// Brazil, the default of every clinic.
    pub const BR: Self = Self(*b"BR");

    /// Reads an upper-case two-letter code.
    ///
    /// # Errors
    /// [`InvalidRegion`] unless `code` is two ASCII upper-case letters.
    pub fn parse(code: &str) -> Result<Self, InvalidRegion> {
        match code.as_bytes() {
            [a, b] if a.is_ascii_uppercase() && b.is_ascii_uppercase() => Ok(Self([*a, *b])),
            _ => Err(InvalidRegion),
        }
    }

    /// The code (`BR`).
    #[must_use]
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("BR")
    }

    fn calling_code(self) -> Option<&'static str> {
        CALLING_CODES
            .iter()
            .find(|(r, _)| r.as_bytes() == self.0)
            .map(|(_, cc)| *cc)
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A phone number in E.164 (`+5511987654321`). Brazilian mobiles always carry the ninth digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Phone(String);

/// The input is not a phone number Atende can normalise.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid phone number")]
pub struct InvalidPhone;

/// Longest accepted input, formatting included.
pub const MAX_PHONE_INPUT: usize = 32;

impl Phone {
    /// Normalises `raw` (any formatting: spaces, dots, dashes, parentheses; `+` or `00` for an
    /// international number) to E.164. A number without a country code is read as a national
    /// number of `region`. Brazilian numbers are checked (area code, 8- or 9-digit subscriber
    /// number); an 8-digit mobile number gets its ninth digit.
    ///
    /// # Errors
    /// [`InvalidPhone`] when `raw` has other characters, the wrong length, or an impossible
    /// Brazilian number; or when it is national and `region`'s calling code is unknown.
    pub fn parse(raw: &str, region: Region) -> Result<Self, InvalidPhone> {
        let raw = raw.trim();
        if raw.is_empty() || raw.chars().count() > MAX_PHONE_INPUT {
            return Err(InvalidPhone);
        }
        let (plus, rest) = match raw.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, raw),
        };
        if !rest
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')' | '/'))
        {
            return Err(InvalidPhone);
        }
        let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
        if plus {
            return Self::international(&digits);
        }
        if let Some(intl) = digits.strip_prefix("00") {
            return Self::international(intl);
        }
        match region.calling_code() {
            Some("55") => Self::brazilian_without_plus(&digits),
            Some(cc) => Self::national(&digits, cc),
            None => Err(InvalidPhone),
        }
    }

    /// Reads a stored E.164 value (as written by [`Phone::parse`]).
    ///
    /// # Errors
    /// [`InvalidPhone`] when `e164` is not `+` and 7 to 15 digits.
    pub fn from_e164(e164: &str) -> Result<Self, InvalidPhone> {
        let digits = e164.strip_prefix('+').ok_or(InvalidPhone)?;
        if is_e164_digits(digits) {
            Ok(Self(e164.to_owned()))
        } else {
            Err(InvalidPhone)
        }
    }

    fn international(digits: &str) -> Result<Self, InvalidPhone> {
        if let Some(national) = digits.strip_prefix("55") {
            return Self::brazilian(national);
        }
        if is_e164_digits(digits) && digits.len() >= 8 {
            Ok(Self(format!("+{digits}")))
        } else {
            Err(InvalidPhone)
        }
    }

    /// A Brazilian number typed without `+`: national (optionally with the trunk `0` and a
    /// carrier code) or with the country code `55` (12 or 13 digits, longer than any national
    /// number).
    fn brazilian_without_plus(digits: &str) -> Result<Self, InvalidPhone> {
        if (12..=13).contains(&digits.len())
            && let Some(national) = digits.strip_prefix("55")
        {
            return Self::brazilian(national);
        }
        let national = match digits.strip_prefix('0') {
            // 0 + carrier (2 digits) + area code + subscriber number.
            Some(rest) if rest.len() >= 12 => &rest[2..],
            Some(rest) => rest,
            None => digits,
        };
        Self::brazilian(national)
    }

    /// Area code (two digits, 1-9 each) and an 8- or 9-digit subscriber number.
    fn brazilian(national: &str) -> Result<Self, InvalidPhone> {
        let bytes = national.as_bytes();
        if !(10..=11).contains(&bytes.len())
            || !(b'1'..=b'9').contains(&bytes[0])
            || !(b'1'..=b'9').contains(&bytes[1])
        {
            return Err(InvalidPhone);
        }
        let (area, subscriber) = national.split_at(2);
        match (subscriber.len(), subscriber.as_bytes()[0]) {
            (9, b'9') | (8, b'2'..=b'5') => Ok(Self(format!("+55{area}{subscriber}"))),
            // A mobile number from before the ninth digit (or as WhatsApp sends some).
            (8, b'6'..=b'9') => Ok(Self(format!("+55{area}9{subscriber}"))),
            _ => Err(InvalidPhone),
        }
    }

    fn national(digits: &str, cc: &str) -> Result<Self, InvalidPhone> {
        let national = if cc == "1" {
            // NANP: an optional leading 1 (the trunk prefix equals the country code).
            match digits.strip_prefix('1') {
                Some(rest) if rest.len() == 10 => rest,
                _ => digits,
            }
        } else {
            digits.strip_prefix('0').unwrap_or(digits)
        };
        let full = format!("{cc}{national}");
        if national.len() >= 4 && is_e164_digits(&full) && full.len() >= 8 {
            Ok(Self(format!("+{full}")))
        } else {
            Err(InvalidPhone)
        }
    }

    /// The E.164 text (`+5511987654321`).
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits without `+` (`5511987654321`): the canonical WhatsApp id of this number.
    #[must_use]
    pub fn digits(&self) -> &str {
        &self.0[1..]
    }

    /// Whether this is a Brazilian mobile number (`+55`, area code, `9` and eight digits).
    #[must_use]
    pub fn is_br_mobile(&self) -> bool {
        let d = self.digits();
        d.len() == 13 && d.starts_with("55") && d.as_bytes()[4] == b'9'
    }

    /// The digits of a Brazilian mobile number without its ninth digit (`551187654321`), the
    /// spelling older WhatsApp accounts use; `None` for other numbers.
    #[must_use]
    pub fn digits_without_ninth(&self) -> Option<String> {
        self.is_br_mobile()
            .then(|| format!("{}{}", &self.digits()[..4], &self.digits()[5..]))
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// 7 to 15 digits, not starting with 0 (the shape `clients.phone` checks).
fn is_e164_digits(digits: &str) -> bool {
    (7..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn br(raw: &str) -> Result<String, InvalidPhone> {
        Phone::parse(raw, Region::BR).map(|p| p.0)
    }

    #[test]
    fn brazilian_spellings_of_one_mobile_are_one_number() {
        for raw in [
            "+55 11 98765-4321",
            "+55 (11) 98765-4321",
            "55 11 8765-4321",
            "+55 11 8765-4321",
            "5511987654321",
            "551187654321",
            "(11) 98765-4321",
            "11 8765 4321",
            "011 98765-4321",
            "0 21 11 98765-4321",
            "0055 11 98765.4321",
            "11987654321",
        ] {
            assert_eq!(br(raw), Ok("+5511987654321".to_owned()), "{raw}");
        }
    }

    #[test]
    fn brazilian_landlines_keep_eight_digits() {
        assert_eq!(br("(11) 3456-7890"), Ok("+551134567890".to_owned()));
        assert_eq!(br("+55 21 2345 6789"), Ok("+552123456789".to_owned()));
    }

    #[test]
    fn impossible_numbers_are_rejected() {
        for raw in [
            "",
            "   ",
            "abc",
            "11 98765-432a",
            "+55 01 98765-4321",
            "+55 11 18765-4321",
            "+55 11 88765-4321",
            "1234",
            "+55 11 98765-43210",
            "+0 123 456 789",
            "++5511987654321",
            "11 98765-4321 ramal 2",
            "+1 234",
        ] {
            assert_eq!(br(raw), Err(InvalidPhone), "{raw}");
        }
    }

    #[test]
    fn other_countries_and_regions() {
        assert_eq!(br("+1 (415) 555-2671"), Ok("+14155552671".to_owned()));
        assert_eq!(br("+351 912 345 678"), Ok("+351912345678".to_owned()));
        let us = Region::parse("US").unwrap();
        assert_eq!(
            Phone::parse("(415) 555-2671", us).map(|p| p.0),
            Ok("+14155552671".to_owned())
        );
        let pt = Region::parse("PT").unwrap();
        assert_eq!(
            Phone::parse("912 345 678", pt).map(|p| p.0),
            Ok("+351912345678".to_owned())
        );
        let unknown = Region::parse("ZZ").unwrap();
        assert_eq!(Phone::parse("912 345 678", unknown), Err(InvalidPhone));
        assert_eq!(
            Phone::parse("+55 11 98765-4321", unknown).map(|p| p.0),
            Ok("+5511987654321".to_owned())
        );
    }

    #[test]
    fn ninth_digit_helpers() {
        let p = Phone::parse("11 98765-4321", Region::BR).unwrap();
        assert!(p.is_br_mobile());
        assert_eq!(p.digits(), "5511987654321");
        assert_eq!(p.digits_without_ninth().as_deref(), Some("551187654321"));
        let landline = Phone::parse("11 3456-7890", Region::BR).unwrap();
        assert_eq!(landline.digits_without_ninth(), None);
    }

    #[test]
    fn regions_and_stored_values() {
        assert_eq!(Region::parse("br"), Err(InvalidRegion));
        assert_eq!(Region::parse("BRA"), Err(InvalidRegion));
        assert_eq!(Region::BR.as_str(), "BR");
        assert!(Phone::from_e164("+5511987654321").is_ok());
        assert_eq!(Phone::from_e164("5511987654321"), Err(InvalidPhone));
    }
}
