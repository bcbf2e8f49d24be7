-- GET /api/inbox/summary (first page): one transaction (app::reads → infra-postgres reads.rs).
\set cn random(1, :clinics)
\set page 51
SELECT value AS co FROM bench_read_samples WHERE clinic = :cn AND kind = 'company' AND i = 0 \gset
BEGIN;
SELECT set_config('role', 'atende_app', true), set_config('app.company_id', :co, true), set_config('app.user_id', '', true);
SELECT t.*, c.name AS client_name, c.phone AS client_phone
                           FROM conversation_threads t
                           JOIN clients c ON c.company_id = t.company_id AND c.id = t.client_id
                          WHERE t.company_id = :co AND t.status = 'active' ORDER BY t.sort_at DESC, t.id DESC LIMIT :page;
COMMIT;
