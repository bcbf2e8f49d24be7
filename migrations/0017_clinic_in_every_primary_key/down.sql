-- Back to primary keys on id, and UNIQUE (company_id, id) where migration 0003-0005 had it.
DROP INDEX public.jobs_id_idx;
DO $$
DECLARE
    t text;
    fk record;
    recreate text[] := '{}';
    stmt text;
    with_unique text[] := ARRAY['users', 'clients', 'services', 'appointments',
                                'conversation_threads', 'interactions', 'integrations'];
BEGIN
    FOREACH t IN ARRAY ARRAY['ai_context_snapshots', 'api_tokens', 'appointments', 'client_identities',
                             'clients', 'conversation_threads', 'integrations', 'interactions', 'jobs',
                             'payments', 'services', 'users']
    LOOP
        FOR fk IN
            SELECT f.conname, f.conrelid::regclass AS tbl, pg_catalog.pg_get_constraintdef(f.oid) AS def
              FROM pg_catalog.pg_constraint f
             WHERE f.contype = 'f' AND f.confrelid = ('public.' || t)::regclass
        LOOP
            recreate := recreate || pg_catalog.format('ALTER TABLE %s ADD CONSTRAINT %I %s', fk.tbl, fk.conname, fk.def);
            EXECUTE pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I', fk.tbl, fk.conname);
        END LOOP;
        EXECUTE pg_catalog.format('ALTER TABLE public.%I DROP CONSTRAINT %I', t, t || '_pkey');
        EXECUTE pg_catalog.format('ALTER TABLE public.%I ADD CONSTRAINT %I PRIMARY KEY (id)', t, t || '_pkey');
        IF t = ANY (with_unique) THEN
            EXECUTE pg_catalog.format('ALTER TABLE public.%I ADD CONSTRAINT %I UNIQUE (company_id, id)',
                                      t, t || '_company_id_id_key');
        END IF;
    END LOOP;
    FOREACH stmt IN ARRAY recreate LOOP
        EXECUTE stmt;
    END LOOP;
END
$$;
