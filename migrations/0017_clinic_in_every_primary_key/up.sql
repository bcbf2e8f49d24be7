-- Ready to shard by clinic (issue 23, docs/scaling.md): the primary key of every tenant table
-- includes company_id, as a distributed table's unique keys must include its distribution
-- column (Citus). Ids stay uuid v7 made by the application; what changes is only what the
-- database enforces: (company_id, id) instead of (id), and the separate UNIQUE (company_id, id)
-- that composite foreign keys referenced becomes that primary key.
--
-- For every table of `public` with a company_id whose primary key lacks it: the foreign keys
-- that reference the table are dropped and re-created as they were (they name (company_id, x),
-- which the new primary key serves), the old key and the separate unique constraint on
-- company_id + the old key's columns go, and the primary key becomes company_id + the old key's
-- columns, under the old constraint name.
DO $$
DECLARE
    t regclass;
    fk record;
    recreate text[] := '{}';
    stmt text;
    old_key text[];
BEGIN
    FOR t IN
        SELECT c.oid::regclass
          FROM pg_catalog.pg_class c
          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_catalog.pg_constraint pk ON pk.conrelid = c.oid AND pk.contype = 'p'
         WHERE n.nspname = 'public' AND c.relkind = 'r'
           AND EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                        WHERE a.attrelid = c.oid AND a.attname = 'company_id' AND NOT a.attisdropped)
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(pk.conkey) k
                             JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k
                            WHERE a.attname = 'company_id')
         ORDER BY c.relname
    LOOP
        FOR fk IN
            SELECT f.conname, f.conrelid::regclass AS tbl, pg_catalog.pg_get_constraintdef(f.oid) AS def
              FROM pg_catalog.pg_constraint f
             WHERE f.contype = 'f' AND f.confrelid = t
        LOOP
            recreate := recreate || pg_catalog.format('ALTER TABLE %s ADD CONSTRAINT %I %s', fk.tbl, fk.conname, fk.def);
            EXECUTE pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I', fk.tbl, fk.conname);
        END LOOP;
        SELECT pg_catalog.array_agg(a.attname::text ORDER BY k.ord) INTO old_key
          FROM pg_catalog.pg_constraint pk,
               pg_catalog.unnest(pk.conkey) WITH ORDINALITY AS k(attnum, ord)
          JOIN pg_catalog.pg_attribute a ON a.attrelid = t AND a.attnum = k.attnum
         WHERE pk.conrelid = t AND pk.contype = 'p';
        EXECUTE pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I', t,
            (SELECT conname FROM pg_catalog.pg_constraint WHERE conrelid = t AND contype = 'p'));
        FOR stmt IN
            SELECT u.conname FROM pg_catalog.pg_constraint u
             WHERE u.conrelid = t AND u.contype = 'u'
               AND (SELECT pg_catalog.array_agg(a.attname::text ORDER BY a.attname::text)
                      FROM pg_catalog.unnest(u.conkey) k
                      JOIN pg_catalog.pg_attribute a ON a.attrelid = t AND a.attnum = k)
                   = (SELECT pg_catalog.array_agg(c ORDER BY c) FROM pg_catalog.unnest(ARRAY['company_id'] || old_key) c)
        LOOP
            EXECUTE pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I', t, stmt);
        END LOOP;
        EXECUTE pg_catalog.format('ALTER TABLE %s ADD CONSTRAINT %I PRIMARY KEY (company_id, %s)', t,
            (SELECT c.relname || '_pkey' FROM pg_catalog.pg_class c WHERE c.oid = t),
            (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(c), ', ') FROM pg_catalog.unnest(old_key) c));
    END LOOP;
    FOREACH stmt IN ARRAY recreate LOOP
        EXECUTE stmt;
    END LOOP;
END
$$;

-- atende_claim_jobs (migration 0005) joins its due jobs back by id alone.
CREATE INDEX jobs_id_idx ON public.jobs (id);
