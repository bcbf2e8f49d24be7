//! Numbers that identify someone: cards, health cards (CNS), identity cards (RG), CPFs, postal
//! codes and phones.
//!
//! A **run** is digits joined by single separators (space, `-`, `.`, `(`, `)`, at most three
//! separator characters in a row), optionally starting with `+` or `(`. In order:
//! 1. After an identity word among the four words before it — "RG"/"identidade" or
//!    "CNS"/"SUS" — a run of five or more digits is `[rg]` or `[cns]` (an RG's trailing `-X` is
//!    taken too).
//! 2. Runs with fewer than eight digits stay (times `14:30`, slashed dates `10/12`, prices
//!    `R$ 150,00`, `R$ 1.500,00`, protocol numbers), and so do dotted or dashed dates
//!    (`10.12.2025`, `2025-12-10`).
//! 3. A valid CNS (15 digits starting with 1, 2, 7, 8 or 9 whose weighted sum is a multiple of
//!    11; one block or `3-4-4-4`) → `[cns]`.
//! 4. A card: 13–19 digits, not starting with `+`/`(`, written in one block or in card-like
//!    groups (`4111 1111 1111 1111`, `3782 822463 10005`), passing the Luhn check → `[cartão]`.
//! 5. An RG written `12.345.678-9` (or `12.345.678-X`) → `[rg]`.
//! 6. Eleven digits written as a CPF (`123.456.789-09`, `123456789-09`), or eleven bare digits
//!    that pass the CPF check digits or do not look like a Brazilian mobile number → `[cpf]`.
//! 7. A CEP written `01310-100` → `[cep]`.
//! 8. Every other run of eight or more digits → `[telefone]`.

use super::{
    Builder, CARD_MASK, CNS_MASK, CPF_MASK, PHONE_MASK, POSTAL_CODE_MASK, RG_MASK, Segment, Word,
    word_list,
};

/// Fewest digits in a run that is masked without an identity word before it.
const MIN_PHONE_DIGITS: usize = 8;
/// Fewest digits masked after an identity word ("RG 1234567").
const MIN_ID_DIGITS: usize = 5;
/// Most separator characters allowed between two digit groups (e.g. `") "`, `" - "`).
const MAX_SEPARATOR_RUN: usize = 3;
/// How many words before a run are searched for an identity word.
const KEYWORD_WINDOW: usize = 4;

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
pub(super) fn cpf_check_digits_ok(d: &[u8]) -> bool {
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

/// The Luhn check of a payment card.
pub(super) fn luhn_ok(d: &[u8]) -> bool {
    if d.is_empty() || d.iter().all(|x| *x == 0) {
        return false;
    }
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, x)| {
            let x = u32::from(*x);
            if i % 2 == 1 {
                let y = x * 2;
                if y > 9 { y - 9 } else { y }
            } else {
                x
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The check of a Cartão Nacional de Saúde: 15 digits, first 1, 2, 7, 8 or 9, and
/// `Σ dᵢ·(15 − i)` a multiple of 11.
pub(super) fn cns_ok(d: &[u8]) -> bool {
    if d.len() != 15 || !matches!(d[0], 1 | 2 | 7 | 8 | 9) {
        return false;
    }
    let sum: usize = d
        .iter()
        .enumerate()
        .map(|(i, x)| usize::from(*x) * (15 - i))
        .sum();
    sum.is_multiple_of(11)
}

/// Two-digit area code (no zeros) followed by a mobile number starting with 9.
fn looks_like_br_mobile(d: &[u8]) -> bool {
    d.len() == 11 && d[0] != 0 && d[1] != 0 && d[2] == 9
}

/// Groups a card number is written in.
fn card_layout(groups: &[usize]) -> bool {
    match groups {
        [n] => (13..=19).contains(n),
        [4, 6, 5] | [4, 6, 4] => true,
        _ => groups.len() >= 3 && groups.iter().all(|g| (3..=4).contains(g)),
    }
}

/// An identity word seen before a run.
#[derive(Clone, Copy, PartialEq, Eq)]
enum IdWord {
    Rg,
    Cns,
}

fn id_word(folded: &str) -> Option<IdWord> {
    match folded {
        "rg" | "identidade" => Some(IdWord::Rg),
        "cns" | "sus" => Some(IdWord::Cns),
        _ => None,
    }
}

/// What a digit run is, if anything to mask. `keyword` is the identity word before it.
fn classify(run: &NumberRun, keyword: Option<IdWord>) -> Option<&'static str> {
    let n = run.digits.len();
    match keyword {
        Some(IdWord::Rg) if n >= MIN_ID_DIGITS => return Some(RG_MASK),
        Some(IdWord::Cns) if n >= MIN_ID_DIGITS => return Some(CNS_MASK),
        _ => {}
    }
    if n < MIN_PHONE_DIGITS || is_date(&run.groups) {
        return None;
    }
    if !run.prefixed && matches!(run.groups.as_slice(), [15] | [3, 4, 4, 4]) && cns_ok(&run.digits)
    {
        return Some(CNS_MASK);
    }
    if !run.prefixed && (13..=19).contains(&n) && card_layout(&run.groups) && luhn_ok(&run.digits) {
        return Some(CARD_MASK);
    }
    if run.groups == [2, 3, 3, 1] {
        return Some(RG_MASK);
    }
    let cpf_layout = matches!(run.groups.as_slice(), [3, 3, 3, 2] | [9, 2]);
    if n == 11 && !run.prefixed {
        if cpf_layout {
            return Some(CPF_MASK);
        }
        if run.groups == [11]
            && (cpf_check_digits_ok(&run.digits) || !looks_like_br_mobile(&run.digits))
        {
            return Some(CPF_MASK);
        }
    }
    if run.groups == [5, 3] && !run.prefixed {
        return Some(POSTAL_CODE_MASK);
    }
    Some(PHONE_MASK)
}

/// The identity word among the [`KEYWORD_WINDOW`] words that end at or before `at`.
fn keyword_before(words: &[Word], at: usize, cursor: &mut usize) -> Option<IdWord> {
    while *cursor < words.len() && words[*cursor].end <= at {
        *cursor += 1;
    }
    words[..*cursor]
        .iter()
        .rev()
        .take(KEYWORD_WINDOW)
        .find_map(|w| id_word(&w.folded))
}

/// An RG check character after the digits: `-X` or `-x` not followed by a letter.
fn rg_suffix(chars: &[char], end: usize) -> usize {
    let dash = chars.get(end).is_some_and(|c| *c == '-');
    let x = chars.get(end + 1).is_some_and(|c| matches!(c, 'X' | 'x'));
    let alone = !chars.get(end + 2).is_some_and(|c| c.is_alphanumeric());
    if dash && x && alone { end + 2 } else { end }
}

pub(super) fn mask_numbers(chars: &[char]) -> Vec<Segment> {
    let words = word_list(chars);
    let mut cursor = 0;
    let mut b = Builder::new(chars);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let prefixed = matches!(c, '+' | '(') && chars.get(i + 1).is_some_and(char::is_ascii_digit);
        let starts_run = prefixed || c.is_ascii_digit();
        if !starts_run {
            i += 1;
            continue;
        }
        let first = if prefixed { i + 1 } else { i };
        let run = scan_number(chars, first, prefixed);
        let keyword = keyword_before(&words, i, &mut cursor);
        if let Some(mask) = classify(&run, keyword) {
            let end = if mask == RG_MASK {
                rg_suffix(chars, run.end)
            } else {
                run.end
            };
            b.mask(i, end, mask);
            i = end;
        } else {
            i = run.end.max(i + 1);
        }
    }
    b.finish()
}
