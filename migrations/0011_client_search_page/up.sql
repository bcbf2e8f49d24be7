-- The client search door answers the page, not every match.
--
-- 0008's door returned the ids of every matching client of the pinned clinic; the page query then
-- read all of them by primary key to sort them and keep 50. A common name ("silva", "ana") matches
-- hundreds of a clinic's clients, so each search read hundreds of rows to show 50 (the largest
-- share of the read load in `just bench`, docs/performance.md). This door takes the list's other
-- filter (status), its keyset cursor and its page size, and returns at most that many ids in
-- list order (created_at DESC, id DESC), planned with the actual values (EXECUTE … USING). The
-- clinic is still the pinned one (`atende_current_company()`, which fails when none is), never an
-- argument; only ids come back and the caller reads the rows under RLS as before.
--   p_pattern           a LIKE pattern over the folded search text (it is folded here too)
--   p_digits            an optional second pattern (the phone digits of the query), OR-ed
--   p_status            only clients with this status (NULL: any)
--   p_after_created_at  the keyset cursor: rows strictly after (p_after_created_at, p_after_id)
--   p_after_id            in list order (both NULL: from the start)
--   p_limit             at most this many ids (clamped to 1..201)
DROP FUNCTION public.atende_client_search(text, text);

CREATE FUNCTION public.atende_client_search(
        p_pattern text, p_digits text, p_status text,
        p_after_created_at timestamptz, p_after_id uuid, p_limit integer)
    RETURNS SETOF uuid
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = ''
AS $$
BEGIN
    RETURN QUERY EXECUTE
        'SELECT c.id FROM public.clients c
          WHERE c.company_id = $1
            AND (c.search_text LIKE public.atende_fold($2)
                 OR ($3 IS NOT NULL AND c.search_text LIKE $3))
            AND ($4 IS NULL OR c.status = $4)
            AND ($5 IS NULL OR $6 IS NULL OR (c.created_at, c.id) < ($5, $6))
          ORDER BY c.created_at DESC, c.id DESC
          LIMIT $7'
        USING public.atende_current_company(), p_pattern, p_digits, p_status,
              p_after_created_at, p_after_id, least(greatest(coalesce(p_limit, 1), 1), 201);
END
$$;

REVOKE EXECUTE ON FUNCTION public.atende_client_search(text, text, text, timestamptz, uuid, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.atende_client_search(text, text, text, timestamptz, uuid, integer) TO atende_app;
