-- Roles, extensions and helper functions every later migration relies on.
--
-- atende_app is the role every tenant unit of work switches to (`set_config('role', 'atende_app',
-- true)`). It cannot log in, cannot bypass row-level security and owns nothing, so RLS always
-- applies to it. Roles are cluster-wide, hence the idempotent creation (several databases, e.g. one
-- per test, share it) and a down migration that leaves the role in place.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'atende_app') THEN
        CREATE ROLE atende_app NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOINHERIT;
    END IF;
END
$$;

-- The connecting role must be able to switch to atende_app; a superuser already can.
DO $$
BEGIN
    IF NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
        EXECUTE format('GRANT atende_app TO %I', current_user);
    END IF;
END
$$;

-- Extensions live outside `public` (Supabase advisor lint 0014).
CREATE SCHEMA IF NOT EXISTS extensions;
GRANT USAGE ON SCHEMA extensions TO atende_app;
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA extensions;
CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA extensions;
CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA extensions;

GRANT USAGE ON SCHEMA public TO atende_app;
-- Readiness compares the applied versions with the embedded ones, as atende_app.
GRANT SELECT ON public.__diesel_schema_migrations TO atende_app;

-- Keeps `updated_at` honest whatever the writer.
CREATE FUNCTION public.atende_touch_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = ''
AS $$
BEGIN
    NEW.updated_at := pg_catalog.now();
    RETURN NEW;
END
$$;

-- Lower-case, accent-free text for search ("João" -> "joao"). IMMUTABLE so it can feed indexes;
-- the dictionary is named explicitly so the result never depends on search_path.
CREATE FUNCTION public.atende_fold(value text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = ''
AS $$
    SELECT pg_catalog.lower(extensions.unaccent('extensions.unaccent'::regdictionary, coalesce(value, '')))
$$;

-- The tenant pinned by the current unit of work. Fails (invalid uuid / unknown setting) when no
-- tenant is pinned, so a query that forgot to pin one errors instead of leaking.
CREATE FUNCTION public.atende_current_company() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = ''
AS $$
    SELECT pg_catalog.current_setting('app.company_id')::uuid
$$;
