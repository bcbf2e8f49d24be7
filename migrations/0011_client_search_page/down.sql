DROP FUNCTION public.atende_client_search(text, text, text, timestamptz, uuid, integer);

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
