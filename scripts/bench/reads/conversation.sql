-- GET /api/conversations/{id} (first page of 50): one transaction — the thread, its client, the
-- messages, the internal notes of the page's span of time (from the 50th message's key when
-- older pages follow; pgbench cannot bind a NULL, so the absent bounds are NULL literals, and the
-- 50th key is read around the exact page statement).
\set cn random(1, :clinics)
\set i random(0, 399)
\set one 1
\set page 51
\set notes 500
SELECT (SELECT value FROM bench_read_samples WHERE clinic = :cn AND kind = 'company' AND i = 0) AS co, value AS th
  FROM bench_read_samples WHERE clinic = :cn AND kind = 'conversation' AND i = :i \gset
BEGIN;
SELECT set_config('role', 'atende_app', true), set_config('app.company_id', :co, true), set_config('app.user_id', '', true);
SELECT "conversation_threads"."id", "conversation_threads"."client_id" AS thread_client, "conversation_threads"."status", "conversation_threads"."channel", "conversation_threads"."last_inbound_channel", "conversation_threads"."started_at", "conversation_threads"."ended_at", "conversation_threads"."close_reason", "conversation_threads"."closed_by", "conversation_threads"."last_message_at", "conversation_threads"."last_inbound_at", "conversation_threads"."sort_at", "conversation_threads"."unread_count", "conversation_threads"."last_read_at", "conversation_threads"."last_read_by", "conversation_threads"."last_interaction_id", "conversation_threads"."last_message_snippet", "conversation_threads"."last_message_direction", "conversation_threads"."last_message_status" FROM "conversation_threads" WHERE (("conversation_threads"."company_id" = :co) AND ("conversation_threads"."id" = :th)) LIMIT :one \gset r_
SELECT "clients"."id", "clients"."name", "clients"."phone" FROM "clients" WHERE (("clients"."company_id" = :co) AND ("clients"."id" = :r_thread_client)) LIMIT :one;
SELECT count(*) AS n,
       (array_agg(m.occurred_at ORDER BY m.occurred_at DESC, m.id DESC))[50] AS from_at,
       (array_agg(m.id ORDER BY m.occurred_at DESC, m.id DESC))[50] AS from_id FROM (
SELECT "interactions"."id", "interactions"."conversation_id", "interactions"."client_id", "interactions"."channel", "interactions"."direction", "interactions"."content_type", "interactions"."text", "interactions"."media", "interactions"."metadata", "interactions"."external_id", "interactions"."status", "interactions"."error", "interactions"."source", "interactions"."sent_by_user_id", "interactions"."occurred_at", "interactions"."deleted_at", "interactions"."created_at" FROM "interactions" WHERE (("interactions"."company_id" = :co) AND ("interactions"."conversation_id" = :th)) ORDER BY interactions.occurred_at DESC, interactions.id DESC LIMIT :page
) m \gset
\if :n > 50
SELECT n.id, n.conversation_id, n.author_id, u.name AS author_name, n.text, n.created_at FROM conversation_notes n
                           LEFT JOIN users u ON u.company_id = n.company_id AND u.id = n.author_id
                          WHERE n.company_id = :co AND n.conversation_id = :th
                            AND (NULL::timestamptz IS NULL OR (n.created_at, n.id) < (NULL::timestamptz, NULL::uuid))
                            AND (:from_at::timestamptz IS NULL OR (n.created_at, n.id) >= (:from_at, :from_id))
                          ORDER BY n.created_at DESC, n.id DESC
                          LIMIT :notes;
\else
SELECT n.id, n.conversation_id, n.author_id, u.name AS author_name, n.text, n.created_at FROM conversation_notes n
                           LEFT JOIN users u ON u.company_id = n.company_id AND u.id = n.author_id
                          WHERE n.company_id = :co AND n.conversation_id = :th
                            AND (NULL::timestamptz IS NULL OR (n.created_at, n.id) < (NULL::timestamptz, NULL::uuid))
                            AND (NULL::timestamptz IS NULL OR (n.created_at, n.id) >= (NULL::timestamptz, NULL::uuid))
                          ORDER BY n.created_at DESC, n.id DESC
                          LIMIT :notes;
\endif
COMMIT;
