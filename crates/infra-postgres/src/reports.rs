//! [`ReportRepository`] over PostgreSQL: the whole overview in one statement (one snapshot of
//! the data), every scan bounded by the period through an index (`docs/performance.md`).

use crate::error::DbError;
use crate::pool::Database;
use crate::prepared::Prepare;
use crate::tenant::TenantScope;
use async_trait::async_trait;
use diesel::QueryableByName;
use diesel::sql_types::{Date, Jsonb, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use domain::CompanyId;
use domain::ports::reports::ReportRepository;
use domain::reports::{Overview, ReportPeriod};

/// The PostgreSQL adapter of [`ReportRepository`].
#[derive(Clone, Debug)]
pub struct PgReports {
    db: Database,
}

impl PgReports {
    /// An adapter over `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// The overview (definitions in `docs/reports.md`). `p` turns the period's local dates into
/// instants in the clinic's time zone once (a materialised CTE, so the bounds reach every index
/// as parameters under row-level security: `AT TIME ZONE` is not leakproof).
const OVERVIEW: &str = "
WITH p AS MATERIALIZED (
    SELECT s.timezone,
           ($2::date::timestamp AT TIME ZONE s.timezone) AS lo,
           (($3::date + 1)::timestamp AT TIME ZONE s.timezone) AS hi
      FROM settings s WHERE s.company_id = $1
),
appts AS MATERIALIZED (
    SELECT a.id, a.client_id, a.service_id, a.user_id, a.starts_at, a.status
      FROM appointments a
     WHERE a.company_id = $1 AND a.starts_at >= (SELECT lo FROM p) AND a.starts_at < (SELECT hi FROM p)
),
resolved AS MATERIALIZED (
    SELECT a.service_id, a.user_id, a.status,
           CASE WHEN r.risk IN ('low', 'medium', 'high') THEN r.risk ELSE 'unknown' END AS risk
      FROM appts a
      LEFT JOIN LATERAL (
          SELECT x.flags ->> 'no_show_risk' AS risk
            FROM ai_context_snapshots x
           WHERE x.company_id = $1 AND x.client_id = a.client_id AND x.created_at < a.starts_at
           ORDER BY x.created_at DESC, x.id DESC
           LIMIT 1
      ) r ON true
     WHERE a.status IN ('completed', 'no_show')
),
threads AS MATERIALIZED (
    SELECT t.id, t.channel, t.started_at, t.ended_at, t.closed_by, t.close_reason
      FROM conversation_threads t
     WHERE t.company_id = $1 AND t.started_at >= (SELECT lo FROM p) AND t.started_at < (SELECT hi FROM p)
),
firsts AS MATERIALIZED (
    SELECT fi.channel AS channel, fo.sent_by_user_id AS user_id,
           extract(epoch FROM fo.occurred_at - fi.occurred_at)::bigint AS secs
      FROM threads t
      JOIN LATERAL (
          SELECT i.occurred_at, i.channel FROM interactions i
           WHERE i.company_id = $1 AND i.conversation_id = t.id AND i.direction = 'inbound'
           ORDER BY i.occurred_at, i.id
           LIMIT 1
      ) fi ON true
      LEFT JOIN LATERAL (
          SELECT o.occurred_at, o.sent_by_user_id FROM interactions o
           WHERE o.company_id = $1 AND o.conversation_id = t.id AND o.direction = 'outbound'
             AND o.occurred_at >= fi.occurred_at
           ORDER BY o.occurred_at, o.id
           LIMIT 1
      ) fo ON true
),
closed AS MATERIALIZED (
    SELECT t.channel, t.closed_by AS user_id,
           CASE WHEN t.ended_at IS NOT NULL AND t.close_reason IS DISTINCT FROM 'window_expired'
                THEN extract(epoch FROM t.ended_at - t.started_at)::bigint END AS secs
      FROM threads t
),
members AS MATERIALIZED (
    SELECT u.id, u.name FROM users u WHERE u.company_id = $1
)
SELECT jsonb_build_object(
  'timezone', (SELECT timezone FROM p),
  'appointments_by_status', (
      SELECT jsonb_agg(jsonb_build_object('status', s.status, 'count', coalesce(c.n, 0)) ORDER BY s.ord)
        FROM (VALUES (1, 'scheduled'), (2, 'confirmed'), (3, 'completed'), (4, 'no_show'), (5, 'canceled')) AS s(ord, status)
        LEFT JOIN (SELECT status, count(*) AS n FROM appts GROUP BY status) c ON c.status = s.status),
  'no_show', jsonb_build_object(
      'overall', (SELECT jsonb_build_object('no_show', count(*) FILTER (WHERE status = 'no_show'),
                                            'completed', count(*) FILTER (WHERE status = 'completed'))
                    FROM resolved),
      'by_professional', (
          SELECT coalesce(jsonb_agg(jsonb_build_object('user_id', x.user_id, 'name', m.name,
                                                       'no_show', x.no_show, 'completed', x.completed)
                                    ORDER BY m.name NULLS LAST, x.user_id), '[]')
            FROM (SELECT user_id, count(*) FILTER (WHERE status = 'no_show') AS no_show,
                         count(*) FILTER (WHERE status = 'completed') AS completed
                    FROM resolved GROUP BY user_id) x
            LEFT JOIN members m ON m.id = x.user_id),
      'by_service', (
          SELECT coalesce(jsonb_agg(jsonb_build_object('service_id', x.service_id, 'name', v.name,
                                                       'no_show', x.no_show, 'completed', x.completed)
                                    ORDER BY v.name, x.service_id), '[]')
            FROM (SELECT service_id, count(*) FILTER (WHERE status = 'no_show') AS no_show,
                         count(*) FILTER (WHERE status = 'completed') AS completed
                    FROM resolved GROUP BY service_id) x
            JOIN services v ON v.company_id = $1 AND v.id = x.service_id),
      'by_risk', (
          SELECT jsonb_agg(jsonb_build_object('risk', k.risk, 'no_show', coalesce(x.no_show, 0),
                                              'completed', coalesce(x.completed, 0))
                           ORDER BY k.ord)
            FROM (VALUES (1, 'low'), (2, 'medium'), (3, 'high'), (4, 'unknown')) AS k(ord, risk)
            LEFT JOIN (SELECT risk, count(*) FILTER (WHERE status = 'no_show') AS no_show,
                              count(*) FILTER (WHERE status = 'completed') AS completed
                         FROM resolved GROUP BY risk) x ON x.risk = k.risk),
      'by_confirmation', (
          SELECT jsonb_build_array(
                   jsonb_build_object('confirmation', 'with_answer', 'no_show', 0, 'completed', 0),
                   jsonb_build_object('confirmation', 'without_answer',
                                      'no_show', count(*) FILTER (WHERE status = 'no_show'),
                                      'completed', count(*) FILTER (WHERE status = 'completed')))
            FROM resolved)),
  'first_response', jsonb_build_object(
      'overall', (SELECT jsonb_build_object('count', count(secs),
                                            'p50_seconds', percentile_disc(0.5) WITHIN GROUP (ORDER BY secs),
                                            'p90_seconds', percentile_disc(0.9) WITHIN GROUP (ORDER BY secs))
                    FROM firsts),
      'without', (SELECT count(*) FROM firsts WHERE secs IS NULL),
      'by_member', (
          SELECT coalesce(jsonb_agg(jsonb_build_object('user_id', x.user_id, 'name', m.name, 'count', x.n,
                                                       'p50_seconds', x.p50, 'p90_seconds', x.p90)
                                    ORDER BY m.name NULLS LAST, x.user_id), '[]')
            FROM (SELECT user_id, count(*) AS n,
                         percentile_disc(0.5) WITHIN GROUP (ORDER BY secs) AS p50,
                         percentile_disc(0.9) WITHIN GROUP (ORDER BY secs) AS p90
                    FROM firsts WHERE secs IS NOT NULL GROUP BY user_id) x
            LEFT JOIN members m ON m.id = x.user_id),
      'by_channel', (
          SELECT coalesce(jsonb_agg(jsonb_build_object('channel', x.channel, 'count', x.n,
                                                       'p50_seconds', x.p50, 'p90_seconds', x.p90)
                                    ORDER BY x.channel), '[]')
            FROM (SELECT channel, count(*) AS n,
                         percentile_disc(0.5) WITHIN GROUP (ORDER BY secs) AS p50,
                         percentile_disc(0.9) WITHIN GROUP (ORDER BY secs) AS p90
                    FROM firsts WHERE secs IS NOT NULL GROUP BY channel) x)),
  'resolution', jsonb_build_object(
      'overall', (SELECT jsonb_build_object('count', count(secs),
                                            'p50_seconds', percentile_disc(0.5) WITHIN GROUP (ORDER BY secs),
                                            'p90_seconds', percentile_disc(0.9) WITHIN GROUP (ORDER BY secs))
                    FROM closed),
      'without', (SELECT count(*) FROM closed WHERE secs IS NULL),
      'by_member', (
          SELECT coalesce(jsonb_agg(jsonb_build_object('user_id', x.user_id, 'name', m.name, 'count', x.n,
                                                       'p50_seconds', x.p50, 'p90_seconds', x.p90)
                                    ORDER BY m.name NULLS LAST, x.user_id), '[]')
            FROM (SELECT user_id, count(*) AS n,
                         percentile_disc(0.5) WITHIN GROUP (ORDER BY secs) AS p50,
                         percentile_disc(0.9) WITHIN GROUP (ORDER BY secs) AS p90
                    FROM closed WHERE secs IS NOT NULL GROUP BY user_id) x
            LEFT JOIN members m ON m.id = x.user_id),
      'by_channel', (
          SELECT coalesce(jsonb_agg(jsonb_build_object('channel', x.channel, 'count', x.n,
                                                       'p50_seconds', x.p50, 'p90_seconds', x.p90)
                                    ORDER BY x.channel), '[]')
            FROM (SELECT channel, count(*) AS n,
                         percentile_disc(0.5) WITHIN GROUP (ORDER BY secs) AS p50,
                         percentile_disc(0.9) WITHIN GROUP (ORDER BY secs) AS p90
                    FROM closed WHERE secs IS NOT NULL GROUP BY channel) x)),
  'messages_by_channel', (
      SELECT coalesce(jsonb_agg(jsonb_build_object('channel', x.channel, 'inbound', x.inbound, 'outbound', x.outbound)
                                ORDER BY x.channel), '[]')
        FROM (SELECT i.channel, count(*) FILTER (WHERE i.direction = 'inbound') AS inbound,
                     count(*) FILTER (WHERE i.direction = 'outbound') AS outbound
                FROM interactions i
               WHERE i.company_id = $1 AND i.deleted_at IS NULL
                 AND i.occurred_at >= (SELECT lo FROM p) AND i.occurred_at < (SELECT hi FROM p)
               GROUP BY i.channel) x),
  'payments', (
      WITH paid AS MATERIALIZED (
          SELECT y.currency, coalesce(y.method, 'other') AS method, y.amount_cents
            FROM payments y
           WHERE y.company_id = $1 AND y.status = 'paid'
             AND y.paid_at >= (SELECT lo FROM p) AND y.paid_at < (SELECT hi FROM p)
      )
      SELECT jsonb_build_object(
        'by_currency', (SELECT coalesce(jsonb_agg(jsonb_build_object('currency', x.currency, 'count', x.n,
                                                                     'amount_cents', x.cents) ORDER BY x.currency), '[]')
                          FROM (SELECT currency, count(*) AS n, sum(amount_cents)::bigint AS cents
                                  FROM paid GROUP BY currency) x),
        'by_method', (SELECT coalesce(jsonb_agg(jsonb_build_object('method', x.method, 'currency', x.currency,
                                                                   'count', x.n, 'amount_cents', x.cents)
                                                ORDER BY x.currency, x.method), '[]')
                        FROM (SELECT method, currency, count(*) AS n, sum(amount_cents)::bigint AS cents
                                FROM paid GROUP BY method, currency) x)))
) AS overview";

#[derive(QueryableByName)]
struct OverviewRow {
    #[diesel(sql_type = Jsonb)]
    overview: serde_json::Value,
}

#[async_trait]
impl ReportRepository for PgReports {
    async fn overview(&self, company: CompanyId, period: ReportPeriod) -> anyhow::Result<Overview> {
        let row: OverviewRow = self
            .db
            .replica_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move {
                    let row: OverviewRow = diesel::sql_query(OVERVIEW)
                        .bind::<SqlUuid, _>(company.0)
                        .bind::<Date, _>(period.from)
                        .bind::<Date, _>(period.to)
                        .prepared()
                        .get_result(conn)
                        .await?;
                    Ok::<_, DbError>(row)
                })
            })
            .await?;
        serde_json::from_value(row.overview)
            .map_err(|e| anyhow::anyhow!("the overview's shape is unexpected: {e}"))
    }
}
