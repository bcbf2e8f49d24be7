DROP FUNCTION IF EXISTS public.atende_message_search(tsquery, uuid, text, timestamptz, timestamptz, timestamptz, uuid, integer);
DROP INDEX IF EXISTS public.interactions_search_idx;
DROP EXTENSION IF EXISTS btree_gin;
ALTER TABLE public.interactions DROP COLUMN IF EXISTS search_vector;
DROP TEXT SEARCH CONFIGURATION IF EXISTS public.atende_pt;
