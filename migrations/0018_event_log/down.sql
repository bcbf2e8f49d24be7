DROP FUNCTION public.atende_prune_events(interval, integer);
DROP TABLE public.events;
DROP TABLE public.event_counters;
