//! Helpers shared by the infra-postgres integration tests.
#![allow(dead_code)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use uuid::Uuid;

#[derive(QueryableByName)]
struct Str {
    #[diesel(sql_type = Nullable<Text>)]
    v: Option<String>,
}

#[derive(QueryableByName)]
struct Num {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Runs `sql` (which must select one text column named `v`) and returns the values.
pub async fn strings(conn: &mut AsyncPgConnection, sql: &str) -> Vec<String> {
    let rows: Vec<Str> = diesel::sql_query(sql)
        .load(conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.into_iter().map(|r| r.v.unwrap_or_default()).collect()
}

/// Runs `sql` (which must select one bigint column named `n`).
pub async fn number(conn: &mut AsyncPgConnection, sql: &str) -> Result<i64, diesel::result::Error> {
    let row: Num = diesel::sql_query(sql).get_result(conn).await?;
    Ok(row.n)
}

/// The tenant tables: every table of `public` with a company_id column, plus companies.
pub async fn tenant_tables(conn: &mut AsyncPgConnection) -> Vec<String> {
    strings(
        conn,
        "SELECT c.relname::text AS v FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind = 'r'
            AND (c.relname = 'companies' OR EXISTS (
                 SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'company_id' AND NOT a.attisdropped))
          ORDER BY 1",
    )
    .await
}

/// Inserts one row in every tenant table for `company` (as the owner, which bypasses RLS).
pub async fn seed_company(conn: &mut AsyncPgConnection, company: Uuid) -> Uuid {
    let user = Uuid::now_v7();
    let client = Uuid::now_v7();
    let service = Uuid::now_v7();
    let appointment = Uuid::now_v7();
    let thread = Uuid::now_v7();
    let interaction = Uuid::now_v7();
    let label = Uuid::now_v7();
    let simple = company.simple().to_string();
    let tag = &simple[simple.len() - 10..];
    let sql = format!(
        "INSERT INTO companies (id, name) VALUES ('{company}', 'Clinic {tag}');
         INSERT INTO settings (company_id) VALUES ('{company}');
         INSERT INTO auth_identities (id, email, provider, password_hash)
              VALUES ('{user}', 'admin-{tag}@example.com', 'local', '$argon2id$v=19$m=19456,t=2,p=1$x$y');
         INSERT INTO users (id, company_id, auth_user_id, email, name, role, status)
              VALUES ('{user}', '{company}', '{user}', 'admin-{tag}@example.com', 'Admin', 'admin', 'active');
         INSERT INTO api_tokens (company_id, name, role, token_hash, created_by)
              VALUES ('{company}', 'n8n', 'staff', sha256('{company}'::text::bytea), '{user}');
         INSERT INTO clients (id, company_id, name, phone, status)
              VALUES ('{client}', '{company}', 'João {tag}', '+5511987654321', 'active');
         INSERT INTO client_identities (company_id, client_id, channel, external_id)
              VALUES ('{company}', '{client}', 'whatsapp', '5511987654321');
         INSERT INTO services (id, company_id, name, price_cents, duration_minutes)
              VALUES ('{service}', '{company}', 'Limpeza', 15000, 30);
         INSERT INTO appointments (id, company_id, client_id, service_id, user_id, starts_at, ends_at)
              VALUES ('{appointment}', '{company}', '{client}', '{service}', '{user}', now(), now() + interval '30 minutes');
         INSERT INTO payments (company_id, client_id, appointment_id, amount_cents)
              VALUES ('{company}', '{client}', '{appointment}', 15000);
         INSERT INTO conversation_threads (id, company_id, client_id, channel)
              VALUES ('{thread}', '{company}', '{client}', 'whatsapp');
         INSERT INTO interactions (id, company_id, conversation_id, client_id, channel, direction, text, status, external_id)
              VALUES ('{interaction}', '{company}', '{thread}', '{client}', 'whatsapp', 'inbound', 'Oi', 'received', 'wamid.{tag}');
         INSERT INTO conversation_notes (company_id, conversation_id, author_id, text)
              VALUES ('{company}', '{thread}', '{user}', 'Nota {tag}');
         INSERT INTO labels (id, company_id, name, colour) VALUES ('{label}', '{company}', 'Retorno', '#00aa00');
         INSERT INTO conversation_labels (company_id, conversation_id, label_id, attached_by)
              VALUES ('{company}', '{thread}', '{label}', '{user}');
         INSERT INTO idempotency_keys (company_id, key, interaction_id) VALUES ('{company}', 'k-{tag}', '{interaction}');
         INSERT INTO ai_context_snapshots (company_id, client_id, summary, flags, trigger, analyzer, locale, input_message_count)
              VALUES ('{company}', '{client}', 'Resumo', '{{}}', 'manual', 'heuristic-v1', 'pt-BR', 1);
         INSERT INTO integrations (company_id, provider, account_id) VALUES ('{company}', 'whatsapp', 'phone-{tag}');
         INSERT INTO jobs (company_id, kind) VALUES ('{company}', 'test');
         INSERT INTO event_counters (company_id, last_id) VALUES ('{company}', 1);
         INSERT INTO events (company_id, id, kind, conversation_id, client_id, payload)
              VALUES ('{company}', 1, 'message.created', '{thread}', '{client}', '{{}}');
         INSERT INTO snapshot_runs (id, company_id, client_id, expires_at)
              VALUES (gen_random_uuid(), '{company}', '{client}', now() + interval '5 minutes');
         INSERT INTO member_schedules (company_id, user_id, weekly_hours)
              VALUES ('{company}', '{user}', '{{\"mon\": [{{\"start\": \"08:00\", \"end\": \"12:00\"}}]}}');
         INSERT INTO time_off (company_id, user_id, starts_at, ends_at, created_by)
              VALUES ('{company}', '{user}', now(), now() + interval '1 day', '{user}');"
    );
    conn.batch_execute(&sql)
        .await
        .unwrap_or_else(|e| panic!("seed: {e}"));
    user
}

/// The tables [`seed_company`] fills; the isolation test fails when a tenant table is missing here.
pub const SEEDED_TENANT_TABLES: &[&str] = &[
    "ai_context_snapshots",
    "api_tokens",
    "appointments",
    "client_identities",
    "clients",
    "companies",
    "conversation_labels",
    "conversation_notes",
    "conversation_threads",
    "event_counters",
    "events",
    "idempotency_keys",
    "integrations",
    "interactions",
    "jobs",
    "labels",
    "member_schedules",
    "payments",
    "services",
    "settings",
    "snapshot_runs",
    "time_off",
    "users",
];

/// The column that holds the tenant in `table`.
pub fn tenant_column(table: &str) -> &'static str {
    if table == "companies" {
        "id"
    } else {
        "company_id"
    }
}
