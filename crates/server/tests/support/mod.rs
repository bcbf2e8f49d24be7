//! The integration-test harness: a real PostgreSQL database per test and the real actix app
//! served in-process on a random port, called over HTTP with reqwest.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use diesel_async::SimpleAsyncConnection;
use infra_postgres::testing::TestDb;
use std::net::TcpListener;
use uuid::Uuid;

/// A running server over its own database.
pub struct TestApp {
    /// The test's database (dropped with the app).
    pub db: TestDb,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// A client that keeps cookies (a browser session).
    pub client: reqwest::Client,
}

/// A member of a test clinic and the password to sign in with.
#[derive(Debug, Clone)]
pub struct Member {
    pub user_id: Uuid,
    pub email: String,
    pub password: String,
}

/// A clinic created by [`TestApp::clinic`].
#[derive(Debug, Clone)]
pub struct Clinic {
    pub company_id: Uuid,
    pub name: String,
    pub admin: Member,
    pub staff: Member,
}

impl TestApp {
    /// A migrated database and the app serving it.
    pub async fn spawn() -> Self {
        let db = TestDb::new().await;
        let state = server::wiring::app_state(&db.db);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
        let port = listener.local_addr().unwrap().port();
        let server = actix_web::HttpServer::new(move || api_http::app(state.clone()))
            .workers(1)
            .listen(listener)
            .expect("listen")
            .disable_signals()
            .run();
        tokio::spawn(server);
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        Self {
            db,
            base: format!("http://127.0.0.1:{port}"),
            client,
        }
    }

    /// The absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A new clinic with an active admin and an active staff member (cheap argon2 parameters).
    pub async fn clinic(&self, name: &str) -> Clinic {
        let company_id = Uuid::now_v7();
        let hasher = infra_crypto::password::PasswordHasher::with_params(1024, 1, 1).unwrap();
        let tag = company_id.simple().to_string();
        let tag = &tag[tag.len() - 10..];
        let member = |role: &str| Member {
            user_id: Uuid::now_v7(),
            email: format!("{role}-{tag}@clinic.test"),
            password: format!("{role}-password-{tag}"),
        };
        let (admin, staff) = (member("admin"), member("staff"));
        let mut sql = format!(
            "INSERT INTO companies (id, name) VALUES ('{company_id}', '{name}');
             INSERT INTO settings (company_id) VALUES ('{company_id}');"
        );
        for (m, role) in [(&admin, "admin"), (&staff, "staff")] {
            let hash = hasher.hash(&m.password).unwrap();
            sql.push_str(&format!(
                "INSERT INTO auth_identities (id, email, provider, password_hash) VALUES ('{id}', '{email}', 'local', '{hash}');
                 INSERT INTO users (id, company_id, auth_user_id, email, name, role, status)
                      VALUES ('{id}', '{company_id}', '{id}', '{email}', '{role} of {name}', '{role}', 'active');",
                id = m.user_id,
                email = m.email,
            ));
        }
        self.db
            .owner_conn()
            .await
            .batch_execute(&sql)
            .await
            .expect("create clinic");
        Clinic {
            company_id,
            name: name.to_owned(),
            admin,
            staff,
        }
    }
}

/// Asserts that `resp` is an RFC 9457 problem with `status` and `code` and a request id, and
/// returns its body.
pub async fn assert_problem(resp: reqwest::Response, status: u16, code: &str) -> serde_json::Value {
    assert_eq!(resp.status().as_u16(), status);
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(ct.as_deref(), Some("application/problem+json"));
    let header_id = resp
        .headers()
        .get("x-request-id")
        .map(|v| v.to_str().unwrap().to_owned());
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["status"], status);
    assert_eq!(body["code"], code, "{body}");
    assert!(
        body["request_id"].as_str().is_some_and(|s| !s.is_empty()),
        "{body}"
    );
    assert_eq!(header_id.as_deref(), body["request_id"].as_str());
    body
}
