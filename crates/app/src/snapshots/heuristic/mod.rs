//! `heuristic-v1`: the offline analyzer, used when no model is configured. Pure and
//! deterministic: the same input always gives the same analysis, and nothing leaves the process.
//!
//! How it reads a conversation (cue lists in `cues.rs`, `tone.rs` and `risk.rs`, pt-BR, English
//! and Spanish, matched as whole folded words — lower case, no accents — with greetings such as
//! "boa tarde", idioms such as "deu trabalho" and masks such as `[nome]` ignored):
//! - **Sentiment** from the patient's (inbound) messages (`tone.rs`): warm cues ("adorei",
//!   "ótimo", 😍…) and thanks, against dissatisfaction, rude or polite ("péssimo", "fiquei
//!   chateada", "deixou a desejar", "ninguém me avisou", "não gostei"…), with negation inside a
//!   clause; thanks closing a complaint is a courtesy; both → `mixed`, none → `neutral`.
//! - **Objections** (inbound): price, insurance (convênio, plano, reembolso, insurers), distance,
//!   fear or pain of the procedure (not a symptom, not negated), schedule (work, shifts, school).
//! - **Preferences** (inbound): morning / afternoon / evening (also from "depois das 18h",
//!   `times.rs`), weekend, WhatsApp, audio, calls, text only, online, and professionals the
//!   patient asks for ("pela Dra. Paula", "com o Dr. Marcos", "com a Renata").
//! - **Topics** (all messages): scheduling, rescheduling, cancellation, confirmation, price,
//!   results, treatment, location, insurance.
//! - **No-show risk** from the history and the patient's words (cancelling, rescheduling, doubt,
//!   shifts, forgetting): points documented in `risk.rs` (0 → low, 1–2 → medium, 3 or more →
//!   high).
//! - **Evidence**: the inbound messages that triggered a cue, most recent first, at most 10.
//! - **Summary** and **next best action** from templates in the input's locale (pt-BR, en-US,
//!   es-ES; any other locale gets pt-BR).
//!
//! Measured with `atende analyst eval` on `crates/app/tests/data/` (see `docs/snapshots.md`).

mod cues;
mod locale;
mod risk;
mod summary;
mod times;
mod tone;
mod words;

#[cfg(test)]
mod language_tests;
#[cfg(test)]
mod tests;

use std::time::Instant;

use async_trait::async_trait;
use domain::InteractionId;
use domain::conversations::Direction;
use domain::ports::analyzer::ContextAnalyzer;
use domain::snapshots::{
    Analysis, AnalysisInput, AnalysisReport, AnalyzerError, ClientFacts, NoShowRisk, Sentiment,
    SnapshotFlags,
};

use cues::{OBJECTIONS, Objection, PREFERENCES, Preference, TOPICS, Topic};
use locale::Lang;
use risk::{CANCELLATION, DOUBT, FORGOT, RESCHEDULING, ROUTINE, RiskLanguage};
use words::{Words, professionals};

/// The analyzer name stored with every snapshot this analyzer makes.
pub const HEURISTIC_ANALYZER_NAME: &str = "heuristic-v1";

/// Most evidence ids kept.
const MAX_EVIDENCE: usize = 10;
/// Most professionals kept as preferences.
const MAX_PROFESSIONALS: usize = 3;

/// The offline analyzer. Ignores the API key; never fails.
#[derive(Debug, Clone, Copy, Default)]
pub struct HeuristicAnalyzer;

impl HeuristicAnalyzer {
    /// The analyzer.
    #[must_use]
    pub fn new() -> Self {
        Self
    }
}

#[async_trait]
impl ContextAnalyzer for HeuristicAnalyzer {
    async fn analyze(
        &self,
        input: AnalysisInput,
        _api_key: Option<String>,
    ) -> Result<AnalysisReport, AnalyzerError> {
        let started = Instant::now();
        let analysis = analyze(&input);
        Ok(AnalysisReport {
            analysis,
            analyzer: HEURISTIC_ANALYZER_NAME.to_owned(),
            model: None,
            prompt_tokens: None,
            completion_tokens: None,
            latency_ms: u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX),
        })
    }
}

/// The heuristic analysis of `input` (what [`HeuristicAnalyzer`] reports).
#[must_use]
pub fn analyze(input: &AnalysisInput) -> Analysis {
    let lang = Lang::of(&input.locale);
    let f = Findings::read(input);
    Analysis {
        summary: summary::summary(lang, &f),
        next_best_action: summary::next_best_action(lang, &f),
        flags: SnapshotFlags {
            no_show_risk: f.risk,
            sentiment: f.sentiment,
            preferences: f.preference_labels(lang),
            objections: f
                .objections
                .iter()
                .map(|o| lang.objection(*o).to_owned())
                .collect(),
            topics: f.topics.iter().map(|t| lang.topic(*t).to_owned()).collect(),
        },
        evidence: f.evidence,
    }
}

/// What the cues found in one input.
struct Findings<'a> {
    facts: &'a ClientFacts,
    message_count: usize,
    risk: NoShowRisk,
    sentiment: Sentiment,
    objections: Vec<Objection>,
    preferences: Vec<Preference>,
    professionals: Vec<String>,
    topics: Vec<Topic>,
    cancellation_language: bool,
    evidence: Vec<InteractionId>,
}

impl<'a> Findings<'a> {
    fn read(input: &'a AnalysisInput) -> Self {
        let lang = Lang::of(&input.locale);
        let (mut positive, mut negative) = (false, false);
        let mut said = RiskLanguage::default();
        let mut objections = Vec::new();
        let mut preferences = Vec::new();
        let mut professionals_named: Vec<String> = Vec::new();
        let mut topics = Vec::new();
        let mut cued = Vec::new();
        for (index, message) in input.messages.iter().enumerate() {
            let words = Words::new(&message.text);
            let inbound = message.direction == Direction::Inbound;
            let mut hit = false;
            for (topic, list) in TOPICS {
                if words.has_any(list) {
                    push_unique(&mut topics, *topic);
                    hit |= inbound;
                }
            }
            if !inbound {
                continue;
            }
            let tone = tone::tone(&words, lang);
            positive |= tone.warm;
            negative |= tone.dissatisfied;
            hit |= tone.warm || tone.dissatisfied;
            for (objection, list) in OBJECTIONS {
                if objection_in(&words, *objection, list, lang) {
                    push_unique(&mut objections, *objection);
                    hit = true;
                }
            }
            for (preference, list) in PREFERENCES {
                if words.has_any(list) {
                    push_unique(&mut preferences, *preference);
                    hit = true;
                }
            }
            for preference in times::time_preferences(&words) {
                push_unique(&mut preferences, preference);
                hit = true;
            }
            for name in professionals(&message.text) {
                hit = true;
                if professionals_named.len() < MAX_PROFESSIONALS
                    && !professionals_named.contains(&name)
                {
                    professionals_named.push(name);
                }
            }
            if words.has_any(CANCELLATION) {
                said.cancel_messages += 1;
                hit = true;
            } else if words.has_any(RESCHEDULING) {
                said.reschedule_messages += 1;
                hit = true;
            }
            for (flag, list) in [
                (&mut said.doubt, DOUBT),
                (&mut said.routine, ROUTINE),
                (&mut said.forgot, FORGOT),
            ] {
                if words.has_any(list) {
                    *flag = true;
                    hit = true;
                }
            }
            if hit {
                cued.push((message.at, index, message.id));
            }
        }
        // Most recent first; among equal times, the later message first.
        cued.sort_by_key(|c| std::cmp::Reverse((c.0, c.1)));
        Self {
            facts: &input.facts,
            message_count: input.messages.len(),
            risk: risk::risk(&input.facts, &said),
            sentiment: match (positive, negative) {
                (true, true) => Sentiment::Mixed,
                (true, false) => Sentiment::Positive,
                (false, true) => Sentiment::Negative,
                (false, false) => Sentiment::Neutral,
            },
            objections: in_order(&objections, OBJECTIONS),
            preferences: in_order(&preferences, PREFERENCES),
            professionals: professionals_named,
            topics: in_order(&topics, TOPICS),
            cancellation_language: said.cancel_messages + said.reschedule_messages > 0,
            evidence: cued
                .into_iter()
                .take(MAX_EVIDENCE)
                .map(|(_, _, id)| id)
                .collect(),
        }
    }

    /// Time and channel preferences, then professionals, as labels in `lang`.
    fn preference_labels(&self, lang: Lang) -> Vec<String> {
        self.preferences
            .iter()
            .map(|p| lang.preference(*p).to_owned())
            .chain(
                self.professionals
                    .iter()
                    .map(|name| format!("{}: {name}", lang.professional())),
            )
            .collect()
    }
}

/// Words (folded) of a past payment: a price cue right after one is a complaint ("paguei caro"),
/// not an objection.
const PAST_PAYMENT: &[&str] = &["paguei", "pagamos", "pagou", "paid"];

/// Words (folded) of a refund: `reembolso` next to them is the clinic giving money back, not an
/// insurance reimbursement.
const REFUND: &[&str] = &[
    "pacote",
    "dinheiro de volta",
    "estorno",
    "devolucao",
    "refund",
];

/// Whether `words` raise `objection` (whose cues are `list`).
fn objection_in(words: &Words, objection: Objection, list: &[&str], lang: Lang) -> bool {
    match objection {
        Objection::Price => words.has_unless_after(list, PAST_PAYMENT),
        Objection::Fear => {
            let extra: &[&str] = if lang == Lang::Pt { &[] } else { &["no"] };
            words.has_affirmed(list, extra)
        }
        Objection::Insurance if words.has_any(REFUND) => list
            .iter()
            .filter(|cue| **cue != "reembolso")
            .any(|cue| words.has(cue)),
        _ => words.has_any(list),
    }
}

fn push_unique<T: PartialEq>(items: &mut Vec<T>, item: T) {
    if !items.contains(&item) {
        items.push(item);
    }
}

/// `found`, in the order of the cue table (so flags do not depend on message order).
fn in_order<T: Copy + PartialEq>(found: &[T], table: &[(T, &[&str])]) -> Vec<T> {
    table
        .iter()
        .map(|(item, _)| *item)
        .filter(|item| found.contains(item))
        .collect()
}
