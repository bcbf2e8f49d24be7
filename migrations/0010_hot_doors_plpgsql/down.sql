-- Back to the SQL-language doors of 0002 and 0005.
CREATE OR REPLACE FUNCTION public.atende_principal_for(p_auth_user_id uuid)
    RETURNS TABLE (user_id uuid, company_id uuid, company_name text, email text, name text, role text, status text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = ''
AS $$
    SELECT u.id, u.company_id, c.name, u.email, u.name, u.role, u.status
    FROM public.users u JOIN public.companies c ON c.id = u.company_id
    WHERE u.auth_user_id = p_auth_user_id
$$;

CREATE OR REPLACE FUNCTION public.atende_api_token_lookup(p_token_hash bytea)
    RETURNS TABLE (token_id uuid, company_id uuid, name text, role text, revoked_at timestamptz, last_used_at timestamptz)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = ''
AS $$
    SELECT t.id, t.company_id, t.name, t.role, t.revoked_at, t.last_used_at
    FROM public.api_tokens t
    WHERE t.token_hash = p_token_hash
$$;

CREATE OR REPLACE FUNCTION public.atende_integration_route(p_provider text, p_account_id text)
    RETURNS TABLE (integration_id uuid, company_id uuid, status text, config jsonb, secrets bytea)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = ''
AS $$
    SELECT i.id, i.company_id, i.status, i.config, i.secrets
    FROM public.integrations i
    WHERE i.provider = p_provider AND i.account_id = p_account_id
$$;

ALTER TABLE public.conversation_threads RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_insert_scale_factor);
