DROP INDEX IF EXISTS public.conversation_threads_active_unread_idx;
