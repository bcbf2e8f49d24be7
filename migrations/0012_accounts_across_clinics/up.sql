-- Accounts that never cross clinics (issue 16): an invitation is accepted only through its own
-- token, one identity may be a member of several clinics, a session acts in one of them at a
-- time, invitations can be revoked, and passwords can be reset with a one-time token.

-- 1. No e-mail-keyed linking anywhere. The trigger linked the oldest invited row with the new
--    identity's e-mail in ANY clinic, ignoring the token, the clinic and the expiry (a clinic
--    could take over another clinic's invitation). Accepting now updates exactly the row whose
--    token hash matches, in that row's clinic, while it is still invited and unexpired
--    (infra_postgres::auth::members).
DROP TRIGGER auth_identities_link_users ON public.auth_identities;
DROP FUNCTION public.atende_link_invited_users();

-- 2. One identity, several clinics: at most one membership per clinic. The index leads with
--    the identity, so it also serves the membership door.
DROP INDEX public.users_auth_user_id_key;
CREATE UNIQUE INDEX users_auth_user_id_company_id_key ON public.users (auth_user_id, company_id)
    WHERE auth_user_id IS NOT NULL;

-- 3. Invitations can be revoked: a revoked invitation is `disabled` with no identity, and only
--    an `invited` row holds a token (so revoking kills the token by construction).
UPDATE public.users SET invite_token_hash = NULL, invite_expires_at = NULL WHERE status <> 'invited';
ALTER TABLE public.users DROP CONSTRAINT users_check;
ALTER TABLE public.users ADD CONSTRAINT users_linked_unless_invited_or_revoked
    CHECK (status IN ('invited', 'disabled') OR auth_user_id IS NOT NULL);
ALTER TABLE public.users ADD CONSTRAINT users_token_only_while_invited
    CHECK (status = 'invited' OR (invite_token_hash IS NULL AND invite_expires_at IS NULL));

-- 4. A session acts in one clinic at a time (switched with POST /auth/switch-clinic). Not a
--    tenant column: the session belongs to the identity; the membership in this clinic is
--    re-read on every request.
ALTER TABLE public.auth_sessions
    ADD COLUMN active_company_id uuid REFERENCES public.companies (id) ON DELETE SET NULL;
CREATE INDEX auth_sessions_active_company_id_idx ON public.auth_sessions (active_company_id);
UPDATE public.auth_sessions s
   SET active_company_id = (SELECT u.company_id FROM public.users u
                             WHERE u.auth_user_id = s.auth_user_id
                             ORDER BY u.created_at, u.id LIMIT 1);

-- 5. Whether the identity provider verified the e-mail (Supabase mode: `email_confirmed_at` of
--    the password grant); an invitation is linked to a Supabase identity only when it is set.
ALTER TABLE public.auth_identities ADD COLUMN email_verified_at timestamptz;

-- 6. Password resets: at most one pending one-time token per identity, only its SHA-256 stored.
CREATE TABLE public.auth_password_resets (
    auth_user_id uuid PRIMARY KEY REFERENCES public.auth_identities (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT, UPDATE, DELETE ON public.auth_password_resets TO atende_app;

-- 7. The membership door lists every clinic of an identity, oldest membership first (the
--    default clinic of a new session).
CREATE OR REPLACE FUNCTION public.atende_principal_for(p_auth_user_id uuid)
    RETURNS TABLE (user_id uuid, company_id uuid, company_name text, email text, name text, role text, status text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = ''
AS $$
BEGIN
    RETURN QUERY
    SELECT u.id, u.company_id, c.name, u.email, u.name, u.role, u.status
    FROM public.users u JOIN public.companies c ON c.id = u.company_id
    WHERE u.auth_user_id = p_auth_user_id
    ORDER BY u.created_at, u.id;
END
$$;

-- 8. Sign-in attempts are now counted per (e-mail, address) and per address; the old per-e-mail
--    counters (which let anyone lock an e-mail out) are dropped.
DELETE FROM public.auth_attempts WHERE key LIKE 'email:%';

-- 9. No clinic owns an e-mail address. Atende sends no e-mail, so an invitation token is the
--    only proof of an address, and the inviting clinic holds it: with one account per address,
--    any clinic could invite an address, accept with a password of its own, and so keep the
--    real person out of every other clinic. Each invitation accepted with a password may
--    therefore create its own account; at most 3 local accounts share an address (enforced by
--    app::auth::accept_invite), each with its own password, and signing in takes the one whose
--    password matches. One person with one account still joins many clinics by accepting
--    signed in.
ALTER TABLE public.auth_identities DROP CONSTRAINT auth_identities_email_key;
CREATE INDEX auth_identities_email_idx ON public.auth_identities (email);
