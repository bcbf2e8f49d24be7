-- GET /api/clients/{id}/profile: one transaction — the client and its identities, the latest
-- snapshot, the activity (recent messages, threads, upcoming appointments, appointment stats,
-- balances, last payments). The request's `now` is now() here.
\set cn random(1, :clinics)
\set i random(0, 399)
\set one 1
\set ten 10
\set five 5
SELECT (SELECT value FROM bench_read_samples WHERE clinic = :cn AND kind = 'company' AND i = 0) AS co, value AS cl, '{' || value || '}' AS cls
  FROM bench_read_samples WHERE clinic = :cn AND kind = 'client' AND i = :i \gset
BEGIN;
SELECT set_config('role', 'atende_app', true), set_config('app.company_id', :co, true), set_config('app.user_id', '', true);
SELECT "clients"."id", "clients"."name", "clients"."phone", "clients"."email", "clients"."instagram_username", "clients"."notes", "clients"."tags", "clients"."status", "clients"."created_at", "clients"."updated_at" FROM "clients" WHERE (("clients"."company_id" = :co) AND ("clients"."id" = :cl)) LIMIT :one;
SELECT "client_identities"."id", "client_identities"."client_id", "client_identities"."channel", "client_identities"."external_id", "client_identities"."display_value", "client_identities"."phone", "client_identities"."created_at" FROM "client_identities" WHERE (("client_identities"."company_id" = :co) AND ("client_identities"."client_id" = ANY(:cls))) ORDER BY "client_identities"."created_at", "client_identities"."id";
SELECT id, client_id, source_conversation_id, summary, flags, next_best_action, evidence, trigger, requested_by, analyzer, model, locale, schema_version, input_message_count, input_from, input_to, prompt_tokens, completion_tokens, latency_ms, created_at FROM ai_context_snapshots WHERE company_id = :co AND client_id = :cl
          ORDER BY created_at DESC, id DESC LIMIT 1;
SELECT "interactions"."id", "interactions"."conversation_id", "interactions"."client_id", "interactions"."channel", "interactions"."direction", "interactions"."content_type", "interactions"."text", "interactions"."media", "interactions"."metadata", "interactions"."external_id", "interactions"."status", "interactions"."error", "interactions"."source", "interactions"."sent_by_user_id", "interactions"."occurred_at", "interactions"."deleted_at", "interactions"."created_at" FROM "interactions" WHERE (("interactions"."company_id" = :co) AND ("interactions"."client_id" = :cl)) ORDER BY "interactions"."occurred_at" DESC, "interactions"."id" DESC LIMIT :ten;
SELECT "conversation_threads"."id", "conversation_threads"."client_id", "conversation_threads"."status", "conversation_threads"."channel", "conversation_threads"."last_inbound_channel", "conversation_threads"."started_at", "conversation_threads"."ended_at", "conversation_threads"."close_reason", "conversation_threads"."closed_by", "conversation_threads"."last_message_at", "conversation_threads"."last_inbound_at", "conversation_threads"."sort_at", "conversation_threads"."unread_count", "conversation_threads"."last_read_at", "conversation_threads"."last_read_by", "conversation_threads"."last_interaction_id", "conversation_threads"."last_message_snippet", "conversation_threads"."last_message_direction", "conversation_threads"."last_message_status" FROM "conversation_threads" WHERE (("conversation_threads"."company_id" = :co) AND ("conversation_threads"."client_id" = :cl)) ORDER BY "conversation_threads"."sort_at" DESC, "conversation_threads"."id" DESC LIMIT :five;
SELECT a.id, a.service_id, s.name AS service_name, a.user_id, a.starts_at, a.ends_at, a.status
           FROM appointments a JOIN services s ON s.company_id = a.company_id AND s.id = a.service_id
          WHERE a.company_id = :co AND a.client_id = :cl AND a.status IN ('scheduled', 'confirmed') AND a.starts_at >= now()
          ORDER BY a.starts_at, a.id LIMIT 5;
SELECT count(*) FILTER (WHERE status <> 'canceled') AS total,
                count(*) FILTER (WHERE status = 'no_show') AS no_show,
                max(starts_at) FILTER (WHERE status = 'completed') AS last_visit_at
           FROM appointments WHERE company_id = :co AND client_id = :cl;
SELECT currency,
                coalesce(sum(amount_cents) FILTER (WHERE status = 'pending'), 0)::bigint AS due_cents,
                coalesce(sum(amount_cents) FILTER (WHERE status = 'paid'), 0)::bigint AS paid_cents
           FROM payments WHERE company_id = :co AND client_id = :cl
          GROUP BY currency ORDER BY currency;
SELECT "payments"."id", "payments"."client_id", "payments"."appointment_id", "payments"."amount_cents", "payments"."currency", "payments"."status", "payments"."method", "payments"."paid_at", "payments"."created_at", "payments"."updated_at" FROM "payments" WHERE (("payments"."company_id" = :co) AND ("payments"."client_id" = :cl)) ORDER BY "payments"."created_at" DESC, "payments"."id" DESC LIMIT :five;
COMMIT;
