//! Turning a chat completion into a checked [`Analysis`].

use std::collections::HashSet;

use domain::InteractionId;
use domain::snapshots::privacy::cut;
use domain::snapshots::{
    Analysis, AnalyzerError, NoShowRisk, SUMMARY_MAX_CHARS, Sentiment, SnapshotFlags,
};
use serde::Deserialize;

use crate::wire::ChatResponse;

/// Most phrases kept per flag list.
const MAX_PHRASES: usize = 10;
/// Longest phrase kept in a flag list (longer ones are cut).
const MAX_PHRASE_CHARS: usize = 80;
/// Longest next best action kept (longer ones are cut).
const MAX_ACTION_CHARS: usize = 300;
/// Longest refusal text carried in the error.
const MAX_REFUSAL_CHARS: usize = 200;

/// The model's answer as the schema describes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAnalysis {
    summary: String,
    flags: RawFlags,
    next_best_action: Option<String>,
    evidence: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFlags {
    no_show_risk: NoShowRisk,
    sentiment: Sentiment,
    preferences: Vec<String>,
    objections: Vec<String>,
    topics: Vec<String>,
}

/// The analysis in `response`, keeping only evidence that names one of `known` messages.
///
/// # Errors
/// [`AnalyzerError::Refused`] for a refusal or a content filter stop;
/// [`AnalyzerError::InvalidOutput`] for no choice, a truncated answer (`finish_reason: length`),
/// no content, invalid JSON, a schema violation or an empty or too long summary.
pub(crate) fn analysis_from(
    response: &ChatResponse,
    known: &HashSet<InteractionId>,
) -> Result<Analysis, AnalyzerError> {
    let choice = response
        .choices
        .first()
        .ok_or_else(|| invalid("no choices in the response"))?;
    if let Some(refusal) = choice
        .message
        .refusal
        .as_deref()
        .filter(|r| !r.trim().is_empty())
    {
        return Err(AnalyzerError::Refused(
            cut(refusal.trim(), MAX_REFUSAL_CHARS).to_owned(),
        ));
    }
    match choice.finish_reason.as_deref() {
        Some("length") => return Err(invalid("truncated answer (finish_reason: length)")),
        Some("content_filter") => {
            return Err(AnalyzerError::Refused(
                "stopped by the content filter".to_owned(),
            ));
        }
        _ => {}
    }
    let content = choice
        .message
        .content
        .as_deref()
        .ok_or_else(|| invalid("no content in the answer"))?;
    let raw: RawAnalysis = serde_json::from_str(content).map_err(|e| {
        invalid(&format!(
            "answer does not fit the schema ({})",
            e.classify_name()
        ))
    })?;
    let summary = raw.summary.trim().to_owned();
    if summary.is_empty() {
        return Err(invalid("empty summary"));
    }
    if summary.chars().count() > SUMMARY_MAX_CHARS {
        return Err(invalid("summary longer than the limit"));
    }
    Ok(Analysis {
        summary,
        flags: SnapshotFlags {
            no_show_risk: raw.flags.no_show_risk,
            sentiment: raw.flags.sentiment,
            preferences: phrases(raw.flags.preferences),
            objections: phrases(raw.flags.objections),
            topics: phrases(raw.flags.topics),
        },
        next_best_action: raw
            .next_best_action
            .map(|a| cut(a.trim(), MAX_ACTION_CHARS).to_owned())
            .filter(|a| !a.is_empty()),
        evidence: evidence(&raw.evidence, known),
    })
}

fn invalid(why: &str) -> AnalyzerError {
    AnalyzerError::InvalidOutput(why.to_owned())
}

/// Trimmed, non-empty, deduplicated, bounded phrases.
fn phrases(items: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        let item = cut(item.trim(), MAX_PHRASE_CHARS).trim_end().to_owned();
        if !item.is_empty() && !out.iter().any(|o| o.eq_ignore_ascii_case(&item)) {
            out.push(item);
        }
        if out.len() == MAX_PHRASES {
            break;
        }
    }
    out
}

/// The ids that name an input message, in the model's order, without duplicates.
fn evidence(ids: &[String], known: &HashSet<InteractionId>) -> Vec<InteractionId> {
    let mut out = Vec::new();
    for id in ids {
        let Ok(uuid) = uuid::Uuid::parse_str(id.trim()) else {
            continue;
        };
        let id = InteractionId::from(uuid);
        if known.contains(&id) && !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

/// A serde_json error's category, without the offending text.
trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "io",
            serde_json::error::Category::Syntax => "invalid JSON",
            serde_json::error::Category::Data => "wrong fields or values",
            serde_json::error::Category::Eof => "truncated JSON",
        }
    }
}
