-- One clinic of the scale dataset (`atende seed --scale`, issue 11). Run by the binary inside one
-- transaction per clinic, as the owner role with `app.company_id` pinned to the new clinic (so the
-- tenant policies hold even for an owner subject to FORCE ROW LEVEL SECURITY), after
-- `set_config('bench.<name>', …, true)` for every parameter below:
--
--   bench.company_id   the clinic's id              bench.clinic_no     1, 2, …
--   bench.clients      clients (K)                   bench.active        active threads (A <= K)
--   bench.interactions messages (M)                  bench.appointments  appointments
--   bench.password_hash the members' argon2id hash
--
-- Every client gets three threads (the last one active for clients 1..A), so 3K threads. Thread
-- lengths are heavy-tailed: client 1's active thread holds M/10 messages, clients 2..10 M/100 each,
-- the rest share the remainder with weights random()^-0.8 (most threads a few messages, some
-- hundreds), at least one each. Nothing is dropped or disabled: every constraint, index, policy and
-- trigger of the schema is in force. The thread's derived columns (last message, unread count,
-- sort_at, …), which the app maintains in the message's transaction (no trigger does), are computed
-- at the end from the stored messages with the app's rules; `crates/server/tests/it/seed_scale.rs`
-- replays a small dataset through the app's own code and compares.
--
-- Ids and provider message ids are deterministic and ordered (clinic, kind, number): inserts append
-- to the b-trees.

CREATE TEMP TABLE bp ON COMMIT DROP AS
SELECT current_setting('bench.company_id')::uuid AS co,
       current_setting('bench.clinic_no')::int AS cn,
       current_setting('bench.clients')::int AS k,
       current_setting('bench.active')::int AS a,
       current_setting('bench.interactions')::int AS m,
       current_setting('bench.appointments')::int AS p,
       current_setting('bench.password_hash') AS pw,
       now() AS t0;

CREATE FUNCTION pg_temp.bid(cn int, kind int, a bigint, b bigint) RETURNS uuid
    LANGUAGE sql IMMUTABLE
AS $$
    SELECT (lpad(to_hex(cn), 8, '0') || lpad(to_hex(kind), 4, '0') || '7' || lpad(to_hex(a), 7, '0')
            || '8' || lpad(to_hex(b), 11, '0'))::uuid
$$;

INSERT INTO companies (id, name)
SELECT co, 'Bench Clinic ' || lpad(cn::text, 2, '0') FROM bp;
INSERT INTO settings (company_id, contact_email) SELECT co, format('clinic%s@bench.atende.test', cn) FROM bp;

-- Members: one admin and three receptionists, all able to sign in with the printed password.
WITH m(ord, handle, role) AS (VALUES (0, 'admin', 'admin'), (1, 'recepcao1', 'staff'),
                                     (2, 'recepcao2', 'staff'), (3, 'recepcao3', 'staff')),
ids AS (
    INSERT INTO auth_identities (id, email, provider, password_hash)
    SELECT pg_temp.bid(cn, 1, ord, 0), format('%s.%s@bench.atende.test', handle, cn), 'local', pw
    FROM m, bp
    RETURNING id, email
)
INSERT INTO users (id, company_id, auth_user_id, email, name, role, status)
SELECT pg_temp.bid(cn, 2, ord, 0), co, pg_temp.bid(cn, 1, ord, 0),
       format('%s.%s@bench.atende.test', handle, cn), initcap(handle), role, 'active'
FROM m, bp;

INSERT INTO services (id, company_id, name, price_cents, duration_minutes)
SELECT pg_temp.bid(cn, 3, s, 0), co, name, price, 30
FROM bp, (VALUES (0, 'Avaliação inicial', 15000), (1, 'Limpeza de pele', 22000),
                 (2, 'Consulta de retorno', 9000), (3, 'Toxina botulínica', 120000),
                 (4, 'Preenchimento', 180000)) AS s(s, name, price);

-- Clients: Brazilian names and unique mobile numbers (+55, an area code of two digits 1-9, 9XXXXXXXX), some e-mails and
-- Instagram handles, leads and inactive ones, created over two years.
CREATE TEMP TABLE bc ON COMMIT DROP AS
SELECT n, pg_temp.bid(cn, 4, n, 0) AS id,
       format('+55%s%s9%s', 1 + (n / 9) % 9, 1 + n % 9, lpad(((n::bigint * 7919 + cn * 104729) % 100000000)::text, 8, '0')) AS phone
FROM bp, generate_series(1, k) AS n;

INSERT INTO clients (id, company_id, name, phone, email, instagram_username, tags, status, created_at, updated_at)
SELECT bc.id, co,
       (ARRAY['Maria', 'Ana', 'Francisca', 'Antônia', 'Adriana', 'Juliana', 'Márcia', 'Fernanda', 'Patrícia',
              'Aline', 'José', 'João', 'Antônio', 'Francisco', 'Carlos', 'Paulo', 'Pedro', 'Lucas', 'Luiz',
              'Marcos', 'Beatriz', 'Camila', 'Larissa', 'Letícia', 'Gabriela', 'Rafael', 'Bruno', 'Thiago',
              'Mateus', 'Gustavo'])[1 + n % 30]
       || ' ' || (ARRAY['Silva', 'Santos', 'Oliveira', 'Souza', 'Rodrigues', 'Ferreira', 'Alves', 'Pereira',
                       'Lima', 'Gomes', 'Costa', 'Ribeiro', 'Martins', 'Carvalho', 'Almeida', 'Lopes',
                       'Soares', 'Fernandes', 'Vieira', 'Barbosa', 'Rocha', 'Dias', 'Nascimento',
                       'Andrade', 'Moreira', 'Nunes', 'Marques', 'Machado', 'Mendes', 'Freitas'])[1 + (n / 30) % 30]
       || ' ' || (ARRAY['Araújo', 'Cardoso', 'Teixeira', 'Correia', 'Cavalcanti', 'Monteiro', 'Moura',
                       'Barros', 'Batista', 'Pinto', 'Campos', 'Cunha', 'Reis', 'Castro', 'Azevedo'])[1 + (n / 900) % 15],
       phone,
       CASE WHEN n % 5 IN (0, 1) THEN format('paciente%s.c%s@example.com', n, cn) END,
       CASE WHEN n % 5 = 2 THEN format('pac_%s', n) END,
       CASE n % 7 WHEN 0 THEN '{vip}'::text[] WHEN 1 THEN '{retorno}'::text[] WHEN 2 THEN '{botox,retorno}'::text[]
                  ELSE '{}'::text[] END,
       CASE WHEN n % 20 = 0 THEN 'inactive' WHEN n % 10 = 1 THEN 'lead' ELSE 'active' END,
       t0 - interval '730 days' * ((n::bigint * 7919 % k)::float8 / k),
       t0 - interval '730 days' * ((n::bigint * 7919 % k)::float8 / k)
FROM bc, bp;

-- Channel identities as the inbound path stores them: WhatsApp digits with the ninth digit; the
-- Instagram scoped id of clients with a handle.
INSERT INTO client_identities (id, company_id, client_id, channel, external_id, display_value, phone)
SELECT pg_temp.bid(cn, 5, n, 0), co, bc.id, 'whatsapp', substr(phone, 2), phone, phone FROM bc, bp;
INSERT INTO client_identities (id, company_id, client_id, channel, external_id, display_value)
SELECT pg_temp.bid(cn, 5, n, 1), co, bc.id, 'instagram', format('17841%s%s', lpad(cn::text, 3, '0'), lpad(n::text, 8, '0')),
       format('pac_%s', n)
FROM bc, bp WHERE n % 5 = 2;

-- Threads: three per client, t = 3(n-1) + seq + 1. The last one (seq 2) of clients 1..A is active
-- with its last message within the reopen window; the others are closed (window expired).
CREATE TEMP TABLE bt ON COMMIT DROP AS
WITH base AS (
    SELECT t, (t - 1) / 3 + 1 AS n, (t - 1) % 3 AS seq, power(random(), -0.8) AS w
    FROM bp, generate_series(1, 3 * k) AS t
),
fixed AS (
    SELECT base.*, CASE WHEN seq = 2 AND n = 1 THEN m / 10
                        WHEN seq = 2 AND n BETWEEN 2 AND 10 THEN m / 100 END AS fixed
    FROM base, bp
),
share AS (
    SELECT f.*,
           sum(w) FILTER (WHERE fixed IS NULL) OVER () AS total_w,
           sum(w) FILTER (WHERE fixed IS NULL) OVER (ORDER BY t) AS cum_w,
           count(*) FILTER (WHERE fixed IS NULL) OVER () AS free_threads,
           sum(fixed) OVER () AS fixed_total
    FROM fixed f
)
SELECT s.t, s.n, s.seq, pg_temp.bid(bp.cn, 6, s.t, 0) AS id, bc.id AS client_id,
       (s.seq = 2 AND s.n <= bp.a) AS active,
       coalesce(s.fixed,
                1 + floor(s.cum_w / s.total_w * (bp.m - s.fixed_total - s.free_threads))
                  - floor((s.cum_w - s.w) / s.total_w * (bp.m - s.fixed_total - s.free_threads)))::int AS cnt,
       random() AS r
FROM share s JOIN bc ON bc.n = s.n, bp;

ALTER TABLE bt ADD COLUMN span interval, ADD COLUMN last_at timestamptz;
-- Long threads span weeks, ordinary ones minutes to hours; the active ones end in the last 20 h,
-- closed ones between 10 and 700 days ago (older for earlier threads of the patient).
UPDATE bt SET span = least(interval '30 days', interval '4 minutes' * cnt * (0.5 + r));
UPDATE bt SET last_at = CASE WHEN active THEN bp.t0 - interval '20 hours' * r
                             WHEN seq = 2 THEN bp.t0 - interval '2 days' - span - interval '100 days' * r
                             ELSE bp.t0 - interval '40 days' - span - interval '300 days' * (2 - seq) - interval '200 days' * r END
FROM bp;

INSERT INTO conversation_threads (id, company_id, client_id, status, channel, started_at, ended_at, close_reason,
                                  sort_at, created_at, updated_at)
SELECT bt.id, co, client_id, CASE WHEN active THEN 'active' ELSE 'closed' END, 'whatsapp',
       last_at - span, CASE WHEN NOT active THEN last_at + interval '24 hours' END,
       CASE WHEN NOT active THEN 'window_expired' END, last_at - span, last_at - span, last_at - span
FROM bt, bp ORDER BY bt.t;

-- Messages: the first of a thread is the patient's; then about 55 % inbound. 3 % are voice notes
-- (no text). Replies are sent by the receptionists and read by the patient.
INSERT INTO interactions (id, company_id, conversation_id, client_id, channel, direction, content_type, text, media,
                          external_id, status, source, sent_by_user_id, occurred_at, queued_at, sent_at,
                          delivered_at, read_at, created_at, updated_at)
SELECT pg_temp.bid(cn, 7, bt.t, j), co, bt.id, bt.client_id, 'whatsapp', dir,
       CASE WHEN voice THEN 'audio' ELSE 'text' END,
       CASE WHEN voice THEN NULL
            WHEN dir = 'inbound' THEN (ARRAY[
                'Olá, quero marcar uma avaliação', 'Bom dia! Vocês têm horário amanhã?', 'Qual o valor da limpeza de pele?',
                'Posso remarcar para sexta?', 'Obrigada!', 'Ok, combinado', 'Vocês aceitam Pix?',
                'Estou chegando, 5 minutinhos', 'Tive uma reação no local, é normal?', 'Quanto tempo dura o efeito?',
                'Preciso cancelar, surgiu um imprevisto', 'Tem estacionamento aí?', 'Pode me mandar o endereço?',
                'Confirmo sim', 'Boa tarde, gostaria de saber sobre o preenchimento'])[1 + (j * 7 + bt.t) % 15]
            ELSE (ARRAY[
                'Olá! Temos horário amanhã às 10h, pode ser?', 'O valor é R$ 220,00 e pode ser parcelado.',
                'Claro, remarcado para sexta às 14h.', 'Aceitamos Pix, cartão e dinheiro.', 'Perfeito, até lá!',
                'É normal um leve inchaço nas primeiras 48 h; qualquer coisa nos avise.',
                'Endereço: Rua das Flores, 123 — sala 4.', 'Seu horário está confirmado. Até breve!',
                'O efeito dura em média de 4 a 6 meses.', 'Sem problemas, cancelamos. Quer remarcar?'])[1 + (j * 3 + bt.t) % 10]
       END,
       CASE WHEN voice THEN jsonb_build_object('url', format('https://media.bench.test/%s/%s.ogg', bt.t, j),
                                               'mime_type', 'audio/ogg') END,
       format('wamid.seed.%s.%s.%s', lpad(cn::text, 3, '0'), lpad(bt.t::text, 7, '0'), lpad(j::text, 6, '0')),
       CASE WHEN dir = 'inbound' THEN 'received' ELSE 'read' END,
       CASE WHEN dir = 'inbound' THEN 'webhook' ELSE 'api' END,
       CASE WHEN dir = 'outbound' THEN pg_temp.bid(cn, 2, 1 + (bt.t + j) % 3, 0) END,
       at,
       CASE WHEN dir = 'outbound' THEN at END,
       CASE WHEN dir = 'outbound' THEN at + interval '1 second' END,
       CASE WHEN dir = 'outbound' THEN at + interval '3 seconds' END,
       CASE WHEN dir = 'outbound' THEN at + interval '2 minutes' END,
       at, at
FROM bp, bt
CROSS JOIN LATERAL generate_series(0, bt.cnt - 1) AS j
CROSS JOIN LATERAL (SELECT CASE WHEN j = 0 OR random() < 0.55 THEN 'inbound' ELSE 'outbound' END AS dir,
                           random() < 0.03 AS voice,
                           bt.last_at - bt.span * (1 - j::float8 / greatest(bt.cnt - 1, 1)) AS at) AS x
ORDER BY bt.t, j;

-- The thread's derived columns, by the rules of the app's message transaction
-- (infra-postgres conversations/record.rs) applied in time order: the last message's fields;
-- the last inbound message's time and channel; unread = inbound messages after the last reply;
-- a reply by a member marks the thread read by that member.
WITH last_msg AS (
    SELECT DISTINCT ON (i.conversation_id) i.conversation_id, i.id, i.channel, i.text, i.direction, i.status, i.occurred_at
    FROM interactions i, bp WHERE i.company_id = bp.co
    ORDER BY i.conversation_id, i.occurred_at DESC, i.id DESC
),
last_in AS (
    SELECT DISTINCT ON (i.conversation_id) i.conversation_id, i.channel, i.occurred_at
    FROM interactions i, bp WHERE i.company_id = bp.co AND i.direction = 'inbound'
    ORDER BY i.conversation_id, i.occurred_at DESC, i.id DESC
),
last_out AS (
    SELECT DISTINCT ON (i.conversation_id) i.conversation_id, i.sent_by_user_id, i.occurred_at
    FROM interactions i, bp WHERE i.company_id = bp.co AND i.direction = 'outbound'
    ORDER BY i.conversation_id, i.occurred_at DESC, i.id DESC
),
unread AS (
    SELECT i.conversation_id, count(*) AS n
    FROM interactions i CROSS JOIN bp LEFT JOIN last_out o ON o.conversation_id = i.conversation_id
    WHERE i.company_id = bp.co AND i.direction = 'inbound' AND (o.occurred_at IS NULL OR i.occurred_at > o.occurred_at)
    GROUP BY i.conversation_id
)
UPDATE conversation_threads t SET
    channel = l.channel,
    last_message_at = l.occurred_at,
    sort_at = l.occurred_at,
    last_interaction_id = l.id,
    -- domain::conversations::snippet: whitespace runs collapsed, trimmed, the first 120 characters.
    last_message_snippet = left(btrim(regexp_replace(l.text, '\s+', ' ', 'g'), ' '), 120),
    last_message_direction = l.direction,
    last_message_status = l.status,
    last_inbound_at = li.occurred_at,
    last_inbound_channel = li.channel,
    unread_count = coalesce(u.n, 0),
    last_read_at = CASE WHEN lo.sent_by_user_id IS NOT NULL THEN lo.occurred_at END,
    last_read_by = lo.sent_by_user_id
FROM bp, last_msg l
LEFT JOIN last_in li ON li.conversation_id = l.conversation_id
LEFT JOIN last_out lo ON lo.conversation_id = l.conversation_id
LEFT JOIN unread u ON u.conversation_id = l.conversation_id
WHERE t.company_id = bp.co AND t.id = l.conversation_id;

-- Appointments: 30-minute slots from 08:00 to 16:00 for each of the three receptionists, most in the
-- past (completed, 10 % no-shows, some canceled), the rest in the coming weeks; today has a full day.
-- The exclusion constraint (no double booking) holds by construction.
INSERT INTO appointments (id, company_id, client_id, service_id, user_id, starts_at, ends_at, status, created_by,
                          canceled_at, created_at, updated_at)
SELECT pg_temp.bid(cn, 8, s, 0), co, pg_temp.bid(cn, 4, 1 + (s::bigint * 7919) % k, 0), pg_temp.bid(cn, 3, s % 5, 0),
       pg_temp.bid(cn, 2, 1 + s % 3, 0), starts, starts + interval '30 minutes',
       CASE WHEN starts < t0 THEN CASE WHEN s % 10 = 3 THEN 'no_show' WHEN s % 17 = 5 THEN 'canceled' ELSE 'completed' END
            ELSE CASE WHEN s % 19 = 4 THEN 'canceled' WHEN s % 3 = 0 THEN 'scheduled' ELSE 'confirmed' END END,
       pg_temp.bid(cn, 2, 0, 0),
       CASE WHEN (starts < t0 AND s % 17 = 5 AND s % 10 <> 3) OR (starts >= t0 AND s % 19 = 4) THEN starts - interval '1 day' END,
       starts - interval '7 days', starts - interval '7 days'
FROM bp, generate_series(0, p - 1) AS s
CROSS JOIN LATERAL (
    SELECT ((current_date + ((s / 48) - (p / 48) * 85 / 100)) + time '08:00' + interval '30 minutes' * ((s / 3) % 16))
           AT TIME ZONE 'America/Sao_Paulo' AS starts
) AS x;

-- Half of the completed appointments were paid.
INSERT INTO payments (company_id, client_id, appointment_id, amount_cents, status, method, paid_at)
SELECT a.company_id, a.client_id, a.id, sv.price_cents, 'paid',
       (ARRAY['pix', 'credit_card', 'cash', 'debit_card'])[1 + (abs(hashtext(a.id::text)) % 4)], a.ends_at
FROM appointments a JOIN services sv ON sv.company_id = a.company_id AND sv.id = a.service_id, bp
WHERE a.company_id = bp.co AND a.status = 'completed' AND abs(hashtext(a.id::text)) % 2 = 0;
