//! TLS and connection behaviour against the real PostgreSQL server of
//! `TEST_DATABASE_URL` (skipped without it).
use diesel::sql_types::Bool;
use diesel::{QueryableByName, sql_query};
use diesel_async::RunQueryDsl;
use todo_core::db::{Database, DbError};
use todo_core::testing::db as testdb;

#[derive(QueryableByName)]
struct Ssl {
    #[diesel(sql_type = Bool)]
    ssl: bool,
}

async fn uses_tls(db: &Database) -> bool {
    let Database::Postgres(pool) = db else {
        panic!("not postgres")
    };
    let mut c = pool.get().await.unwrap();
    sql_query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .get_result::<Ssl>(&mut *c)
        .await
        .unwrap()
        .ssl
}

/// `url` with another host and extra query parameters.
fn variant(url: &str, host: Option<&str>, params: &str) -> String {
    let mut u = url::Url::parse(url).unwrap();
    if let Some(h) = host {
        u.set_host(Some(h)).unwrap();
    }
    let query = u
        .query()
        .map(|q| format!("{q}&{params}"))
        .unwrap_or(params.to_string());
    u.set_query(Some(&query));
    u.into()
}

fn is_local(url: &str) -> bool {
    let u = url::Url::parse(url).unwrap();
    matches!(
        u.host_str(),
        Some("127.0.0.1" | "localhost" | "::1" | "[::1]")
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sslmodes_against_the_real_server() {
    let Some(t) = testdb::postgres().await else {
        return;
    };
    let prefer = Database::connect(&variant(&t.url, None, "sslmode=prefer"), 1)
        .await
        .unwrap();
    let server_has_tls = uses_tls(&prefer).await;
    let plain = Database::connect(&variant(&t.url, None, "sslmode=disable"), 1)
        .await
        .unwrap();
    assert!(!uses_tls(&plain).await, "sslmode=disable must not encrypt");
    if !server_has_tls {
        eprintln!("skipping the TLS checks: the server does not offer TLS");
        return;
    }
    if !is_local(&t.url) {
        eprintln!("skipping the certificate checks: they expect a local server");
        return;
    }
    // A local server's self-signed certificate is not trusted by the Mozilla roots.
    let err = Database::connect(&variant(&t.url, None, "sslmode=require"), 1)
        .await
        .unwrap_err();
    assert!(matches!(err, DbError::Connect(_)), "{err}");
    let chain = chain(&err);
    assert!(chain.to_lowercase().contains("certificate"), "{chain}");

    // With the server's own certificate as the root, TLS and channel binding succeed.
    let cert = std::env::var("TEST_PG_SSLROOTCERT")
        .unwrap_or_else(|_| "/etc/ssl/certs/ssl-cert-snakeoil.pem".into());
    if !std::path::Path::new(&cert).is_file() {
        eprintln!("skipping the sslrootcert check: {cert} not found (set TEST_PG_SSLROOTCERT)");
        return;
    }
    let url = variant(
        &t.url,
        Some("localhost"),
        &format!("sslmode=verify-full&channel_binding=require&sslrootcert={cert}"),
    );
    let verified = Database::connect(&url, 1).await.unwrap();
    assert!(uses_tls(&verified).await);
    todo_core::db::tasks::add(&verified, "u", "over verified TLS", None)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_is_a_connect_error_without_the_password() {
    let Some(t) = testdb::postgres().await else {
        return;
    };
    let mut u = url::Url::parse(&t.url).unwrap();
    u.set_password(Some("not-the-Pa55word")).unwrap();
    let err = Database::connect(u.as_str(), 1).await.unwrap_err();
    assert!(matches!(err, DbError::Connect(_)), "{err}");
    let chain = chain(&err);
    assert!(!chain.contains("not-the-Pa55word"), "{chain}");
}

/// The error and its causes, as a log line shows them.
fn chain(err: &DbError) -> String {
    let mut text = Vec::new();
    let mut next: Option<&dyn std::error::Error> = Some(err);
    while let Some(e) = next {
        text.push(e.to_string());
        next = e.source();
    }
    text.join(": ")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_migrations_on_an_empty_database() {
    let Some(t) = testdb::postgres().await else {
        return;
    };
    {
        let Database::Postgres(pool) = &t.db else {
            panic!()
        };
        let mut c = pool.get().await.unwrap();
        sql_query(
            "DROP TABLE messages, conversations, tasks, tool_call_keys, __diesel_schema_migrations",
        )
        .execute(&mut *c)
        .await
        .unwrap();
    }
    let mut runs = Vec::new();
    for _ in 0..4 {
        let url = t.url.clone();
        runs.push(tokio::spawn(async move {
            let db = Database::connect(&url, 1).await?;
            db.run_migrations().await
        }));
    }
    for r in runs {
        r.await.unwrap().unwrap();
    }
    todo_core::db::tasks::add(&t.db, "u", "after", None)
        .await
        .unwrap();
}
