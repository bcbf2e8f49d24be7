DROP TABLE IF EXISTS public.snapshot_runs;

DROP FUNCTION IF EXISTS public.atende_job_queue_depth();
CREATE FUNCTION public.atende_job_queue_depth()
    RETURNS TABLE (kind text, due bigint, waiting bigint, running bigint)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = ''
AS $$
    SELECT j.kind,
           count(*) FILTER (WHERE j.status = 'queued' AND j.run_at <= pg_catalog.now()),
           count(*) FILTER (WHERE j.status = 'queued' AND j.run_at > pg_catalog.now()),
           count(*) FILTER (WHERE j.status = 'running')
    FROM public.jobs j
    WHERE j.status IN ('queued', 'running')
    GROUP BY j.kind
    ORDER BY j.kind
$$;
REVOKE EXECUTE ON FUNCTION public.atende_job_queue_depth() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.atende_job_queue_depth() TO atende_app;

DROP FUNCTION IF EXISTS public.atende_claim_jobs(text, text[], integer, integer, integer);
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
REVOKE EXECUTE ON FUNCTION public.atende_claim_jobs(text, text[], integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.atende_claim_jobs(text, text[], integer, integer) TO atende_app;

DROP INDEX IF EXISTS public.jobs_failed_idx;
DROP INDEX IF EXISTS public.jobs_due_idx;
