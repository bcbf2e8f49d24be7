//! The clinic's numbers (`GET /api/reports/overview`, `docs/reports.md`).

use crate::crm::FieldIssue;
use domain::CompanyId;
use domain::ports::reports::ReportRepository;
use domain::reports::{MAX_PERIOD_DAYS, Overview, ReportPeriod};
use std::sync::Arc;

/// Why the overview was not computed.
#[derive(Debug, thiserror::Error)]
pub enum OverviewError {
    /// A backwards or over-long period.
    #[error("invalid period")]
    Invalid(Vec<FieldIssue>),
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// The overview of a period of local dates (both included, at most 366 days), read in one
/// statement (admins; checked by the caller).
#[derive(Clone)]
pub struct Reports {
    reports: Arc<dyn ReportRepository>,
}

impl Reports {
    /// The use case over its port.
    #[must_use]
    pub fn new(reports: Arc<dyn ReportRepository>) -> Self {
        Self { reports }
    }

    /// Runs it.
    ///
    /// # Errors
    /// [`OverviewError::Invalid`] naming `to`.
    pub async fn overview(
        &self,
        company: CompanyId,
        period: ReportPeriod,
    ) -> Result<Overview, OverviewError> {
        if period.to < period.from {
            return Err(OverviewError::Invalid(vec![FieldIssue::new(
                "to",
                "must not be before from",
            )]));
        }
        if (period.to - period.from).num_days() + 1 > MAX_PERIOD_DAYS {
            return Err(OverviewError::Invalid(vec![FieldIssue::new(
                "to",
                "the period may cover at most 366 days",
            )]));
        }
        Ok(self.reports.overview(company, period).await?)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use domain::ports::reports::MockReportRepository;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[tokio::test]
    async fn backwards_and_over_long_periods_are_refused_before_any_read() {
        let mut repo = MockReportRepository::new();
        repo.expect_overview().never();
        let uc = Reports::new(Arc::new(repo));
        for (from, to) in [
            (day(2026, 3, 2), day(2026, 3, 1)),
            (day(2025, 1, 1), day(2026, 1, 2)),
        ] {
            let err = uc
                .overview(CompanyId::new(), ReportPeriod { from, to })
                .await
                .unwrap_err();
            assert!(matches!(&err, OverviewError::Invalid(i) if i[0].field == "to"));
        }
    }

    #[tokio::test]
    async fn a_year_of_366_days_is_read() {
        let mut repo = MockReportRepository::new();
        repo.expect_overview()
            .withf(|_, p| p.from == day(2024, 1, 1) && p.to == day(2024, 12, 31))
            .times(1)
            .returning(|_, _| Err(anyhow::anyhow!("store down")));
        let err = Reports::new(Arc::new(repo))
            .overview(
                CompanyId::new(),
                ReportPeriod {
                    from: day(2024, 1, 1),
                    to: day(2024, 12, 31),
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(err, OverviewError::Unknown(_)));
    }
}
