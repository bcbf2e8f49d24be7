-- The limit (issue 11): the database work of one inbound relay message as a plain SQL
-- transaction, run by pgbench at the ingest's concurrency (`atende-bench`, `just bench`):
--
--   pgbench -n -M prepared -c 16 -j 2 -T 25 -D clinics=10 -D clients=10000 -f scripts/bench/ingest.sql URL
--
-- It issues the statements of crates/infra-postgres/src/inbound/ingest.rs and
-- conversations/{record,lifecycle}.rs, in order, with the same traffic mix as the load generator
-- (80 % a client of the scale dataset, 15 % a new lead, 5 % a re-sent message id):
--   pin the tenant (role atende_app, app.company_id: RLS on, as the server runs);
--   advisory lock on clinic + channel + sender; look the message id up (a re-send stops here);
--   the client by identity, else by phone, else a new lead; its identity (ON CONFLICT DO NOTHING);
--   the clinic's reopen window; the active thread FOR UPDATE (closed and replaced when stale,
--   opened when missing); the thread lock; the message (ON CONFLICT DO NOTHING); the thread's
--   counters and last-message fields; the message's two events (the event log and its
--   notification, as `append_in` writes them).
-- Ids are time-ordered like the app's v7 ones. What pgbench does not pay: HTTP, JSON, the HMAC,
-- the integration lookup and secret decryption, the rate limiter, logs.
\set cn random(1, :clinics)
\set n random(1, :clients)
\set kind random(1, 100)
\set ddd 10 * (1 + (:n / 9) % 9) + 1 + :n % 9
\set num (:n * 7919 + :cn * 104729) % 100000000
\set lead random(1, 9999999)
\set mid random(1, 999999999999999)
BEGIN;
SELECT set_config('role', 'atende_app', true),
       set_config('app.company_id', lpad(to_hex(:cn::int), 8, '0') || '000070000000800000000000', true) AS co,
       set_config('app.user_id', '', true) \gset
\if :kind <= 5
-- A re-sent message: the first message of the client's first thread (stored by the seed).
SELECT pg_advisory_xact_lock(hashtextextended('inbound:' || :co::text || ':' || 'whatsapp' || ':' || '55' || :ddd::text || '9' || lpad(:num::text, 8, '0'), 0));
SELECT id, conversation_id, client_id FROM interactions
 WHERE company_id = :co AND channel = 'whatsapp' AND external_id = 'wamid.seed.' || lpad(:cn::text, 3, '0') || '.' || lpad((3 * (:n::int - 1) + 1)::text, 7, '0') || '.000000'
 LIMIT 1;
\else
\if :kind <= 20
-- A new lead: an unknown number (a landline, 8 digits from 3: the seed has only mobiles): no identity,
-- no phone, a new client.
SELECT '55193' || lpad(:lead::text, 7, '0') AS ext \gset
SELECT pg_advisory_xact_lock(hashtextextended('inbound:' || :co::text || ':' || 'whatsapp' || ':' || :ext::text, 0));
SELECT id, conversation_id, client_id FROM interactions
 WHERE company_id = :co AND channel = 'whatsapp' AND external_id = 'pgb.' || :ext::text || '.' || :mid::text
 LIMIT 1;
SELECT client_id FROM client_identities
 WHERE company_id = :co AND channel = 'whatsapp' AND external_id = ANY (ARRAY[:ext::text]) LIMIT 1;
SELECT id FROM clients WHERE company_id = :co AND phone = '+' || :ext::text LIMIT 1;
INSERT INTO clients (id, company_id, name, phone, instagram_username, status)
VALUES ((lpad(to_hex((extract(epoch FROM clock_timestamp()) * 1000)::bigint), 12, '0') || '7' || substr(md5(random()::text), 1, 19))::uuid,
        :co, 'Novo Contato', '+' || :ext::text, NULL, 'lead')
RETURNING id AS cl \gset
\else
-- A client of the dataset, found by its WhatsApp identity.
SELECT '55' || :ddd::text || '9' || lpad(:num::text, 8, '0') AS ext \gset
SELECT pg_advisory_xact_lock(hashtextextended('inbound:' || :co::text || ':' || 'whatsapp' || ':' || :ext::text, 0));
SELECT id, conversation_id, client_id FROM interactions
 WHERE company_id = :co AND channel = 'whatsapp' AND external_id = 'pgb.' || :ext::text || '.' || :mid::text
 LIMIT 1;
SELECT client_id AS cl FROM client_identities
 WHERE company_id = :co AND channel = 'whatsapp' AND external_id = ANY (ARRAY[:ext::text]) LIMIT 1 \gset
\endif
INSERT INTO client_identities (company_id, client_id, channel, external_id, display_value, phone)
VALUES (:co, :cl, 'whatsapp', :ext::text, '+' || :ext::text, '+' || :ext::text) ON CONFLICT (company_id, channel, external_id) DO NOTHING;
SELECT conversation_window_hours AS win FROM settings WHERE company_id = :co \gset
SELECT count(*) AS has, count(*) FILTER (WHERE coalesce(last_message_at, started_at) >= now() - make_interval(hours => :win::int)) AS fresh
  FROM (SELECT * FROM conversation_threads WHERE company_id = :co AND client_id = :cl AND status = 'active' FOR UPDATE) t \gset
\if :has > :fresh
UPDATE conversation_threads SET status = 'closed', ended_at = now(), close_reason = 'window_expired', closed_by = NULL
 WHERE company_id = :co AND client_id = :cl AND status = 'active' RETURNING *;
INSERT INTO jobs (company_id, kind, payload, max_attempts) VALUES (:co, 'conversation_closed', '{}', 3);
\endif
\if :fresh = 0
INSERT INTO conversation_threads (id, company_id, client_id, channel, started_at, sort_at)
VALUES ((lpad(to_hex((extract(epoch FROM clock_timestamp()) * 1000)::bigint), 12, '0') || '7' || substr(md5(random()::text), 1, 19))::uuid,
        :co, :cl, 'whatsapp', now(), now())
ON CONFLICT (company_id, client_id) WHERE status = 'active' DO NOTHING RETURNING *;
\endif
SELECT id AS th FROM conversation_threads WHERE company_id = :co AND client_id = :cl AND status = 'active' FOR UPDATE \gset
INSERT INTO interactions (id, company_id, conversation_id, client_id, channel, direction, content_type, text,
                          media, metadata, external_id, status, source, sent_by_user_id, occurred_at, queued_at)
VALUES ((lpad(to_hex((extract(epoch FROM clock_timestamp()) * 1000)::bigint), 12, '0') || '7' || substr(md5(random()::text), 1, 19))::uuid,
        :co, :th, :cl, 'whatsapp', 'inbound', 'text', 'Olá, quero marcar uma avaliação', NULL, '{}', 'pgb.' || :ext::text || '.' || :mid::text,
        'received', 'webhook', NULL, now(), NULL)
ON CONFLICT (company_id, channel, external_id) WHERE external_id IS NOT NULL DO NOTHING
RETURNING id AS iid \gset
UPDATE conversation_threads SET
    unread_count = unread_count + 1,
    last_inbound_at = GREATEST(last_inbound_at, now()),
    last_inbound_channel = CASE WHEN last_inbound_at IS NULL OR now() >= last_inbound_at THEN 'whatsapp' ELSE last_inbound_channel END,
    channel = CASE WHEN last_message_at IS NULL OR now() >= last_message_at THEN 'whatsapp' ELSE channel END,
    last_interaction_id = CASE WHEN last_message_at IS NULL OR now() >= last_message_at THEN :iid ELSE last_interaction_id END,
    last_message_snippet = CASE WHEN last_message_at IS NULL OR now() >= last_message_at THEN 'Olá, quero marcar uma avaliação' ELSE last_message_snippet END,
    last_message_direction = CASE WHEN last_message_at IS NULL OR now() >= last_message_at THEN 'inbound' ELSE last_message_direction END,
    last_message_status = CASE WHEN last_message_at IS NULL OR now() >= last_message_at THEN 'received' ELSE last_message_status END,
    last_message_at = GREATEST(last_message_at, now()),
    sort_at = GREATEST(last_message_at, now())
 WHERE company_id = :co AND id = :th
RETURNING *;
-- The message's events (message.created, conversation.updated), appended as the server does
-- (crates/infra-postgres/src/events/mod.rs `append_in`): one statement that moves the clinic's
-- counter (its row lock held until commit), inserts the events and notifies the nodes with the
-- events carried in the notification.
WITH counter AS (
    INSERT INTO event_counters AS c (company_id, last_id) VALUES (:co, 2)
    ON CONFLICT (company_id) DO UPDATE SET last_id = c.last_id + EXCLUDED.last_id
    RETURNING c.last_id
), inserted AS (
    INSERT INTO events (company_id, id, kind, conversation_id, client_id, payload)
    SELECT :co, counter.last_id - 2 + u.n, u.kind, u.conversation_id, u.client_id, u.payload
      FROM counter,
           unnest(ARRAY['message.created', 'conversation.updated'], ARRAY[:th::uuid, :th::uuid],
                  ARRAY[:cl::uuid, :cl::uuid],
                  ARRAY[jsonb_build_object('message', jsonb_build_object('id', :iid::uuid, 'conversation_id', :th::uuid,
                            'client_id', :cl::uuid, 'channel', 'whatsapp', 'direction', 'inbound', 'content_type', 'text',
                            'text', 'Olá, quero marcar uma avaliação', 'status', 'received', 'external_id', 'pgb.' || :ext::text || '.' || :mid::text,
                            'occurred_at', now())),
                        jsonb_build_object('conversation', jsonb_build_object('id', :th::uuid, 'client_id', :cl::uuid,
                            'unread_count', 1, 'last_message_snippet', 'Olá, quero marcar uma avaliação',
                            'last_message_at', now(), 'status', 'active'))]) WITH ORDINALITY
           AS u (kind, conversation_id, client_id, payload, n)
    RETURNING id, kind, conversation_id, payload, created_at
), carried AS (
    SELECT json_agg(json_build_object('id', id, 'kind', kind, 'conversation_id', conversation_id,
               'payload', payload, 'created_at', created_at) ORDER BY id)::text AS events
      FROM inserted
)
SELECT counter.last_id,
       pg_notify('atende_events', :co::text || ':' || (counter.last_id - 1)::text || ':' || counter.last_id::text
           || CASE WHEN octet_length(carried.events) <= 7800 THEN ':' || carried.events ELSE '' END)
  FROM counter, carried;
\endif
END;
