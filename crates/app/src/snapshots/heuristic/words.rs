//! Matching cues against a message: folded words, one- or multi-word cues, `*` prefixes, `#`
//! for a number, negation within a clause, and the professionals a message asks for.

use domain::snapshots::privacy::fold;

/// Word groups removed before matching, so greetings and idioms do not read as cues (`boa
/// tarde` is not a preference for the afternoon, `mais tarde` means "later", `deu trabalho`
/// means "was a hassle", `ontem à noite` is when something happened).
const IGNORED: &[&str] = &[
    "bom dia",
    "boa tarde",
    "boa noite",
    "mais tarde",
    "tarde demais",
    "muito tarde",
    "minha tarde",
    "tarde inteira",
    "a tarde toda",
    "ontem a noite",
    "ontem de noite",
    "essa noite",
    "esta noite",
    "nessa noite",
    "a noite toda",
    "deu trabalho",
    "da trabalho",
    "dar trabalho",
    "dando trabalho",
    "home office",
    "good morning",
    "good afternoon",
    "good evening",
    "good night",
    "last night",
    "buenos dias",
    "buenas tardes",
    "buenas noches",
];

/// Emoji kept as words of their own (everything else that is not a letter or a digit separates
/// words).
const EMOJI: &[char] = &[
    '😊', '🙂', '😀', '😁', '😃', '😄', '🥰', '😍', '❤', '💕', '💖', '🙏', '👏', '🙌', '👍', '😡',
    '😠', '🤬', '👎', '😤',
];

/// Characters that end a clause (negation does not cross them).
fn ends_clause(c: char) -> bool {
    matches!(c, ',' | '.' | ';' | ':' | '!' | '?' | '\n' | '(' | ')')
}

/// Words that negate what follows them in the same clause, in every language.
const NEGATORS: &[&str] = &[
    "nao", "nem", "nunca", "jamais", "sem", "not", "never", "t", "ni", "sin", "nada",
];

/// How many words before a cue a negator reaches.
const NEGATION_REACH: usize = 3;

/// A message's words, folded (lower case, no accents), with [`IGNORED`] groups and masks
/// (`[telefone]`, `[nome]`…) removed, each with the index of its clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Words {
    words: Vec<String>,
    clauses: Vec<usize>,
}

impl Words {
    /// The words of `text`.
    pub(super) fn new(text: &str) -> Self {
        let (words, clauses) = tokens(&fold(text));
        let mut kept = Self {
            words: Vec::with_capacity(words.len()),
            clauses: Vec::with_capacity(words.len()),
        };
        let mut i = 0;
        while i < words.len() {
            if let Some(n) = IGNORED.iter().find_map(|cue| match_at(&words, i, cue)) {
                i += n;
                continue;
            }
            kept.words.push(words[i].clone());
            kept.clauses.push(clauses[i]);
            i += 1;
        }
        kept
    }

    /// Whether `cue` occurs. A cue is one or more folded words separated by single spaces; a
    /// word ending in `*` matches any word starting with what precedes the `*`, and `#` matches
    /// any word that starts with a digit.
    pub(super) fn has(&self, cue: &str) -> bool {
        (0..self.words.len()).any(|i| match_at(&self.words, i, cue).is_some())
    }

    /// Whether any of `cues` occurs.
    pub(super) fn has_any(&self, cues: &[&str]) -> bool {
        cues.iter().any(|cue| self.has(cue))
    }

    /// Where `cue` starts, each time it occurs.
    fn positions<'a>(&'a self, cue: &'a str) -> impl Iterator<Item = usize> + 'a {
        (0..self.words.len()).filter(move |i| match_at(&self.words, *i, cue).is_some())
    }

    /// Whether the word at `at` is negated: a negator (or one of `extra`) among the
    /// [`NEGATION_REACH`] words before it, in the same clause.
    fn negated(&self, at: usize, extra: &[&str]) -> bool {
        (at.saturating_sub(NEGATION_REACH)..at).any(|k| {
            self.clauses[k] == self.clauses[at]
                && (NEGATORS.contains(&self.words[k].as_str())
                    || extra.contains(&self.words[k].as_str()))
        })
    }

    /// Whether some cue of `cues` occurs without a negation before it. `extra` adds negators
    /// (`no` in English and Spanish, where it is not a preposition).
    pub(super) fn has_affirmed(&self, cues: &[&str], extra: &[&str]) -> bool {
        cues.iter()
            .any(|cue| self.positions(cue).any(|at| !self.negated(at, extra)))
    }

    /// Whether some cue of `cues` occurs negated.
    pub(super) fn has_negated(&self, cues: &[&str], extra: &[&str]) -> bool {
        cues.iter()
            .any(|cue| self.positions(cue).any(|at| self.negated(at, extra)))
    }

    /// Whether one of `before` is among the two words before `at`.
    fn after_one_of(&self, at: usize, before: &[&str]) -> bool {
        (at.saturating_sub(2)..at).any(|k| before.contains(&self.words[k].as_str()))
    }

    /// Whether some cue of `cues` occurs with none of `before` among the two words before it.
    pub(super) fn has_unless_after(&self, cues: &[&str], before: &[&str]) -> bool {
        cues.iter()
            .any(|cue| self.positions(cue).any(|at| !self.after_one_of(at, before)))
    }

    /// [`Self::has_affirmed`] and [`Self::has_unless_after`] together.
    pub(super) fn has_affirmed_unless_after(
        &self,
        cues: &[&str],
        extra: &[&str],
        before: &[&str],
    ) -> bool {
        cues.iter().any(|cue| {
            self.positions(cue)
                .any(|at| !self.negated(at, extra) && !self.after_one_of(at, before))
        })
    }

    /// The words themselves.
    pub(super) fn as_slice(&self) -> &[String] {
        &self.words
    }
}

/// Folded `text` cut into words (letters and digits, or one kept emoji), with clause indexes;
/// masks in brackets are dropped.
fn tokens(text: &str) -> (Vec<String>, Vec<usize>) {
    let (mut words, mut clauses) = (Vec::new(), Vec::new());
    let mut clause = 0;
    let mut current = String::new();
    let mut in_mask = false;
    let mut flush = |current: &mut String, clause: usize| {
        if !current.is_empty() {
            words.push(std::mem::take(current));
            clauses.push(clause);
        }
    };
    for c in text.chars() {
        if in_mask {
            in_mask = c != ']';
            continue;
        }
        if c.is_alphanumeric() {
            current.push(c);
            continue;
        }
        flush(&mut current, clause);
        if c == '[' {
            in_mask = true;
        } else if EMOJI.contains(&c) {
            current.push(c);
            flush(&mut current, clause);
        } else if ends_clause(c) {
            clause += 1;
        }
    }
    flush(&mut current, clause);
    (words, clauses)
}

/// How many words `cue` covers when it matches at `at`.
fn match_at(words: &[String], at: usize, cue: &str) -> Option<usize> {
    let mut n = 0;
    for part in cue.split(' ') {
        let word = words.get(at + n)?;
        let hit = if part == "#" {
            word.starts_with(|c: char| c.is_ascii_digit())
        } else {
            match part.strip_suffix('*') {
                Some(prefix) => word.starts_with(prefix),
                None => word == part,
            }
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
    ("doctora", "Dra."),
];

/// Capitalised words after `com a`/`com o` or a title that are not a person.
const NOT_A_PERSON: &[&str] = &[
    "clinica",
    "recepcao",
    "secretaria",
    "atendente",
    "gente",
    "senhora",
    "senhor",
    "equipe",
    "nao",
    "sim",
    "que",
    "obrigada",
    "obrigado",
    "tudo",
];

/// Words (folded) up to three words before a title that mean the patient wants that
/// professional (`pela Dra. Paula`, `quero com o Dr. Marcos`), and words just after the name that
/// ask for them (`la doctora Ramírez atiende…`). A title without them (`a Dra. Helena me
/// indicou`, `o Dr. André é excelente`) is praise or a referral, not a preference.
const WANTS_BEFORE: &[&str] = &[
    "com",
    "pela",
    "pelo",
    "prefiro",
    "quero",
    "queria",
    "gostaria",
    "marcar",
    "agendar",
    "continuar",
    "manter",
    "with",
    "prefer",
    "see",
    "book",
    "con",
    "prefiero",
    "quiero",
];
const WANTS_AFTER: &[&str] = &["atende", "atiende", "sees", "available", "disponivel"];

/// Professionals the text asks for: `Dr./Dra./Doutor(a) <Name> [<Name>]` after a word of
/// [`WANTS_BEFORE`] or before one of [`WANTS_AFTER`], or `com a/com o <Name>`.
pub(super) fn professionals(text: &str) -> Vec<String> {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let folded: Vec<String> = tokens
        .iter()
        .map(|t| fold(t.trim_matches(|c: char| !c.is_alphanumeric())))
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let word = fold(tokens[i].trim_end_matches(['.', ',', ':']));
        if let Some((full, title)) = TITLES.iter().find(|(t, _)| *t == word) {
            // A spelled-out title ending a sentence ("Boa tarde, doutora. Não…") is a vocative.
            let vocative = full.len() > 3 && tokens[i].ends_with(['.', ',', ':']);
            let wanted = |used: usize| {
                folded[i.saturating_sub(3)..i]
                    .iter()
                    .any(|w| WANTS_BEFORE.contains(&w.as_str()))
                    || folded
                        .get(i + 1 + used)
                        .is_some_and(|w| WANTS_AFTER.contains(&w.as_str()))
            };
            if !vocative
                && let Some((name, used)) = name_after(&tokens, i + 1)
                && wanted(used)
            {
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
            if !is_title {
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
    let plausible = |t: &str| {
        let word = clean(t);
        (2..=MAX_NAME_WORD_CHARS).contains(&word.chars().count())
            && word.chars().all(char::is_alphabetic)
            && !NOT_A_PERSON.contains(&fold(&word).as_str())
    };
    let first = *tokens.get(at)?;
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
