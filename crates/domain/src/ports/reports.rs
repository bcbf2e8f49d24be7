//! The clinic's numbers.

use crate::CompanyId;
use crate::reports::{Overview, ReportPeriod};
use async_trait::async_trait;

/// Reads the report's figures.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ReportRepository: Send + Sync {
    /// Every figure of the overview for `period` (local dates of the clinic's time zone), in one
    /// statement whose every scan is bounded by the period through an index.
    ///
    /// # Errors
    /// When the store fails.
    async fn overview(&self, company: CompanyId, period: ReportPeriod) -> anyhow::Result<Overview>;
}
