//! `atende keys rotate`: re-encrypts every integration's secrets under the current master key.

use super::sealing::{open, seal};
use crate::error::DbError;
use crate::pool::Database;
use crate::prepared::Prepare;
use crate::schema::integrations as i;
use crate::tenant::TenantScope;
use diesel::prelude::*;
use diesel::sql_types::Uuid as SqlUuid;
use diesel_async::RunQueryDsl;
use domain::ports::integrations::SecretCipher;
use domain::{CompanyId, IntegrationId};
use std::sync::Arc;
use uuid::Uuid;

/// What a rotation did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RotationReport {
    /// Clinics visited.
    pub clinics: usize,
    /// Integrations with secrets, in those clinics.
    pub integrations: usize,
    /// Integrations whose secrets were under the previous key and are now under the current one.
    pub reencrypted: usize,
}

/// A row of `atende_company_schedule` (only the id is used).
#[derive(QueryableByName)]
struct ClinicRow {
    #[diesel(sql_type = SqlUuid)]
    company_id: Uuid,
}

/// Re-encrypts, clinic by clinic (one tenant unit of work each, rows locked), every integration
/// whose secrets only the previous master key of `cipher` opens. Idempotent: a second run finds
/// nothing to do. Clinics are listed through the `atende_company_schedule()` door (every clinic
/// has a `settings` row).
///
/// # Errors
/// When the store fails, or some secrets open with neither key (that clinic is left unchanged,
/// and the error names the integration).
pub async fn reencrypt_all(
    db: &Database,
    cipher: Arc<dyn SecretCipher>,
) -> anyhow::Result<RotationReport> {
    let clinics: Vec<ClinicRow> = db
        .system_tx(|conn| {
            Box::pin(async move {
                Ok::<_, DbError>(
                    diesel::sql_query(
                        "SELECT company_id FROM public.atende_company_schedule() ORDER BY company_id",
                    )
                    .prepared()
                    .load(conn)
                    .await?,
                )
            })
        })
        .await?;
    let mut report = RotationReport::default();
    for clinic in clinics {
        let (seen, done) =
            reencrypt_clinic(db, cipher.clone(), CompanyId(clinic.company_id)).await?;
        report.clinics += 1;
        report.integrations += seen;
        report.reencrypted += done;
    }
    Ok(report)
}

/// One clinic: `(integrations with secrets, re-encrypted)`.
async fn reencrypt_clinic(
    db: &Database,
    cipher: Arc<dyn SecretCipher>,
    company: CompanyId,
) -> anyhow::Result<(usize, usize)> {
    db.tenant_tx(TenantScope::company(company), move |conn| {
        Box::pin(async move {
            let rows: Vec<(Uuid, Option<Vec<u8>>)> = i::table
                .filter(i::company_id.eq(company.0))
                .filter(i::secrets.is_not_null())
                .select((i::id, i::secrets))
                .order(i::id.asc())
                .for_update()
                .load(conn)
                .await
                .map_err(DbError::from)?;
            let mut done = 0;
            for (id, blob) in &rows {
                let id = IntegrationId(*id);
                let (secrets, with_previous_key) =
                    open(cipher.as_ref(), company, id, blob.clone())?;
                if !with_previous_key {
                    continue;
                }
                let fresh = seal(cipher.as_ref(), company, id, &secrets)?;
                diesel::update(
                    i::table
                        .filter(i::company_id.eq(company.0))
                        .filter(i::id.eq(id.0)),
                )
                .set(i::secrets.eq(fresh.blob))
                .execute(conn)
                .await
                .map_err(DbError::from)?;
                done += 1;
            }
            Ok::<_, anyhow::Error>((rows.len(), done))
        })
    })
    .await
}
