//! Issue 16 over HTTP: an invitation binds exactly its token's row; invitations are revoked,
//! re-issued, expire and are listed; no body of `PATCH /api/users/{id}` answers 5xx.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use futures_util::StreamExt;
use serde_json::{Value, json};
use support::{Session, TestApp, assert_problem};

/// `admin` invites `email` with `role`; returns the member id and the token.
pub async fn invite(admin: &Session, email: &str, role: &str) -> (String, String) {
    let resp = admin
        .post(
            "/api/users",
            json!({ "email": email, "name": "Convidada", "role": role }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let body: Value = resp.json().await.unwrap();
    (
        body["user"]["id"].as_str().unwrap().to_owned(),
        body["invite_token"].as_str().unwrap().to_owned(),
    )
}

fn companies(account: &Value) -> Vec<String> {
    account["memberships"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["company"]["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn an_invitation_of_clinic_a_never_yields_a_session_or_membership_in_clinic_b() {
    let app = TestApp::spawn().await;
    let a = app.clinic("Clínica A").await;
    let b = app.clinic("Clínica B").await;
    let a_admin = app.sign_in_as(&a.admin).await;
    let b_admin = app.sign_in_as(&b.admin).await;
    let address = "recepcao@x.test";
    // B invites first (its row is the older one) as admin; then A invites the same address.
    let (b_member, b_token) = invite(&b_admin, address, "admin").await;
    let (a_member, a_token) = invite(&a_admin, address, "staff").await;

    // Whoever holds A's token (A's admin, say) accepts it with a password of their own.
    let holder = app.browser();
    let resp = holder
        .post(
            "/auth/accept-invite",
            json!({ "token": a_token, "password": "chosen-by-clinic-a-admin" }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["company"]["id"], a.company_id.to_string());
    assert_eq!(body["user"]["id"], a_member);
    assert_eq!(body["user"]["role"], "staff");
    assert_eq!(companies(&body), vec![a.company_id.to_string()]);
    let me: Value = holder
        .get("/auth/me")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["company"]["id"], a.company_id.to_string());
    assert_eq!(companies(&me), vec![a.company_id.to_string()]);
    // That session is staff in A (not admin anywhere); B's invitation is untouched and open.
    assert_problem(
        holder.get("/api/users").send().await.unwrap(),
        403,
        "forbidden",
    )
    .await;
    assert_eq!(
        app.scalar(&format!(
            "SELECT format('%s/%s/%s', status, auth_user_id IS NULL, invite_token_hash IS NOT NULL)
               FROM users WHERE id = '{b_member}'"
        ))
        .await
        .as_deref(),
        Some("invited/t/t")
    );
    // B's token cannot be taken with A's spent token, nor by A's session (another account
    // than B's invitee would need B's token, which only B's invitee holds).
    let resp = holder
        .post("/auth/accept-invite", json!({ "token": a_token }))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 404, "invalid_invite").await;

    // B's real invitee accepts B's invitation with their own password: into B, as admin.
    let invitee = app.browser();
    let resp = invitee
        .post(
            "/auth/accept-invite",
            json!({ "token": b_token, "password": "the-real-invitees-password" }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["company"]["id"], b.company_id.to_string());
    assert_eq!(body["user"]["id"], b_member);
    assert_eq!(body["user"]["role"], "admin");
    assert_eq!(companies(&body), vec![b.company_id.to_string()]);
    // Each password signs in to its own account: A's holder stays in A, the invitee in B.
    let back: Value = app
        .sign_in(address, "chosen-by-clinic-a-admin")
        .await
        .get("/auth/me")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(companies(&back), vec![a.company_id.to_string()]);
    let real: Value = app
        .sign_in(address, "the-real-invitees-password")
        .await
        .get("/auth/me")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(companies(&real), vec![b.company_id.to_string()]);
}

#[tokio::test]
async fn revoked_and_expired_invitations_cannot_be_accepted_and_a_reinvite_issues_a_fresh_token() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica Convites").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    let (member, token) = invite(&admin, "nova@clinic.test", "staff").await;
    // Pending invitations are listed with their expiry.
    let list: Value = admin
        .get("/api/users")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let row = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == member.as_str())
        .unwrap()
        .clone();
    assert_eq!(row["status"], "invited");
    assert!(row["invite_expires_at"].is_string(), "{row}");
    let staff_row = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == clinic.staff.email.as_str())
        .unwrap()
        .clone();
    assert_eq!(staff_row["invite_expires_at"], Value::Null);

    // Revoking is 2xx and the token dies.
    let resp = admin
        .patch(
            &format!("/api/users/{member}"),
            json!({ "status": "disabled" }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let revoked: Value = resp.json().await.unwrap();
    assert_eq!(revoked["status"], "disabled");
    assert_eq!(revoked["invite_expires_at"], Value::Null);
    let accept = |token: String| {
        app.browser()
            .post(
                "/auth/accept-invite",
                json!({ "token": token, "password": "a-new-long-password" }),
            )
            .send()
    };
    assert_problem(accept(token.clone()).await.unwrap(), 404, "invalid_invite").await;
    // A revoked invitation is not "activated" by hand.
    let resp = admin
        .patch(
            &format!("/api/users/{member}"),
            json!({ "status": "active" }),
        )
        .send()
        .await
        .unwrap();
    assert_problem(resp, 422, "validation_failed").await;

    // Re-inviting issues a fresh token; the old one stays dead.
    let resp = admin
        .post(&format!("/api/users/{member}/invite"), json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let again: Value = resp.json().await.unwrap();
    let fresh = again["invite_token"].as_str().unwrap().to_owned();
    assert_ne!(fresh, token);
    assert_eq!(again["user"]["status"], "invited");
    assert!(again["user"]["invite_expires_at"].is_string());
    assert_problem(accept(token).await.unwrap(), 404, "invalid_invite").await;

    // An expired token is refused; re-inviting gives a working one.
    app.sql(&format!(
        "UPDATE users SET invite_expires_at = now() - interval '1 second' WHERE id = '{member}'"
    ))
    .await;
    assert_problem(accept(fresh).await.unwrap(), 404, "invalid_invite").await;
    let again: Value = admin
        .post(&format!("/api/users/{member}/invite"), json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let working = again["invite_token"].as_str().unwrap().to_owned();
    assert_eq!(accept(working).await.unwrap().status(), 200);
    // A member who joined is enabled or disabled, not re-invited; another clinic sees nothing.
    let resp = admin
        .post(&format!("/api/users/{member}/invite"), json!({}))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 409, "already_joined").await;
    let other = app.clinic("Clínica Outra").await;
    let other_admin = app.sign_in_as(&other.admin).await;
    support::assert_cross_tenant_404(
        &other_admin,
        reqwest::Method::POST,
        &format!("/api/users/{member}/invite"),
        Some(json!({})),
    )
    .await;
}

/// Every combination of these fields (absent, or each value) as a `PATCH` body.
fn bodies() -> Vec<Value> {
    let names: Vec<Option<Value>> = vec![
        None,
        Some(Value::Null),
        Some(json!("")),
        Some(json!("   ")),
        Some(json!("Nome Novo")),
        Some(json!("x".repeat(201))),
        Some(json!("nul\u{0}inside")),
        Some(json!(42)),
    ];
    let roles: Vec<Option<Value>> = vec![
        None,
        Some(Value::Null),
        Some(json!("admin")),
        Some(json!("staff")),
        Some(json!("owner")),
        Some(json!(["admin"])),
    ];
    let statuses: Vec<Option<Value>> = vec![
        None,
        Some(Value::Null),
        Some(json!("active")),
        Some(json!("disabled")),
        Some(json!("invited")),
        Some(json!(true)),
    ];
    let mut out = Vec::new();
    for name in &names {
        for role in &roles {
            for status in &statuses {
                let mut body = serde_json::Map::new();
                for (key, value) in [("name", name), ("role", role), ("status", status)] {
                    if let Some(v) = value {
                        body.insert(key.to_owned(), v.clone());
                    }
                }
                out.push(Value::Object(body));
            }
        }
    }
    out.push(json!({ "unknown": 1 }));
    out.push(json!([]));
    out.push(json!("text"));
    out
}

#[tokio::test]
async fn no_body_on_patch_users_answers_5xx_on_any_kind_of_member() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica Patch").await;
    let other = app.clinic("Clínica Alheia").await;
    // An operator token (no creator) keeps the admin role whatever the walk does to members.
    app.sql(&format!(
        "INSERT INTO api_tokens (company_id, name, role, scopes, token_hash)
              VALUES ('{}', 'walk', 'admin', ARRAY['admin'], sha256('atk_walk'::bytea))",
        clinic.company_id
    ))
    .await;
    let admin = app.sign_in_as(&clinic.admin).await;
    let (invited, _) = invite(&admin, "pending@clinic.test", "staff").await;
    let (revoked, _) = invite(&admin, "revoked@clinic.test", "admin").await;
    let resp = admin
        .patch(
            &format!("/api/users/{revoked}"),
            json!({ "status": "disabled" }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let targets = [
        clinic.admin.user_id.to_string(),
        clinic.staff.user_id.to_string(),
        invited,
        revoked,
        other.staff.user_id.to_string(),
        uuid::Uuid::now_v7().to_string(),
    ];
    // Eight at a time: the walk also races updates of one member against each other.
    let client = reqwest::Client::new();
    let requests = targets
        .iter()
        .flat_map(|target| bodies().into_iter().map(move |body| (target.clone(), body)));
    let outcomes: Vec<(String, Value, u16)> = futures_util::stream::iter(requests)
        .map(|(target, body)| {
            let client = client.clone();
            let url = app.url(&format!("/api/users/{target}"));
            async move {
                let status = client
                    .patch(url)
                    .bearer_auth("atk_walk")
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16();
                (target, body, status)
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for (target, body, status) in &outcomes {
        assert!(*status < 500, "PATCH {target} {body} answered {status}");
        *statuses.entry(*status).or_default() += 1;
    }
    // The walk reached real updates, refusals and conflicts, not only validation errors.
    for expected in [200, 404, 409, 422] {
        assert!(statuses.contains_key(&expected), "{statuses:?}");
    }
    // The clinic kept an active admin, and no row broke an invariant of the schema.
    assert_eq!(
        app.scalar(&format!(
            "SELECT count(*) > 0 FROM users WHERE company_id = '{}' AND role = 'admin' AND status = 'active'",
            clinic.company_id
        ))
        .await
        .as_deref(),
        Some("true")
    );
    assert_eq!(
        app.scalar(&format!(
            "SELECT status FROM users WHERE id = '{}'",
            other.staff.user_id
        ))
        .await
        .as_deref(),
        Some("active"),
        "another clinic's member is never touched"
    );
}
