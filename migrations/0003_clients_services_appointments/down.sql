DROP TABLE IF EXISTS public.payments;
DROP TABLE IF EXISTS public.appointments;
DROP TABLE IF EXISTS public.services;
DROP TABLE IF EXISTS public.client_identities;
DROP TABLE IF EXISTS public.clients;
DROP FUNCTION IF EXISTS public.atende_client_search_text(text, text, text, text);
