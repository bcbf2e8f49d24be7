-- The app role may create nothing (issue 26): no temporary tables (`TEMPORARY` on the database,
-- which every role has through PUBLIC by default) and no objects in `public` (`CREATE`, which
-- PUBLIC has on PostgreSQL 14 and older). atende_app's login roles get their rights through
-- PUBLIC too, so PUBLIC loses them; the owner and superusers keep theirs.
--
-- Database privileges are not copied by `CREATE DATABASE … TEMPLATE` nor dumped by `pg_dump`
-- without `--create`, so `atende migrate` (infra_postgres::migrate::HARDEN_SQL) repeats the
-- database part on every run, and test databases get it when they are made.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM atende_app;
DO $$
BEGIN
    EXECUTE pg_catalog.format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC, atende_app',
                              pg_catalog.current_database());
END
$$;
