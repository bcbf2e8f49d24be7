//! Masking of personal data before anything leaves for an analyzer.
//!
//! [`mask_text`] replaces, in one message text, e-mail addresses, phone numbers, CPF-like numbers
//! and the patient's name with fixed masks; [`cut`] shortens a text without splitting a
//! character. The scanners are hand-written (no regex): the rules are few, and a linear pass over
//! the characters is easy to reason about.
//!
//! Rules, in the order they run:
//! 1. **E-mails**: `local@domain.tld` (the domain needs a dot and a top-level part of two or more
//!    letters).
//! 2. **Numbers**: a run of digits joined by single separators (space, `-`, `.`, `(`, `)`, at
//!    most three separator characters in a row), optionally starting with `+` or `(`. A run with
//!    eight or more digits is masked, except dates (`10.12.2025`, `2025-12-10`). Eleven digits
//!    written as a CPF (`123.456.789-09`, `123456789-09`), or eleven bare digits that pass the CPF
//!    check digits or do not look like a Brazilian mobile number, are a CPF; every other masked
//!    run is a phone. Times (`14:30`), slashed dates (`10/12`) and prices (`R$ 150,00`) have too
//!    few digits between their separators to be touched.
//! 3. **The patient's name**: the full name, and each part of it with three or more letters, as
//!    whole words, ignoring case and accents. Adjacent name words (with the name's own short
//!    connectors such as `da`, `de` between them) become a single mask.

/// The mask that replaces a phone number.
pub const PHONE_MASK: &str = "[telefone]";
/// The mask that replaces an e-mail address.
pub const EMAIL_MASK: &str = "[email]";
/// The mask that replaces a CPF-like number.
pub const CPF_MASK: &str = "[cpf]";
/// The mask that replaces the patient's name.
pub const NAME_MASK: &str = "[paciente]";

/// Fewest digits in a run that is treated as a phone number.
const MIN_PHONE_DIGITS: usize = 8;
/// Most separator characters allowed between two digit groups (e.g. `") "`, `" - "`).
const MAX_SEPARATOR_RUN: usize = 3;
/// Shortest name part masked on its own.
const MIN_NAME_PART_CHARS: usize = 3;

/// A piece of the text being masked: still plain text, or already a mask.
enum Segment {
    Text(Vec<char>),
    Mask(&'static str),
}

/// `text` with e-mails, phone numbers, CPF-like numbers and the patient's name (`client_name`)
/// replaced by [`EMAIL_MASK`], [`PHONE_MASK`], [`CPF_MASK`] and [`NAME_MASK`].
#[must_use]
pub fn mask_text(text: &str, client_name: Option<&str>) -> String {
    let mut segments = vec![Segment::Text(text.chars().collect())];
    segments = apply(segments, mask_emails);
    segments = apply(segments, mask_numbers);
    if let Some(name) = client_name {
        let name = NameParts::new(name);
        if !name.is_empty() {
            segments = apply(segments, |chars| name.mask(chars));
        }
    }
    let mut out = String::with_capacity(text.len());
    for segment in segments {
        match segment {
            Segment::Text(chars) => out.extend(chars),
            Segment::Mask(mask) => out.push_str(mask),
        }
    }
    out
}

/// The first `max_chars` characters of `text` (all of it when shorter), never splitting a
/// character.
#[must_use]
pub fn cut(text: &str, max_chars: usize) -> &str {
    match text.char_indices().nth(max_chars) {
        Some((byte, _)) => text.get(..byte).unwrap_or(text),
        None => text,
    }
}

/// [`mask_text`] then [`cut`] to `max_chars`: masking first, so a number that straddles the cut
/// cannot leak half of itself.
#[must_use]
pub fn mask_and_cut(text: &str, client_name: Option<&str>, max_chars: usize) -> String {
    cut(&mask_text(text, client_name), max_chars).to_owned()
}

/// `text` in lower case without accents (`Remarcação` → `remarcacao`): how name parts are
/// compared, and how the heuristic analyzer matches its cues.
#[must_use]
pub fn fold(text: &str) -> String {
    fold_chars(&text.chars().collect::<Vec<_>>())
}

/// Runs `pass` over every plain-text segment, keeping masks as they are.
fn apply(segments: Vec<Segment>, pass: impl Fn(&[char]) -> Vec<Segment>) -> Vec<Segment> {
    let mut out = Vec::with_capacity(segments.len());
    for segment in segments {
        match segment {
            Segment::Text(chars) => out.extend(pass(&chars)),
            mask @ Segment::Mask(_) => out.push(mask),
        }
    }
    out
}

/// Collects plain text and masks in order.
struct Builder<'a> {
    chars: &'a [char],
    out: Vec<Segment>,
    /// Start of the plain text not yet emitted.
    pending: usize,
}

impl<'a> Builder<'a> {
    fn new(chars: &'a [char]) -> Self {
        Self {
            chars,
            out: Vec::new(),
            pending: 0,
        }
    }

    /// Emits the text before `start` and then `mask` for `start..end`.
    fn mask(&mut self, start: usize, end: usize, mask: &'static str) {
        if start > self.pending {
            self.out
                .push(Segment::Text(self.chars[self.pending..start].to_vec()));
        }
        self.out.push(Segment::Mask(mask));
        self.pending = end;
    }

    fn finish(mut self) -> Vec<Segment> {
        if self.pending < self.chars.len() {
            self.out
                .push(Segment::Text(self.chars[self.pending..].to_vec()));
        }
        self.out
    }
}

fn is_email_local(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')
}

fn is_email_domain(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-')
}

fn mask_emails(chars: &[char]) -> Vec<Segment> {
    let mut b = Builder::new(chars);
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '@' {
            i += 1;
            continue;
        }
        let mut start = i;
        while start > b.pending && is_email_local(chars[start - 1]) {
            start -= 1;
        }
        let mut end = i + 1;
        while end < chars.len() && is_email_domain(chars[end]) {
            end += 1;
        }
        while end > i + 1 && matches!(chars[end - 1], '.' | '-') {
            end -= 1;
        }
        if start < i && is_email_domain_shape(&chars[i + 1..end]) {
            b.mask(start, end, EMAIL_MASK);
            i = end;
        } else {
            i += 1;
        }
    }
    b.finish()
}

/// A domain with a dot, a non-empty first label and a top-level part of two or more letters.
fn is_email_domain_shape(domain: &[char]) -> bool {
    let Some(last_dot) = domain.iter().rposition(|c| *c == '.') else {
        return false;
    };
    let tld = &domain[last_dot + 1..];
    domain.first().is_some_and(char::is_ascii_alphanumeric)
        && tld.len() >= 2
        && tld.iter().all(char::is_ascii_alphabetic)
}

fn is_number_separator(c: char) -> bool {
    matches!(c, ' ' | '-' | '.' | '(' | ')' | '\u{a0}')
}

/// A run of digit groups found by [`scan_number`].
struct NumberRun {
    /// Index just past the last digit.
    end: usize,
    /// Digits per group.
    groups: Vec<usize>,
    /// The digits themselves.
    digits: Vec<u8>,
    /// Whether the run starts with `+` or `(`.
    prefixed: bool,
}

/// Reads the digit run whose first digit is at `first`.
fn scan_number(chars: &[char], first: usize, prefixed: bool) -> NumberRun {
    let mut run = NumberRun {
        end: first,
        groups: Vec::new(),
        digits: Vec::new(),
        prefixed,
    };
    let mut group = 0;
    let mut k = first;
    while k < chars.len() {
        if let Some(d) = chars[k].to_digit(10) {
            run.digits.push(u8::try_from(d).unwrap_or(0));
            group += 1;
            k += 1;
            run.end = k;
            continue;
        }
        let seps = chars[k..]
            .iter()
            .take_while(|c| is_number_separator(**c))
            .count();
        let next_is_digit = chars.get(k + seps).is_some_and(char::is_ascii_digit);
        if seps == 0 || seps > MAX_SEPARATOR_RUN || !next_is_digit {
            break;
        }
        run.groups.push(group);
        group = 0;
        k += seps;
    }
    run.groups.push(group);
    run
}

/// `dd.mm.yyyy`, `yyyy-mm-dd` and the like.
fn is_date(groups: &[usize]) -> bool {
    match groups {
        [a, b, 4] => (1..=2).contains(a) && (1..=2).contains(b),
        [4, a, b] => (1..=2).contains(a) && (1..=2).contains(b),
        _ => false,
    }
}

/// The CPF check digits of 11 digits are right.
fn cpf_check_digits_ok(d: &[u8]) -> bool {
    if d.len() != 11 || d.iter().all(|x| *x == d[0]) {
        return false;
    }
    let check = |len: usize| {
        let sum: usize = d[..len]
            .iter()
            .enumerate()
            .map(|(i, x)| usize::from(*x) * (len + 1 - i))
            .sum();
        let rest = (sum * 10) % 11;
        u8::try_from(if rest == 10 { 0 } else { rest }).unwrap_or(0)
    };
    check(9) == d[9] && check(10) == d[10]
}

/// Two-digit area code (no zeros) followed by a mobile number starting with 9.
fn looks_like_br_mobile(d: &[u8]) -> bool {
    d.len() == 11 && d[0] != 0 && d[1] != 0 && d[2] == 9
}

/// What a digit run is, if anything to mask.
fn classify(run: &NumberRun) -> Option<&'static str> {
    if run.digits.len() < MIN_PHONE_DIGITS || is_date(&run.groups) {
        return None;
    }
    let cpf_layout = matches!(run.groups.as_slice(), [3, 3, 3, 2] | [9, 2]);
    if run.digits.len() == 11 && !run.prefixed {
        if cpf_layout {
            return Some(CPF_MASK);
        }
        if run.groups == [11]
            && (cpf_check_digits_ok(&run.digits) || !looks_like_br_mobile(&run.digits))
        {
            return Some(CPF_MASK);
        }
    }
    Some(PHONE_MASK)
}

fn mask_numbers(chars: &[char]) -> Vec<Segment> {
    let mut b = Builder::new(chars);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let prefixed = matches!(c, '+' | '(') && chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if !prefixed && !c.is_ascii_digit() {
            i += 1;
            continue;
        }
        let first = if prefixed { i + 1 } else { i };
        let run = scan_number(chars, first, prefixed);
        if let Some(mask) = classify(&run) {
            b.mask(i, run.end, mask);
        }
        i = run.end.max(i + 1);
    }
    b.finish()
}

/// Lower case without accents (`É` → `e`, `ç` → `c`), for comparing words.
fn fold_chars(word: &[char]) -> String {
    word.iter()
        .flat_map(|c| c.to_lowercase())
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
            'ç' | 'ć' | 'č' => 'c',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ñ' | 'ń' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ý' | 'ÿ' => 'y',
            'š' => 's',
            'ž' => 'z',
            other => other,
        })
        .collect()
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// Word spans (`start..end`) of `chars`.
fn words(chars: &[char]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !is_word_char(chars[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && is_word_char(chars[i]) {
            i += 1;
        }
        out.push((start, i));
    }
    out
}

/// The patient's name, folded, split into its words.
struct NameParts {
    parts: Vec<String>,
}

impl NameParts {
    fn new(name: &str) -> Self {
        let chars: Vec<char> = name.chars().collect();
        let parts = words(&chars)
            .into_iter()
            .map(|(s, e)| fold_chars(&chars[s..e]))
            .collect();
        Self { parts }
    }

    fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// A part long enough to be masked on its own.
    fn is_long_part(&self, word: &str) -> bool {
        word.chars().count() >= MIN_NAME_PART_CHARS && self.parts.iter().any(|p| p == word)
    }

    /// A short part (`da`, `de`, `Li`): masked only inside the name.
    fn is_short_part(&self, word: &str) -> bool {
        self.parts.iter().any(|p| p == word)
    }

    fn mask(&self, chars: &[char]) -> Vec<Segment> {
        let spans = words(chars);
        let folded: Vec<String> = spans
            .iter()
            .map(|(s, e)| fold_chars(&chars[*s..*e]))
            .collect();
        let spaced = |a: usize, b: usize| {
            let gap = &chars[spans[a].1..spans[b].0];
            !gap.is_empty() && gap.iter().all(|c| c.is_whitespace())
        };
        let mut b = Builder::new(chars);
        let mut i = 0;
        while i < spans.len() {
            let full = self.parts.len();
            let is_full = i + full <= spans.len()
                && (0..full).all(|k| folded[i + k] == self.parts[k])
                && (1..full).all(|k| spaced(i + k - 1, i + k));
            let mut last = if is_full {
                i + full - 1
            } else if self.is_long_part(&folded[i]) {
                i
            } else {
                i += 1;
                continue;
            };
            // Absorb following name words (with short connectors between them).
            loop {
                let next = last + 1;
                if next < spans.len() && spaced(last, next) && self.is_long_part(&folded[next]) {
                    last = next;
                } else if next + 1 < spans.len()
                    && spaced(last, next)
                    && spaced(next, next + 1)
                    && self.is_short_part(&folded[next])
                    && self.is_long_part(&folded[next + 1])
                {
                    last = next + 1;
                } else {
                    break;
                }
            }
            b.mask(spans[i].0, spans[last].1, NAME_MASK);
            i = last + 1;
        }
        b.finish()
    }
}

#[cfg(test)]
#[path = "privacy_tests.rs"]
mod tests;
