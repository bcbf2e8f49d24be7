//! Street addresses and postal codes.
//!
//! - **pt/es**: a street word (`Rua`, `R.`, `Avenida`, `Av.`, `Alameda`, `Al.`, `Travessa`,
//!   `Estrada`, `Rodovia`, `Praça`, `Largo`, `Calle`, `C/`, `Avda.`, `Paseo`, `Plaza`…), then up
//!   to six name words (`das`, `de`… included; `25 de Março`), then optionally a comma, `nº` and
//!   a house number of one to five digits (with a letter: `123A`), then complements (`ap 52`,
//!   `apto. 31`, `bloco B`, `casa 2`, `sala 1204`, `fundos`, `CEP 01310-100`) → `[endereço]`.
//!   Without a house number the street is masked when its name starts with a capital letter
//!   (`moro na Rua das Flores`); with a house number a lower-case name is masked too (`rua
//!   augusta 1500`) when the number ends the clause or a complement follows, so "caí na rua e
//!   machuquei o joelho 2 vezes" stays.
//! - **en**: a house number, one to four capitalised words and a street suffix (`12 Baker
//!   Street`, `350 Fifth Ave`), with `apt`/`unit`/`suite`/`#` complements → `[endereço]`.
//! - **CEP**: `CEP` (`é`) followed by eight digits (`CEP 01310100`, `cep: 01310-100`) →
//!   `CEP [cep]`.
//!
//! Neighbourhoods, cities and landmarks (`Jardim Ângela`, `Guarulhos`, "perto do metrô") stay:
//! they are how a patient explains a distance.

use super::{ADDRESS_MASK, Builder, POSTAL_CODE_MASK, Segment, Word, gap, spaced, word_list};

/// Most words in a street's name.
const MAX_NAME_WORDS: usize = 6;
/// Most complements (`ap 52`, `bloco B`…) taken after the number.
const MAX_COMPLEMENTS: usize = 4;
/// Most digits in a house number.
const MAX_HOUSE_DIGITS: usize = 5;

/// Street words that may be written without a dot.
const STREET_WORDS: &[&str] = &[
    "rua", "avenida", "av", "alameda", "travessa", "estrada", "rodovia", "praca", "largo", "viela",
    "calle", "avda", "paseo", "plaza", "camino",
];

/// Abbreviations that must be followed by a dot.
const DOTTED_STREET_WORDS: &[&str] = &["r", "al", "tv", "trav", "estr", "rod", "pca"];

/// Short words inside street names.
const CONNECTORS: &[&str] = &["de", "da", "do", "das", "dos", "del", "la", "las", "los"];

/// Words that introduce a complement; those in [`BARE_COMPLEMENTS`] need no value.
const COMPLEMENTS: &[&str] = &[
    "ap",
    "apto",
    "apt",
    "apartamento",
    "bloco",
    "bl",
    "casa",
    "sala",
    "sl",
    "conj",
    "conjunto",
    "cj",
    "andar",
    "lote",
    "lt",
    "quadra",
    "qd",
    "torre",
    "piso",
    "puerta",
    "dpto",
    "depto",
    "unit",
    "suite",
    "fundos",
];

const BARE_COMPLEMENTS: &[&str] = &["fundos"];

/// Number markers before a house number.
const NUMBER_MARKERS: &[&str] = &["n", "no", "nº", "numero", "num", "nro"];

/// English street suffixes.
const EN_SUFFIXES: &[&str] = &[
    "street",
    "st",
    "avenue",
    "ave",
    "road",
    "rd",
    "lane",
    "ln",
    "boulevard",
    "blvd",
    "drive",
    "way",
    "court",
    "ct",
];

pub(super) fn mask_addresses(chars: &[char]) -> Vec<Segment> {
    let words = word_list(chars);
    let mut b = Builder::new(chars);
    let mut i = 0;
    while i < words.len() {
        let found = street(chars, &words, i)
            .map(|next| (next, ADDRESS_MASK, words[i].start))
            .or_else(|| english_street(chars, &words, i).map(|n| (n, ADDRESS_MASK, words[i].start)))
            .or_else(|| {
                postal_code(chars, &words, i)
                    .map(|(first, n)| (n, POSTAL_CODE_MASK, words[first].start))
            });
        match found {
            Some((next, mask, start)) if start >= b.pending => {
                let end = words[next - 1].end;
                b.mask(start, end, mask);
                i = next;
            }
            _ => i += 1,
        }
    }
    b.finish()
}

/// A house number: one to five digits, optionally followed by one letter (`123A`).
fn is_house_number(w: &Word) -> bool {
    let digits = w.folded.chars().take_while(char::is_ascii_digit).count();
    let rest = w.folded.chars().count() - digits;
    (1..=MAX_HOUSE_DIGITS).contains(&digits) && rest <= 1
}

/// Whether the word at `i` starts a pt/es street (`Rua`, `Av.`, `C/`).
fn is_street_word(chars: &[char], words: &[Word], i: usize) -> bool {
    let w = &words[i];
    let next = chars.get(w.end).copied();
    if STREET_WORDS.contains(&w.folded.as_str()) {
        return true;
    }
    if DOTTED_STREET_WORDS.contains(&w.folded.as_str()) && next == Some('.') {
        return w.folded != "r" || w.capitalised;
    }
    w.folded == "c" && w.capitalised && next == Some('/')
}

/// The pt/es street starting at word `i`: the index of the word after it.
fn street(chars: &[char], words: &[Word], i: usize) -> Option<usize> {
    if !is_street_word(chars, words, i) {
        return None;
    }
    // The name: words joined by spaces (the first may follow "." or "/").
    let mut j = i + 1;
    let mut lower = false;
    let mut capital_prefix = i + 1;
    while j < words.len() && j - i <= MAX_NAME_WORDS {
        let w = &words[j];
        let joined = if j == i + 1 {
            gap(chars, &words[i], w)
                .iter()
                .all(|c| c.is_whitespace() || matches!(c, '.' | '/'))
        } else {
            spaced(chars, &words[j - 1], w)
        };
        if !joined {
            break;
        }
        let connector = CONNECTORS.contains(&w.folded.as_str());
        let named_date = w.digits
            && words.get(j + 1).is_some_and(|n| n.folded == "de")
            && words.get(j + 2).is_some_and(|n| n.capitalised);
        if w.digits && !named_date {
            break;
        }
        if !(w.capitalised || connector || named_date) {
            lower = true;
        }
        if !lower && (w.capitalised || named_date) {
            capital_prefix = j + 1;
        }
        j += 1;
        if named_date {
            j += 1;
        }
    }
    if j == i + 1 {
        return None;
    }
    // The house number, after `,`, spaces and an optional `nº`.
    let mut k = j;
    if words
        .get(k)
        .is_some_and(|w| NUMBER_MARKERS.contains(&w.folded.as_str()))
        && k > i + 1
    {
        let after = words.get(k + 1);
        if after.is_some_and(is_house_number) {
            k += 1;
        }
    }
    let number = words.get(k).filter(|w| {
        is_house_number(w)
            && gap(chars, &words[k - 1], w)
                .iter()
                .all(|c| c.is_whitespace() || matches!(c, ',' | '.' | '°' | 'º' | ':'))
    });
    let Some(_) = number else {
        // No number: the capitalised beginning of the name, if any.
        return (capital_prefix > i + 1).then_some(capital_prefix);
    };
    let end = complements(chars, words, k + 1);
    if lower && end == k + 1 && !ends_clause(chars, words, k) {
        return None;
    }
    Some(end)
}

/// Whether the word at `k` is followed by the end of the text or punctuation.
fn ends_clause(chars: &[char], words: &[Word], k: usize) -> bool {
    let after = &chars[words[k].end..words.get(k + 1).map_or(chars.len(), |w| w.start)];
    words.get(k + 1).is_none()
        || after
            .iter()
            .any(|c| matches!(c, ',' | '.' | ';' | '!' | '?' | '\n' | ')' | '-'))
}

/// Complements after the house number (`ap 52`, `bloco B`, `CEP 01310-100`): the index of the
/// word after the last one.
fn complements(chars: &[char], words: &[Word], mut k: usize) -> usize {
    for _ in 0..MAX_COMPLEMENTS {
        let Some(w) = words.get(k) else { break };
        let near = gap(chars, &words[k - 1], w)
            .iter()
            .all(|c| c.is_whitespace() || matches!(c, ',' | '-' | '.' | '/' | '#'));
        if !near {
            break;
        }
        if w.folded == "cep" {
            match cep_digits(chars, words, k) {
                Some(next) => {
                    k = next;
                    continue;
                }
                None => break,
            }
        }
        if !COMPLEMENTS.contains(&w.folded.as_str()) {
            break;
        }
        if BARE_COMPLEMENTS.contains(&w.folded.as_str()) {
            k += 1;
            continue;
        }
        let value = words.get(k + 1).filter(|v| {
            let short = v.folded.chars().count() <= 6;
            short && (v.folded.chars().any(|c| c.is_ascii_digit()) || v.folded.chars().count() == 1)
        });
        match value {
            Some(_) => k += 2,
            None => break,
        }
    }
    k
}

/// The eight digits of a CEP after the word `cep` at `k` (`01310-100`, `01310100`, `01.310-100`):
/// the index of the word after them.
fn cep_digits(chars: &[char], words: &[Word], k: usize) -> Option<usize> {
    let mut digits = 0;
    let mut j = k + 1;
    while let Some(w) = words.get(j) {
        if !w.digits {
            break;
        }
        let g = gap(chars, &words[j - 1], w);
        let ok = if j == k + 1 {
            g.iter()
                .all(|c| c.is_whitespace() || matches!(c, ':' | '.'))
        } else {
            g.len() == 1 && matches!(g[0], '-' | '.')
        };
        if !ok {
            break;
        }
        digits += w.folded.len();
        j += 1;
        if digits >= 8 {
            break;
        }
    }
    (digits == 8).then_some(j)
}

/// `CEP 01310-100`, `o CEP é 01310100`: the indexes of the first digits and of the word after
/// them (the mask starts after `CEP`).
fn postal_code(chars: &[char], words: &[Word], i: usize) -> Option<(usize, usize)> {
    if words[i].folded != "cep" {
        return None;
    }
    let verb = words
        .get(i + 1)
        .is_some_and(|w| matches!(w.folded.as_str(), "e" | "eh" | "is" | "es"));
    let k = if verb { i + 1 } else { i };
    cep_digits(chars, words, k).map(|next| (k + 1, next))
}

/// `12 Baker Street`, `350 Fifth Ave, apt 4B`: the index of the word after it.
fn english_street(chars: &[char], words: &[Word], i: usize) -> Option<usize> {
    if !is_house_number(&words[i]) {
        return None;
    }
    let mut j = i + 1;
    while j < words.len() && j - i <= 5 {
        let w = &words[j];
        if !spaced(chars, &words[j - 1], w) || !w.capitalised {
            return None;
        }
        if j > i + 1 && EN_SUFFIXES.contains(&w.folded.as_str()) {
            return Some(complements(chars, words, j + 1));
        }
        j += 1;
    }
    None
}
