DROP INDEX IF EXISTS public.appointments_agenda_idx;
DROP TABLE IF EXISTS public.time_off;
DROP TABLE IF EXISTS public.member_schedules;
ALTER TABLE public.settings DROP COLUMN IF EXISTS slot_step_minutes, DROP COLUMN IF EXISTS buffer_minutes;
