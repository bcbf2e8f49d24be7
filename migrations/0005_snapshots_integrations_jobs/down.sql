DROP FUNCTION IF EXISTS public.atende_company_schedule();
DROP FUNCTION IF EXISTS public.atende_claim_jobs(text, text[], integer, integer);
DROP FUNCTION IF EXISTS public.atende_integration_by_verify_token(text, bytea);
DROP FUNCTION IF EXISTS public.atende_integration_route(text, text);
DROP TABLE IF EXISTS public.jobs;
DROP TABLE IF EXISTS public.integrations;
DROP TABLE IF EXISTS public.ai_context_snapshots;
