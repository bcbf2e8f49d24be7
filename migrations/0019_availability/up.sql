-- Free slots (issue 21, docs/domain-rules.md "Availability"): the clinic's buffer between
-- appointments and the grid of start times, each member's weekly schedule, and time off.

-- `buffer_minutes` is kept free after every open appointment of a professional (availability and
-- booking apply the same rule); `slot_step_minutes` is the spacing of the offered start times,
-- counted from the opening of each working range.
ALTER TABLE public.settings
    ADD COLUMN buffer_minutes integer NOT NULL DEFAULT 0 CHECK (buffer_minutes BETWEEN 0 AND 240),
    ADD COLUMN slot_step_minutes integer NOT NULL DEFAULT 15 CHECK (slot_step_minutes BETWEEN 5 AND 240);

-- A member with a schedule is a bookable professional. `weekly_hours` has the shape of
-- `settings.working_hours` ({"mon": [{"start": "08:00", "end": "12:00"}], …}), in the clinic's
-- local time; a professional is available where these hours and the clinic's overlap.
CREATE TABLE public.member_schedules (
    company_id uuid NOT NULL REFERENCES public.companies (id) ON DELETE CASCADE,
    user_id uuid NOT NULL,
    weekly_hours jsonb NOT NULL DEFAULT '{}'::jsonb
        CHECK (jsonb_typeof(weekly_hours) = 'object' AND octet_length(weekly_hours::text) <= 8192),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, user_id),
    FOREIGN KEY (company_id, user_id) REFERENCES public.users (company_id, id) ON DELETE CASCADE
);
CREATE TRIGGER member_schedules_touch BEFORE UPDATE ON public.member_schedules
    FOR EACH ROW EXECUTE FUNCTION public.atende_touch_updated_at();

-- A professional's absence (a day off, a vacation, a morning at a congress): no slot is offered
-- inside it. Instants, so an absence means the same thing whatever the clocks do.
CREATE TABLE public.time_off (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    company_id uuid NOT NULL REFERENCES public.companies (id) ON DELETE CASCADE,
    user_id uuid NOT NULL,
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    reason text CHECK (char_length(reason) <= 200),
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at AND ends_at - starts_at <= interval '366 days'),
    FOREIGN KEY (company_id, user_id) REFERENCES public.users (company_id, id) ON DELETE CASCADE,
    FOREIGN KEY (company_id, created_by) REFERENCES public.users (company_id, id),
    UNIQUE (company_id, id)
);
-- Availability reads the absences that end after the asked range starts (few: the recent ones).
CREATE INDEX time_off_company_id_user_id_idx ON public.time_off (company_id, user_id, ends_at);
-- The list, by start.
CREATE INDEX time_off_company_id_starts_at_idx ON public.time_off (company_id, starts_at, id);
CREATE INDEX time_off_company_id_created_by_idx ON public.time_off (company_id, created_by);
CREATE TRIGGER time_off_touch BEFORE UPDATE ON public.time_off
    FOR EACH ROW EXECUTE FUNCTION public.atende_touch_updated_at();

-- A professional's open appointments by end time: availability and the buffered booking check read
-- the ones that end after a given instant (range overlap `&&` is not leakproof, so under row-level
-- security the exclusion constraint's GiST index cannot serve those reads).
CREATE INDEX appointments_agenda_idx ON public.appointments (company_id, user_id, ends_at)
    INCLUDE (starts_at) WHERE status <> 'canceled' AND user_id IS NOT NULL;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['member_schedules', 'time_off'] LOOP
        EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE public.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON public.%I USING (company_id = (SELECT public.atende_current_company())) '
                       'WITH CHECK (company_id = (SELECT public.atende_current_company()))', t || '_tenant_isolation', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON public.%I TO atende_app', t);
    END LOOP;
END
$$;
