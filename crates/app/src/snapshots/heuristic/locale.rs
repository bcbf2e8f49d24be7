//! The words the heuristic analyzer writes, per locale: pt-BR (the default), en-US and es-ES.

use domain::snapshots::{NoShowRisk, Sentiment};

use super::cues::{Objection, Preference, Topic};

/// A supported language; anything else falls back to Brazilian Portuguese.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lang {
    Pt,
    En,
    Es,
}

impl Lang {
    /// The language of a BCP 47 tag (`en-GB` → English, `fr-FR` → Portuguese).
    pub(super) fn of(locale: &str) -> Self {
        let lang = locale
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match lang.as_str() {
            "en" => Self::En,
            "es" => Self::Es,
            _ => Self::Pt,
        }
    }

    /// The label of an objection.
    pub(super) fn objection(self, o: Objection) -> &'static str {
        use Objection::*;
        match (self, o) {
            (Self::Pt, Price) => "preço",
            (Self::Pt, Insurance) => "convênio",
            (Self::Pt, Distance) => "distância",
            (Self::Pt, Fear) => "medo ou dor",
            (Self::Pt, Schedule) => "agenda",
            (Self::En, Price) => "price",
            (Self::En, Insurance) => "insurance",
            (Self::En, Distance) => "distance",
            (Self::En, Fear) => "fear or pain",
            (Self::En, Schedule) => "schedule",
            (Self::Es, Price) => "precio",
            (Self::Es, Insurance) => "seguro médico",
            (Self::Es, Distance) => "distancia",
            (Self::Es, Fear) => "miedo o dolor",
            (Self::Es, Schedule) => "agenda",
        }
    }

    /// The label of a preference.
    pub(super) fn preference(self, p: Preference) -> &'static str {
        use Preference::*;
        match (self, p) {
            (Self::Pt, Morning) => "manhã",
            (Self::Pt, Afternoon) => "tarde",
            (Self::Pt, Evening) => "noite",
            (Self::Pt, Weekend) => "fim de semana",
            (Self::Pt, Whatsapp) => "WhatsApp",
            (Self::Pt, Audio) => "mensagens de áudio",
            (Self::Pt, Call) => "ligação",
            (Self::Pt, TextOnly) => "texto (sem áudio)",
            (Self::Pt, Online) => "atendimento online",
            (Self::En, Morning) => "morning",
            (Self::En, Afternoon) => "afternoon",
            (Self::En, Evening) => "evening",
            (Self::En, Weekend) => "weekend",
            (Self::En, Whatsapp) => "WhatsApp",
            (Self::En, Audio) => "voice messages",
            (Self::En, Call) => "phone call",
            (Self::En, TextOnly) => "text (no audio)",
            (Self::En, Online) => "online appointment",
            (Self::Es, Morning) => "mañana",
            (Self::Es, Afternoon) => "tarde",
            (Self::Es, Evening) => "noche",
            (Self::Es, Weekend) => "fin de semana",
            (Self::Es, Whatsapp) => "WhatsApp",
            (Self::Es, Audio) => "mensajes de audio",
            (Self::Es, Call) => "llamada",
            (Self::Es, TextOnly) => "texto (sin audio)",
            (Self::Es, Online) => "atención online",
        }
    }

    /// The prefix of a preferred professional (`profissional: Dra. Paula`).
    pub(super) fn professional(self) -> &'static str {
        match self {
            Self::Pt => "profissional",
            Self::En => "professional",
            Self::Es => "profesional",
        }
    }

    /// The label of a topic.
    pub(super) fn topic(self, t: Topic) -> &'static str {
        use Topic::*;
        match (self, t) {
            (Self::Pt, Scheduling) => "agendamento",
            (Self::Pt, Rescheduling) => "remarcação",
            (Self::Pt, Cancellation) => "cancelamento",
            (Self::Pt, Confirmation) => "confirmação",
            (Self::Pt, Price) => "preço",
            (Self::Pt, Results) => "resultados",
            (Self::Pt, Treatment) => "tratamento",
            (Self::Pt, Location) => "localização",
            (Self::Pt, Insurance) => "convênio",
            (Self::En, Scheduling) => "scheduling",
            (Self::En, Rescheduling) => "rescheduling",
            (Self::En, Cancellation) => "cancellation",
            (Self::En, Confirmation) => "confirmation",
            (Self::En, Price) => "price",
            (Self::En, Results) => "results",
            (Self::En, Treatment) => "treatment",
            (Self::En, Location) => "location",
            (Self::En, Insurance) => "insurance",
            (Self::Es, Scheduling) => "agendamiento",
            (Self::Es, Rescheduling) => "reprogramación",
            (Self::Es, Cancellation) => "cancelación",
            (Self::Es, Confirmation) => "confirmación",
            (Self::Es, Price) => "precio",
            (Self::Es, Results) => "resultados",
            (Self::Es, Treatment) => "tratamiento",
            (Self::Es, Location) => "ubicación",
            (Self::Es, Insurance) => "seguro médico",
        }
    }

    /// The name of a sentiment.
    pub(super) fn sentiment(self, s: Sentiment) -> &'static str {
        use Sentiment::*;
        match (self, s) {
            (Self::Pt, Positive) => "positivo",
            (Self::Pt, Neutral) => "neutro",
            (Self::Pt, Negative) => "negativo",
            (Self::Pt, Mixed) => "misto",
            (Self::En, Positive) => "positive",
            (Self::En, Neutral) => "neutral",
            (Self::En, Negative) => "negative",
            (Self::En, Mixed) => "mixed",
            (Self::Es, Positive) => "positivo",
            (Self::Es, Neutral) => "neutral",
            (Self::Es, Negative) => "negativo",
            (Self::Es, Mixed) => "mixto",
        }
    }

    /// The name of a no-show risk level.
    pub(super) fn risk(self, r: NoShowRisk) -> &'static str {
        use NoShowRisk::*;
        match (self, r) {
            (Self::Pt, Low) => "baixo",
            (Self::Pt, Medium) => "médio",
            (Self::Pt, High) => "alto",
            (Self::En, Low) => "low",
            (Self::En, Medium) => "medium",
            (Self::En, High) => "high",
            (Self::Es, Low) => "bajo",
            (Self::Es, Medium) => "medio",
            (Self::Es, High) => "alto",
        }
    }
}
