DROP TABLE IF EXISTS public.conversation_labels;
DROP TABLE IF EXISTS public.labels;
