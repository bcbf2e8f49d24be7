-- Channel accounts cannot be squatted (issue #16, item 7), and routing a webhook delivery costs
-- one transaction whatever it names (issue #26, item 1).
--
-- 1. An account id is unique per clinic, no longer across clinics: a clinic that registers
--    another clinic's WhatsApp number first blocks nothing and learns nothing (creating a
--    duplicate never says "taken elsewhere"). A delivery belongs to the integration whose own
--    secret verifies its signature; `verified_at` records the first such delivery, and routing
--    tries verified integrations first (docs/integrations.md, "Who owns an account id").
ALTER TABLE public.integrations DROP CONSTRAINT integrations_provider_account_id_key;
ALTER TABLE public.integrations
    ADD CONSTRAINT integrations_company_id_provider_account_id_key UNIQUE (company_id, provider, account_id);
CREATE INDEX integrations_provider_account_id_idx ON public.integrations (provider, account_id);
ALTER TABLE public.integrations ADD COLUMN verified_at timestamptz;

-- 2. The routing door takes every account id of a delivery at once (at most 50) and answers, per
--    account in the order given, the active integrations that may own it: verified ones first
--    (earliest proof first), then pending ones (newest first), at most 10 per account. One call,
--    one transaction, however many accounts a delivery names.
DROP FUNCTION public.atende_integration_route(text, text);
CREATE FUNCTION public.atende_integration_route(p_provider text, p_account_ids text[])
    RETURNS TABLE (account_id text, integration_id uuid, company_id uuid, config jsonb, secrets bytea,
                   verified_at timestamptz)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = ''
AS $$
BEGIN
    IF pg_catalog.cardinality(p_account_ids) > 50 THEN
        RAISE EXCEPTION 'at most 50 account ids per lookup';
    END IF;
    RETURN QUERY
    SELECT r.account_id, r.id, r.company_id, r.config, r.secrets, r.verified_at
    FROM (
        SELECT i.account_id, i.id, i.company_id, i.config, i.secrets, i.verified_at, a.ord,
               pg_catalog.row_number() OVER (
                   PARTITION BY i.account_id
                   ORDER BY i.verified_at ASC NULLS LAST, i.created_at DESC, i.id DESC) AS pos
        FROM pg_catalog.unnest(p_account_ids) WITH ORDINALITY AS a (account_id, ord)
        JOIN public.integrations i ON i.provider = p_provider AND i.account_id = a.account_id
        WHERE i.status = 'active'
    ) r
    WHERE r.pos <= 10
    ORDER BY r.ord, r.pos;
END
$$;
REVOKE EXECUTE ON FUNCTION public.atende_integration_route(text, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.atende_integration_route(text, text[]) TO atende_app;

-- 3. An Idempotency-Key is bound to its request (issue #26, item 6): the SHA-256 of the send's
--    canonical form. The same key with another body is refused (422 idempotency_key_reused).
--    Keys stored before this migration have none and keep answering their first message.
ALTER TABLE public.idempotency_keys
    ADD COLUMN request_hash bytea CHECK (octet_length(request_hash) = 32);
