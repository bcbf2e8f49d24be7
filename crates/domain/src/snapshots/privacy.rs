//! Masking of personal data before anything leaves for an analyzer.
//!
//! [`mask_text`] replaces, in one message text, what identifies a person with fixed masks;
//! [`cut`] shortens a text without splitting a character. The scanners are hand-written (no
//! regex): each rule is a linear pass over the characters, easy to reason about, and a masked
//! piece is never scanned again.
//!
//! Rules, in the order they run (details in each submodule):
//! 1. **E-mails** → `[email]` and **Instagram handles** (`@fulana`) → `[instagram]`
//!    ([`contact`]).
//! 2. **Street addresses** (`Rua das Flores, 123`, `Av. Paulista 1000 ap 52`, `123 Main St`)
//!    → `[endereço]`, and postal codes (`CEP 01310-100`) → `[cep]` ([`places`]).
//! 3. **Dates of birth**: a date after a birth word (`nasci em 12/03/1985`, `data de
//!    nascimento: 3 de março de 1990`, `DOB 03/12/1985`), or any full date in the 1900s →
//!    `[nascimento]` ([`dates`]).
//! 4. **Numbers** → `[cartão]` (13–19 digits passing the Luhn check), `[cns]` (a valid Cartão
//!    Nacional de Saúde, or digits after "CNS"/"cartão do SUS"), `[rg]` (`12.345.678-9`, or
//!    digits after "RG"/"identidade"), `[cpf]`, `[cep]` (`01310-100`) and `[telefone]` (any
//!    other run of eight or more digits) ([`numbers`]). Times, prices, short dates and short
//!    numbers stay.
//! 5. **The patient's name** → `[paciente]` ([`patient`]).
//! 6. **Other people's names** introduced by a relation (`minha filha Ana`, `meu marido, o
//!    João`), a lay title (`Dona Cida`, `Sr. Paulo`) or an introduction (`meu nome é Bia`) →
//!    `[nome]` ([`people`]). Professionals (`Dr./Dra./Doutor(a) <Name>`) are **kept**: they are
//!    the clinic's own staff, and naming one is how a patient states a preference.
//!
//! Clinical content (symptoms, procedures, medicines, ages, times, prices, neighbourhoods and
//! cities) is not masked: it is what the analysis is for.

mod contact;
mod dates;
mod numbers;
mod patient;
mod people;
mod places;

/// The mask that replaces a phone number.
pub const PHONE_MASK: &str = "[telefone]";
/// The mask that replaces an e-mail address.
pub const EMAIL_MASK: &str = "[email]";
/// The mask that replaces a CPF-like number.
pub const CPF_MASK: &str = "[cpf]";
/// The mask that replaces the patient's name.
pub const NAME_MASK: &str = "[paciente]";
/// The mask that replaces another person's name.
pub const PERSON_MASK: &str = "[nome]";
/// The mask that replaces an Instagram handle.
pub const HANDLE_MASK: &str = "[instagram]";
/// The mask that replaces a street address.
pub const ADDRESS_MASK: &str = "[endereço]";
/// The mask that replaces a postal code (CEP).
pub const POSTAL_CODE_MASK: &str = "[cep]";
/// The mask that replaces a date of birth.
pub const BIRTH_DATE_MASK: &str = "[nascimento]";
/// The mask that replaces an RG (identity card) number.
pub const RG_MASK: &str = "[rg]";
/// The mask that replaces a Cartão Nacional de Saúde number.
pub const CNS_MASK: &str = "[cns]";
/// The mask that replaces a payment card number.
pub const CARD_MASK: &str = "[cartão]";

/// A piece of the text being masked: still plain text, or already a mask.
enum Segment {
    Text(Vec<char>),
    Mask(&'static str),
}

/// `text` with the personal data of the module's rules replaced by their masks; `client_name`
/// is the patient's name ([`NAME_MASK`]).
#[must_use]
pub fn mask_text(text: &str, client_name: Option<&str>) -> String {
    let mut segments = vec![Segment::Text(text.chars().collect())];
    segments = apply(segments, contact::mask_emails);
    segments = apply(segments, contact::mask_handles);
    segments = apply(segments, places::mask_addresses);
    segments = apply(segments, dates::mask_birth_dates);
    segments = apply(segments, numbers::mask_numbers);
    if let Some(name) = client_name {
        let name = patient::NameParts::new(name);
        if !name.is_empty() {
            segments = apply(segments, |chars| name.mask(chars));
        }
    }
    segments = apply(segments, people::mask_people);
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

/// A word of a text: where it is, its folded form, and how it looks.
struct Word {
    start: usize,
    end: usize,
    folded: String,
    capitalised: bool,
    digits: bool,
}

/// The words of `chars`, with their folded form.
fn word_list(chars: &[char]) -> Vec<Word> {
    words(chars)
        .into_iter()
        .map(|(start, end)| {
            let w = &chars[start..end];
            Word {
                start,
                end,
                folded: fold_chars(w),
                capitalised: w.first().is_some_and(|c| c.is_uppercase()),
                digits: w.iter().all(char::is_ascii_digit),
            }
        })
        .collect()
}

/// The characters between two words (`a` before `b`).
fn gap<'a>(chars: &'a [char], a: &Word, b: &Word) -> &'a [char] {
    chars.get(a.end..b.start).unwrap_or_default()
}

/// Whether the gap between two adjacent words is only spaces.
fn spaced(chars: &[char], a: &Word, b: &Word) -> bool {
    let g = gap(chars, a, b);
    !g.is_empty() && g.iter().all(|c| c.is_whitespace())
}

#[cfg(test)]
#[path = "privacy_tests.rs"]
mod tests;
