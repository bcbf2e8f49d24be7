//! The `integrations` row as the admin API reads it (never the secrets).

use crate::schema::integrations;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use domain::integration_admin::IntegrationRecord;
use domain::integrations::{IntegrationStatus, Provider};
use domain::{CompanyId, IntegrationId};
use uuid::Uuid;

/// Every column but `secrets` and `verify_token_hash`.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = integrations)]
#[diesel(check_for_backend(diesel::pg::Pg))]
pub(super) struct Row {
    pub id: Uuid,
    pub company_id: Uuid,
    pub provider: String,
    pub account_id: String,
    pub config: serde_json::Value,
    pub secret_names: Vec<Option<String>>,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub verified_at: Option<DateTime<Utc>>,
}

/// A stored provider; anything else is a broken invariant (the column has a CHECK).
pub(super) fn provider(value: &str) -> anyhow::Result<Provider> {
    Provider::parse(value).ok_or_else(|| anyhow::anyhow!("unknown provider {value:?}"))
}

/// A stored status.
pub(super) fn status(value: &str) -> anyhow::Result<IntegrationStatus> {
    IntegrationStatus::parse(value).ok_or_else(|| anyhow::anyhow!("unknown status {value:?}"))
}

impl TryFrom<Row> for IntegrationRecord {
    type Error = anyhow::Error;

    fn try_from(r: Row) -> anyhow::Result<Self> {
        Ok(Self {
            id: IntegrationId(r.id),
            company_id: CompanyId(r.company_id),
            provider: provider(&r.provider)?,
            account_id: r.account_id,
            config: r.config,
            secret_names: r.secret_names.into_iter().flatten().collect(),
            status: status(&r.status)?,
            verified_at: r.verified_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}
