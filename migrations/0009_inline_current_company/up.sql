-- atende_current_company() sits in every row-level security policy. A SQL function with a SET
-- clause is never inlined: PostgreSQL called it through its security-definer path (a GUC
-- save/restore around a SQL-function executor) for each policy of each statement, a visible share
-- of every cheap read (docs/performance.md). Without the SET clause the planner inlines it into
-- each policy as the stable expression `current_setting('app.company_id')::uuid`. Every name in
-- the body is schema-qualified, so the caller's search_path cannot change what it means; it
-- still fails (unknown setting / invalid uuid) when no tenant is pinned.
CREATE OR REPLACE FUNCTION public.atende_current_company() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT pg_catalog.current_setting('app.company_id')::pg_catalog.uuid
$$;
ALTER FUNCTION public.atende_current_company() RESET ALL;
