//! Migration 0022: every change to a credential notifies `atende_credentials` once committed,
//! whoever writes it, with hashes and ids only; bookkeeping (a session's use sliding its idle
//! deadline, a token's last use, a member's new name) and rolled-back changes notify nothing.

use crate::common::seed_company;
use diesel_async::{AsyncPgConnection, SimpleAsyncConnection};
use futures_util::StreamExt;
use infra_postgres::testing::TestDb;
use std::time::Duration;
use uuid::Uuid;

/// The payloads heard on `listener` up to the marker `end` (sent after everything else, and
/// delivered in commit order).
async fn heard_until(listener: &mut AsyncPgConnection, end: &str) -> Vec<String> {
    let mut heard = Vec::new();
    let stream = listener.notifications_stream();
    tokio::pin!(stream);
    loop {
        let n = tokio::time::timeout(Duration::from_secs(5), stream.next())
            .await
            .expect("the marker never arrived")
            .unwrap()
            .unwrap();
        if n.payload == end {
            return heard;
        }
        assert_eq!(n.channel, "atende_credentials");
        heard.push(n.payload);
    }
}

#[tokio::test]
async fn every_credential_change_notifies_once_committed_and_bookkeeping_does_not() {
    let t = TestDb::new().await;
    let mut owner = t.owner_conn().await;
    let company = Uuid::now_v7();
    let admin = seed_company(&mut owner, company).await;
    owner
        .batch_execute(&format!(
            "INSERT INTO auth_sessions (token_hash, auth_user_id, idle_expires_at, expires_at)
                  VALUES (sha256('session-1'), '{admin}', now() + interval '1 hour', now() + interval '1 day')"
        ))
        .await
        .unwrap();
    let session = owner_scalar(&mut owner, "encode(sha256('session-1'), 'hex')").await;
    let token = owner_scalar(
        &mut owner,
        &format!("encode(sha256('{company}'::text::bytea), 'hex')"),
    )
    .await;
    let mut listener = t.owner_conn().await;
    listener
        .batch_execute("LISTEN atende_credentials")
        .await
        .unwrap();

    // Bookkeeping and a rolled-back revocation: nothing.
    owner
        .batch_execute(&format!(
            "UPDATE auth_sessions SET last_seen_at = now(), idle_expires_at = idle_expires_at + interval '1 minute';
             UPDATE api_tokens SET last_used_at = now();
             UPDATE users SET name = 'Outro Nome', email = 'other@example.com' WHERE id = '{admin}';
             BEGIN; UPDATE api_tokens SET revoked_at = now(); ROLLBACK;
             NOTIFY atende_credentials, 'end-1';"
        ))
        .await
        .unwrap();
    assert_eq!(
        heard_until(&mut listener, "end-1").await,
        Vec::<String>::new()
    );

    // Each change, in commit order (one transaction each: PostgreSQL folds identical payloads
    // within one transaction into one notification, which is all a cache needs).
    let invited = Uuid::now_v7();
    for sql in [
        "UPDATE api_tokens SET revoked_at = now()".to_owned(),
        format!("UPDATE users SET role = 'staff' WHERE id = '{admin}'"),
        "UPDATE auth_sessions SET idle_expires_at = now()".to_owned(),
        "DELETE FROM auth_sessions".to_owned(),
        format!(
            "INSERT INTO users (id, company_id, email, name, role, status)
                  VALUES ('{invited}', '{company}', 'new@example.com', 'Nova', 'staff', 'invited')"
        ),
        "DELETE FROM api_tokens".to_owned(),
        "NOTIFY atende_credentials, 'end-2'".to_owned(),
    ] {
        owner.batch_execute(&sql).await.unwrap();
    }
    assert_eq!(
        heard_until(&mut listener, "end-2").await,
        [
            format!("t:{token}"),
            format!("m:{admin}:{admin}"),
            format!("s:{session}"),
            format!("s:{session}"),
            format!("m:{invited}:"),
            format!("t:{token}"),
        ]
    );
}

async fn owner_scalar(conn: &mut AsyncPgConnection, expr: &str) -> String {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    diesel::sql_query(format!("SELECT {expr} AS v"))
        .get_result::<Row>(conn)
        .await
        .unwrap()
        .v
}
