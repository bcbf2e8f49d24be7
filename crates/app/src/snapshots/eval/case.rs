//! One labelled conversation of an evaluation set (one JSONL line), and the analyzer input made
//! of it the way production makes it.

use chrono::{DateTime, Utc};
use domain::conversations::Direction;
use domain::snapshots::privacy::mask_and_cut;
use domain::snapshots::{
    AnalysisInput, AnalyzerMessage, ClientFacts, MESSAGE_MAX_CHARS, NoShowRisk, Sentiment,
};
use domain::{Channel, InteractionId};
use serde::Deserialize;

use super::EvalError;
use super::labels::{ObjectionKey, PreferenceKey};

/// A labelled conversation: what the analyzer is given and what a person expects back.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvalCase {
    /// Unique within the set (`dental-07`).
    pub id: String,
    /// The kind of clinic (`dental`, `aesthetics`, `psychology`…); informative only.
    #[serde(default)]
    pub clinic: Option<String>,
    /// The clinic's locale (`pt-BR`, `en-US`, `es-ES`).
    pub locale: String,
    /// The moment of the analysis; the default is the time of the last message. Decides which
    /// booked appointments are still ahead.
    #[serde(default)]
    pub now: Option<DateTime<Utc>>,
    /// The patient's name on record: masked in the texts exactly as in production.
    #[serde(default)]
    pub patient_name: Option<String>,
    /// `lead`, `active` or `inactive`; the default is `lead` without history, else `active`.
    #[serde(default)]
    pub status: Option<String>,
    /// The patient's appointments, in any order.
    #[serde(default)]
    pub history: Vec<PastAppointment>,
    /// The conversation, oldest first (at least one message).
    pub messages: Vec<CaseMessage>,
    /// The labels.
    pub expected: Expected,
    /// The labeller's remark; informative only.
    #[serde(default)]
    pub note: Option<String>,
}

/// An appointment of the patient's history.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PastAppointment {
    /// Its status.
    pub status: HistoryStatus,
    /// When it starts (or started).
    pub at: DateTime<Utc>,
    /// The service booked.
    #[serde(default)]
    pub service: Option<String>,
}

/// An appointment status, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum HistoryStatus {
    Scheduled,
    Confirmed,
    Completed,
    Canceled,
    NoShow,
}

/// One message of the conversation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseMessage {
    /// `inbound` (the patient) or `outbound` (the clinic).
    pub direction: Direction,
    /// When it was sent.
    pub at: DateTime<Utc>,
    /// Its text, as written (masked when the input is made).
    pub text: String,
    /// The channel; WhatsApp by default.
    #[serde(default)]
    pub channel: Option<Channel>,
}

/// What a person expects the analysis to say.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    /// The patient's overall tone.
    pub sentiment: Sentiment,
    /// The risk of a no-show.
    pub no_show_risk: NoShowRisk,
    /// Preferences the patient stated (keys of [`PreferenceKey`]).
    #[serde(default)]
    pub preferences: Vec<PreferenceKey>,
    /// Objections the patient raised (keys of [`ObjectionKey`]).
    #[serde(default)]
    pub objections: Vec<ObjectionKey>,
}

/// Most services listed in the facts, as in production.
const MAX_SERVICES: usize = 20;

impl EvalCase {
    /// The analyzer input: the facts computed from the history as the store computes them, and
    /// each text masked (with the patient's name) and cut as production does.
    #[must_use]
    pub fn input(&self) -> AnalysisInput {
        let now = self.now();
        let count = |s: HistoryStatus| {
            let n = self.history.iter().filter(|a| a.status == s).count();
            u32::try_from(n).unwrap_or(u32::MAX)
        };
        let mut services: Vec<String> = self
            .history
            .iter()
            .filter_map(|a| a.service.clone())
            .collect();
        services.sort();
        services.dedup();
        services.truncate(MAX_SERVICES);
        let facts = ClientFacts {
            status: self.status.clone().unwrap_or_else(|| {
                if self.history.is_empty() {
                    "lead"
                } else {
                    "active"
                }
                .to_owned()
            }),
            appointments_total: u32::try_from(self.history.len()).unwrap_or(u32::MAX),
            appointments_completed: count(HistoryStatus::Completed),
            appointments_canceled: count(HistoryStatus::Canceled),
            appointments_no_show: count(HistoryStatus::NoShow),
            last_visit_at: self
                .history
                .iter()
                .filter(|a| a.status == HistoryStatus::Completed)
                .map(|a| a.at)
                .max(),
            next_appointment_at: self
                .history
                .iter()
                .filter(|a| {
                    matches!(
                        a.status,
                        HistoryStatus::Scheduled | HistoryStatus::Confirmed
                    ) && a.at >= now
                })
                .map(|a| a.at)
                .min(),
            services_used: services,
        };
        let name = self
            .patient_name
            .as_deref()
            .filter(|n| !n.trim().is_empty());
        let messages = self
            .messages
            .iter()
            .map(|m| AnalyzerMessage {
                id: InteractionId::new(),
                direction: m.direction,
                channel: m.channel.unwrap_or(Channel::Whatsapp),
                at: m.at,
                text: mask_and_cut(&m.text, name, MESSAGE_MAX_CHARS),
            })
            .collect();
        AnalysisInput {
            locale: self.locale.clone(),
            facts,
            messages,
        }
    }

    /// [`Self::now`] when given, else the last message's time.
    fn now(&self) -> DateTime<Utc> {
        self.now
            .or_else(|| self.messages.iter().map(|m| m.at).max())
            .unwrap_or_default()
    }
}

/// The cases of a JSONL text: one JSON object per non-blank line.
///
/// # Errors
/// [`EvalError::Parse`] naming the (1-based) line of a malformed case, a case without messages
/// or a repeated id; [`EvalError::Empty`] when there is no case at all.
pub fn parse_cases(text: &str) -> Result<Vec<EvalCase>, EvalError> {
    let mut cases: Vec<EvalCase> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line_no = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let bad = |reason: String| EvalError::Parse {
            line: line_no,
            reason,
        };
        let case: EvalCase = serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
        if case.id.trim().is_empty() {
            return Err(bad("the id is empty".into()));
        }
        if case.messages.is_empty() {
            return Err(bad(format!("case {} has no messages", case.id)));
        }
        if cases.iter().any(|c| c.id == case.id) {
            return Err(bad(format!("the id {} is repeated", case.id)));
        }
        cases.push(case);
    }
    if cases.is_empty() {
        return Err(EvalError::Empty);
    }
    Ok(cases)
}
