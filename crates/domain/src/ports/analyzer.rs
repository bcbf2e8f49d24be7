//! The analyst agent's model.

use crate::snapshots::{AnalysisInput, AnalysisReport, AnalyzerError};
use async_trait::async_trait;

/// Turns a patient's facts and recent (masked) messages into a structured analysis.
/// Implementations: the OpenAI-compatible adapter (`infra-openai`) and the offline heuristic
/// analyzer (`heuristic-v1`).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ContextAnalyzer: Send + Sync {
    /// Analyses `input`. `api_key` overrides the adapter's default key (the clinic's own
    /// `openai` integration); the heuristic analyzer ignores it.
    ///
    /// # Errors
    /// [`AnalyzerError`]: nothing must be stored when it fails.
    async fn analyze(
        &self,
        input: AnalysisInput,
        api_key: Option<String>,
    ) -> Result<AnalysisReport, AnalyzerError>;
}
