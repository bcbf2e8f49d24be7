//! The SECURITY DEFINER doors: each one's contract (arguments and returned columns) is pinned,
//! and called as `atende_app` with no clinic pinned, each answers only the row its key names —
//! never another clinic's, never anything for an unknown key.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::{seed_company, strings};
use diesel_async::SimpleAsyncConnection;
use infra_postgres::DbError;
use infra_postgres::testing::TestDb;
use uuid::Uuid;

/// Every door with its identity arguments and result, exactly. Widening a door (a new argument,
/// a new column) must be a deliberate change here, in `docs/architecture.md` and in
/// `docs/security.md`.
const CONTRACTS: &[(&str, &str, &str)] = &[
    (
        "atende_api_token_lookup",
        "p_token_hash bytea",
        "TABLE(token_id uuid, company_id uuid, role text, scopes text[], expires_at timestamp with time zone, revoked_at timestamp with time zone, last_used_at timestamp with time zone, created_by uuid, creator_role text, creator_status text)",
    ),
    (
        "atende_claim_jobs",
        "p_worker text, p_kinds text[], p_limit integer, p_lease_secs integer, p_per_company integer",
        "TABLE(id uuid, company_id uuid, kind text, payload jsonb, attempts integer, max_attempts integer)",
    ),
    (
        "atende_client_search",
        "p_pattern text, p_digits text, p_status text, p_after_created_at timestamp with time zone, p_after_id uuid, p_limit integer",
        "SETOF uuid",
    ),
    (
        "atende_company_schedule",
        "",
        "TABLE(company_id uuid, timezone text)",
    ),
    (
        "atende_integration_by_verify_token",
        "p_provider text, p_token_hash bytea",
        "TABLE(integration_id uuid, company_id uuid)",
    ),
    (
        "atende_integration_route",
        "p_provider text, p_account_ids text[]",
        "TABLE(account_id text, integration_id uuid, company_id uuid, config jsonb, secrets bytea, verified_at timestamp with time zone)",
    ),
    (
        "atende_invite_lookup",
        "p_token_hash bytea",
        "TABLE(user_id uuid, company_id uuid, email text, name text, status text, invite_expires_at timestamp with time zone)",
    ),
    (
        "atende_job_queue_depth",
        "",
        "TABLE(kind text, due bigint, waiting bigint, running bigint, failed_24h bigint)",
    ),
    (
        "atende_message_search",
        "p_query tsquery, p_client_id uuid, p_channel text, p_from timestamp with time zone, p_to timestamp with time zone, p_after_at timestamp with time zone, p_after_id uuid, p_limit integer",
        "SETOF uuid",
    ),
    (
        "atende_principal_for",
        "p_auth_user_id uuid",
        "TABLE(user_id uuid, company_id uuid, company_name text, email text, name text, role text, status text)",
    ),
    (
        "atende_prune_events",
        "p_keep interval, p_limit integer",
        "integer",
    ),
];

#[tokio::test]
async fn every_door_keeps_its_documented_contract() {
    let t = TestDb::new().await;
    let mut owner = t.owner_conn().await;
    let found = strings(
        &mut owner,
        "SELECT p.proname || '|' || pg_get_function_identity_arguments(p.oid) || '|'
                || pg_get_function_result(p.oid) AS v
           FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
          WHERE n.nspname = 'public' AND p.prosecdef
          ORDER BY p.proname",
    )
    .await;
    let expected: Vec<String> = CONTRACTS
        .iter()
        .map(|(name, args, result)| format!("{name}|{args}|{result}"))
        .collect();
    assert_eq!(found, expected);
}

/// Runs `sql` as `atende_app` with no clinic pinned and returns its rows as text.
async fn as_app(t: &TestDb, sql: String) -> Vec<String> {
    t.db.system_tx(move |conn| Box::pin(async move { Ok::<_, DbError>(strings(conn, &sql).await) }))
        .await
        .unwrap()
}

#[tokio::test]
async fn each_door_answers_only_the_row_its_key_names_and_nothing_for_unknown_keys() {
    let t = TestDb::new().await;
    let mut owner = t.owner_conn().await;
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    let user_a = seed_company(&mut owner, a).await;
    let user_b = seed_company(&mut owner, b).await;
    let tag = |c: Uuid| {
        let simple = c.simple().to_string();
        simple[simple.len() - 10..].to_owned()
    };
    // An invitation in clinic A, and a verify token on clinic A's integration.
    owner
        .batch_execute(&format!(
            "INSERT INTO users (company_id, email, name, role, status, invite_token_hash, invite_expires_at)
                  VALUES ('{a}', 'invited@example.com', 'Convidada', 'staff', 'invited',
                          sha256('invite-a'::bytea), now() + interval '1 day');
             UPDATE integrations SET verify_token_hash = sha256('verify-a'::bytea) WHERE company_id = '{a}';"
        ))
        .await
        .unwrap();

    let cases: Vec<(String, Vec<String>)> = vec![
        (
            format!("SELECT company_id::text AS v FROM public.atende_principal_for('{user_a}')"),
            vec![a.to_string()],
        ),
        (
            format!("SELECT company_id::text AS v FROM public.atende_principal_for('{}')", Uuid::now_v7()),
            vec![],
        ),
        (
            format!("SELECT company_id::text AS v FROM public.atende_api_token_lookup(sha256('{b}'::text::bytea))"),
            vec![b.to_string()],
        ),
        (
            "SELECT company_id::text AS v FROM public.atende_api_token_lookup(sha256('nope'::bytea))".into(),
            vec![],
        ),
        (
            "SELECT company_id::text AS v FROM public.atende_invite_lookup(sha256('invite-a'::bytea))".into(),
            vec![a.to_string()],
        ),
        (
            "SELECT company_id::text AS v FROM public.atende_invite_lookup(sha256('invite-b'::bytea))".into(),
            vec![],
        ),
        (
            format!("SELECT company_id::text AS v FROM public.atende_integration_route('whatsapp', ARRAY['phone-{}'])", tag(b)),
            vec![b.to_string()],
        ),
        (
            format!("SELECT company_id::text AS v FROM public.atende_integration_route('instagram', ARRAY['phone-{}'])", tag(b)),
            vec![],
        ),
        (
            "SELECT company_id::text AS v FROM public.atende_integration_by_verify_token('whatsapp', sha256('verify-a'::bytea))".into(),
            vec![a.to_string()],
        ),
        (
            "SELECT company_id::text AS v FROM public.atende_integration_by_verify_token('instagram', sha256('verify-a'::bytea))".into(),
            vec![],
        ),
    ];
    for (sql, expected) in cases {
        assert_eq!(as_app(&t, sql.clone()).await, expected, "{sql}");
    }
    // The client search answers ids of the pinned clinic only (both clinics have a client
    // named "João …" with the same phone), and fails closed with no clinic pinned.
    let found = t
        .db
        .tenant_tx(infra_postgres::TenantScope::company(domain::CompanyId(a)), |conn| {
            Box::pin(async move {
                Ok::<_, DbError>(
                    strings(
                        conn,
                        "SELECT c.company_id::text AS v FROM public.atende_client_search('%joao%', '%987654321%', NULL, NULL, NULL, 50) s
                           JOIN public.clients c ON c.id = s",
                    )
                    .await,
                )
            })
        })
        .await
        .unwrap();
    assert_eq!(found, vec![a.to_string()]);
    let unpinned =
        t.db.system_tx(|conn| {
            Box::pin(async move {
                use diesel_async::RunQueryDsl;
                diesel::sql_query(
                    "SELECT public.atende_client_search('%joao%', NULL, NULL, NULL, NULL, 50)",
                )
                .execute(conn)
                .await
                .map_err(DbError::from)
            })
        })
        .await;
    assert!(
        unpinned.is_err(),
        "no clinic pinned: the search fails closed"
    );

    // The schedule lists every clinic's id and time zone, nothing else.
    let mut schedule = as_app(
        &t,
        "SELECT company_id::text || ' ' || timezone AS v FROM public.atende_company_schedule()"
            .into(),
    )
    .await;
    schedule.sort();
    let mut expected = vec![
        format!("{a} America/Sao_Paulo"),
        format!("{b} America/Sao_Paulo"),
    ];
    expected.sort();
    assert_eq!(schedule, expected);
    // Claiming hands out only jobs of the asked kinds, each to one worker.
    let claimed = as_app(
        &t,
        "SELECT company_id::text AS v FROM public.atende_claim_jobs('w1', ARRAY['test'], 10, 60, 10)"
            .into(),
    )
    .await;
    assert_eq!(claimed.len(), 2, "one seeded job per clinic");
    let again = as_app(
        &t,
        "SELECT company_id::text AS v FROM public.atende_claim_jobs('w2', ARRAY['test', 'other'], 10, 60, 10)".into(),
    )
    .await;
    assert!(again.is_empty(), "leased jobs are not handed out twice");
    // No e-mail ever links an identity to an invitation (issue 16: a trigger used to link the
    // oldest invited row with that e-mail in ANY clinic): only accepting with the token does.
    owner
        .batch_execute(
            "INSERT INTO auth_identities (email, provider, password_hash)
                  VALUES ('invited@example.com', 'local', '$argon2id$v=19$m=19456,t=2,p=1$x$y')",
        )
        .await
        .unwrap();
    let linked = strings(
        &mut owner,
        "SELECT company_id::text || ' ' || status AS v FROM users
          WHERE email = 'invited@example.com'",
    )
    .await;
    assert_eq!(linked, vec![format!("{a} invited")]);
    let triggers = strings(
        &mut owner,
        "SELECT tgname::text AS v FROM pg_trigger
          WHERE tgrelid = 'public.auth_identities'::regclass AND NOT tgisinternal
            AND tgname <> 'auth_identities_touch'",
    )
    .await;
    assert!(
        triggers.is_empty(),
        "triggers on auth_identities: {triggers:?}"
    );
    // The membership door lists every clinic of an identity (here: the admin of A joins B).
    owner
        .batch_execute(&format!(
            "INSERT INTO users (company_id, auth_user_id, email, name, role, status)
                  VALUES ('{b}', '{user_a}', 'admin-of-a@example.com', 'A in B', 'staff', 'active')"
        ))
        .await
        .unwrap();
    let mut clinics = as_app(
        &t,
        format!("SELECT company_id::text AS v FROM public.atende_principal_for('{user_a}')"),
    )
    .await;
    clinics.sort();
    let mut both = vec![a.to_string(), b.to_string()];
    both.sort();
    assert_eq!(clinics, both);
    let untouched = strings(
        &mut owner,
        &format!("SELECT status AS v FROM users WHERE id IN ('{user_a}', '{user_b}') ORDER BY id"),
    )
    .await;
    assert_eq!(untouched, vec!["active", "active"]);
}
