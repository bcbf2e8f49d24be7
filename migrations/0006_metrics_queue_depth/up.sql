-- Door: the depth of the job queue by kind, for `GET /metrics` (read at scrape time, across
-- clinics). Returns counts only: no ids, no payloads, no clinic.
--   due      queued and due now (waiting for a worker)
--   waiting  queued for later (a retry's backoff, a scheduled run)
--   running  claimed by a worker (lease not yet finished)
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
