DROP INDEX IF EXISTS public.conversation_threads_company_id_started_at_idx;
DROP INDEX IF EXISTS public.interactions_first_by_direction_idx;
DROP INDEX IF EXISTS public.interactions_company_id_occurred_at_idx;
DROP INDEX IF EXISTS public.payments_received_idx;
DROP INDEX IF EXISTS public.payments_company_id_created_at_idx;
ALTER TABLE public.payments DROP CONSTRAINT IF EXISTS payments_paid_at_when_paid;
