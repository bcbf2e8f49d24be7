//! Matching cues against a message: folded words, one- or multi-word cues, `*` prefixes.

use domain::snapshots::privacy::fold;

/// Word pairs removed before matching, so greetings and idioms do not read as cues
/// (`boa tarde` is not a preference for the afternoon, `mais tarde` means "later").
const IGNORED: &[&str] = &[
    "bom dia",
    "boa tarde",
    "boa noite",
    "mais tarde",
    "tarde demais",
    "muito tarde",
    "good morning",
    "good afternoon",
    "good evening",
    "good night",
    "buenos dias",
    "buenas tardes",
    "buenas noches",
];

/// A message's words, folded (lower case, no accents), with [`IGNORED`] pairs removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Words(Vec<String>);

impl Words {
    /// The words of `text`.
    pub(super) fn new(text: &str) -> Self {
        let words: Vec<String> = fold(text)
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect();
        let mut kept = Vec::with_capacity(words.len());
        let mut i = 0;
        while i < words.len() {
            if let Some(n) = IGNORED.iter().find_map(|cue| match_at(&words, i, cue)) {
                i += n;
                continue;
            }
            if let Some(word) = words.get(i) {
                kept.push(word.clone());
            }
            i += 1;
        }
        Self(kept)
    }

    /// Whether `cue` occurs. A cue is one or more folded words separated by single spaces; a
    /// word ending in `*` matches any word starting with what precedes the `*`.
    pub(super) fn has(&self, cue: &str) -> bool {
        (0..self.0.len()).any(|i| match_at(&self.0, i, cue).is_some())
    }

    /// Whether any of `cues` occurs.
    pub(super) fn has_any(&self, cues: &[&str]) -> bool {
        cues.iter().any(|cue| self.has(cue))
    }
}

/// How many words `cue` covers when it matches at `at`.
fn match_at(words: &[String], at: usize, cue: &str) -> Option<usize> {
    let mut n = 0;
    for part in cue.split(' ') {
        let word = words.get(at + n)?;
        let hit = match part.strip_suffix('*') {
            Some(prefix) => word.starts_with(prefix),
            None => word == part,
        };
        if !hit {
            return None;
        }
        n += 1;
    }
    Some(n)
}

/// Titles that introduce a professional's name, folded, without the dot.
const TITLES: &[(&str, &str)] = &[
    ("dr", "Dr."),
    ("dra", "Dra."),
    ("doutor", "Dr."),
    ("doutora", "Dra."),
    ("doctor", "Dr."),
];

/// Capitalised words after `com a`/`com o` that are not a person.
const NOT_A_PERSON: &[&str] = &[
    "clinica",
    "recepcao",
    "secretaria",
    "atendente",
    "gente",
    "senhora",
    "senhor",
    "equipe",
];

/// Professionals the text names: `Dr./Dra./Doutor(a) <Name> [<Name>]`, or `com a/com o <Name>`.
pub(super) fn professionals(text: &str) -> Vec<String> {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let word = fold(tokens[i].trim_end_matches(['.', ',', ':']));
        if let Some((_, title)) = TITLES.iter().find(|(t, _)| *t == word) {
            if let Some((name, used)) = name_after(&tokens, i + 1) {
                out.push(format!("{title} {name}"));
                i += 1 + used;
                continue;
            }
        } else if word == "com"
            && tokens.get(i + 1).is_some_and(|t| matches!(*t, "a" | "o"))
            && let Some((name, used)) = name_after(&tokens, i + 2)
        {
            let first = fold(name.split(' ').next().unwrap_or_default());
            let is_title = TITLES.iter().any(|(t, _)| *t == first);
            if !is_title && !NOT_A_PERSON.contains(&first.as_str()) {
                out.push(name);
                i += 2 + used;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// Longest word taken as part of a professional's name.
const MAX_NAME_WORD_CHARS: usize = 30;

/// One or two capitalised words at `at` (stopping at punctuation), and how many were used.
fn name_after(tokens: &[&str], at: usize) -> Option<(String, usize)> {
    let clean = |t: &str| {
        t.trim_end_matches(|c: char| !c.is_alphanumeric())
            .to_owned()
    };
    let capitalised = |t: &str| t.chars().next().is_some_and(char::is_uppercase);
    let first = *tokens.get(at)?;
    let plausible = |t: &str| (2..=MAX_NAME_WORD_CHARS).contains(&clean(t).chars().count());
    if !capitalised(first) || !plausible(first) {
        return None;
    }
    let mut name = clean(first);
    let mut used = 1;
    let ends_clause = first.ends_with(|c: char| !c.is_alphanumeric());
    if !ends_clause
        && let Some(second) = tokens.get(at + 1).filter(|t| capitalised(t))
        && plausible(second)
    {
        name.push(' ');
        name.push_str(&clean(second));
        used += 1;
    }
    Some((name, used))
}
