-- Issue 24: every node keeps a short-lived cache of resolved credentials (session cookie and API
-- token -> principal). Whatever ends or changes a credential notifies `atende_credentials` in the
-- same transaction, whoever writes it, so every node drops the cached entry the moment the change
-- commits (docs/security.md, "The principal cache"). Payloads carry hashes and ids, never a secret:
--   s:<hex sha-256 of the session token>   a session ended or changed clinic
--   t:<hex sha-256 of the API token>        a token was revoked, re-scoped or deleted
--   m:<users.id>:<auth_user_id or empty>    a membership was added, removed, disabled or re-roled

CREATE FUNCTION public.atende_notify_session_change() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = ''
AS $$
BEGIN
    PERFORM pg_catalog.pg_notify('atende_credentials', 's:' || pg_catalog.encode(OLD.token_hash, 'hex'));
    RETURN NULL;
END
$$;

CREATE TRIGGER auth_sessions_notify_delete AFTER DELETE ON public.auth_sessions
    FOR EACH ROW EXECUTE FUNCTION public.atende_notify_session_change();
-- Sliding the idle deadline later (last_seen_at, idle_expires_at) is not a change of the
-- credential; moving it earlier is.
CREATE TRIGGER auth_sessions_notify_update AFTER UPDATE ON public.auth_sessions
    FOR EACH ROW
    WHEN (OLD.token_hash IS DISTINCT FROM NEW.token_hash
          OR OLD.auth_user_id IS DISTINCT FROM NEW.auth_user_id
          OR OLD.active_company_id IS DISTINCT FROM NEW.active_company_id
          OR OLD.expires_at IS DISTINCT FROM NEW.expires_at
          OR NEW.idle_expires_at < OLD.idle_expires_at)
    EXECUTE FUNCTION public.atende_notify_session_change();

CREATE FUNCTION public.atende_notify_token_change() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = ''
AS $$
BEGIN
    PERFORM pg_catalog.pg_notify('atende_credentials', 't:' || pg_catalog.encode(OLD.token_hash, 'hex'));
    RETURN NULL;
END
$$;

CREATE TRIGGER api_tokens_notify_delete AFTER DELETE ON public.api_tokens
    FOR EACH ROW EXECUTE FUNCTION public.atende_notify_token_change();
-- Recording a use (last_used_at) is not a change of the credential.
CREATE TRIGGER api_tokens_notify_update AFTER UPDATE ON public.api_tokens
    FOR EACH ROW
    WHEN (OLD.token_hash IS DISTINCT FROM NEW.token_hash
          OR OLD.company_id IS DISTINCT FROM NEW.company_id
          OR OLD.revoked_at IS DISTINCT FROM NEW.revoked_at
          OR OLD.expires_at IS DISTINCT FROM NEW.expires_at
          OR OLD.scopes IS DISTINCT FROM NEW.scopes
          OR OLD.role IS DISTINCT FROM NEW.role
          OR OLD.created_by IS DISTINCT FROM NEW.created_by)
    EXECUTE FUNCTION public.atende_notify_token_change();

CREATE FUNCTION public.atende_notify_member_change() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = ''
AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM pg_catalog.pg_notify('atende_credentials',
            'm:' || OLD.id::text || ':' || coalesce(OLD.auth_user_id::text, ''));
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND OLD.auth_user_id IS DISTINCT FROM NEW.auth_user_id) THEN
        PERFORM pg_catalog.pg_notify('atende_credentials',
            'm:' || NEW.id::text || ':' || coalesce(NEW.auth_user_id::text, ''));
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER users_notify_insert_delete AFTER INSERT OR DELETE ON public.users
    FOR EACH ROW EXECUTE FUNCTION public.atende_notify_member_change();
-- A new name or e-mail changes no principal.
CREATE TRIGGER users_notify_update AFTER UPDATE ON public.users
    FOR EACH ROW
    WHEN (OLD.role IS DISTINCT FROM NEW.role
          OR OLD.status IS DISTINCT FROM NEW.status
          OR OLD.auth_user_id IS DISTINCT FROM NEW.auth_user_id
          OR OLD.company_id IS DISTINCT FROM NEW.company_id)
    EXECUTE FUNCTION public.atende_notify_member_change();
