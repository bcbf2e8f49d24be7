//! Dates of birth.
//!
//! - After a birth word (`nasci`, `nasceu`, `nascida`, `nascimento`, `DN`, `aniversário`,
//!   `born`, `birth`, `birthday`, `DOB`, `nací`, `nacimiento`, `cumpleaños`), the first date among
//!   the next six words → `[nascimento]`: `12/03/1985`, `12.03.85`, `12-3`, `12 de março de
//!   1985`, `3 de marzo`, `March 3, 1985`, `3rd March`, or a year alone (`nasci em 1985`).
//! - Anywhere, a full numeric date in the 1900s (`12/03/1985`): in a clinic's chat that is a
//!   birth date far more often than anything else.
//!
//! Other dates (appointments, exams: `dia 10/12`, `10/12/2025`, `3 de dezembro`) stay; so does an
//! age (`tenho 35 anos`).

use super::{BIRTH_DATE_MASK, Builder, Segment, Word, gap, spaced, word_list};

/// Words (folded) that announce a birth date.
const BIRTH_WORDS: &[&str] = &[
    "nasci",
    "nasceu",
    "nascida",
    "nascido",
    "nascimento",
    "nasc",
    "dn",
    "aniversario",
    "born",
    "birth",
    "birthday",
    "dob",
    "naci",
    "nacio",
    "nacida",
    "nacido",
    "nacimiento",
    "cumpleanos",
];

/// How many words after a birth word are searched for the date.
const WINDOW: usize = 6;

/// Month names and abbreviations (folded) in pt, es and en.
const MONTHS: &[&str] = &[
    "janeiro",
    "fevereiro",
    "marco",
    "abril",
    "maio",
    "junho",
    "julho",
    "agosto",
    "setembro",
    "outubro",
    "novembro",
    "dezembro",
    "jan",
    "fev",
    "mar",
    "abr",
    "mai",
    "jun",
    "jul",
    "ago",
    "set",
    "out",
    "nov",
    "dez",
    "enero",
    "febrero",
    "marzo",
    "mayo",
    "junio",
    "julio",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "feb",
    "apr",
    "aug",
    "sep",
    "sept",
    "oct",
    "dec",
];

pub(super) fn mask_birth_dates(chars: &[char]) -> Vec<Segment> {
    let words = word_list(chars);
    let mut b = Builder::new(chars);
    let mut i = 0;
    while i < words.len() {
        if BIRTH_WORDS.contains(&words[i].folded.as_str()) {
            let found = (i + 1..words.len().min(i + 1 + WINDOW))
                .find_map(|j| date_at(chars, &words, j).map(|next| (j, next)));
            if let Some((start, next)) = found {
                b.mask(words[start].start, words[next - 1].end, BIRTH_DATE_MASK);
                i = next;
                continue;
            }
        } else if let Some(next) = numeric_date(chars, &words, i)
            && next == i + 3
            && (1900..=1999).contains(&number(&words[i + 2]))
        {
            b.mask(words[i].start, words[next - 1].end, BIRTH_DATE_MASK);
            i = next;
            continue;
        }
        i += 1;
    }
    b.finish()
}

fn number(w: &Word) -> u32 {
    if w.digits {
        w.folded.parse().unwrap_or(u32::MAX)
    } else {
        u32::MAX
    }
}

fn digits_of_len(w: &Word, lens: &[usize]) -> bool {
    w.digits && lens.contains(&w.folded.len())
}

/// A day of the month, digits or ordinal (`3`, `03`, `3rd`, `21st`).
fn day(w: &Word) -> bool {
    let digits: String = w.folded.chars().take_while(char::is_ascii_digit).collect();
    let rest = &w.folded[digits.len()..];
    (1..=2).contains(&digits.len())
        && (1..=31).contains(&digits.parse::<u32>().unwrap_or(0))
        && matches!(rest, "" | "st" | "nd" | "rd" | "th" | "o" | "º")
}

fn month(w: &Word) -> bool {
    MONTHS.contains(&w.folded.as_str())
}

fn year(w: &Word) -> bool {
    (1900..=2030).contains(&number(w))
}

/// `dd/mm[/yy[yy]]` (or `.`, `-`) at `i`: the index of the word after it.
fn numeric_date(chars: &[char], words: &[Word], i: usize) -> Option<usize> {
    let (a, b) = (words.get(i)?, words.get(i + 1)?);
    let sep = match gap(chars, a, b) {
        [c] if matches!(c, '/' | '.' | '-') => *c,
        _ => return None,
    };
    let (x, y) = (number(a), number(b));
    let plausible = digits_of_len(a, &[1, 2])
        && digits_of_len(b, &[1, 2])
        && ((1..=31).contains(&x) && (1..=12).contains(&y)
            || (1..=12).contains(&x) && (1..=31).contains(&y));
    if !plausible {
        return None;
    }
    let third = words
        .get(i + 2)
        .filter(|c| gap(chars, b, c) == [sep] && digits_of_len(c, &[2, 4]));
    Some(if third.is_some() { i + 3 } else { i + 2 })
}

/// A date at `i`, in any form a birth date is written in (a year alone included): the index of
/// the word after it.
fn date_at(chars: &[char], words: &[Word], i: usize) -> Option<usize> {
    if let Some(next) = numeric_date(chars, words, i) {
        return Some(next);
    }
    let w = words.get(i)?;
    let connector = |k: usize| {
        words
            .get(k)
            .is_some_and(|x| matches!(x.folded.as_str(), "de" | "of"))
    };
    let with_year = |k: usize| -> usize {
        // `de 1985`, `, 1985` or ` 1985` after the month (or day).
        if connector(k) && words.get(k + 1).is_some_and(year) {
            k + 2
        } else if words.get(k).is_some_and(year)
            && words.get(k - 1).is_some_and(|p| {
                gap(chars, p, &words[k])
                    .iter()
                    .all(|c| c.is_whitespace() || *c == ',')
            })
        {
            k + 1
        } else {
            k
        }
    };
    // `12 de março [de 1985]`, `3 March [1985]`, `3rd of March`.
    if day(w) {
        let m = if connector(i + 1) { i + 2 } else { i + 1 };
        if words.get(m).is_some_and(month) {
            return Some(with_year(m + 1));
        }
    }
    // `March 3[, 1985]`.
    if month(w)
        && words
            .get(i + 1)
            .is_some_and(|d| day(d) && spaced(chars, w, d))
    {
        return Some(with_year(i + 2));
    }
    year(w).then_some(i + 1)
}
