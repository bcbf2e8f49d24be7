//! The routing door `atende_integration_route` with account ids held by several clinics: one
//! call answers every named account, active integrations only, verified ones first, at most ten
//! per account, at most fifty account ids per call; nothing for unknown ids.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::{seed_company, strings};
use diesel_async::SimpleAsyncConnection;
use infra_postgres::DbError;
use infra_postgres::testing::TestDb;
use uuid::Uuid;

async fn as_app(t: &TestDb, sql: String) -> Result<Vec<String>, DbError> {
    t.db.system_tx(move |conn| {
        Box::pin(async move {
            use diesel_async::RunQueryDsl;
            #[derive(diesel::QueryableByName)]
            struct V {
                #[diesel(sql_type = diesel::sql_types::Text)]
                v: String,
            }
            let rows: Vec<V> = diesel::sql_query(sql).load(conn).await?;
            Ok::<_, DbError>(rows.into_iter().map(|r| r.v).collect())
        })
    })
    .await
}

#[tokio::test]
async fn one_call_answers_every_account_of_every_clinic_verified_first_and_active_only() {
    let t = TestDb::new().await;
    let mut owner = t.owner_conn().await;
    let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    for company in [a, b, c] {
        seed_company(&mut owner, company).await;
    }
    // "shared" is held by all three clinics: A pending (oldest), B verified, C pending (newest);
    // "only-c" by C, but inactive.
    owner
        .batch_execute(&format!(
            "INSERT INTO integrations (company_id, provider, account_id, created_at) VALUES
                 ('{a}', 'whatsapp', 'shared', now() - interval '2 days'),
                 ('{c}', 'whatsapp', 'shared', now());
             INSERT INTO integrations (company_id, provider, account_id, verified_at, created_at)
                  VALUES ('{b}', 'whatsapp', 'shared', now() - interval '1 hour', now() - interval '1 day');
             INSERT INTO integrations (company_id, provider, account_id, status)
                  VALUES ('{c}', 'whatsapp', 'only-c', 'inactive');"
        ))
        .await
        .unwrap();
    let tag = |u: Uuid| {
        let s = u.simple().to_string();
        format!("phone-{}", &s[s.len() - 10..])
    };
    let got = as_app(
        &t,
        format!(
            "SELECT account_id || ' ' || company_id::text AS v
               FROM public.atende_integration_route('whatsapp', ARRAY['{}', 'shared', 'nobody', 'only-c'])",
            tag(a)
        ),
    )
    .await
    .unwrap();
    assert_eq!(
        got,
        vec![
            format!("{} {a}", tag(a)),
            format!("shared {b}"),
            format!("shared {c}"),
            format!("shared {a}"),
        ]
    );
    // The same clinic cannot hold one account id twice.
    let dup = owner
        .batch_execute(&format!(
            "INSERT INTO integrations (company_id, provider, account_id) VALUES ('{a}', 'whatsapp', 'shared')"
        ))
        .await;
    assert!(dup.is_err());
}

#[tokio::test]
async fn at_most_ten_candidates_per_account_and_fifty_account_ids_per_call() {
    let t = TestDb::new().await;
    let mut owner = t.owner_conn().await;
    for _ in 0..12 {
        let company = Uuid::now_v7();
        seed_company(&mut owner, company).await;
        owner
            .batch_execute(&format!(
                "INSERT INTO integrations (company_id, provider, account_id) VALUES ('{company}', 'whatsapp', 'crowded')"
            ))
            .await
            .unwrap();
    }
    let got = as_app(
        &t,
        "SELECT company_id::text AS v FROM public.atende_integration_route('whatsapp', ARRAY['crowded'])".into(),
    )
    .await
    .unwrap();
    assert_eq!(got.len(), 10);
    let ids: Vec<String> = (0..51).map(|i| format!("'id-{i}'")).collect();
    let too_many = as_app(
        &t,
        format!(
            "SELECT company_id::text AS v FROM public.atende_integration_route('whatsapp', ARRAY[{}])",
            ids.join(",")
        ),
    )
    .await;
    assert!(too_many.is_err(), "51 account ids are refused");
    let count = strings(
        &mut owner,
        "SELECT count(*)::text AS v FROM integrations WHERE account_id = 'crowded'",
    )
    .await;
    assert_eq!(count, vec!["12"]);
}
