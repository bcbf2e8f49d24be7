-- Payments in use (issue 21): the list's keyset order, received totals by payment time, and the
-- rule that a paid (or refunded) payment says when it was paid. Plus the indexes the clinic's
-- numbers (`GET /api/reports/overview`, docs/reports.md) read a period through.

ALTER TABLE public.payments
    ADD CONSTRAINT payments_paid_at_when_paid CHECK (status NOT IN ('paid', 'refunded') OR paid_at IS NOT NULL);
-- `GET /api/payments`: newest first, keyset-paged.
CREATE INDEX payments_company_id_created_at_idx ON public.payments (company_id, created_at DESC, id DESC);
-- Received money by payment time (Home's "received today", the report's payments), index-only.
CREATE INDEX payments_received_idx ON public.payments (company_id, paid_at)
    INCLUDE (amount_cents, currency, method) WHERE status = 'paid';

-- Messages of a period by channel and direction, index-only (the report's "messages per channel").
CREATE INDEX interactions_company_id_occurred_at_idx ON public.interactions (company_id, occurred_at)
    INCLUDE (channel, direction) WHERE deleted_at IS NULL;
-- Conversations started in a period (first-response and resolution times).
CREATE INDEX conversation_threads_company_id_started_at_idx ON public.conversation_threads (company_id, started_at);
