DROP FUNCTION IF EXISTS public.atende_job_queue_depth();
