DROP TABLE public.rate_buckets;
