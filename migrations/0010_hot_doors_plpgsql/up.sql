-- The doors called on every request or delivery keep their query plan per connection.
--
-- A SQL-language SECURITY DEFINER function is never inlined, and its body is parsed and planned
-- again in every statement that calls it. PL/pgSQL caches the plan of each statement for the
-- life of the session (the pooled connection), so the bearer-token lookup of every API request,
-- the member lookup of every session request and the integration lookup of every webhook
-- delivery stop re-planning (docs/performance.md: the token lookup's transaction ran ~25 %
-- faster). Same names, arguments, results, owner, search_path and grants (CREATE OR REPLACE keeps
-- them).
CREATE OR REPLACE FUNCTION public.atende_principal_for(p_auth_user_id uuid)
    RETURNS TABLE (user_id uuid, company_id uuid, company_name text, email text, name text, role text, status text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = ''
AS $$
BEGIN
    RETURN QUERY
    SELECT u.id, u.company_id, c.name, u.email, u.name, u.role, u.status
    FROM public.users u JOIN public.companies c ON c.id = u.company_id
    WHERE u.auth_user_id = p_auth_user_id;
END
$$;

CREATE OR REPLACE FUNCTION public.atende_api_token_lookup(p_token_hash bytea)
    RETURNS TABLE (token_id uuid, company_id uuid, name text, role text, revoked_at timestamptz, last_used_at timestamptz)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = ''
AS $$
BEGIN
    RETURN QUERY
    SELECT t.id, t.company_id, t.name, t.role, t.revoked_at, t.last_used_at
    FROM public.api_tokens t
    WHERE t.token_hash = p_token_hash;
END
$$;

CREATE OR REPLACE FUNCTION public.atende_integration_route(p_provider text, p_account_id text)
    RETURNS TABLE (integration_id uuid, company_id uuid, status text, config jsonb, secrets bytea)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = ''
AS $$
BEGIN
    RETURN QUERY
    SELECT i.id, i.company_id, i.status, i.config, i.secrets
    FROM public.integrations i
    WHERE i.provider = p_provider AND i.account_id = p_account_id;
END
$$;

-- Every message updates its thread (last message, unread count, sort key), so the table's pages
-- fall out of the visibility map quickly and the Home counts (index-only scans of the active
-- threads) turn into heap fetches. Vacuum it after 1 % of its rows changed instead of 20 %.
ALTER TABLE public.conversation_threads SET (
    autovacuum_vacuum_scale_factor = 0.01,
    autovacuum_vacuum_insert_scale_factor = 0.01
);
