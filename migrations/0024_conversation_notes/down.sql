DROP TABLE IF EXISTS public.conversation_notes;
