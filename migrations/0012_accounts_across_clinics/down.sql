-- Back to 0011: one clinic per identity, invitations linked by the e-mail trigger.

-- Fails when several accounts share an address (that state cannot go back).
DROP INDEX public.auth_identities_email_idx;
ALTER TABLE public.auth_identities ADD CONSTRAINT auth_identities_email_key UNIQUE (email);

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

DROP TABLE public.auth_password_resets;
ALTER TABLE public.auth_identities DROP COLUMN email_verified_at;
ALTER TABLE public.auth_sessions DROP COLUMN active_company_id;

-- Revoked invitations cannot exist under the old constraint.
DELETE FROM public.users WHERE status = 'disabled' AND auth_user_id IS NULL;
ALTER TABLE public.users DROP CONSTRAINT users_token_only_while_invited;
ALTER TABLE public.users DROP CONSTRAINT users_linked_unless_invited_or_revoked;
ALTER TABLE public.users ADD CONSTRAINT users_check CHECK (status = 'invited' OR auth_user_id IS NOT NULL);

-- Fails when an identity is a member of several clinics (that state cannot go back).
DROP INDEX public.users_auth_user_id_company_id_key;
CREATE UNIQUE INDEX users_auth_user_id_key ON public.users (auth_user_id) WHERE auth_user_id IS NOT NULL;

CREATE FUNCTION public.atende_link_invited_users() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = ''
AS $$
BEGIN
    UPDATE public.users u
       SET auth_user_id = NEW.id,
           status = 'active',
           invite_token_hash = NULL,
           invite_expires_at = NULL
     WHERE u.id = (SELECT i.id FROM public.users i
                    WHERE i.email = NEW.email AND i.status = 'invited' AND i.auth_user_id IS NULL
                    ORDER BY i.created_at, i.id
                    LIMIT 1)
       -- One clinic per identity in the MVP: an identity already linked is left alone.
       AND NOT EXISTS (SELECT 1 FROM public.users o WHERE o.auth_user_id = NEW.id);
    RETURN NEW;
END
$$;
CREATE TRIGGER auth_identities_link_users AFTER INSERT OR UPDATE OF email ON public.auth_identities
    FOR EACH ROW EXECUTE FUNCTION public.atende_link_invited_users();
REVOKE EXECUTE ON FUNCTION public.atende_link_invited_users() FROM PUBLIC;
