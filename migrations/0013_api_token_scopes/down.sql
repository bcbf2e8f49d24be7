DROP FUNCTION public.atende_api_token_lookup(bytea);
CREATE FUNCTION public.atende_api_token_lookup(p_token_hash bytea)
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
REVOKE EXECUTE ON FUNCTION public.atende_api_token_lookup(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.atende_api_token_lookup(bytea) TO atende_app;

ALTER TABLE public.api_tokens DROP COLUMN expires_at, DROP COLUMN scopes;
