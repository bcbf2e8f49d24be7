-- Patients (clients) and their channel identities, the clinic's catalogue, appointments, payments.

-- Search keys of a client: folded name, email, Instagram username, and the phone's digits both with
-- and without the Brazilian mobile ninth digit, so "11 8765-4321" finds +55 11 98765-4321.
CREATE FUNCTION public.atende_client_search_text(p_name text, p_email text, p_phone text, p_instagram text)
    RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = ''
AS $$
    SELECT pg_catalog.concat_ws(' ',
        public.atende_fold(p_name),
        pg_catalog.lower(p_email),
        pg_catalog.lower(p_instagram),
        pg_catalog.regexp_replace(coalesce(p_phone, ''), '[^0-9]', '', 'g'),
        CASE WHEN p_phone ~ '^\+55[1-9][0-9]9[0-9]{8}$'
             THEN pg_catalog.substr(p_phone, 2, 4) || pg_catalog.substr(p_phone, 7)
        END)
$$;

CREATE TABLE public.clients (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    company_id uuid NOT NULL REFERENCES public.companies (id) ON DELETE CASCADE,
    name text CHECK (char_length(name) BETWEEN 1 AND 200),
    phone text CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    email text CHECK (email = lower(email) AND char_length(email) BETWEEN 3 AND 254),
    instagram_username text CHECK (char_length(instagram_username) BETWEEN 1 AND 30),
    notes text CHECK (char_length(notes) <= 2000),
    tags text[] NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 20),
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('lead', 'active', 'inactive')),
    search_text text GENERATED ALWAYS AS (public.atende_client_search_text(name, email, phone, instagram_username)) STORED,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (company_id, id)
);
-- A phone belongs to one client per clinic.
CREATE UNIQUE INDEX clients_company_id_phone_key ON public.clients (company_id, phone) WHERE phone IS NOT NULL;
-- Keyset listing, newest first.
CREATE INDEX clients_company_id_created_at_idx ON public.clients (company_id, created_at DESC, id DESC);
CREATE INDEX clients_search_text_trgm_idx ON public.clients USING gin (search_text extensions.gin_trgm_ops);
CREATE TRIGGER clients_touch BEFORE UPDATE ON public.clients
    FOR EACH ROW EXECUTE FUNCTION public.atende_touch_updated_at();

-- How a client is reached on a channel. `external_id` is canonical per channel: WhatsApp numbers as
-- digits with the Brazilian ninth digit (so both spellings are one identity) or a business-scoped
-- user id (`CC.…`); Instagram scoped ids; lower-cased emails.
CREATE TABLE public.client_identities (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    company_id uuid NOT NULL REFERENCES public.companies (id) ON DELETE CASCADE,
    client_id uuid NOT NULL,
    channel text NOT NULL CHECK (channel IN ('whatsapp', 'instagram', 'email', 'sms')),
    external_id text NOT NULL CHECK (char_length(external_id) BETWEEN 1 AND 200),
    display_value text CHECK (char_length(display_value) <= 200),
    phone text CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (company_id, client_id) REFERENCES public.clients (company_id, id) ON DELETE CASCADE,
    UNIQUE (company_id, channel, external_id)
);
CREATE INDEX client_identities_company_id_client_id_idx ON public.client_identities (company_id, client_id);

CREATE TABLE public.services (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    company_id uuid NOT NULL REFERENCES public.companies (id) ON DELETE CASCADE,
    name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    description text CHECK (char_length(description) <= 2000),
    price_cents bigint NOT NULL CHECK (price_cents >= 0),
    currency text NOT NULL DEFAULT 'BRL' CHECK (currency ~ '^[A-Z]{3}$'),
    duration_minutes integer NOT NULL CHECK (duration_minutes BETWEEN 5 AND 1440),
    active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (company_id, id)
);
CREATE UNIQUE INDEX services_company_id_name_key ON public.services (company_id, public.atende_fold(name));
CREATE TRIGGER services_touch BEFORE UPDATE ON public.services
    FOR EACH ROW EXECUTE FUNCTION public.atende_touch_updated_at();

CREATE TABLE public.appointments (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    company_id uuid NOT NULL REFERENCES public.companies (id) ON DELETE CASCADE,
    client_id uuid NOT NULL,
    service_id uuid NOT NULL,
    user_id uuid,
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    status text NOT NULL DEFAULT 'scheduled'
        CHECK (status IN ('scheduled', 'confirmed', 'completed', 'canceled', 'no_show')),
    notes text CHECK (char_length(notes) <= 2000),
    created_by uuid,
    canceled_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at),
    FOREIGN KEY (company_id, client_id) REFERENCES public.clients (company_id, id),
    FOREIGN KEY (company_id, service_id) REFERENCES public.services (company_id, id),
    FOREIGN KEY (company_id, user_id) REFERENCES public.users (company_id, id),
    FOREIGN KEY (company_id, created_by) REFERENCES public.users (company_id, id),
    UNIQUE (company_id, id),
    -- A professional is never double-booked, however concurrent the bookings.
    CONSTRAINT appointments_no_overlap EXCLUDE USING gist (
        company_id WITH =, user_id WITH =, tstzrange(starts_at, ends_at) WITH &&
    ) WHERE (status <> 'canceled' AND user_id IS NOT NULL)
);
CREATE INDEX appointments_company_id_client_id_idx ON public.appointments (company_id, client_id, starts_at);
CREATE INDEX appointments_company_id_service_id_idx ON public.appointments (company_id, service_id);
CREATE INDEX appointments_company_id_user_id_idx ON public.appointments (company_id, user_id);
CREATE INDEX appointments_company_id_created_by_idx ON public.appointments (company_id, created_by);
CREATE INDEX appointments_company_id_starts_at_idx ON public.appointments (company_id, starts_at, id);
CREATE TRIGGER appointments_touch BEFORE UPDATE ON public.appointments
    FOR EACH ROW EXECUTE FUNCTION public.atende_touch_updated_at();

CREATE TABLE public.payments (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    company_id uuid NOT NULL REFERENCES public.companies (id) ON DELETE CASCADE,
    client_id uuid NOT NULL,
    appointment_id uuid,
    amount_cents bigint NOT NULL CHECK (amount_cents >= 0),
    currency text NOT NULL DEFAULT 'BRL' CHECK (currency ~ '^[A-Z]{3}$'),
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'paid', 'refunded', 'canceled')),
    method text CHECK (method IN ('cash', 'pix', 'credit_card', 'debit_card', 'bank_transfer', 'other')),
    paid_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (company_id, client_id) REFERENCES public.clients (company_id, id),
    FOREIGN KEY (company_id, appointment_id) REFERENCES public.appointments (company_id, id)
);
CREATE INDEX payments_company_id_client_id_idx ON public.payments (company_id, client_id);
CREATE INDEX payments_company_id_appointment_id_idx ON public.payments (company_id, appointment_id);
CREATE TRIGGER payments_touch BEFORE UPDATE ON public.payments
    FOR EACH ROW EXECUTE FUNCTION public.atende_touch_updated_at();

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['clients', 'client_identities', 'services', 'appointments', 'payments'] LOOP
        EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE public.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON public.%I USING (company_id = (SELECT public.atende_current_company())) '
                       'WITH CHECK (company_id = (SELECT public.atende_current_company()))', t || '_tenant_isolation', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON public.%I TO atende_app', t);
    END LOOP;
END
$$;
