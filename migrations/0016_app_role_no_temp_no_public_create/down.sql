-- PostgreSQL's defaults again: TEMPORARY for PUBLIC; CREATE on public for PUBLIC up to 14.
DO $$
BEGIN
    EXECUTE pg_catalog.format('GRANT TEMPORARY ON DATABASE %I TO PUBLIC',
                              pg_catalog.current_database());
    IF pg_catalog.current_setting('server_version_num')::int < 150000 THEN
        GRANT CREATE ON SCHEMA public TO PUBLIC;
    END IF;
END
$$;
