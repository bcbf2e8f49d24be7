DROP FUNCTION IF EXISTS public.atende_current_company();
DROP FUNCTION IF EXISTS public.atende_fold(text);
DROP FUNCTION IF EXISTS public.atende_touch_updated_at();
DROP EXTENSION IF EXISTS btree_gist;
DROP EXTENSION IF EXISTS unaccent;
DROP EXTENSION IF EXISTS pg_trgm;
REVOKE SELECT ON public.__diesel_schema_migrations FROM atende_app;
REVOKE USAGE ON SCHEMA public FROM atende_app;
DROP SCHEMA IF EXISTS extensions;
-- The atende_app role is cluster-wide and shared by other databases: it is left in place.
