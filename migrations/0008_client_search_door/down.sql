DROP FUNCTION IF EXISTS public.atende_client_search(text, text);
