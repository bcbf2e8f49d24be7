//! The demo clinic (`atende seed --demo`): fixed ids and `ON CONFLICT DO NOTHING`, so running it
//! again changes nothing and never duplicates the clinic.

use crate::error::DbError;
use crate::pool::Database;
use crate::tenant::TenantScope;
use diesel::sql_types::{BigInt, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use domain::CompanyId;
use uuid::Uuid;

/// The demo clinic's id.
pub const DEMO_COMPANY_ID: Uuid = Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0001);
const DEMO_ADMIN_ID: Uuid = Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0011);
const DEMO_STAFF_ID: Uuid = Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0012);
const DEMO_CLIENTS: [(Uuid, &str, &str); 2] = [
    (
        Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0021),
        "Maria Silva",
        "+5511987654321",
    ),
    (
        Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0022),
        "João Souza",
        "+5521998765432",
    ),
];
const DEMO_SERVICE_ID: Uuid = Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0031);

/// The demo clinic's name.
pub const DEMO_COMPANY_NAME: &str = "Clínica Demo";
/// The demo admin's email.
pub const DEMO_ADMIN_EMAIL: &str = "admin@clinica.demo";
/// The demo staff member's email.
pub const DEMO_STAFF_EMAIL: &str = "staff@clinica.demo";

/// What a demo seed did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSeed {
    /// The clinic's id.
    pub company_id: Uuid,
    /// Whether this run created the clinic (false when it already existed).
    pub created: bool,
}

/// Creates the demo clinic with its settings, an admin and a staff member (with the given argon2id
/// hashes), two WhatsApp clients and one service. Idempotent.
///
/// # Errors
/// [`DbError`] when the database fails.
pub async fn demo(
    db: &Database,
    admin_hash: String,
    staff_hash: String,
) -> Result<DemoSeed, DbError> {
    // Identities are global: written before the tenant unit of work.
    db.system_tx(move |conn| {
        Box::pin(async move {
            upsert_identity(conn, DEMO_ADMIN_ID, DEMO_ADMIN_EMAIL, &admin_hash).await?;
            upsert_identity(conn, DEMO_STAFF_ID, DEMO_STAFF_EMAIL, &staff_hash).await?;
            Ok::<_, DbError>(())
        })
    })
    .await?;
    db.tenant_tx(TenantScope::company(CompanyId(DEMO_COMPANY_ID)), |conn| {
        Box::pin(async move {
            let created = diesel::sql_query(
                "INSERT INTO companies (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
            )
            .bind::<SqlUuid, _>(DEMO_COMPANY_ID)
            .bind::<Text, _>(DEMO_COMPANY_NAME)
            .execute(conn)
            .await?
                == 1;
            diesel::sql_query("INSERT INTO settings (company_id) VALUES ($1) ON CONFLICT DO NOTHING")
                .bind::<SqlUuid, _>(DEMO_COMPANY_ID)
                .execute(conn)
                .await?;
            for (id, email, name, role) in [
                (DEMO_ADMIN_ID, DEMO_ADMIN_EMAIL, "Admin Demo", "admin"),
                (DEMO_STAFF_ID, DEMO_STAFF_EMAIL, "Recepção Demo", "staff"),
            ] {
                diesel::sql_query(
                    "INSERT INTO users (id, company_id, auth_user_id, email, name, role, status)
                     VALUES ($1, $2, $1, $3, $4, $5, 'active') ON CONFLICT DO NOTHING",
                )
                .bind::<SqlUuid, _>(id)
                .bind::<SqlUuid, _>(DEMO_COMPANY_ID)
                .bind::<Text, _>(email)
                .bind::<Text, _>(name)
                .bind::<Text, _>(role)
                .execute(conn)
                .await?;
            }
            for (id, name, phone) in DEMO_CLIENTS {
                diesel::sql_query(
                    "INSERT INTO clients (id, company_id, name, phone, status)
                     VALUES ($1, $2, $3, $4, 'active') ON CONFLICT DO NOTHING",
                )
                .bind::<SqlUuid, _>(id)
                .bind::<SqlUuid, _>(DEMO_COMPANY_ID)
                .bind::<Text, _>(name)
                .bind::<Text, _>(phone)
                .execute(conn)
                .await?;
                diesel::sql_query(
                    "INSERT INTO client_identities (company_id, client_id, channel, external_id, display_value, phone)
                     VALUES ($1, $2, 'whatsapp', $3, $4, $4) ON CONFLICT DO NOTHING",
                )
                .bind::<SqlUuid, _>(DEMO_COMPANY_ID)
                .bind::<SqlUuid, _>(id)
                .bind::<Text, _>(phone.trim_start_matches('+'))
                .bind::<Text, _>(phone)
                .execute(conn)
                .await?;
            }
            diesel::sql_query(
                "INSERT INTO services (id, company_id, name, description, price_cents, duration_minutes)
                 VALUES ($1, $2, 'Avaliação inicial', 'Consulta de avaliação', $3, 30) ON CONFLICT DO NOTHING",
            )
            .bind::<SqlUuid, _>(DEMO_SERVICE_ID)
            .bind::<SqlUuid, _>(DEMO_COMPANY_ID)
            .bind::<BigInt, _>(15_000_i64)
            .execute(conn)
            .await?;
            Ok::<_, DbError>(DemoSeed { company_id: DEMO_COMPANY_ID, created })
        })
    })
    .await
}

async fn upsert_identity(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    email: &str,
    hash: &str,
) -> Result<(), DbError> {
    diesel::sql_query(
        "INSERT INTO auth_identities (id, email, provider, password_hash) VALUES ($1, $2, 'local', $3)
         ON CONFLICT DO NOTHING",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Text, _>(email)
    .bind::<Text, _>(hash)
    .execute(conn)
    .await?;
    Ok(())
}
