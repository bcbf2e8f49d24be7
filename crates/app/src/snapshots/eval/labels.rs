//! The label vocabulary of evaluation sets, and how an analyzer's free-text items (in any of the
//! three locales, from `heuristic-v1` or a model) are recognised as those labels.
//!
//! An output item is folded (lower case, no accents) and recognised as every key one of whose
//! synonyms it contains as whole words: "preço alto" is `price`, "manhã ou tarde" is both
//! `morning` and `afternoon`. Professionals are recognised by name: the expected
//! `professional:Paula` is found in any preference that contains the word "paula".

use std::fmt;

use domain::snapshots::privacy::fold;
use serde::Deserialize;

/// What holds the patient back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum ObjectionKey {
    Price,
    Insurance,
    Schedule,
    Distance,
    Fear,
}

impl ObjectionKey {
    /// Every key, in report order.
    pub const ALL: [Self; 5] = [
        Self::Price,
        Self::Insurance,
        Self::Schedule,
        Self::Distance,
        Self::Fear,
    ];

    /// Folded words and phrases that name this objection in pt, en or es.
    fn synonyms(self) -> &'static [&'static str] {
        match self {
            Self::Price => &[
                "preco",
                "valor",
                "custo",
                "caro",
                "pagamento",
                "parcelamento",
                "parcelas",
                "desconto",
                "price",
                "cost",
                "expensive",
                "payment",
                "precio",
                "costo",
                "pago",
            ],
            Self::Insurance => &[
                "convenio",
                "plano de saude",
                "plano",
                "reembolso",
                "cobertura",
                "insurance",
                "coverage",
                "reimbursement",
                "seguro",
                "mutua",
            ],
            Self::Schedule => &[
                "agenda",
                "horario",
                "horarios",
                "tempo",
                "disponibilidade",
                "rotina",
                "trabalho",
                "plantao",
                "schedule",
                "time",
                "availability",
                "work",
                "shifts",
                "turnos",
            ],
            Self::Distance => &[
                "distancia",
                "longe",
                "deslocamento",
                "transporte",
                "transito",
                "localizacao",
                "distance",
                "far",
                "travel",
                "commute",
                "lejos",
                "ubicacion",
            ],
            Self::Fear => &[
                "medo",
                "dor",
                "ansiedade",
                "receio",
                "fear",
                "pain",
                "anxiety",
                "miedo",
                "dolor",
                "ansiedad",
            ],
        }
    }

    /// The keys `item` names.
    #[must_use]
    pub fn of(item: &str) -> Vec<Self> {
        let words = folded_words(item);
        Self::ALL
            .into_iter()
            .filter(|k| k.synonyms().iter().any(|s| contains_phrase(&words, s)))
            .collect()
    }
}

impl fmt::Display for ObjectionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Price => "price",
            Self::Insurance => "insurance",
            Self::Schedule => "schedule",
            Self::Distance => "distance",
            Self::Fear => "fear",
        })
    }
}

/// A kind of preference that is not a named professional.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum PreferenceKind {
    Morning,
    Afternoon,
    Evening,
    Weekend,
    Whatsapp,
    Audio,
    Call,
    TextOnly,
    Online,
}

impl PreferenceKind {
    /// Every kind, in report order.
    pub const ALL: [Self; 9] = [
        Self::Morning,
        Self::Afternoon,
        Self::Evening,
        Self::Weekend,
        Self::Whatsapp,
        Self::Audio,
        Self::Call,
        Self::TextOnly,
        Self::Online,
    ];

    /// The key as written in a set.
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            Self::Morning => "morning",
            Self::Afternoon => "afternoon",
            Self::Evening => "evening",
            Self::Weekend => "weekend",
            Self::Whatsapp => "whatsapp",
            Self::Audio => "audio",
            Self::Call => "call",
            Self::TextOnly => "text_only",
            Self::Online => "online",
        }
    }

    /// Folded words and phrases that name this preference in pt, en or es. "Text only" is
    /// tried before "audio", so "texto (sem áudio)" is not read as a liking for audio.
    fn synonyms(self) -> &'static [&'static str] {
        match self {
            Self::Morning => &["manha", "manhas", "morning", "mornings", "manana", "cedo"],
            Self::Afternoon => &["tarde", "tardes", "afternoon", "afternoons"],
            Self::Evening => &[
                "noite", "noites", "noturno", "evening", "evenings", "night", "noche", "noches",
            ],
            Self::Weekend => &[
                "sabado",
                "sabados",
                "fim de semana",
                "final de semana",
                "saturday",
                "saturdays",
                "weekend",
                "weekends",
                "fin de semana",
            ],
            Self::Whatsapp => &["whatsapp", "whats", "zap"],
            Self::Audio => &["audio", "audios", "voz", "voice"],
            Self::Call => &["ligacao", "telefone", "call", "phone", "llamada"],
            Self::TextOnly => &[
                "texto",
                "escrito",
                "sem audio",
                "text",
                "no audio",
                "sin audio",
            ],
            Self::Online => &[
                "online",
                "on line",
                "video",
                "videochamada",
                "teleconsulta",
                "remoto",
                "remota",
                "virtual",
            ],
        }
    }

    /// The kinds `item` names.
    fn of(item: &str) -> Vec<Self> {
        let words = folded_words(item);
        let mut kinds: Vec<Self> = Self::ALL
            .into_iter()
            .filter(|k| k.synonyms().iter().any(|s| contains_phrase(&words, s)))
            .collect();
        if kinds.contains(&Self::TextOnly) {
            kinds.retain(|k| *k != Self::Audio);
        }
        kinds
    }
}

/// A preference label of an evaluation set: a kind (`morning`, `text_only`…) or
/// `professional:<Name>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PreferenceKey {
    /// A time, channel or mode.
    Kind(PreferenceKind),
    /// A professional, by (part of) the name, as written in the set.
    Professional(String),
}

impl PreferenceKey {
    /// Whether the analyzer's `item` names this preference.
    #[must_use]
    pub fn found_in(&self, item: &str) -> bool {
        match self {
            Self::Kind(kind) => PreferenceKind::of(item).contains(kind),
            Self::Professional(name) => {
                contains_phrase(&folded_words(item), &folded_words(name).join(" "))
            }
        }
    }

    /// Whether `item` names any known preference kind (a professional's name is not judged).
    #[must_use]
    pub fn names_a_kind(item: &str) -> bool {
        !PreferenceKind::of(item).is_empty()
    }
}

impl std::str::FromStr for PreferenceKey {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(name) = s.strip_prefix("professional:") {
            let name = name.trim();
            if folded_words(name).is_empty() {
                return Err("professional: needs a name".into());
            }
            return Ok(Self::Professional(name.to_owned()));
        }
        PreferenceKind::ALL
            .into_iter()
            .find(|k| k.key() == s)
            .map(Self::Kind)
            .ok_or_else(|| {
                let keys: Vec<&str> = PreferenceKind::ALL.iter().map(|k| k.key()).collect();
                format!(
                    "unknown preference {s:?} (one of {}, or professional:<Name>)",
                    keys.join(", ")
                )
            })
    }
}

impl<'de> Deserialize<'de> for PreferenceKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for PreferenceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Kind(kind) => f.write_str(kind.key()),
            Self::Professional(name) => write!(f, "professional:{name}"),
        }
    }
}

/// The folded words of `text`.
fn folded_words(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether the folded `phrase` occurs in `words` as whole words.
fn contains_phrase(words: &[String], phrase: &str) -> bool {
    let parts: Vec<&str> = phrase.split_whitespace().collect();
    !parts.is_empty()
        && words
            .windows(parts.len())
            .any(|w| w.iter().zip(&parts).all(|(a, b)| a == b))
}
