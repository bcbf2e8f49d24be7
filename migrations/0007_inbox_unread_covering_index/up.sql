-- The home screen's unread total (sum of unread_count over a clinic's active threads) as an
-- index-only scan (issue 11, docs/performance.md): on the scale dataset the sum over ~3,500 active
-- threads went from a heap-reading index scan (~4 ms) to an index-only scan (~0.9 ms). The count of
-- open threads uses it too. Thread updates are not HOT anyway (sort_at is indexed), so the extra
-- entry costs one more index write per message.
CREATE INDEX conversation_threads_active_unread_idx
    ON public.conversation_threads (company_id) INCLUDE (unread_count) WHERE status = 'active';
