//! The integration-test harness: a real PostgreSQL database per test and the real actix app
//! served in-process on a random port, called over HTTP with reqwest.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use diesel_async::SimpleAsyncConnection;
use infra_postgres::testing::TestDb;
use std::net::TcpListener;
use uuid::Uuid;

/// The master key every [`TestApp`] seals integration secrets with (never `$HOME`'s dev key).
pub const TEST_MASTER_KEY: [u8; 32] = [0x5a; 32];

/// A secret box over [`TEST_MASTER_KEY`], to open what a [`TestApp`] stored.
pub fn test_secret_box() -> infra_crypto::SecretBox {
    infra_crypto::SecretBox::new(infra_crypto::MasterKey::from_bytes(TEST_MASTER_KEY), None)
}

/// A running server over its own database.
pub struct TestApp {
    /// The test's database (dropped with the app).
    pub db: TestDb,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// A client that keeps cookies (a browser session).
    pub client: reqwest::Client,
    /// The app's metrics registry (hand it to a worker to see its series in `/metrics`).
    pub metrics: api_http::metrics::Metrics,
    /// The PgBouncer the app's pool goes through, for [`TestApp::spawn_behind_pgbouncer`].
    pub pooler: Option<infra_postgres::testing::pgbouncer::PgBouncer>,
    /// The app's principal cache ([`TestApp::sql`] empties it).
    pub principals: std::sync::Arc<app::auth::PrincipalCache>,
}

/// Another node serving a [`TestApp`]'s database ([`TestApp::second_node`]).
pub struct Node {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// The node's principal cache.
    pub principals: std::sync::Arc<app::auth::PrincipalCache>,
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

/// A signed-in browser: its own cookie jar, and an `Origin` of the server on every request (as
/// a browser sends on same-origin `fetch`), so the CSRF check passes.
#[derive(Clone)]
pub struct Session {
    /// The cookie-keeping client.
    pub client: reqwest::Client,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// The client's cookie jar.
    pub jar: std::sync::Arc<reqwest::cookie::Jar>,
}

impl Session {
    /// The values of the cookies this browser holds for the server (the session token among
    /// them), to check they never appear where they must not.
    pub fn cookie_values(&self) -> Vec<String> {
        use reqwest::cookie::CookieStore;
        let url = reqwest::Url::parse(&self.base).unwrap();
        let Some(header) = self.jar.cookies(&url) else {
            return Vec::new();
        };
        header
            .to_str()
            .unwrap()
            .split(';')
            .filter_map(|kv| kv.split_once('=').map(|(_, v)| v.trim().to_owned()))
            .collect()
    }

    /// A request to `path` with the same-origin `Origin` header.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.base))
            .header("origin", &self.base)
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.request(reqwest::Method::GET, path)
    }

    /// `POST path` with a JSON body.
    pub fn post(&self, path: &str, body: serde_json::Value) -> reqwest::RequestBuilder {
        self.request(reqwest::Method::POST, path).json(&body)
    }

    /// `PATCH path` with a JSON body.
    pub fn patch(&self, path: &str, body: serde_json::Value) -> reqwest::RequestBuilder {
        self.request(reqwest::Method::PATCH, path).json(&body)
    }

    /// `DELETE path`.
    pub fn delete(&self, path: &str) -> reqwest::RequestBuilder {
        self.request(reqwest::Method::DELETE, path)
    }
}

/// Asserts that a member of another clinic gets 404 `not_found` (never the row, never 403) for
/// `method path`, where `path` names a resource of the first clinic. Reusable by every feature:
/// `assert_cross_tenant_404(&b_admin, Method::GET, &format!("/api/clients/{a_client}"), None)`.
pub async fn assert_cross_tenant_404(
    other: &Session,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) {
    let mut req = other.request(method.clone(), path);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req.send().await.unwrap();
    assert_eq!(
        resp.status().as_u16(),
        404,
        "{method} {path} from another clinic must be 404"
    );
    assert_problem(resp, 404, "not_found").await;
}

impl TestApp {
    /// A migrated database and the app serving it, with default auth settings.
    pub async fn spawn() -> Self {
        Self::spawn_with(server::config::AuthSettings::default()).await
    }

    /// [`TestApp::spawn`] with the given auth settings, wired exactly as `atende serve` does.
    pub async fn spawn_with(auth: server::config::AuthSettings) -> Self {
        Self::spawn_full(auth, server::traffic::TrafficSettings::default()).await
    }

    /// [`TestApp::spawn`] with the given traffic settings (legacy webhook secret, rate limits).
    pub async fn spawn_with_traffic(traffic: server::traffic::TrafficSettings) -> Self {
        Self::spawn_full(server::config::AuthSettings::default(), traffic).await
    }

    /// [`TestApp::spawn`] with `GET /metrics` served as `access` says.
    pub async fn spawn_with_metrics(access: api_http::metrics::MetricsAccess) -> Self {
        Self::spawn_state(
            server::config::AuthSettings::default(),
            server::traffic::TrafficSettings::default(),
            access,
        )
        .await
    }

    /// [`TestApp::spawn_with_metrics`] with `db.db` (the server's pool, and so every worker
    /// built on it) behind a private PgBouncer 1.18 in transaction mode, two server connections,
    /// `ATENDE_DB_PREPARED=auto` with `pgbouncer=true`. `None` where pgbouncer is not installed.
    pub async fn spawn_behind_pgbouncer(access: api_http::metrics::MetricsAccess) -> Option<Self> {
        let mut db = TestDb::new().await;
        let pooler = infra_postgres::testing::pgbouncer::PgBouncer::in_front_of(&db.url, 2)?;
        db.db = infra_postgres::Database::connect(
            &pooler.url(&db.name),
            &infra_postgres::PoolSettings {
                max_size: 8,
                application_name: "atende-test".into(),
                ..infra_postgres::PoolSettings::default()
            },
        )
        .unwrap();
        let mut app = Self::serve(
            db,
            server::config::AuthSettings::default(),
            server::traffic::TrafficSettings::default(),
            access,
        );
        app.pooler = Some(pooler);
        Some(app)
    }

    async fn spawn_full(
        auth: server::config::AuthSettings,
        traffic: server::traffic::TrafficSettings,
    ) -> Self {
        Self::spawn_state(auth, traffic, api_http::metrics::MetricsAccess::Off).await
    }

    /// [`TestApp::spawn`] with event streams re-checking credentials and sending heartbeats as
    /// `timing` says.
    pub async fn spawn_with_event_timing(timing: api_http::events::StreamTiming) -> Self {
        let db = TestDb::new().await;
        Self::serve_with(db, |state| state.event_timing = timing)
    }

    /// [`TestApp::spawn`] with the state changed by `adjust` before it serves.
    pub async fn spawn_adjusted(adjust: impl FnOnce(&mut api_http::AppState)) -> Self {
        let db = TestDb::new().await;
        Self::serve_with(db, adjust)
    }

    async fn spawn_state(
        auth: server::config::AuthSettings,
        traffic: server::traffic::TrafficSettings,
        metrics_access: api_http::metrics::MetricsAccess,
    ) -> Self {
        Self::serve(TestDb::new().await, auth, traffic, metrics_access)
    }

    fn serve(
        db: TestDb,
        auth: server::config::AuthSettings,
        traffic: server::traffic::TrafficSettings,
        metrics_access: api_http::metrics::MetricsAccess,
    ) -> Self {
        let mut state =
            server::wiring::app_state_serving(&db.db, &auth, test_secret_box(), &traffic);
        state.metrics_access = metrics_access;
        Self::serve_state(db, state)
    }

    /// Another node serving this app's database: its own pool, event hub and listener.
    pub fn second_node(&self) -> Node {
        self.node_with_pool(&infra_postgres::PoolSettings::default())
            .0
    }

    /// Another node serving this app's database with a pool built from `settings`, and that pool.
    pub fn node_with_pool(
        &self,
        settings: &infra_postgres::PoolSettings,
    ) -> (Node, infra_postgres::Database) {
        let pool = infra_postgres::Database::connect(&self.db.url, settings).unwrap();
        let state = server::wiring::app_state_serving(
            &pool,
            &server::config::AuthSettings::default(),
            test_secret_box(),
            &server::traffic::TrafficSettings::default(),
        );
        let principals = state.deps.principals.clone();
        let (base, _) = Self::listen(state);
        (Node { base, principals }, pool)
    }

    fn serve_with(db: TestDb, adjust: impl FnOnce(&mut api_http::AppState)) -> Self {
        let mut state = server::wiring::app_state_serving(
            &db.db,
            &server::config::AuthSettings::default(),
            test_secret_box(),
            &server::traffic::TrafficSettings::default(),
        );
        adjust(&mut state);
        Self::serve_state(db, state)
    }

    fn listen(state: api_http::AppState) -> (String, api_http::metrics::Metrics) {
        let metrics = state.metrics.clone();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
        let port = listener.local_addr().unwrap().port();
        let server = actix_web::HttpServer::new(move || api_http::app(state.clone()))
            .workers(1)
            .listen(listener)
            .expect("listen")
            .disable_signals()
            .run();
        tokio::spawn(server);
        (format!("http://127.0.0.1:{port}"), metrics)
    }

    fn serve_state(db: TestDb, state: api_http::AppState) -> Self {
        let principals = state.deps.principals.clone();
        let (base, metrics) = Self::listen(state);
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        Self {
            db,
            base,
            client,
            metrics,
            pooler: None,
            principals,
        }
    }

    /// A new browser with an empty cookie jar.
    pub fn browser(&self) -> Session {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        Session {
            client: reqwest::Client::builder()
                .cookie_provider(jar.clone())
                .build()
                .unwrap(),
            base: self.base.clone(),
            jar,
        }
    }

    /// Signs `email` in from a new browser; panics unless the answer is 200.
    pub async fn sign_in(&self, email: &str, password: &str) -> Session {
        let session = self.browser();
        let resp = session
            .post(
                "/auth/signin",
                serde_json::json!({ "email": email, "password": password }),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.status(),
            200,
            "sign-in of {email}: {:?}",
            resp.text().await
        );
        session
    }

    /// Signs a clinic member in.
    pub async fn sign_in_as(&self, member: &Member) -> Session {
        self.sign_in(&member.email, &member.password).await
    }

    /// A new `atk_` API token with `role` (`admin` or `staff`), created by the signed-in `admin`.
    pub async fn api_token(&self, admin: &Session, role: &str) -> String {
        let resp = admin
            .post(
                "/api/api-tokens",
                serde_json::json!({ "name": format!("test {role}"), "role": role }),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201, "creating an API token");
        let body: serde_json::Value = resp.json().await.unwrap();
        body["token"].as_str().unwrap().to_owned()
    }

    /// An account (identity with a password) bound to no clinic.
    pub async fn account_without_clinic(&self) -> Member {
        let id = Uuid::now_v7();
        let tag = id.simple().to_string();
        let member = Member {
            user_id: id,
            email: format!("loner-{}@nowhere.test", &tag[tag.len() - 10..]),
            password: format!("loner-password-{tag}"),
        };
        let hash = infra_crypto::password::PasswordHasher::with_params(1024, 1, 1)
            .unwrap()
            .hash(&member.password)
            .unwrap();
        self.sql(&format!(
            "INSERT INTO auth_identities (id, email, provider, password_hash)
             VALUES ('{id}', '{}', 'local', '{hash}')",
            member.email
        ))
        .await;
        member
    }

    /// Runs SQL as the owner (test setup and inspection), then empties the app's principal
    /// cache: a change made behind the app's back reaches its cache through `LISTEN` a moment
    /// after the commit, and a test that acts at once must not race that (the notification path
    /// itself is proven in `principal_cache.rs`, without this help).
    pub async fn sql(&self, sql: &str) {
        self.db
            .owner_conn()
            .await
            .batch_execute(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        self.principals.clear();
    }

    /// The first column of the first row of `sql`, as text (`NULL` → None).
    pub async fn scalar(&self, sql: &str) -> Option<String> {
        use diesel_async::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct V {
            #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
            v: Option<String>,
        }
        let mut conn = self.db.owner_conn().await;
        let row: V = diesel::sql_query(format!("SELECT ({sql})::text AS v"))
            .get_result(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        row.v
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

/// The value of the metrics sample `series` (name and labels exactly as exposed in a scrape of
/// `GET /metrics`), if present.
pub fn metric_value(scrape: &str, series: &str) -> Option<f64> {
    scrape.lines().find_map(|line| {
        line.strip_prefix(series)
            .and_then(|rest| rest.strip_prefix(' '))
            .map(|v| v.trim().parse::<f64>().unwrap())
    })
}

/// A log writer that keeps everything written to it (install it as the global subscriber's
/// writer; nextest runs each test in its own process, so the subscriber is the test's alone).
#[derive(Clone, Default)]
pub struct Captured(pub std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}
