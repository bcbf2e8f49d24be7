-- Bounded and fair background work (issue #26).
--
-- 1. Jobs are claimed fairly across clinics, and never past their attempts.
-- 2. Snapshot analyses are reserved (single-flight per patient, a per-clinic concurrency cap and
--    a daily quota for the server's OpenAI key) in a short transaction, so no database
--    connection is held while the analyzer runs.

-- The due jobs of one clinic and kind, in claim order (also the DISTINCT scan of clinics).
CREATE INDEX jobs_due_idx ON public.jobs (kind, company_id, run_at) WHERE status = 'queued';
-- Jobs that failed for good, newest first (metrics, `atende jobs failed`).
CREATE INDEX jobs_failed_idx ON public.jobs (company_id, finished_at DESC) WHERE status = 'failed';

-- Door: claim up to p_limit due jobs of the given kinds for one worker, leasing them for
-- p_lease_secs, fairly: no clinic ends up with more than p_per_company running (unexpired) jobs
-- of these kinds, and each clinic's oldest due job comes before any clinic's second. Claims of
-- one set of kinds are serialised (a transaction-level advisory lock held for the few
-- milliseconds of the claim) so the share is counted and taken atomically. A running job whose
-- lease expired is claimed again, unless that was its last attempt: then it fails for good
-- (a job that kills its worker must not loop forever), and so does the reply of such an
-- `outbound_dispatch` job (error `worker_lost`), which would otherwise stay queued with no job.
DROP FUNCTION public.atende_claim_jobs(text, text[], integer, integer);
CREATE FUNCTION public.atende_claim_jobs(p_worker text, p_kinds text[], p_limit integer, p_lease_secs integer, p_per_company integer)
    RETURNS TABLE (id uuid, company_id uuid, kind text, payload jsonb, attempts integer, max_attempts integer)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = ''
AS $$
#variable_conflict use_column
BEGIN
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended(
        'atende_claim_jobs:' || (SELECT pg_catalog.string_agg(k, ',' ORDER BY k) FROM pg_catalog.unnest(p_kinds) k), 0));
    -- A reply whose last dispatch attempt lost its worker is marked failed too (it may be
    -- retried by a member like any failed reply), so it never stays queued without a job.
    WITH lost AS (
        UPDATE public.jobs j
           SET status = 'failed', finished_at = pg_catalog.now(), locked_by = NULL, locked_until = NULL,
               last_error = 'lease expired during attempt ' || j.attempts || ' of ' || j.max_attempts
                            || ' (the worker stopped or died); not retried'
         WHERE j.status = 'running' AND j.kind = ANY (p_kinds)
           AND j.locked_until < pg_catalog.now() AND j.attempts >= j.max_attempts
        RETURNING j.company_id AS clinic, j.kind AS job_kind, j.payload AS job_payload
    ), lost_replies AS (
        UPDATE public.interactions i
           SET status = 'failed', failed_at = pg_catalog.now(),
               error = '{"code": "worker_lost", "title": "the worker stopped during the last dispatch attempt"}'::jsonb
          FROM lost l
         WHERE l.job_kind = 'outbound_dispatch'
           AND i.company_id = l.clinic
           AND i.id = CASE WHEN (l.job_payload->>'interaction_id') ~ '^[0-9a-fA-F-]{36}$'
                           THEN (l.job_payload->>'interaction_id')::uuid END
           AND i.direction = 'outbound' AND i.status = 'queued'
        RETURNING i.company_id AS clinic, i.id AS interaction
    )
    UPDATE public.conversation_threads t
       SET last_message_status = 'failed'
      FROM lost_replies r
     WHERE t.company_id = r.clinic AND t.last_interaction_id = r.interaction;
    RETURN QUERY
    WITH busy AS (
        SELECT r.company_id AS clinic, pg_catalog.count(*)::integer AS n
          FROM public.jobs r
         WHERE r.status = 'running' AND r.kind = ANY (p_kinds) AND r.locked_until >= pg_catalog.now()
         GROUP BY r.company_id
    ), clinics AS (
        SELECT DISTINCT d.company_id AS clinic
          FROM public.jobs d
         WHERE d.kind = ANY (p_kinds)
           AND ((d.status = 'queued' AND d.run_at <= pg_catalog.now())
             OR (d.status = 'running' AND d.locked_until < pg_catalog.now()))
    ), picked AS (
        SELECT x.job, x.rank, x.due_at
          FROM clinics c
          LEFT JOIN busy b ON b.clinic = c.clinic
          CROSS JOIN LATERAL (
              SELECT d.id AS job, d.run_at AS due_at,
                     pg_catalog.row_number() OVER (ORDER BY d.run_at, d.id) AS rank
                FROM public.jobs d
               WHERE d.company_id = c.clinic AND d.kind = ANY (p_kinds)
                 AND ((d.status = 'queued' AND d.run_at <= pg_catalog.now())
                   OR (d.status = 'running' AND d.locked_until < pg_catalog.now()))
               ORDER BY d.run_at, d.id
               LIMIT GREATEST(p_per_company - COALESCE(b.n, 0), 0)
          ) x
         ORDER BY x.rank, x.due_at
         LIMIT GREATEST(p_limit, 0)
    ), locked AS (
        SELECT j.id AS job
          FROM public.jobs j
          JOIN picked p ON p.job = j.id
         WHERE (j.status = 'queued' AND j.run_at <= pg_catalog.now())
            OR (j.status = 'running' AND j.locked_until < pg_catalog.now())
           FOR UPDATE OF j SKIP LOCKED
    )
    UPDATE public.jobs j
       SET status = 'running',
           attempts = j.attempts + 1,
           locked_by = p_worker,
           locked_until = pg_catalog.now() + pg_catalog.make_interval(secs => p_lease_secs)
      FROM locked
     WHERE j.id = locked.job
    RETURNING j.id, j.company_id, j.kind, j.payload, j.attempts, j.max_attempts;
END
$$;
REVOKE EXECUTE ON FUNCTION public.atende_claim_jobs(text, text[], integer, integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.atende_claim_jobs(text, text[], integer, integer, integer) TO atende_app;

-- Door: the depth of the job queue by kind for `GET /metrics`, now with the jobs that failed
-- for good in the last 24 hours. Counts only: no ids, no payloads, no clinic.
DROP FUNCTION public.atende_job_queue_depth();
CREATE FUNCTION public.atende_job_queue_depth()
    RETURNS TABLE (kind text, due bigint, waiting bigint, running bigint, failed_24h bigint)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = ''
AS $$
    SELECT j.kind,
           count(*) FILTER (WHERE j.status = 'queued' AND j.run_at <= pg_catalog.now()),
           count(*) FILTER (WHERE j.status = 'queued' AND j.run_at > pg_catalog.now()),
           count(*) FILTER (WHERE j.status = 'running'),
           count(*) FILTER (WHERE j.status = 'failed')
    FROM public.jobs j
    WHERE j.status IN ('queued', 'running')
       OR (j.status = 'failed' AND j.finished_at > pg_catalog.now() - interval '24 hours')
    GROUP BY j.kind
    ORDER BY j.kind
$$;
REVOKE EXECUTE ON FUNCTION public.atende_job_queue_depth() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.atende_job_queue_depth() TO atende_app;

-- Snapshot analyses in flight and made: a reservation is taken (and the rules checked) in one
-- short transaction before the analyzer runs, and settled in another after it; no connection is
-- held in between. One running reservation per patient (single-flight); the running ones of a
-- clinic are its concurrent analyses; those on the server's key in the last 24 h are its quota.
-- A reservation whose process died expires at `expires_at`.
CREATE TABLE public.snapshot_runs (
    id uuid PRIMARY KEY,
    company_id uuid NOT NULL REFERENCES public.companies (id) ON DELETE CASCADE,
    client_id uuid NOT NULL,
    status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed', 'expired')),
    server_key boolean NOT NULL DEFAULT false,
    started_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    finished_at timestamptz,
    FOREIGN KEY (company_id, client_id) REFERENCES public.clients (company_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX snapshot_runs_one_running_key ON public.snapshot_runs (company_id, client_id) WHERE status = 'running';
CREATE INDEX snapshot_runs_company_id_client_id_idx ON public.snapshot_runs (company_id, client_id);
CREATE INDEX snapshot_runs_company_id_started_at_idx ON public.snapshot_runs (company_id, started_at DESC);
ALTER TABLE public.snapshot_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.snapshot_runs FORCE ROW LEVEL SECURITY;
CREATE POLICY snapshot_runs_tenant_isolation ON public.snapshot_runs
    USING (company_id = (SELECT public.atende_current_company()))
    WITH CHECK (company_id = (SELECT public.atende_current_company()));
GRANT SELECT, INSERT, UPDATE, DELETE ON public.snapshot_runs TO atende_app;
