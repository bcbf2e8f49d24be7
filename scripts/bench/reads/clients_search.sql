-- GET /api/clients?q= (first page): one transaction — the page through atende_client_search, then
-- the identities of its clients (infra-postgres crm/clients.rs). The server binds the pattern
-- `%q%`, and the digits pattern only when q is all digits (NULL otherwise); pgbench cannot bind a
-- NULL, so the name search writes it as a literal. The page's ids are gathered around the exact
-- page statement (array_agg over it) to bind them to the second statement as the server does.
\set cn random(1, :clinics)
\set i random(0, 399)
\set page 51
SELECT (SELECT value FROM bench_read_samples WHERE clinic = :cn AND kind = 'company' AND i = 0) AS co,
       '%' || value || '%' AS pattern, CASE WHEN value ~ '^[0-9]+$' THEN 1 ELSE 0 END AS digits
  FROM bench_read_samples WHERE clinic = :cn AND kind = 'search' AND i = :i \gset
BEGIN;
SELECT set_config('role', 'atende_app', true), set_config('app.company_id', :co, true), set_config('app.user_id', '', true);
\if :digits
SELECT coalesce(array_agg(p.id), $${}$$) AS ids FROM (
SELECT "clients"."id", "clients"."name", "clients"."phone", "clients"."email", "clients"."instagram_username", "clients"."notes", "clients"."tags", "clients"."status", "clients"."created_at", "clients"."updated_at" FROM "clients" WHERE (("clients"."company_id" = :co) AND clients.id = ANY(ARRAY(SELECT public.atende_client_search(:pattern, :pattern, NULL::text, NULL::timestamptz, NULL::uuid, :page)))) ORDER BY clients.created_at DESC, clients.id DESC LIMIT :page
) p \gset
\else
SELECT coalesce(array_agg(p.id), $${}$$) AS ids FROM (
SELECT "clients"."id", "clients"."name", "clients"."phone", "clients"."email", "clients"."instagram_username", "clients"."notes", "clients"."tags", "clients"."status", "clients"."created_at", "clients"."updated_at" FROM "clients" WHERE (("clients"."company_id" = :co) AND clients.id = ANY(ARRAY(SELECT public.atende_client_search(:pattern, NULL::text, NULL::text, NULL::timestamptz, NULL::uuid, :page)))) ORDER BY clients.created_at DESC, clients.id DESC LIMIT :page
) p \gset
\endif
SELECT "client_identities"."id", "client_identities"."client_id", "client_identities"."channel", "client_identities"."external_id", "client_identities"."display_value", "client_identities"."phone", "client_identities"."created_at" FROM "client_identities" WHERE (("client_identities"."company_id" = :co) AND ("client_identities"."client_id" = ANY(:ids))) ORDER BY "client_identities"."created_at", "client_identities"."id";
COMMIT;
