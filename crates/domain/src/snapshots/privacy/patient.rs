//! The patient's name: the full name, and each part of it with three or more letters, as whole
//! words, ignoring case and accents. Adjacent name words (with the name's own short connectors
//! such as `da`, `de` between them) become a single `[paciente]`.
//!
//! A part that is also an everyday word ([`COMMON_WORDS`]: `Dias`, `Rocha`, `Leite`, `Branco`…)
//! is masked on its own only when capitalised, so "dor há 3 dias" keeps its meaning for Carla
//! Dias; next to another part of the name it is masked in any case.

use super::{Builder, NAME_MASK, Segment, fold_chars, words};

/// Shortest name part masked on its own.
const MIN_NAME_PART_CHARS: usize = 3;

/// Surnames (folded) that are also everyday Portuguese words.
const COMMON_WORDS: &[&str] = &[
    "dias", "rocha", "lima", "leite", "rosa", "flores", "campos", "ramos", "cruz", "paz", "branco",
    "pinto", "neves", "santos", "costa", "vale", "mata", "serra", "prado", "matos", "rios", "lago",
    "sales", "bastos", "cunha", "fontes", "pedrosa",
];

/// The patient's name, folded, split into its words.
pub(super) struct NameParts {
    parts: Vec<String>,
}

impl NameParts {
    pub(super) fn new(name: &str) -> Self {
        let chars: Vec<char> = name.chars().collect();
        let parts = words(&chars)
            .into_iter()
            .map(|(s, e)| fold_chars(&chars[s..e]))
            .collect();
        Self { parts }
    }

    pub(super) fn is_empty(&self) -> bool {
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

    pub(super) fn mask(&self, chars: &[char]) -> Vec<Segment> {
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
            } else if self.is_long_part(&folded[i])
                && (!COMMON_WORDS.contains(&folded[i].as_str()) || chars[spans[i].0].is_uppercase())
            {
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
