//! Read models of the Home and inbox screens, and the settings row.

use crate::conversations::rows::InteractionRow;
use crate::conversations::rows::ThreadRow;
use crate::keyset::{self, Order};
use crate::pool::Database;
use crate::prepared::Prepare;
use crate::schema::{conversation_threads, interactions};
use crate::tenant::TenantScope;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::prelude::*;
use diesel::sql_types::{
    BigInt, Bool, Integer, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid,
};
use diesel_async::RunQueryDsl;
use domain::auth::Tenant;
use domain::conversations::{Conversation, SortCursor};
use domain::payments::{ClientBalance, MoneyTotal};
use domain::ports::reads::{ReadModels, SettingsRepository};
use domain::reads::{
    ClientProfile, ClinicSettings, HomeCounts, InboxFilter, InboxItem, InboxLastMessage,
    ProfileActivity, SettingsPatch, UpcomingAppointment,
};
use domain::{AppointmentId, ClientId, CompanyId, ServiceId, UserId};

/// [`ReadModels`] and [`SettingsRepository`] over PostgreSQL.
#[derive(Clone, Debug)]
pub struct PgReads {
    db: Database,
}

impl PgReads {
    /// An adapter over `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

#[derive(QueryableByName)]
struct HomeRow {
    #[diesel(sql_type = BigInt)]
    appointments_today: i64,
    #[diesel(sql_type = BigInt)]
    open_conversations: i64,
    #[diesel(sql_type = BigInt)]
    unread_inbound: i64,
    #[diesel(sql_type = Text)]
    locale: String,
    #[diesel(sql_type = diesel::sql_types::Array<Text>)]
    received_currencies: Vec<String>,
    #[diesel(sql_type = diesel::sql_types::Array<BigInt>)]
    received_cents: Vec<i64>,
}

/// One statement: "today" is the local day of `$2` in the clinic's timezone (DST-safe: both
/// bounds are computed in local time, then converted back).
/// The open threads are counted and their unread counts summed in one scan of the covering index;
/// today's received payments are summed per currency from the index of paid payments by time.
/// The clinic's local day is computed once, in a materialised CTE, so the appointment bounds
/// reach the `starts_at` index as plain parameters: written inline, `AT TIME ZONE` over the
/// settings row is not leakproof and row-level security would keep it out of the index scan.
const HOME: &str = "
WITH day AS MATERIALIZED (
  SELECT s.locale,
         (date_trunc('day', $2 AT TIME ZONE s.timezone) AT TIME ZONE s.timezone) AS starts,
         ((date_trunc('day', $2 AT TIME ZONE s.timezone) + interval '1 day') AT TIME ZONE s.timezone) AS ends
    FROM settings s WHERE s.company_id = $1
)
SELECT
  (SELECT count(*) FROM appointments a
    WHERE a.company_id = $1 AND a.status <> 'canceled'
      AND a.starts_at >= (SELECT starts FROM day)
      AND a.starts_at < (SELECT ends FROM day)
  ) AS appointments_today,
  act.threads AS open_conversations,
  act.unread AS unread_inbound,
  day.locale,
  coalesce(rec.currencies, '{}') AS received_currencies,
  coalesce(rec.cents, '{}') AS received_cents
FROM day,
  (SELECT array_agg(r.currency ORDER BY r.currency) AS currencies, array_agg(r.cents ORDER BY r.currency) AS cents
     FROM (SELECT p.currency, sum(p.amount_cents)::bigint AS cents FROM payments p
            WHERE p.company_id = $1 AND p.status = 'paid'
              AND p.paid_at >= (SELECT starts FROM day) AND p.paid_at < (SELECT ends FROM day)
            GROUP BY p.currency) AS r) AS rec,
  (SELECT count(*) AS threads, coalesce(sum(t.unread_count), 0)::bigint AS unread
     FROM conversation_threads t WHERE t.company_id = $1 AND t.status = 'active') AS act";

#[derive(QueryableByName)]
struct InboxRow {
    #[diesel(embed)]
    thread: ThreadRow,
    #[diesel(sql_type = Nullable<Text>)]
    client_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    client_phone: Option<String>,
}

#[derive(QueryableByName)]
struct SettingsRow {
    #[diesel(sql_type = Jsonb)]
    working_hours: serde_json::Value,
    #[diesel(sql_type = Nullable<Text>)]
    contact_email: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    contact_phone: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    logo_url: Option<String>,
    #[diesel(sql_type = Text)]
    timezone: String,
    #[diesel(sql_type = Text)]
    locale: String,
    #[diesel(sql_type = Integer)]
    conversation_window_hours: i32,
    #[diesel(sql_type = Integer)]
    buffer_minutes: i32,
    #[diesel(sql_type = Integer)]
    slot_step_minutes: i32,
}

impl TryFrom<SettingsRow> for ClinicSettings {
    type Error = anyhow::Error;

    fn try_from(r: SettingsRow) -> anyhow::Result<Self> {
        Ok(Self {
            working_hours: serde_json::from_value(r.working_hours)?,
            contact_email: r.contact_email,
            contact_phone: r.contact_phone,
            logo_url: r.logo_url,
            timezone: r.timezone,
            locale: r.locale,
            conversation_window_hours: u32::try_from(r.conversation_window_hours).unwrap_or(24),
            buffer_minutes: u32::try_from(r.buffer_minutes).unwrap_or(0),
            slot_step_minutes: u32::try_from(r.slot_step_minutes).unwrap_or(15),
        })
    }
}

const SETTINGS_COLUMNS: &str = "working_hours, contact_email, contact_phone, logo_url, timezone, locale, conversation_window_hours, buffer_minutes, slot_step_minutes";

#[async_trait]
impl ReadModels for PgReads {
    async fn profile(
        &self,
        tenant: Tenant,
        client: ClientId,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<ClientProfile>> {
        let company = tenant.company_id;
        self.db
            .tenant_tx(
                TenantScope::user_opt(company, tenant.user_id),
                move |conn| {
                    Box::pin(async move {
                        let Some(client_record) =
                            crate::crm::client_in(conn, company, client).await?
                        else {
                            return Ok(None);
                        };
                        let latest_snapshot =
                            crate::snapshots::latest_snapshot(conn, company, client).await?;
                        let activity = profile_activity(conn, company, client, now).await?;
                        Ok(Some(ClientProfile {
                            client: client_record,
                            latest_snapshot,
                            activity,
                        }))
                    })
                },
            )
            .await
    }

    async fn home(&self, company: CompanyId, now: DateTime<Utc>) -> anyhow::Result<HomeCounts> {
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move {
                    let r: HomeRow = diesel::sql_query(HOME)
                        .bind::<SqlUuid, _>(company.0)
                        .bind::<Timestamptz, _>(now)
                        .prepared()
                        .get_result(conn)
                        .await?;
                    Ok::<_, anyhow::Error>(HomeCounts {
                        appointments_today: u64::try_from(r.appointments_today).unwrap_or(0),
                        open_conversations: u64::try_from(r.open_conversations).unwrap_or(0),
                        unread_inbound: u64::try_from(r.unread_inbound).unwrap_or(0),
                        locale: r.locale,
                        received_today: r
                            .received_currencies
                            .into_iter()
                            .zip(r.received_cents)
                            .map(|(currency, amount_cents)| MoneyTotal {
                                currency,
                                amount_cents,
                            })
                            .collect(),
                    })
                })
            })
            .await
    }

    async fn inbox(
        &self,
        company: CompanyId,
        filter: InboxFilter,
        after: Option<SortCursor>,
        limit: u32,
    ) -> anyhow::Result<Vec<InboxItem>> {
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move {
                    // One index-backed query per page: the thread carries its last message.
                    // Only the filters in use appear in the SQL, so every variant keeps a tight plan
                    // on the partial index (company_id, sort_at DESC, id DESC) WHERE status = 'active'.
                    let mut sql = String::from(
                        "SELECT t.*, c.name AS client_name, c.phone AS client_phone
                           FROM conversation_threads t
                           JOIN clients c ON c.company_id = t.company_id AND c.id = t.client_id
                          WHERE t.company_id = $1 AND t.status = 'active'",
                    );
                    let mut n = 1;
                    if filter.channel.is_some() {
                        n += 1;
                        sql.push_str(&format!(" AND t.channel = ${n}"));
                    }
                    if filter.unread_only {
                        sql.push_str(" AND t.unread_count > 0");
                    }
                    if filter.label.is_some() {
                        n += 1;
                        sql.push_str(&format!(
                            " AND EXISTS (SELECT 1 FROM conversation_labels cl
                                           WHERE cl.company_id = t.company_id AND cl.conversation_id = t.id
                                             AND cl.label_id = ${n})"
                        ));
                    }
                    if after.is_some() {
                        sql.push_str(" AND ");
                        sql.push_str(&keyset::after_text(
                            Order::Desc,
                            ["t.sort_at", "t.id"],
                            n + 1,
                        ));
                        n += 2;
                    }
                    sql.push_str(&format!(
                        " ORDER BY t.sort_at DESC, t.id DESC LIMIT ${}",
                        n + 1
                    ));
                    let mut q = diesel::sql_query(sql)
                        .into_boxed::<diesel::pg::Pg>()
                        .bind::<SqlUuid, _>(company.0);
                    if let Some(channel) = filter.channel {
                        q = q.bind::<Text, _>(channel.as_str());
                    }
                    if let Some(label) = filter.label {
                        q = q.bind::<SqlUuid, _>(label.0);
                    }
                    if let Some(c) = after {
                        q = q.bind::<Timestamptz, _>(c.at).bind::<SqlUuid, _>(c.id);
                    }
                    // A handful of texts (filters present or not), each kept prepared.
                    let rows: Vec<InboxRow> = q
                        .bind::<BigInt, _>(keyset::fetch(limit))
                        .prepared()
                        .load(conn)
                        .await?;
                    rows.into_iter()
                        .map(|r| {
                            let cursor = SortCursor {
                                at: r.thread.sort_at,
                                id: r.thread.id,
                            };
                            let at = r.thread.last_message_at;
                            let c = Conversation::try_from(r.thread)?;
                            Ok(InboxItem {
                                conversation_id: c.id,
                                client_id: ClientId(c.client_id.0),
                                client_name: r.client_name,
                                client_phone: r.client_phone,
                                channel: c.channel,
                                last_message: c.last_message.zip(at).map(|(m, at)| {
                                    InboxLastMessage {
                                        snippet: m.snippet,
                                        direction: m.direction,
                                        at,
                                        status: m.status,
                                    }
                                }),
                                unread_count: c.unread_count,
                                started_at: c.started_at,
                                cursor,
                            })
                        })
                        .collect::<anyhow::Result<Vec<_>>>()
                })
            })
            .await
    }
}

#[derive(QueryableByName)]
struct UpcomingRow {
    #[diesel(sql_type = SqlUuid)]
    id: uuid::Uuid,
    #[diesel(sql_type = SqlUuid)]
    service_id: uuid::Uuid,
    #[diesel(sql_type = Text)]
    service_name: String,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    user_id: Option<uuid::Uuid>,
    #[diesel(sql_type = Timestamptz)]
    starts_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    ends_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    status: String,
}

#[derive(QueryableByName)]
struct StatsRow {
    #[diesel(sql_type = BigInt)]
    total: i64,
    #[diesel(sql_type = BigInt)]
    no_show: i64,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    last_visit_at: Option<DateTime<Utc>>,
}

#[derive(QueryableByName)]
struct BalanceRow {
    #[diesel(sql_type = Text)]
    currency: String,
    #[diesel(sql_type = BigInt)]
    due_cents: i64,
    #[diesel(sql_type = BigInt)]
    paid_cents: i64,
}

async fn profile_activity(
    conn: &mut diesel_async::AsyncPgConnection,
    company: CompanyId,
    client: ClientId,
    now: DateTime<Utc>,
) -> anyhow::Result<ProfileActivity> {
    let recent: Vec<InteractionRow> = interactions::table
        .filter(interactions::company_id.eq(company.0))
        .filter(interactions::client_id.eq(client.0))
        .order((interactions::occurred_at.desc(), interactions::id.desc()))
        .limit(10)
        .select(InteractionRow::as_select())
        .load(conn)
        .await?;
    let threads: Vec<ThreadRow> = conversation_threads::table
        .filter(conversation_threads::company_id.eq(company.0))
        .filter(conversation_threads::client_id.eq(client.0))
        .order((
            conversation_threads::sort_at.desc(),
            conversation_threads::id.desc(),
        ))
        .limit(5)
        .select(ThreadRow::as_select())
        .load(conn)
        .await?;
    let upcoming: Vec<UpcomingRow> = diesel::sql_query(
        "SELECT a.id, a.service_id, s.name AS service_name, a.user_id, a.starts_at, a.ends_at, a.status
           FROM appointments a JOIN services s ON s.company_id = a.company_id AND s.id = a.service_id
          WHERE a.company_id = $1 AND a.client_id = $2 AND a.status IN ('scheduled', 'confirmed') AND a.starts_at >= $3
          ORDER BY a.starts_at, a.id LIMIT 5",
    )
    .bind::<SqlUuid, _>(company.0)
    .bind::<SqlUuid, _>(client.0)
    .bind::<Timestamptz, _>(now)
    .prepared()
    .load(conn)
    .await?;
    let stats: StatsRow = diesel::sql_query(
        "SELECT count(*) FILTER (WHERE status <> 'canceled') AS total,
                count(*) FILTER (WHERE status = 'no_show') AS no_show,
                max(starts_at) FILTER (WHERE status = 'completed') AS last_visit_at
           FROM appointments WHERE company_id = $1 AND client_id = $2",
    )
    .bind::<SqlUuid, _>(company.0)
    .bind::<SqlUuid, _>(client.0)
    .prepared()
    .get_result(conn)
    .await?;
    let balances: Vec<BalanceRow> = diesel::sql_query(
        "SELECT currency,
                coalesce(sum(amount_cents) FILTER (WHERE status = 'pending'), 0)::bigint AS due_cents,
                coalesce(sum(amount_cents) FILTER (WHERE status = 'paid'), 0)::bigint AS paid_cents
           FROM payments WHERE company_id = $1 AND client_id = $2
          GROUP BY currency ORDER BY currency",
    )
    .bind::<SqlUuid, _>(company.0)
    .bind::<SqlUuid, _>(client.0)
    .prepared()
    .load(conn)
    .await?;
    let recent_payments = crate::payments::recent_of_client(conn, company, client, 5).await?;
    Ok(ProfileActivity {
        recent_interactions: recent
            .into_iter()
            .map(TryInto::try_into)
            .collect::<anyhow::Result<_>>()?,
        recent_conversations: threads
            .into_iter()
            .map(TryInto::try_into)
            .collect::<anyhow::Result<_>>()?,
        upcoming_appointments: upcoming
            .into_iter()
            .map(|r| UpcomingAppointment {
                id: AppointmentId(r.id),
                service_id: ServiceId(r.service_id),
                service_name: r.service_name,
                user_id: r.user_id.map(UserId),
                starts_at: r.starts_at,
                ends_at: r.ends_at,
                status: r.status,
            })
            .collect(),
        appointments_total: u64::try_from(stats.total).unwrap_or(0),
        no_show_count: u64::try_from(stats.no_show).unwrap_or(0),
        last_visit_at: stats.last_visit_at,
        balances: balances
            .into_iter()
            .map(|b| ClientBalance {
                currency: b.currency,
                due_cents: b.due_cents,
                paid_cents: b.paid_cents,
            })
            .collect(),
        recent_payments,
    })
}

#[async_trait]
impl SettingsRepository for PgReads {
    async fn get(&self, company: CompanyId) -> anyhow::Result<ClinicSettings> {
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move {
                    let r: SettingsRow = diesel::sql_query(format!(
                        "SELECT {SETTINGS_COLUMNS} FROM settings WHERE company_id = $1"
                    ))
                    .bind::<SqlUuid, _>(company.0)
                    .prepared()
                    .get_result(conn)
                    .await?;
                    ClinicSettings::try_from(r)
                })
            })
            .await
    }

    async fn update(
        &self,
        company: CompanyId,
        patch: SettingsPatch,
    ) -> anyhow::Result<ClinicSettings> {
        let hours = patch
            .working_hours
            .as_ref()
            .map(serde_json::to_value)
            .transpose()?;
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move {
                    // Each column keeps its value unless the patch names it ($n_set flags).
                    let r: SettingsRow = diesel::sql_query(format!(
                        "UPDATE settings SET
                            working_hours = coalesce($2, working_hours),
                            contact_email = CASE WHEN $3 THEN $4 ELSE contact_email END,
                            contact_phone = CASE WHEN $5 THEN $6 ELSE contact_phone END,
                            logo_url = CASE WHEN $7 THEN $8 ELSE logo_url END,
                            timezone = coalesce($9, timezone),
                            locale = coalesce($10, locale),
                            conversation_window_hours = coalesce($11, conversation_window_hours),
                            buffer_minutes = coalesce($12, buffer_minutes),
                            slot_step_minutes = coalesce($13, slot_step_minutes)
                          WHERE company_id = $1
                         RETURNING {SETTINGS_COLUMNS}"
                    ))
                    .bind::<SqlUuid, _>(company.0)
                    .bind::<Nullable<Jsonb>, _>(hours)
                    .bind::<Bool, _>(patch.contact_email.is_some())
                    .bind::<Nullable<Text>, _>(patch.contact_email.flatten())
                    .bind::<Bool, _>(patch.contact_phone.is_some())
                    .bind::<Nullable<Text>, _>(patch.contact_phone.flatten())
                    .bind::<Bool, _>(patch.logo_url.is_some())
                    .bind::<Nullable<Text>, _>(patch.logo_url.flatten())
                    .bind::<Nullable<Text>, _>(patch.timezone)
                    .bind::<Nullable<Text>, _>(patch.locale)
                    .bind::<Nullable<Integer>, _>(
                        patch
                            .conversation_window_hours
                            .and_then(|h| i32::try_from(h).ok()),
                    )
                    .bind::<Nullable<Integer>, _>(
                        patch.buffer_minutes.and_then(|m| i32::try_from(m).ok()),
                    )
                    .bind::<Nullable<Integer>, _>(
                        patch.slot_step_minutes.and_then(|m| i32::try_from(m).ok()),
                    )
                    .prepared()
                    .get_result(conn)
                    .await?;
                    ClinicSettings::try_from(r)
                })
            })
            .await
    }

    async fn timezone_exists(&self, tz: String) -> anyhow::Result<bool> {
        #[derive(QueryableByName)]
        struct Exists {
            #[diesel(sql_type = Bool)]
            found: bool,
        }
        self.db
            .system_tx(move |conn| {
                Box::pin(async move {
                    let r: Exists = diesel::sql_query(
                        "SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $1) AS found",
                    )
                    .bind::<Text, _>(tz)
                    .prepared()
                    .get_result(conn)
                    .await?;
                    Ok::<_, anyhow::Error>(r.found)
                })
            })
            .await
    }
}
