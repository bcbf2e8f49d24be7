//! The schema's rules, as tests (the equivalents of Supabase's advisor lints). Each query lists
//! the offenders; every list must be empty.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::{number, strings, tenant_tables};
use diesel_async::AsyncPgConnection;
use infra_postgres::testing::TestDb;

/// Tables of `public` that carry no tenant data and so have no row-level security, with why.
/// Keep in sync with docs/architecture.md.
const GLOBAL_TABLES: &[&str] = &[
    // diesel's record of applied migrations.
    "__diesel_schema_migrations",
    // Failed sign-in counters, keyed by hashed email / IP, before any clinic is known.
    "auth_attempts",
    // Webhook rate-limit buckets shared by every node, keyed by digests (issue #23); per-address
    // buckets are spent before any clinic is known.
    "rate_buckets",
    // Sign-in identities exist before (and independently of) clinic membership.
    "auth_identities",
    // One-time password reset tokens of identities (hashed), redeemed before any clinic is known.
    "auth_password_resets",
    // Sessions belong to an identity; the clinic is resolved on every request.
    "auth_sessions",
];

/// Unique keys of tenant tables that do not include `company_id`, with why: each is a key looked
/// up before the clinic is known, so it must be unique across clinics. Under Citus they move to
/// small reference ("directory") tables; see docs/scaling.md. Keep in sync with it.
const GLOBAL_UNIQUE_KEYS: &[&str] = &[
    // `atende_api_token_lookup(token_hash)`: a Bearer token names its clinic.
    "api_tokens_token_hash_key",
    // `atende_invite_lookup(token_hash)`: an invitation link names its clinic.
    "users_invite_token_hash_key",
];

async fn offenders(conn: &mut AsyncPgConnection, sql: &str) -> Vec<String> {
    strings(conn, sql).await
}

#[tokio::test]
async fn every_tenant_table_has_rls_enabled_forced_and_a_tenant_policy() {
    let t = TestDb::new().await;
    let mut conn = t.owner_conn().await;
    let tables = tenant_tables(&mut conn).await;
    assert!(tables.len() >= 15, "tenant tables found: {tables:?}");
    let bad = offenders(
        &mut conn,
        "SELECT c.relname::text AS v FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind = 'r'
            AND (c.relname = 'companies' OR EXISTS (SELECT 1 FROM pg_attribute a
                 WHERE a.attrelid = c.oid AND a.attname = 'company_id' AND NOT a.attisdropped))
            AND (NOT c.relrowsecurity OR NOT c.relforcerowsecurity OR NOT EXISTS (
                 SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid
                    AND pg_get_expr(p.polqual, p.polrelid) LIKE '%atende_current_company()%'
                    AND pg_get_expr(p.polwithcheck, p.polrelid) LIKE '%atende_current_company()%'))",
    )
    .await;
    assert!(
        bad.is_empty(),
        "tenant tables without enabled+forced RLS and a tenant policy: {bad:?}"
    );
}

#[tokio::test]
async fn no_public_table_lacks_rls_unless_it_is_an_allowed_global_table() {
    let t = TestDb::new().await;
    let mut conn = t.owner_conn().await;
    let without_rls = offenders(
        &mut conn,
        "SELECT c.relname::text AS v FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relrowsecurity ORDER BY 1",
    )
    .await;
    let unexpected: Vec<_> = without_rls
        .iter()
        .filter(|t| !GLOBAL_TABLES.contains(&t.as_str()))
        .collect();
    assert!(
        unexpected.is_empty(),
        "tables without RLS that are not on the global allow-list: {unexpected:?}"
    );
    // Global tables have no company_id: a tenant table can't hide on the allow-list.
    for table in GLOBAL_TABLES {
        let n = number(
            &mut conn,
            &format!(
                "SELECT count(*) AS n FROM information_schema.columns
                  WHERE table_schema = 'public' AND table_name = '{table}' AND column_name = 'company_id'"
            ),
        )
        .await
        .unwrap();
        assert_eq!(
            n, 0,
            "{table} holds tenant data but is allow-listed as global"
        );
    }
}

#[tokio::test]
async fn every_foreign_key_is_covered_by_an_index() {
    let t = TestDb::new().await;
    let mut conn = t.owner_conn().await;
    let bad = offenders(
        &mut conn,
        "SELECT c.conrelid::regclass::text || ' ' || c.conname AS v
           FROM pg_constraint c
          WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
            AND NOT EXISTS (
                SELECT 1 FROM pg_index i
                 WHERE i.indrelid = c.conrelid AND i.indisvalid
                   AND (i.indkey::int2[])[0:array_length(c.conkey, 1) - 1] @> c.conkey
                   AND (i.indkey::int2[])[0:array_length(c.conkey, 1) - 1] <@ c.conkey)",
    )
    .await;
    assert!(
        bad.is_empty(),
        "foreign keys without a covering index: {bad:?}"
    );
}

/// Functions left without a fixed search_path on purpose so the planner can inline them (a SET
/// clause prevents inlining), with their exact bodies: every name in them is schema-qualified.
const INLINED: [(&str, &str); 1] = [(
    "atende_current_company",
    "SELECT pg_catalog.current_setting('app.company_id')::pg_catalog.uuid",
)];

#[tokio::test]
async fn inlined_functions_are_exactly_their_qualified_bodies_and_are_inlined_into_policies() {
    let t = TestDb::new().await;
    let mut conn = t.owner_conn().await;
    for (name, body) in INLINED {
        let found = offenders(
            &mut conn,
            &format!(
                "SELECT btrim(p.prosrc, E' \\n') || '|' || p.prosecdef::text || '|' || coalesce(array_to_string(p.proconfig, ','), '') AS v
                   FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND p.proname = '{name}'"
            ),
        )
        .await;
        assert_eq!(found, [format!("{body}|false|")], "{name}");
    }
    // The policy is planned as the inlined expression, not as a function call.
    let pinned = offenders(
        &mut conn,
        "SELECT set_config('app.company_id', gen_random_uuid()::text, false) AS v",
    )
    .await;
    assert_eq!(pinned.len(), 1, "a tenant is pinned for the plan below");
    diesel_async::SimpleAsyncConnection::batch_execute(&mut conn, "SET ROLE atende_app")
        .await
        .unwrap();
    #[derive(diesel::QueryableByName)]
    struct PlanLine {
        #[diesel(sql_type = diesel::sql_types::Text, column_name = "QUERY PLAN")]
        line: String,
    }
    let plan: Vec<PlanLine> = diesel_async::RunQueryDsl::load(
        diesel::sql_query("EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM clients"),
        &mut conn,
    )
    .await
    .unwrap();
    let plan = plan
        .into_iter()
        .map(|l| l.line)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(plan.contains("current_setting('app.company_id'"), "{plan}");
    assert!(!plan.contains("atende_current_company"), "{plan}");
}

#[tokio::test]
async fn every_function_has_a_fixed_search_path_and_doors_are_not_public() {
    let t = TestDb::new().await;
    let mut conn = t.owner_conn().await;
    let mutable = offenders(
        &mut conn,
        &format!(
            "SELECT p.proname::text AS v FROM pg_proc p
              WHERE p.pronamespace = 'public'::regnamespace
                AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
                AND NOT EXISTS (SELECT 1 FROM unnest(coalesce(p.proconfig, '{{}}')) cfg WHERE cfg LIKE 'search_path=%')
                AND p.proname <> ALL ('{{{}}}'::text[])",
            INLINED.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(",")
        ),
    )
    .await;
    assert!(
        mutable.is_empty(),
        "functions with a mutable search_path: {mutable:?}"
    );
    let public_doors = offenders(
        &mut conn,
        "SELECT p.proname::text AS v FROM pg_proc p
          WHERE p.pronamespace = 'public'::regnamespace AND p.prosecdef
            AND (has_function_privilege('public', p.oid, 'EXECUTE'))",
    )
    .await;
    assert!(
        public_doors.is_empty(),
        "SECURITY DEFINER functions executable by PUBLIC: {public_doors:?}"
    );
    let doors = offenders(
        &mut conn,
        "SELECT p.proname::text AS v FROM pg_proc p
          WHERE p.pronamespace = 'public'::regnamespace AND p.prosecdef ORDER BY 1",
    )
    .await;
    // The doors are listed in docs/security.md; a new one must be added there (and here).
    assert_eq!(
        doors,
        [
            "atende_api_token_lookup",
            "atende_claim_jobs",
            "atende_client_search",
            "atende_company_schedule",
            "atende_integration_by_verify_token",
            "atende_integration_route",
            "atende_invite_lookup",
            "atende_job_queue_depth",
            "atende_message_search",
            "atende_principal_for",
            "atende_prune_events",
        ]
    );
}

#[tokio::test]
async fn no_duplicate_indexes_and_every_table_has_a_primary_key() {
    let t = TestDb::new().await;
    let mut conn = t.owner_conn().await;
    let duplicates = offenders(
        &mut conn,
        "SELECT string_agg(indexrelid::regclass::text, ', ') AS v FROM pg_index
          WHERE indrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace)
          GROUP BY indrelid, indkey::text, indclass::text, coalesce(pg_get_expr(indexprs, indrelid), ''),
                   coalesce(pg_get_expr(indpred, indrelid), '')
         HAVING count(*) > 1",
    )
    .await;
    assert!(duplicates.is_empty(), "duplicate indexes: {duplicates:?}");
    let no_pk = offenders(
        &mut conn,
        "SELECT c.relname::text AS v FROM pg_class c
          WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
            AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p')",
    )
    .await;
    assert!(no_pk.is_empty(), "tables without a primary key: {no_pk:?}");
}

#[tokio::test]
async fn policies_evaluate_the_tenant_once_per_statement() {
    // Supabase lint 0003: a bare current_setting()/function call in a policy runs per row.
    let t = TestDb::new().await;
    let mut conn = t.owner_conn().await;
    let bad = offenders(
        &mut conn,
        "SELECT tablename::text || '.' || policyname::text AS v FROM pg_policies
          WHERE schemaname = 'public'
            AND (qual NOT LIKE '%( SELECT atende_current_company()%'
              OR with_check NOT LIKE '%( SELECT atende_current_company()%')",
    )
    .await;
    assert!(
        bad.is_empty(),
        "policies that call the tenant function per row: {bad:?}"
    );
}

#[tokio::test]
async fn the_app_role_cannot_log_in_bypass_rls_or_own_anything_and_extensions_stay_out_of_public() {
    let t = TestDb::new().await;
    let mut conn = t.owner_conn().await;
    let role = strings(
        &mut conn,
        "SELECT format('%s/%s/%s/%s', rolcanlogin, rolbypassrls, rolsuper, rolcreaterole) AS v
           FROM pg_roles WHERE rolname = 'atende_app'",
    )
    .await;
    assert_eq!(
        role,
        ["f/f/f/f"],
        "atende_app must be NOLOGIN, NOBYPASSRLS, NOSUPERUSER, NOCREATEROLE"
    );
    let owned = number(
        &mut conn,
        "SELECT count(*) AS n FROM pg_class WHERE relowner = 'atende_app'::regrole",
    )
    .await
    .unwrap();
    assert_eq!(owned, 0);
    let in_public = strings(
        &mut conn,
        "SELECT e.extname::text AS v FROM pg_extension e WHERE e.extnamespace = 'public'::regnamespace",
    )
    .await;
    assert!(
        in_public.is_empty(),
        "extensions installed in public: {in_public:?}"
    );
}

/// Ready to shard by clinic (Citus, distribution column `company_id`): every primary key, unique
/// constraint, unique index and exclusion constraint of a tenant table includes `company_id`
/// (unless listed in [`GLOBAL_UNIQUE_KEYS`]), and every foreign key of a tenant table includes
/// `company_id` on both sides (or is `company_id` → `companies(id)`).
#[tokio::test]
async fn every_unique_key_of_a_tenant_table_includes_the_clinic_and_every_tenant_foreign_key_is_composite()
 {
    let t = TestDb::new().await;
    let mut conn = t.owner_conn().await;
    let tenant = "(SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = 'public' AND c.relkind = 'r' AND EXISTS (
                          SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                             AND a.attname = 'company_id' AND NOT a.attisdropped))";
    let has_company = |keys: &str, rel: &str| {
        format!(
            "EXISTS (SELECT 1 FROM unnest({keys}) k JOIN pg_attribute a
                      ON a.attrelid = {rel} AND a.attnum = k WHERE a.attname = 'company_id')"
        )
    };
    let unique = offenders(
        &mut conn,
        &format!(
            "SELECT i.indexrelid::regclass::text AS v FROM pg_index i
              WHERE (i.indisunique OR EXISTS (SELECT 1 FROM pg_constraint x
                                               WHERE x.conindid = i.indexrelid AND x.contype = 'x'))
                AND i.indrelid IN {tenant}
                AND NOT {}
              ORDER BY 1",
            has_company("i.indkey::int2[]", "i.indrelid")
        ),
    )
    .await;
    let unique: Vec<_> = unique
        .into_iter()
        .filter(|k| !GLOBAL_UNIQUE_KEYS.contains(&k.as_str()))
        .collect();
    assert!(
        unique.is_empty(),
        "unique keys of tenant tables without company_id: {unique:?}"
    );
    let foreign = offenders(
        &mut conn,
        &format!(
            "SELECT format('%s.%s', f.conrelid::regclass, f.conname) AS v FROM pg_constraint f
              WHERE f.contype = 'f' AND f.conrelid IN {tenant}
                AND NOT ({} AND (f.confrelid = 'public.companies'::regclass OR {}))
              ORDER BY 1",
            has_company("f.conkey", "f.conrelid"),
            has_company("f.confkey", "f.confrelid"),
        ),
    )
    .await;
    assert!(
        foreign.is_empty(),
        "tenant foreign keys that are not composite: {foreign:?}"
    );
    // The allow-list names only keys that exist.
    for key in GLOBAL_UNIQUE_KEYS {
        assert_eq!(
            number(
                &mut conn,
                &format!("SELECT count(*) AS n FROM pg_class WHERE relname = '{key}'")
            )
            .await
            .unwrap(),
            1,
            "{key} is listed but does not exist"
        );
    }
}

#[tokio::test]
async fn the_app_role_can_create_no_temporary_table_and_nothing_in_public() {
    use diesel_async::SimpleAsyncConnection;
    use infra_postgres::{DbError, TenantScope};
    let privileges = "SELECT format('%s/%s/%s', \
           has_database_privilege('atende_app', current_database(), 'TEMPORARY'), \
           has_schema_privilege('atende_app', 'public', 'CREATE'), \
           has_database_privilege('atende_app', current_database(), 'CREATE')) AS v";
    // A database migrated by `atende migrate`…
    let t = TestDb::empty().await;
    infra_postgres::migrate::run_pending(&t.url).await.unwrap();
    let mut conn = t.owner_conn().await;
    assert_eq!(strings(&mut conn, privileges).await, ["f/f/f"]);
    // … and a test database copied from the template.
    let t = TestDb::new().await;
    let mut conn = t.owner_conn().await;
    assert_eq!(strings(&mut conn, privileges).await, ["f/f/f"]);
    // In a unit of work (as atende_app) both are refused.
    for ddl in [
        "CREATE TEMPORARY TABLE scratch (a int)",
        "CREATE TABLE public.scratch (a int)",
    ] {
        let r =
            t.db.tenant_tx(
                TenantScope::company(domain::CompanyId(uuid::Uuid::now_v7())),
                move |conn| {
                    Box::pin(async move { conn.batch_execute(ddl).await.map_err(DbError::from) })
                },
            )
            .await;
        let err = r.expect_err(ddl).to_string();
        assert!(err.contains("permission denied"), "{ddl}: {err}");
    }
}

fn pg_dump_schema(url: &str) -> String {
    let out = std::process::Command::new("pg_dump")
        .args([
            "--schema-only",
            "--no-owner",
            "--exclude-table=__diesel_schema_migrations",
            url,
        ])
        .output()
        .expect("pg_dump must be installed (postgresql-client)");
    assert!(
        out.status.success(),
        "pg_dump failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| {
            !l.starts_with("--") && !l.starts_with("\\restrict") && !l.starts_with("\\unrestrict")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn every_migration_reverts_cleanly() {
    let t = TestDb::empty().await;
    let applied = infra_postgres::migrate::run_pending(&t.url).await.unwrap();
    assert_eq!(
        applied.len(),
        infra_postgres::migrate::embedded_count().unwrap()
    );
    let first = pg_dump_schema(&t.url);
    let reverted = infra_postgres::migrate::revert_all(&t.url).await.unwrap();
    assert_eq!(reverted, applied.len());
    let empty = pg_dump_schema(&t.url);
    assert!(
        !empty.contains("CREATE TABLE public.clients"),
        "down migrations left tables behind"
    );
    infra_postgres::migrate::run_pending(&t.url).await.unwrap();
    let again = pg_dump_schema(&t.url);
    assert_eq!(first, again, "up -> down -> up changed the schema");
    // And a second run applies nothing (idempotent).
    assert!(
        infra_postgres::migrate::run_pending(&t.url)
            .await
            .unwrap()
            .is_empty()
    );
}
