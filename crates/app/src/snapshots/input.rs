//! Turning stored material into what an analyzer may see: no name, phone or e-mail; every text
//! masked and cut.

use domain::snapshots::privacy::mask_and_cut;
use domain::snapshots::{AnalysisInput, AnalyzerMessage, MESSAGE_MAX_CHARS, SnapshotMaterial};

/// The analyzer input made of `material`: the facts and locale as they are, and each message's
/// text masked (phones, e-mails, CPF-like numbers, the patient's name) and cut to
/// [`MESSAGE_MAX_CHARS`]. A message without text is shown as `[<content type>]`.
#[must_use]
pub fn analysis_input(material: &SnapshotMaterial) -> AnalysisInput {
    let name = material
        .client_name
        .as_deref()
        .filter(|n| !n.trim().is_empty());
    let messages = material
        .messages
        .iter()
        .map(|m| AnalyzerMessage {
            id: m.id,
            direction: m.direction,
            channel: m.channel,
            at: m.at,
            text: match m.text.as_deref().filter(|t| !t.trim().is_empty()) {
                Some(text) => mask_and_cut(text, name, MESSAGE_MAX_CHARS),
                None => format!("[{}]", m.content_type),
            },
        })
        .collect();
    AnalysisInput {
        locale: material.locale.clone(),
        facts: material.facts.clone(),
        messages,
    }
}
