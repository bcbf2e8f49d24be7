-- Token buckets of the webhook rate limits, shared by every node (issue #23): each node's
-- in-memory limiter is a first, cheap stage; what passes it takes a token here, with one
-- statement, so N nodes together allow the configured rate once (not N times).
-- UNLOGGED: buckets are cheap to lose (a crash refills them) and never worth WAL or replication.
-- Keys are SHA-256 hex digests of the limiter's key (scope, clinic, account or address), so the
-- table holds no addresses, account ids or clinic ids; global by design (before any clinic is
-- known for per-address buckets).
CREATE UNLOGGED TABLE public.rate_buckets (
    key text PRIMARY KEY CHECK (char_length(key) <= 200),
    tokens double precision NOT NULL,
    allowed boolean NOT NULL,
    updated_at timestamptz NOT NULL,
    -- When the bucket is full again: past that instant the row means nothing and is pruned.
    full_at timestamptz NOT NULL
);

GRANT SELECT, INSERT, UPDATE, DELETE ON public.rate_buckets TO atende_app;
