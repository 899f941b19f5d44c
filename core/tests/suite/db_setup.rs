//! Connecting, migrating and configuring both databases.
use diesel::sql_types::{BigInt, Text};
use diesel::{QueryableByName, sql_query};
use diesel_async::RunQueryDsl;
use todo_core::db::{Database, DbError, tasks};
use todo_core::db_test;
use todo_core::testing::db as testdb;

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

db_test!(migrations_run_twice_are_a_no_op, |t| {
    let before = tasks::add(&t.db, "u", "survives", None).await.unwrap();
    t.db.run_migrations().await.unwrap();
    t.db.run_migrations().await.unwrap();
    assert_eq!(
        tasks::get(&t.db, "u", before.id).await.unwrap(),
        Some(before)
    );
    // A second pool on the same database agrees.
    let other = Database::connect(&t.url, 2).await.unwrap();
    other.run_migrations().await.unwrap();
    assert_eq!(other.backend_name(), t.db.backend_name());
    other.ping().await.unwrap();
});

db_test!(indexes_exist, |t| {
    let sql = match &t.db {
        Database::Postgres(_) => {
            "SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public'"
        }
        Database::Sqlite(_) => "SELECT name FROM sqlite_master WHERE type = 'index'",
    };
    let names: Vec<String> = match &t.db {
        Database::Postgres(pool) => {
            let mut c = pool.get().await.unwrap();
            sql_query(sql).load::<Name>(&mut *c).await.unwrap()
        }
        Database::Sqlite(pool) => {
            let mut c = pool.get().await.unwrap();
            sql_query(sql).load::<Name>(&mut *c).await.unwrap()
        }
    }
    .into_iter()
    .map(|n| n.name)
    .collect();
    for wanted in [
        "tasks_user_id_idx",
        "tasks_user_id_completed_idx",
        "conversations_user_id_updated_at_idx",
        "messages_conversation_id_id_idx",
    ] {
        assert!(
            names.iter().any(|n| n == wanted),
            "{wanted} missing from {names:?}"
        );
    }
});

#[derive(QueryableByName)]
struct Pragma {
    #[diesel(sql_type = Text)]
    journal_mode: String,
}
#[derive(QueryableByName)]
struct Num {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[tokio::test]
async fn sqlite_connections_are_configured() {
    let t = testdb::sqlite().await;
    let Database::Sqlite(pool) = &t.db else {
        panic!("not sqlite")
    };
    // Check several pooled connections, not just the first one.
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut c = pool.get().await.unwrap();
        let mode = sql_query("PRAGMA journal_mode")
            .get_result::<Pragma>(&mut *c)
            .await
            .unwrap();
        assert_eq!(mode.journal_mode, "wal");
        // (pragma, its result column, expected value); synchronous 1 = NORMAL.
        for (pragma, column, want) in [
            ("busy_timeout", "timeout", 5000),
            ("foreign_keys", "foreign_keys", 1),
            ("synchronous", "synchronous", 1),
        ] {
            let got = sql_query(format!("SELECT {column} AS n FROM pragma_{pragma}"))
                .get_result::<Num>(&mut *c)
                .await
                .unwrap();
            assert_eq!(got.n, want, "PRAGMA {pragma}");
        }
        held.push(c);
    }
}

#[tokio::test]
async fn sqlite_creates_nested_folders_and_relative_paths() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/a/b/c/todo.db", dir.path().display());
    let db = Database::connect(&url, 2).await.unwrap();
    db.run_migrations().await.unwrap();
    assert!(dir.path().join("a/b/c/todo.db").is_file());
    assert_eq!(db.backend_name(), "sqlite");
    tasks::add(&db, "u", "persisted", None).await.unwrap();
    db.close();
    drop(db);
    // Reopening sees the data: it really is a file.
    let db = Database::connect(&url, 2).await.unwrap();
    db.run_migrations().await.unwrap();
    assert_eq!(tasks::count(&db, "u").await.unwrap(), (1, 0));

    // A relative path resolves against the working directory.
    let rel = format!("target/tmp-db-test-{}/todo.db", std::process::id());
    let db = Database::connect(&format!("sqlite://{rel}"), 1)
        .await
        .unwrap();
    db.run_migrations().await.unwrap();
    assert!(std::path::Path::new(&rel).is_file());
    drop(db);
    let _ = std::fs::remove_dir_all(std::path::Path::new(&rel).parent().unwrap());
}

#[tokio::test]
async fn sqlite_memory_works_through_the_pool() {
    let db = Database::connect("sqlite::memory:", 8).await.unwrap();
    db.run_migrations().await.unwrap();
    let task = tasks::add(&db, "u", "in memory", None).await.unwrap();
    assert_eq!(tasks::get(&db, "u", task.id).await.unwrap(), Some(task));
}

#[tokio::test]
async fn unusable_sqlite_path_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain-file");
    std::fs::write(&file, "not a folder").unwrap();
    let url = format!("sqlite://{}/inside/todo.db", file.display());
    let err = Database::connect(&url, 1).await.unwrap_err();
    assert!(matches!(err, DbError::Connect(_)), "{err}");
}

#[tokio::test]
async fn bad_urls_fail_fast() {
    for url in [
        "",
        "mysql://u:pw@h/db",
        "postgres://u:pw@h/db?sslmode=sometimes",
    ] {
        let err = Database::connect(url, 1).await.unwrap_err();
        assert!(matches!(err, DbError::Url(_)), "{url}: {err}");
        assert!(!err.to_string().contains("pw@"), "{err}");
    }
}

#[tokio::test]
async fn unreachable_postgres_fails_within_the_connect_timeout() {
    // Nothing listens on port 1; the error names the problem, not the password.
    let started = std::time::Instant::now();
    let err = Database::connect("postgres://u:hunter22@127.0.0.1:1/db?connect_timeout=2", 1)
        .await
        .unwrap_err();
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert!(matches!(err, DbError::Connect(_)), "{err}");
    // Neither the message nor any of its causes shows the password.
    let mut next: Option<&dyn std::error::Error> = Some(&err);
    while let Some(e) = next {
        assert!(!e.to_string().contains("hunter22"), "{e}");
        next = e.source();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_sqlite_migrations_on_a_new_file() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/new.db", dir.path().display());
    let mut runs = Vec::new();
    for _ in 0..4 {
        let url = url.clone();
        runs.push(tokio::spawn(async move {
            let db = Database::connect(&url, 1).await?;
            db.run_migrations().await?;
            Ok::<_, DbError>(db)
        }));
    }
    let mut pools = Vec::new();
    for r in runs {
        pools.push(r.await.unwrap().unwrap());
    }
    tasks::add(&pools[0], "u", "after", None).await.unwrap();
    assert_eq!(tasks::count(&pools[3], "u").await.unwrap(), (1, 0));
}
