DROP TABLE IF EXISTS public.idempotency_keys;
DROP TABLE IF EXISTS public.interactions;
DROP TABLE IF EXISTS public.conversation_threads;
