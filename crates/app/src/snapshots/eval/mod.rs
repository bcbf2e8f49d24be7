//! The analyst's evaluation harness: a labelled JSONL set of conversations run through an
//! analyzer, scored per flag (accuracy and a confusion table for sentiment and no-show risk) and
//! per list (share of the expected preferences and objections found).
//!
//! The format of a set, its label vocabulary and how the project's sets were labelled are in
//! `crates/app/tests/data/README.md`; `atende analyst eval FILE` prints [`EvalReport`].
//! Everything here is pure except [`evaluate`], which only calls the analyzer port.

mod case;
mod labels;
mod report;
mod score;

#[cfg(test)]
mod tests;

pub use case::{CaseMessage, EvalCase, Expected, HistoryStatus, PastAppointment, parse_cases};
pub use labels::{ObjectionKey, PreferenceKey, PreferenceKind};
pub use score::{
    CaseMiss, Confusion, EvalReport, ItemScore, RISKS, SENTIMENTS, TARGETS, Targets, percent,
};

use domain::ports::analyzer::ContextAnalyzer;
use domain::snapshots::AnalyzerError;

/// Why an evaluation could not be made.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A line of the set is not a valid case.
    #[error("line {line}: {reason}")]
    Parse {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The set has no case.
    #[error("the set has no case")]
    Empty,
    /// The analyzer failed on a case (nothing is scored).
    #[error("case {case}: {source}")]
    Analyzer {
        /// The case id.
        case: String,
        /// The analyzer's error.
        #[source]
        source: AnalyzerError,
    },
}

/// Runs every case of `cases` through `analyzer` (one call each, in order, with its default
/// key) and scores the analyses. The report is labelled with the name the analyzer reports.
///
/// # Errors
/// [`EvalError::Analyzer`] naming the first case the analyzer failed on.
pub async fn evaluate(
    analyzer: &dyn ContextAnalyzer,
    cases: &[EvalCase],
) -> Result<EvalReport, EvalError> {
    let mut report: Option<EvalReport> = None;
    for case in cases {
        let got = analyzer
            .analyze(case.input(), None)
            .await
            .map_err(|source| EvalError::Analyzer {
                case: case.id.clone(),
                source,
            })?;
        report
            .get_or_insert_with(|| EvalReport::new(got.analyzer.clone()))
            .record(case, &got.analysis);
    }
    report.ok_or(EvalError::Empty)
}
