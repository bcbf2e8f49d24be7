-- The analyst agent's memory, channel integrations with encrypted secrets, the durable job queue.

-- Append-only: the app role may read and insert, never update or delete.
CREATE TABLE public.ai_context_snapshots (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    company_id uuid NOT NULL REFERENCES public.companies (id) ON DELETE CASCADE,
    client_id uuid NOT NULL,
    source_conversation_id uuid,
    summary text NOT NULL CHECK (char_length(summary) <= 600),
    flags jsonb NOT NULL CHECK (jsonb_typeof(flags) = 'object'),
    next_best_action text CHECK (char_length(next_best_action) <= 600),
    evidence uuid[] NOT NULL DEFAULT '{}',
    trigger text NOT NULL CHECK (trigger IN ('manual', 'conversation_closed', 'scheduled')),
    requested_by uuid,
    analyzer text NOT NULL CHECK (char_length(analyzer) <= 100),
    model text CHECK (char_length(model) <= 200),
    locale text NOT NULL,
    schema_version integer NOT NULL DEFAULT 1,
    input_message_count integer NOT NULL CHECK (input_message_count >= 0),
    input_from timestamptz,
    input_to timestamptz,
    prompt_tokens integer,
    completion_tokens integer,
    latency_ms integer,
    created_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (company_id, client_id) REFERENCES public.clients (company_id, id),
    FOREIGN KEY (company_id, source_conversation_id) REFERENCES public.conversation_threads (company_id, id),
    FOREIGN KEY (company_id, requested_by) REFERENCES public.users (company_id, id)
);
CREATE INDEX ai_context_snapshots_company_id_client_id_idx
    ON public.ai_context_snapshots (company_id, client_id, created_at DESC, id DESC);
CREATE INDEX ai_context_snapshots_company_id_source_conversation_id_idx
    ON public.ai_context_snapshots (company_id, source_conversation_id);
CREATE INDEX ai_context_snapshots_company_id_requested_by_idx
    ON public.ai_context_snapshots (company_id, requested_by);

-- One row per channel account. Secrets are one encrypted JSON object (ChaCha20-Poly1305 under a
-- per-clinic key, see infra-crypto); `secret_names` says which are set without decrypting.
-- `verify_token_hash` (SHA-256) lets Meta's GET handshake find its integration without decrypting.
CREATE TABLE public.integrations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    company_id uuid NOT NULL REFERENCES public.companies (id) ON DELETE CASCADE,
    provider text NOT NULL CHECK (provider IN ('whatsapp', 'instagram', 'n8n', 'openai')),
    account_id text NOT NULL CHECK (char_length(account_id) BETWEEN 1 AND 200),
    config jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(config) = 'object'),
    secrets bytea,
    secret_names text[] NOT NULL DEFAULT '{}',
    verify_token_hash bytea CHECK (octet_length(verify_token_hash) = 32),
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- An account routes to exactly one clinic.
    UNIQUE (provider, account_id),
    UNIQUE (company_id, id)
);
CREATE INDEX integrations_verify_token_idx ON public.integrations (provider, verify_token_hash)
    WHERE verify_token_hash IS NOT NULL;
CREATE TRIGGER integrations_touch BEFORE UPDATE ON public.integrations
    FOR EACH ROW EXECUTE FUNCTION public.atende_touch_updated_at();

-- The durable job queue (outbox dispatch, snapshots, daily runs). Claimed with
-- FOR UPDATE SKIP LOCKED through atende_claim_jobs; a job whose lease expired is claimable again.
CREATE TABLE public.jobs (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    company_id uuid NOT NULL REFERENCES public.companies (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (char_length(kind) BETWEEN 1 AND 100),
    payload jsonb NOT NULL DEFAULT '{}'::jsonb,
    status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
    -- Deduplication (e.g. one daily run per clinic per day).
    unique_key text CHECK (char_length(unique_key) <= 200),
    run_at timestamptz NOT NULL DEFAULT now(),
    attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts integer NOT NULL DEFAULT 6 CHECK (max_attempts >= 1),
    locked_by text,
    locked_until timestamptz,
    last_error text CHECK (char_length(last_error) <= 2000),
    result jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
CREATE UNIQUE INDEX jobs_company_id_unique_key_key ON public.jobs (company_id, kind, unique_key) WHERE unique_key IS NOT NULL;
CREATE INDEX jobs_queued_idx ON public.jobs (run_at) WHERE status = 'queued';
CREATE INDEX jobs_running_idx ON public.jobs (locked_until) WHERE status = 'running';
CREATE INDEX jobs_company_id_idx ON public.jobs (company_id, created_at DESC);
CREATE TRIGGER jobs_touch BEFORE UPDATE ON public.jobs
    FOR EACH ROW EXECUTE FUNCTION public.atende_touch_updated_at();

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['ai_context_snapshots', 'integrations', 'jobs'] LOOP
        EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE public.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON public.%I USING (company_id = (SELECT public.atende_current_company())) '
                       'WITH CHECK (company_id = (SELECT public.atende_current_company()))', t || '_tenant_isolation', t);
    END LOOP;
END
$$;
GRANT SELECT, INSERT ON public.ai_context_snapshots TO atende_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.integrations, public.jobs TO atende_app;

-- Door: route a webhook delivery to its clinic by (provider, account id).
CREATE FUNCTION public.atende_integration_route(p_provider text, p_account_id text)
    RETURNS TABLE (integration_id uuid, company_id uuid, status text, config jsonb, secrets bytea)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = ''
AS $$
    SELECT i.id, i.company_id, i.status, i.config, i.secrets
    FROM public.integrations i
    WHERE i.provider = p_provider AND i.account_id = p_account_id
$$;

-- Door: Meta's GET verification handshake, by the SHA-256 of the verify token.
CREATE FUNCTION public.atende_integration_by_verify_token(p_provider text, p_token_hash bytea)
    RETURNS TABLE (integration_id uuid, company_id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = ''
AS $$
    SELECT i.id, i.company_id
    FROM public.integrations i
    WHERE i.provider = p_provider AND i.verify_token_hash = p_token_hash AND i.status = 'active'
$$;

-- Door: claim up to p_limit due jobs of the given kinds for one worker, leasing them for
-- p_lease_secs. SKIP LOCKED makes concurrent workers (on any node) take disjoint jobs; a running
-- job whose lease expired (its worker died) is claimed again.
CREATE FUNCTION public.atende_claim_jobs(p_worker text, p_kinds text[], p_limit integer, p_lease_secs integer)
    RETURNS TABLE (id uuid, company_id uuid, kind text, payload jsonb, attempts integer, max_attempts integer)
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = ''
AS $$
    WITH due AS (
        SELECT j.id
        FROM public.jobs j
        WHERE j.kind = ANY (p_kinds)
          AND ((j.status = 'queued' AND j.run_at <= pg_catalog.now())
            OR (j.status = 'running' AND j.locked_until < pg_catalog.now()))
        ORDER BY j.run_at
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED
    )
    UPDATE public.jobs j
       SET status = 'running',
           attempts = j.attempts + 1,
           locked_by = p_worker,
           locked_until = pg_catalog.now() + pg_catalog.make_interval(secs => p_lease_secs)
      FROM due
     WHERE j.id = due.id
    RETURNING j.id, j.company_id, j.kind, j.payload, j.attempts, j.max_attempts
$$;

-- Door: the clinics and their time zones, for the daily scheduler.
CREATE FUNCTION public.atende_company_schedule()
    RETURNS TABLE (company_id uuid, timezone text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = ''
AS $$
    SELECT s.company_id, s.timezone FROM public.settings s
$$;

REVOKE EXECUTE ON FUNCTION public.atende_integration_route(text, text),
    public.atende_integration_by_verify_token(text, bytea),
    public.atende_claim_jobs(text, text[], integer, integer),
    public.atende_company_schedule() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.atende_integration_route(text, text),
    public.atende_integration_by_verify_token(text, bytea),
    public.atende_claim_jobs(text, text[], integer, integer),
    public.atende_company_schedule() TO atende_app;
