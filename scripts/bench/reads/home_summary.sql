-- GET /api/summary/home: one transaction, one statement (infra-postgres reads.rs `HOME`; the
-- request's `now` is now() here).
\set cn random(1, :clinics)
SELECT value AS co FROM bench_read_samples WHERE clinic = :cn AND kind = 'company' AND i = 0 \gset
BEGIN;
SELECT set_config('role', 'atende_app', true), set_config('app.company_id', :co, true), set_config('app.user_id', '', true);
WITH day AS MATERIALIZED (
  SELECT s.locale,
         (date_trunc('day', now() AT TIME ZONE s.timezone) AT TIME ZONE s.timezone) AS starts,
         ((date_trunc('day', now() AT TIME ZONE s.timezone) + interval '1 day') AT TIME ZONE s.timezone) AS ends
    FROM settings s WHERE s.company_id = :co
)
SELECT
  (SELECT count(*) FROM appointments a
    WHERE a.company_id = :co AND a.status <> 'canceled'
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
            WHERE p.company_id = :co AND p.status = 'paid'
              AND p.paid_at >= (SELECT starts FROM day) AND p.paid_at < (SELECT ends FROM day)
            GROUP BY p.currency) AS r) AS rec,
  (SELECT count(*) AS threads, coalesce(sum(t.unread_count), 0)::bigint AS unread
     FROM conversation_threads t WHERE t.company_id = :co AND t.status = 'active') AS act;
COMMIT;
