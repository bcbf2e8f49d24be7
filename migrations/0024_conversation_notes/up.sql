-- Internal notes (issue 19, item 6; docs/domain-rules.md "Internal notes"): a member's private
-- remark on a conversation. A note is not a message: it lives in its own table, so nothing that
-- reads `interactions` (the inbox's unread counts and last message, the outbox and its dispatch
-- to n8n, the analyst's input, the reports) can ever see one. The history shows notes beside the
-- messages of each page (`GET /api/conversations/{id}`).

CREATE TABLE public.conversation_notes (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    company_id uuid NOT NULL REFERENCES public.companies (id) ON DELETE CASCADE,
    conversation_id uuid NOT NULL,
    -- The member who wrote it (NULL for an API token, which acts for no member).
    author_id uuid,
    text text NOT NULL CHECK (char_length(text) BETWEEN 1 AND 2000),
    created_at timestamptz NOT NULL DEFAULT now(),
    -- Sharding-ready like every tenant table (migration 0017): the clinic leads the key.
    PRIMARY KEY (company_id, id),
    FOREIGN KEY (company_id, conversation_id)
        REFERENCES public.conversation_threads (company_id, id) ON DELETE CASCADE,
    FOREIGN KEY (company_id, author_id) REFERENCES public.users (company_id, id)
);
-- A thread's notes in history order (newest first), read by the window of each history page.
CREATE INDEX conversation_notes_thread_idx
    ON public.conversation_notes (company_id, conversation_id, created_at DESC, id DESC);
CREATE INDEX conversation_notes_author_idx ON public.conversation_notes (company_id, author_id);

ALTER TABLE public.conversation_notes ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.conversation_notes FORCE ROW LEVEL SECURITY;
CREATE POLICY conversation_notes_tenant_isolation ON public.conversation_notes
    USING (company_id = (SELECT public.atende_current_company()))
    WITH CHECK (company_id = (SELECT public.atende_current_company()));
-- Append-only for the app, like messages: a note is written and read (and goes with its thread).
GRANT SELECT, INSERT ON public.conversation_notes TO atende_app;
