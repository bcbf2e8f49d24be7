-- The clinic's event log: what the live stream (`GET /api/events`) delivers, written in the same
-- transaction as the change each event describes, so a stream never shows a change that rolled
-- back and never misses one that committed.
--
-- Ids are per clinic, dense and in commit order: `event_counters` holds each clinic's last id and
-- the append takes its row lock as the last statement of the transaction, so two transactions of
-- one clinic number their events one after the other, and a reader that has seen id N has seen
-- every event up to N. Per-clinic ids also keep one clinic from learning another's volume.

CREATE TABLE public.event_counters (
    company_id uuid PRIMARY KEY REFERENCES public.companies (id) ON DELETE CASCADE,
    last_id bigint NOT NULL DEFAULT 0 CHECK (last_id >= 0)
);

CREATE TABLE public.events (
    company_id uuid NOT NULL REFERENCES public.companies (id) ON DELETE CASCADE,
    id bigint NOT NULL CHECK (id > 0),
    kind text NOT NULL CHECK (char_length(kind) BETWEEN 3 AND 60),
    -- What the stream's `?conversation_id=` filter and an erasure look for; not foreign keys, so
    -- the log never blocks the deletion of what it describes (erasure deletes its events too).
    conversation_id uuid,
    client_id uuid,
    payload jsonb NOT NULL CHECK (jsonb_typeof(payload) = 'object'),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, id)
);
-- Retention deletes by age.
CREATE INDEX events_created_at_idx ON public.events (created_at);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['event_counters', 'events'] LOOP
        EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE public.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON public.%I USING (company_id = (SELECT public.atende_current_company())) '
                       'WITH CHECK (company_id = (SELECT public.atende_current_company()))', t || '_tenant_isolation', t);
    END LOOP;
END
$$;
-- Append-only for the app: events are inserted and read (deleted only by erasure of a patient,
-- inside the clinic); the counter is inserted and moved forward.
GRANT SELECT, INSERT, DELETE ON public.events TO atende_app;
GRANT SELECT, INSERT, UPDATE ON public.event_counters TO atende_app;

-- Door: retention. Deletes events older than p_keep across clinics, at most p_limit rows per call
-- (the caller repeats while it returns p_limit), and returns how many it deleted. Nothing is
-- returned but a count.
CREATE FUNCTION public.atende_prune_events(p_keep interval, p_limit integer)
    RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = ''
AS $$
DECLARE n integer;
BEGIN
    DELETE FROM public.events e
     WHERE (e.company_id, e.id) IN (
        SELECT o.company_id, o.id FROM public.events o
         WHERE o.created_at < pg_catalog.now() - p_keep
         ORDER BY o.created_at
         LIMIT GREATEST(1, LEAST(p_limit, 100000)));
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
REVOKE EXECUTE ON FUNCTION public.atende_prune_events(interval, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.atende_prune_events(interval, integer) TO atende_app;
