-- Conversation threads and their messages (interactions).

CREATE TABLE public.conversation_threads (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    company_id uuid NOT NULL REFERENCES public.companies (id) ON DELETE CASCADE,
    client_id uuid NOT NULL,
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed')),
    -- The channel of the last message (or the one the thread was started on).
    channel text NOT NULL CHECK (channel IN ('whatsapp', 'instagram', 'email', 'sms', 'internal')),
    last_inbound_channel text CHECK (last_inbound_channel IN ('whatsapp', 'instagram', 'email', 'sms')),
    started_at timestamptz NOT NULL DEFAULT now(),
    ended_at timestamptz,
    close_reason text CHECK (char_length(close_reason) <= 200),
    closed_by uuid,
    last_message_at timestamptz,
    last_inbound_at timestamptz,
    -- coalesce(last_message_at, started_at): the inbox and list order, kept by the writers.
    sort_at timestamptz NOT NULL DEFAULT now(),
    unread_count integer NOT NULL DEFAULT 0 CHECK (unread_count >= 0),
    last_read_at timestamptz,
    last_read_by uuid,
    -- Denormalised last message, so an inbox page is one index scan (no N+1, no lateral join).
    last_interaction_id uuid,
    last_message_snippet text CHECK (char_length(last_message_snippet) <= 120),
    last_message_direction text CHECK (last_message_direction IN ('inbound', 'outbound')),
    last_message_status text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'closed') = (ended_at IS NOT NULL)),
    FOREIGN KEY (company_id, client_id) REFERENCES public.clients (company_id, id),
    FOREIGN KEY (company_id, closed_by) REFERENCES public.users (company_id, id),
    FOREIGN KEY (company_id, last_read_by) REFERENCES public.users (company_id, id),
    UNIQUE (company_id, id)
);
-- At most one active thread per patient, across channels; concurrent starts cannot make two.
CREATE UNIQUE INDEX conversation_threads_one_active_per_client
    ON public.conversation_threads (company_id, client_id) WHERE status = 'active';
CREATE INDEX conversation_threads_company_id_client_id_idx
    ON public.conversation_threads (company_id, client_id, sort_at DESC, id DESC);
CREATE INDEX conversation_threads_inbox_idx
    ON public.conversation_threads (company_id, sort_at DESC, id DESC) WHERE status = 'active';
CREATE INDEX conversation_threads_company_id_sort_at_idx
    ON public.conversation_threads (company_id, status, sort_at DESC, id DESC);
CREATE INDEX conversation_threads_company_id_closed_by_idx ON public.conversation_threads (company_id, closed_by);
CREATE INDEX conversation_threads_company_id_last_read_by_idx ON public.conversation_threads (company_id, last_read_by);
CREATE TRIGGER conversation_threads_touch BEFORE UPDATE ON public.conversation_threads
    FOR EACH ROW EXECUTE FUNCTION public.atende_touch_updated_at();

CREATE TABLE public.interactions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    company_id uuid NOT NULL REFERENCES public.companies (id) ON DELETE CASCADE,
    conversation_id uuid NOT NULL,
    client_id uuid NOT NULL,
    channel text NOT NULL CHECK (channel IN ('whatsapp', 'instagram', 'email', 'sms', 'internal')),
    direction text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    content_type text NOT NULL DEFAULT 'text' CHECK (content_type IN (
        'text', 'image', 'audio', 'video', 'document', 'location', 'sticker', 'reaction',
        'interactive', 'button', 'contacts', 'system', 'unsupported', 'unknown')),
    text text CHECK (char_length(text) <= 65536),
    media jsonb,
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- The provider's message id (wamid, Instagram mid, n8n id); unique per clinic and channel.
    external_id text CHECK (char_length(external_id) <= 256),
    -- Inbound messages are 'received'; outbound ones move queued < sent < delivered < read, or failed.
    status text NOT NULL CHECK (status IN ('received', 'queued', 'sent', 'delivered', 'read', 'failed')),
    error jsonb,
    source text NOT NULL DEFAULT 'api' CHECK (source IN ('api', 'webhook', 'meta', 'provider_app', 'agent', 'import')),
    sent_by_user_id uuid,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    queued_at timestamptz,
    sent_at timestamptz,
    delivered_at timestamptz,
    read_at timestamptz,
    failed_at timestamptz,
    deleted_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (company_id, conversation_id) REFERENCES public.conversation_threads (company_id, id),
    FOREIGN KEY (company_id, client_id) REFERENCES public.clients (company_id, id),
    FOREIGN KEY (company_id, sent_by_user_id) REFERENCES public.users (company_id, id),
    UNIQUE (company_id, id)
);
-- Exactly-once storage of provider messages, enforced by the database.
CREATE UNIQUE INDEX interactions_company_id_channel_external_id_key
    ON public.interactions (company_id, channel, external_id) WHERE external_id IS NOT NULL;
-- Status callbacks that name only the provider id.
CREATE INDEX interactions_company_id_external_id_idx
    ON public.interactions (company_id, external_id) WHERE external_id IS NOT NULL;
-- History of a thread, newest first, keyset-paged.
CREATE INDEX interactions_history_idx ON public.interactions (company_id, conversation_id, occurred_at DESC, id DESC);
-- Recent messages of a patient across threads (profile, analyst input).
CREATE INDEX interactions_company_id_client_id_idx ON public.interactions (company_id, client_id, occurred_at DESC, id DESC);
CREATE INDEX interactions_company_id_sent_by_user_id_idx ON public.interactions (company_id, sent_by_user_id);
CREATE TRIGGER interactions_touch BEFORE UPDATE ON public.interactions
    FOR EACH ROW EXECUTE FUNCTION public.atende_touch_updated_at();

-- Idempotency-Key of a send: the same key from the same clinic within 24 h returns the first result.
CREATE TABLE public.idempotency_keys (
    company_id uuid NOT NULL REFERENCES public.companies (id) ON DELETE CASCADE,
    key text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 255),
    interaction_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, key),
    FOREIGN KEY (company_id, interaction_id) REFERENCES public.interactions (company_id, id) ON DELETE CASCADE
);
CREATE INDEX idempotency_keys_company_id_interaction_id_idx ON public.idempotency_keys (company_id, interaction_id);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['conversation_threads', 'interactions', 'idempotency_keys'] LOOP
        EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE public.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON public.%I USING (company_id = (SELECT public.atende_current_company())) '
                       'WITH CHECK (company_id = (SELECT public.atende_current_company()))', t || '_tenant_isolation', t);
    END LOOP;
END
$$;
-- Messages are never deleted by the app (an unsent message is marked deleted_at).
GRANT SELECT, INSERT, UPDATE, DELETE ON public.conversation_threads, public.idempotency_keys TO atende_app;
GRANT SELECT, INSERT, UPDATE ON public.interactions TO atende_app;
