CREATE OR REPLACE FUNCTION public.atende_current_company() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = ''
AS $$
    SELECT pg_catalog.current_setting('app.company_id')::uuid
$$;
