//! The account adapters against PostgreSQL: accepting binds exactly the token's row, attempt
//! counting is atomic under concurrency, and an external identity's verification follows its
//! address.

use crate::common;

use chrono::{Duration, Utc};
use common::{seed_company, strings};
use diesel_async::SimpleAsyncConnection;
use domain::auth::{AcceptInvitation, Email, IdentityProvider, NewIdentity, Tenant, TokenHash};
use domain::ports::accounts::{AttemptRepository, IdentityRepository};
use domain::ports::members::{AcceptInvitationError, MemberRepository, ReinviteError};
use domain::{AuthUserId, CompanyId, UserId};
use infra_postgres::auth::{PgAttempts, PgIdentities, PgMembers};
use infra_postgres::testing::TestDb;
use uuid::Uuid;

/// A distinct 32-byte token hash for a short label (the rows are seeded with the same bytes).
fn sha(label: &[u8]) -> TokenHash {
    let mut out = [0u8; 32];
    out[..label.len()].copy_from_slice(label);
    TokenHash(out)
}

async fn invited_row(
    t: &TestDb,
    company: Uuid,
    email: &str,
    hash: TokenHash,
    expires_in: &str,
) -> Uuid {
    let id = Uuid::now_v7();
    let hex: String = hash.0.iter().map(|b| format!("{b:02x}")).collect();
    t.owner_conn()
        .await
        .batch_execute(&format!(
            "INSERT INTO users (id, company_id, email, name, role, status, invite_token_hash, invite_expires_at)
                  VALUES ('{id}', '{company}', '{email}', 'Convidada', 'staff', 'invited',
                          decode('{hex}', 'hex'), now() + interval '{expires_in}')"
        ))
        .await
        .unwrap();
    id
}

fn acceptance(company: Uuid, row: Uuid, hash: TokenHash, who: AuthUserId) -> AcceptInvitation {
    AcceptInvitation {
        company_id: CompanyId(company),
        user_id: UserId(row),
        token_hash: hash,
        now: Utc::now(),
        auth_user_id: who,
        new_identity: None,
    }
}

#[tokio::test]
async fn accepting_links_only_the_row_its_token_names_in_its_clinic_once() {
    let t = TestDb::new().await;
    let mut owner = t.owner_conn().await;
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    seed_company(&mut owner, a).await;
    seed_company(&mut owner, b).await;
    let members = PgMembers::new(t.db.clone());
    let (a_hash, b_hash) = (sha(b"invite-a"), sha(b"invite-b"));
    // B's invitation is the older one; both are for the same address.
    let b_row = invited_row(&t, b, "x@example.com", b_hash, "1 day").await;
    let a_row = invited_row(&t, a, "x@example.com", a_hash, "1 day").await;
    let holder = AuthUserId::new();
    let identity = NewIdentity {
        id: holder,
        email: Email::parse("x@example.com").unwrap(),
        provider: IdentityProvider::Local,
        password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$x$y".into()),
    };
    // A's token named with B's row (or B's clinic) links nothing, and creates no identity.
    for (company, row) in [(a, b_row), (b, a_row), (b, b_row)] {
        let mut wrong = acceptance(company, row, a_hash, holder);
        wrong.new_identity = Some(identity.clone());
        let err = members.accept(wrong).await.unwrap_err();
        assert!(matches!(err, AcceptInvitationError::Gone), "{err:?}");
    }
    assert!(
        strings(
            &mut owner,
            "SELECT id::text AS v FROM auth_identities WHERE email = 'x@example.com'"
        )
        .await
        .is_empty(),
        "the identity was rolled back with the failed link"
    );
    let mut right = acceptance(a, a_row, a_hash, holder);
    right.new_identity = Some(identity);
    members.accept(right.clone()).await.unwrap();
    let states = strings(
        &mut owner,
        "SELECT company_id::text || ' ' || status || ' ' || (auth_user_id IS NOT NULL)::text AS v
           FROM users WHERE email = 'x@example.com' ORDER BY created_at",
    )
    .await;
    assert_eq!(
        states,
        vec![format!("{b} invited false"), format!("{a} active true")]
    );
    // Spent: accepting again is gone.
    right.new_identity = None;
    let err = members.accept(right).await.unwrap_err();
    assert!(matches!(err, AcceptInvitationError::Gone), "{err:?}");
    // Expired: gone; re-invited: a fresh token works, the old one does not.
    let late_hash = sha(b"late");
    let late = invited_row(&t, a, "late@example.com", late_hash, "-1 second").await;
    let err = members
        .accept(acceptance(a, late, late_hash, holder))
        .await
        .unwrap_err();
    assert!(matches!(err, AcceptInvitationError::Gone), "{err:?}");
    let fresh = sha(b"fresh");
    let tenant = Tenant::company(CompanyId(a));
    members
        .reinvite(tenant, UserId(late), fresh, Utc::now() + Duration::days(7))
        .await
        .unwrap();
    let err = members
        .accept(acceptance(a, late, late_hash, holder))
        .await
        .unwrap_err();
    assert!(matches!(err, AcceptInvitationError::Gone), "{err:?}");
    // One membership per clinic: the holder, already in A, cannot take a second row of A.
    let err = members
        .accept(acceptance(a, late, fresh, holder))
        .await
        .unwrap_err();
    assert!(
        matches!(err, AcceptInvitationError::AlreadyMember),
        "{err:?}"
    );
    members
        .accept(acceptance(a, late, fresh, AuthUserId::new()))
        .await
        .unwrap();
    // A joined member is not re-invited; another clinic's row is not found.
    let err = members
        .reinvite(tenant, UserId(late), sha(b"x"), Utc::now())
        .await
        .unwrap_err();
    assert!(matches!(err, ReinviteError::AlreadyJoined), "{err:?}");
    let err = members
        .reinvite(tenant, UserId(b_row), sha(b"y"), Utc::now())
        .await
        .unwrap_err();
    assert!(matches!(err, ReinviteError::NotFound), "{err:?}");
}

#[tokio::test]
async fn concurrent_attempts_each_get_their_own_count() {
    let t = TestDb::new().await;
    let attempts = PgAttempts::new(t.db.clone());
    let now = Utc::now();
    let mut handles = Vec::new();
    for _ in 0..20 {
        let attempts = attempts.clone();
        handles.push(tokio::spawn(async move {
            attempts
                .count(
                    vec!["pair:x".into(), "ip:192.0.2.1".into()],
                    now,
                    Duration::minutes(15),
                )
                .await
                .unwrap()
        }));
    }
    let mut pair_counts = Vec::new();
    for h in handles {
        let counters = h.await.unwrap();
        assert_eq!(counters.len(), 2);
        pair_counts.push(counters[0].failures);
    }
    pair_counts.sort_unstable();
    assert_eq!(
        pair_counts,
        (1..=20).collect::<Vec<_>>(),
        "no count lost or shared"
    );
    attempts.refund("ip:192.0.2.1".into()).await.unwrap();
    let after = attempts
        .count(vec!["ip:192.0.2.1".into()], now, Duration::minutes(15))
        .await
        .unwrap();
    assert_eq!(after[0].failures, 20, "one refunded, one more counted");
    // A window that is over starts again at one.
    let later = attempts
        .count(
            vec!["pair:x".into()],
            now + Duration::minutes(16),
            Duration::minutes(15),
        )
        .await
        .unwrap();
    assert_eq!(later[0].failures, 1);
}

#[tokio::test]
async fn an_external_identitys_verification_follows_its_address() {
    let t = TestDb::new().await;
    let identities = PgIdentities::new(t.db.clone());
    let id = AuthUserId::new();
    let email = |e: &str| Email::parse(e).unwrap();
    let verified = Utc::now();
    identities
        .sync_external(id, email("ana@example.com"), Some(verified))
        .await
        .unwrap();
    // Not repeated by the provider, same address: kept.
    identities
        .sync_external(id, email("ana@example.com"), None)
        .await
        .unwrap();
    let found = identities.find_by_id(id).await.unwrap().unwrap();
    assert!(found.email_verified_at.is_some());
    assert_eq!(found.provider, IdentityProvider::Supabase);
    // A new address is unverified until the provider says so.
    identities
        .sync_external(id, email("other@example.com"), None)
        .await
        .unwrap();
    let found = identities.find_by_id(id).await.unwrap().unwrap();
    assert_eq!(found.email, "other@example.com");
    assert_eq!(found.email_verified_at, None);
    // Several accounts may share an address; they are listed oldest first.
    let local = NewIdentity {
        id: AuthUserId::new(),
        email: email("other@example.com"),
        provider: IdentityProvider::Local,
        password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$x$y".into()),
    };
    identities.create(local.clone()).await.unwrap();
    let all = identities
        .find_by_email(email("other@example.com"))
        .await
        .unwrap();
    assert_eq!(
        all.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![id, local.id]
    );
}
