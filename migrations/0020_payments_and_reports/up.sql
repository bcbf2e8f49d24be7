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
-- First-response times: per conversation, its first inbound message and its first outbound one
-- after it, each one index-only probe (the history index would read the heap to filter the
-- direction: twice as slow at the benchmark scale, docs/performance.md).
CREATE INDEX interactions_first_by_direction_idx ON public.interactions (company_id, conversation_id, direction, occurred_at, id)
    INCLUDE (channel, sent_by_user_id);
-- Conversations started in a period (first-response and resolution times), index-only.
CREATE INDEX conversation_threads_company_id_started_at_idx ON public.conversation_threads (company_id, started_at)
    INCLUDE (id, channel, ended_at, closed_by, close_reason);
