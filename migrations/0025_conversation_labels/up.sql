-- Conversation labels (issue 19, item 5; docs/domain-rules.md "Labels"): the clinic's own names
-- with a colour, attached to threads and used as inbox filters. Admins manage labels; any member
-- attaches and detaches them. Deleting a label detaches it from every thread (the cascade).

CREATE TABLE public.labels (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    company_id uuid NOT NULL REFERENCES public.companies (id) ON DELETE CASCADE,
    name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 50 AND name = btrim(name)),
    colour text NOT NULL CHECK (colour ~ '^#[0-9a-f]{6}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, id)
);
-- One name per clinic, ignoring case; the list is by name.
CREATE UNIQUE INDEX labels_company_id_name_key ON public.labels (company_id, lower(name));
CREATE INDEX labels_company_id_list_idx ON public.labels (company_id, name, id);
CREATE TRIGGER labels_touch BEFORE UPDATE ON public.labels
    FOR EACH ROW EXECUTE FUNCTION public.atende_touch_updated_at();

CREATE TABLE public.conversation_labels (
    company_id uuid NOT NULL REFERENCES public.companies (id) ON DELETE CASCADE,
    conversation_id uuid NOT NULL,
    label_id uuid NOT NULL,
    -- Who attached it (NULL for an API token, which acts for no member).
    attached_by uuid,
    attached_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, conversation_id, label_id),
    FOREIGN KEY (company_id, conversation_id)
        REFERENCES public.conversation_threads (company_id, id) ON DELETE CASCADE,
    FOREIGN KEY (company_id, label_id) REFERENCES public.labels (company_id, id) ON DELETE CASCADE,
    FOREIGN KEY (company_id, attached_by) REFERENCES public.users (company_id, id)
);
-- The inbox filter `?label=` and the cascade of a deleted label.
CREATE INDEX conversation_labels_label_idx
    ON public.conversation_labels (company_id, label_id, conversation_id);
CREATE INDEX conversation_labels_attached_by_idx
    ON public.conversation_labels (company_id, attached_by);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['labels', 'conversation_labels'] LOOP
        EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE public.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON public.%I USING (company_id = (SELECT public.atende_current_company())) '
                       'WITH CHECK (company_id = (SELECT public.atende_current_company()))', t || '_tenant_isolation', t);
    END LOOP;
END
$$;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.labels TO atende_app;
GRANT SELECT, INSERT, DELETE ON public.conversation_labels TO atende_app;
