-- Door: the ids of the pinned clinic's clients whose search text contains a pattern.
--
-- Why a door: under row-level security PostgreSQL uses a query's own condition as an index
-- condition only when it is LEAKPROOF, and LIKE is not, so as `atende_app` a search filters every
-- client of the clinic. Run as the owner (BYPASSRLS), with the pattern planned as a constant
-- (EXECUTE … USING plans with the values), the trigram index serves it. The clinic is the one the
-- unit of work pinned (`atende_current_company()`, which fails when none is), never an argument,
-- and only ids come back: the caller's page query reads the rows under RLS as usual.
--   p_pattern  a LIKE pattern over the folded search text (it is folded here too)
--   p_digits   an optional second pattern (the phone digits of the query), OR-ed
CREATE FUNCTION public.atende_client_search(p_pattern text, p_digits text)
    RETURNS SETOF uuid
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = ''
AS $$
BEGIN
    RETURN QUERY EXECUTE
        'SELECT c.id FROM public.clients c
          WHERE c.company_id = $1
            AND (c.search_text LIKE public.atende_fold($2)
                 OR ($3 IS NOT NULL AND c.search_text LIKE $3))'
        USING public.atende_current_company(), p_pattern, p_digits;
END
$$;

REVOKE EXECUTE ON FUNCTION public.atende_client_search(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.atende_client_search(text, text) TO atende_app;
