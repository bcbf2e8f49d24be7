-- API tokens that expire and carry scopes (issue 16): `read`, `write` (clients, services,
-- appointments, conversations), `messages:write` (sending and recording messages, for
-- n8n-style senders) and `admin` (members, API tokens, integrations, settings; implies the
-- others). A token acts with its scopes that its creator's CURRENT role still allows: the
-- lookup door returns the creator's role and status, so disabling or demoting the member stops
-- their tokens on the next request.
ALTER TABLE public.api_tokens
    ADD COLUMN scopes text[] NOT NULL DEFAULT ARRAY['read']::text[]
        CONSTRAINT api_tokens_scopes_check
        CHECK (cardinality(scopes) BETWEEN 1 AND 4
               AND array_position(scopes, NULL) IS NULL
               AND scopes <@ ARRAY['read', 'write', 'messages:write', 'admin']::text[]),
    ADD COLUMN expires_at timestamptz;
-- Existing tokens keep what their role allowed, and no expiry (listed with `expires_at: null`;
-- CHANGELOG asks admins to rotate them).
UPDATE public.api_tokens
   SET scopes = CASE role WHEN 'admin' THEN ARRAY['read', 'write', 'messages:write', 'admin']
                          ELSE ARRAY['read', 'write', 'messages:write'] END;
-- A row written by hand (SQL, fixtures) gets the least: `read` (the column's default).

-- The door returns what authorising a request needs, and nothing else (no name).
DROP FUNCTION public.atende_api_token_lookup(bytea);
CREATE FUNCTION public.atende_api_token_lookup(p_token_hash bytea)
    RETURNS TABLE (token_id uuid, company_id uuid, role text, scopes text[], expires_at timestamptz,
                   revoked_at timestamptz, last_used_at timestamptz, created_by uuid,
                   creator_role text, creator_status text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = ''
AS $$
BEGIN
    RETURN QUERY
    SELECT t.id, t.company_id, t.role, t.scopes, t.expires_at, t.revoked_at, t.last_used_at,
           t.created_by, u.role, u.status
    FROM public.api_tokens t
    LEFT JOIN public.users u ON u.company_id = t.company_id AND u.id = t.created_by
    WHERE t.token_hash = p_token_hash;
END
$$;
REVOKE EXECUTE ON FUNCTION public.atende_api_token_lookup(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.atende_api_token_lookup(bytea) TO atende_app;
