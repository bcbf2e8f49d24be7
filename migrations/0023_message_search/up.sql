-- Message search (issue 19 item 8, `GET /api/search/messages`, docs/performance.md "Message
-- search").
--
-- `atende_pt`: PostgreSQL's `portuguese` configuration with accents folded before stemming
-- (`unaccent`, then `portuguese_stem` with its stop words), so "não", "nao" and "NÃO" are one
-- lexeme (`nao`: the stop word list has only the accented form) and "remarcar" / "remarcado" /
-- "remarcamos" one stem (`remarc`). Folding first means the stemmer sees the unaccented form:
-- "remarcação" stems to `remarcaca`, typed with or without accents, so it is found by itself and
-- by the prefix `remarc*`, not by "remarcar".
CREATE TEXT SEARCH CONFIGURATION public.atende_pt (COPY = pg_catalog.portuguese);
ALTER TEXT SEARCH CONFIGURATION public.atende_pt
    ALTER MAPPING FOR hword, hword_part, word WITH extensions.unaccent, pg_catalog.portuguese_stem;

-- Each message's lexemes, computed once when it is written (a stored column, not an expression
-- index: phrase queries recheck rows and the newest-first walk filters rows, and both then read
-- the vector instead of re-parsing the text). Adding it rewrites `interactions` once.
ALTER TABLE public.interactions
    ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('public.atende_pt'::regconfig, coalesce(text, ''))) STORED;

-- The matches of a clinic's rare words, as one bitmap: `btree_gin` puts the clinic in the same
-- index, so a clinic's bitmap holds only its own messages (with the vector alone, the bitmap of
-- a word holds every clinic's matches and is then AND-ed with the whole clinic's rows; measured
-- in docs/performance.md). Messages without text have an empty vector and no entry but the clinic.
CREATE EXTENSION IF NOT EXISTS btree_gin WITH SCHEMA extensions;
CREATE INDEX interactions_search_idx ON public.interactions USING gin (company_id, search_vector)
    WHERE deleted_at IS NULL;

-- The search door. Under row-level security `@@` (not leakproof) cannot use the GIN index, so,
-- as for client search (0008, 0011), a SECURITY DEFINER function answers one page of ids of the
-- PINNED clinic's messages (`atende_current_company()`, which fails when none is pinned; the
-- clinic is never an argument), newest first. The caller reads the page's rows under RLS by
-- primary key.
--   p_query           the text search query (built by the caller from the user's text)
--   p_client_id       only this client's messages (NULL: any)
--   p_channel         only this channel (NULL: any)
--   p_from, p_to      occurred_at >= p_from, < p_to (NULL: unbounded)
--   p_after_at        the keyset cursor: rows strictly after (p_after_at, p_after_id) in
--   p_after_id          list order, occurred_at DESC, id DESC (both NULL: from the start)
--   p_limit           at most this many ids (clamped to 1..201)
--
-- Two steps, because the planner cannot tell a common word from a rare one well enough (a word
-- missing from the column's statistics is estimated at half the rarest one's frequency, and the
-- newest-first index walk it then picks reads the whole clinic when the word is absent):
--   1. walk the messages that pass the filters newest first (the clinic's, or the client's,
--      newest-first index), at most 40 × p_limit of them, keeping those that match, and stop
--      when the page is full: a common word fills its page after a few hundred rows;
--   2. only when step 1 neither filled the page nor ran out of messages: every match through
--      the GIN index (a materialised set: no order for the planner to walk), sorted, the first
--      p_limit. Reached by rare words, whose matches are few.
-- Both statements are planned with the actual values (EXECUTE … USING).
CREATE FUNCTION public.atende_message_search(
        p_query tsquery, p_client_id uuid, p_channel text, p_from timestamptz, p_to timestamptz,
        p_after_at timestamptz, p_after_id uuid, p_limit integer)
    RETURNS SETOF uuid
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = ''
AS $$
DECLARE
    v_company uuid := public.atende_current_company();
    v_limit integer := least(greatest(coalesce(p_limit, 1), 1), 201);
    v_depth integer := v_limit * 40;
    v_walked integer := 0;
    v_ids uuid[] := '{}';
    r record;
BEGIN
    -- Only stop words (or nothing): no message can match.
    IF p_query IS NULL OR pg_catalog.numnode(p_query) = 0 THEN
        RETURN;
    END IF;
    FOR r IN EXECUTE
        'SELECT i.id, i.search_vector @@ $2 AS hit FROM public.interactions i
          WHERE i.company_id = $1
            AND i.deleted_at IS NULL
            AND ($3 IS NULL OR i.client_id = $3)
            AND ($4 IS NULL OR i.channel = $4)
            AND ($5 IS NULL OR i.occurred_at >= $5)
            AND ($6 IS NULL OR i.occurred_at < $6)
            AND ($7 IS NULL OR $8 IS NULL OR (i.occurred_at, i.id) < ($7, $8))
          ORDER BY i.occurred_at DESC, i.id DESC
          LIMIT $9'
        USING v_company, p_query, p_client_id, p_channel, p_from, p_to, p_after_at, p_after_id,
              v_depth
    LOOP
        v_walked := v_walked + 1;
        IF r.hit THEN
            v_ids := v_ids || r.id;
            EXIT WHEN cardinality(v_ids) >= v_limit;
        END IF;
    END LOOP;
    IF cardinality(v_ids) >= v_limit OR v_walked < v_depth THEN
        RETURN QUERY SELECT unnest(v_ids);
        RETURN;
    END IF;
    RETURN QUERY EXECUTE
        'WITH m AS MATERIALIZED (
             SELECT i.id, i.occurred_at FROM public.interactions i
              WHERE i.company_id = $1
                AND i.deleted_at IS NULL
                AND i.search_vector @@ $2
                AND ($3 IS NULL OR i.client_id = $3)
                AND ($4 IS NULL OR i.channel = $4)
                AND ($5 IS NULL OR i.occurred_at >= $5)
                AND ($6 IS NULL OR i.occurred_at < $6)
                AND ($7 IS NULL OR $8 IS NULL OR (i.occurred_at, i.id) < ($7, $8)))
         SELECT m.id FROM m ORDER BY m.occurred_at DESC, m.id DESC LIMIT $9'
        USING v_company, p_query, p_client_id, p_channel, p_from, p_to, p_after_at, p_after_id,
              v_limit;
END
$$;

REVOKE EXECUTE ON FUNCTION public.atende_message_search(tsquery, uuid, text, timestamptz, timestamptz, timestamptz, uuid, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.atende_message_search(tsquery, uuid, text, timestamptz, timestamptz, timestamptz, uuid, integer) TO atende_app;
