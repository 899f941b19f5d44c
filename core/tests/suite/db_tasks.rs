//! Task queries on SQLite and PostgreSQL.
use todo_core::db::tasks::{Applied, Change};
use todo_core::db::{StatusFilter, tasks};
use todo_core::db_test;

const ALICE: &str = "user-alice";
const BOB: &str = "user-bob";

db_test!(add_get_list, |t| {
    let db = &t.db;
    let a = tasks::add(db, ALICE, "Buy groceries", Some("milk, eggs"))
        .await
        .unwrap();
    assert_eq!(a.user_id, ALICE);
    assert_eq!(a.title, "Buy groceries");
    assert_eq!(a.description.as_deref(), Some("milk, eggs"));
    assert!(!a.completed);
    assert_eq!(a.created_at, a.updated_at);
    let b = tasks::add(db, ALICE, "Call mom", Some("")).await.unwrap();
    assert_eq!(
        b.description, None,
        "an empty description is stored as NULL"
    );
    assert!(b.id > a.id);

    assert_eq!(tasks::get(db, ALICE, a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(tasks::get(db, ALICE, 999_999).await.unwrap(), None);

    let all = tasks::list(db, ALICE, StatusFilter::All).await.unwrap();
    assert_eq!(all, vec![a.clone(), b.clone()]);
    let done = tasks::complete(db, ALICE, b.id).await.unwrap().unwrap();
    assert!(done.completed);
    let pending = tasks::list(db, ALICE, StatusFilter::Pending).await.unwrap();
    assert_eq!(pending.iter().map(|t| t.id).collect::<Vec<_>>(), vec![a.id]);
    let completed = tasks::list(db, ALICE, StatusFilter::Completed)
        .await
        .unwrap();
    assert_eq!(completed, vec![done]);
    assert_eq!(tasks::count(db, ALICE).await.unwrap(), (2, 1));
    assert!(
        tasks::list(db, BOB, StatusFilter::All)
            .await
            .unwrap()
            .is_empty()
    );
});

db_test!(unicode_and_limits, |t| {
    let db = &t.db;
    let title = "é".repeat(200);
    let task = tasks::add(db, ALICE, &title, Some(&"ü".repeat(1000)))
        .await
        .unwrap();
    assert_eq!(
        tasks::get(db, ALICE, task.id).await.unwrap().unwrap().title,
        title
    );
    // The tables enforce the contract's limits too; nothing is stored.
    assert!(tasks::add(db, ALICE, &"é".repeat(201), None).await.is_err());
    assert!(tasks::add(db, ALICE, "", None).await.is_err());
    assert!(
        tasks::add(db, ALICE, "x", Some(&"y".repeat(1001)))
            .await
            .is_err()
    );
    assert_eq!(tasks::count(db, ALICE).await.unwrap(), (1, 0));
    let quote = tasks::add(db, ALICE, "Robert'); DROP TABLE tasks;--", None)
        .await
        .unwrap();
    assert_eq!(
        tasks::get(db, ALICE, quote.id)
            .await
            .unwrap()
            .unwrap()
            .title,
        quote.title
    );
});

db_test!(complete_is_idempotent_and_bumps_updated_at, |t| {
    let db = &t.db;
    let task = tasks::add(db, ALICE, "Pay bills", None).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let first = tasks::complete(db, ALICE, task.id).await.unwrap().unwrap();
    assert!(first.completed);
    assert!(first.updated_at > task.updated_at);
    assert_eq!(first.created_at, task.created_at);
    let again = tasks::complete(db, ALICE, task.id).await.unwrap().unwrap();
    assert!(again.completed);
    assert_eq!(tasks::complete(db, ALICE, 424_242).await.unwrap(), None);
});

db_test!(update_changes_only_given_fields, |t| {
    let db = &t.db;
    let task = tasks::add(db, ALICE, "Call mom", Some("about Sunday"))
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;

    let renamed = tasks::update(db, ALICE, task.id, Some("Call mom tonight"), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(renamed.title, "Call mom tonight");
    assert_eq!(renamed.description.as_deref(), Some("about Sunday"));
    assert!(renamed.updated_at > task.updated_at);

    let described = tasks::update(db, ALICE, task.id, None, Some("and dad"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(described.title, "Call mom tonight");
    assert_eq!(described.description.as_deref(), Some("and dad"));

    let cleared = tasks::update(db, ALICE, task.id, None, Some(""))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cleared.description, None);
    assert_eq!(cleared.title, "Call mom tonight");
    assert!(!cleared.completed);

    let untouched = tasks::update(db, ALICE, task.id, None, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(untouched.title, cleared.title);
    assert_eq!(untouched.description, None);

    assert_eq!(
        tasks::update(db, ALICE, 424_242, Some("x"), None)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        tasks::get(db, ALICE, task.id).await.unwrap().unwrap(),
        untouched
    );
});

db_test!(delete_returns_the_task_once, |t| {
    let db = &t.db;
    let task = tasks::add(db, ALICE, "Old task", None).await.unwrap();
    assert_eq!(
        tasks::delete(db, ALICE, task.id).await.unwrap(),
        Some(task.clone())
    );
    assert_eq!(tasks::delete(db, ALICE, task.id).await.unwrap(), None);
    assert_eq!(tasks::get(db, ALICE, task.id).await.unwrap(), None);
    // Ids are never reused.
    let next = tasks::add(db, ALICE, "New task", None).await.unwrap();
    assert!(next.id > task.id);
});

db_test!(another_users_task_is_missing, |t| {
    let db = &t.db;
    let mine = tasks::add(db, ALICE, "Alice's secret", Some("private"))
        .await
        .unwrap();
    assert_eq!(tasks::get(db, BOB, mine.id).await.unwrap(), None);
    assert_eq!(tasks::complete(db, BOB, mine.id).await.unwrap(), None);
    assert_eq!(
        tasks::update(db, BOB, mine.id, Some("hacked"), Some(""))
            .await
            .unwrap(),
        None
    );
    assert_eq!(tasks::delete(db, BOB, mine.id).await.unwrap(), None);
    assert!(
        tasks::list(db, BOB, StatusFilter::All)
            .await
            .unwrap()
            .is_empty()
    );
    // Nothing changed for Alice.
    assert_eq!(tasks::get(db, ALICE, mine.id).await.unwrap(), Some(mine));
});

db_test!(concurrent_adds_and_completes_lose_nothing, |t| {
    const WORKERS: usize = 16;
    const EACH: usize = 25;
    let mut handles = Vec::new();
    for w in 0..WORKERS {
        let db = t.db.clone();
        handles.push(tokio::spawn(async move {
            let user = format!("user-{}", w % 4);
            for i in 0..EACH {
                let task = tasks::add(&db, &user, &format!("task {w}-{i}"), None).await?;
                if i % 2 == 0 {
                    let done = tasks::complete(&db, &user, task.id).await?;
                    assert!(done.is_some_and(|d| d.completed));
                }
            }
            Ok::<_, todo_core::db::DbError>(())
        }));
    }
    for h in handles {
        h.await.unwrap().unwrap();
    }
    let per_user = (WORKERS / 4 * EACH) as i64;
    let done_per_user = (WORKERS / 4 * EACH.div_ceil(2)) as i64;
    for u in 0..4 {
        let user = format!("user-{u}");
        assert_eq!(
            tasks::count(&t.db, &user).await.unwrap(),
            (per_user, done_per_user)
        );
        let listed = tasks::list(&t.db, &user, StatusFilter::All).await.unwrap();
        assert!(
            listed.windows(2).all(|w| w[0].id < w[1].id),
            "ordered by id"
        );
        assert!(listed.iter().all(|task| task.user_id == user));
    }
});

/// Adds `title` for Alice under `key`.
async fn keyed_add(db: &todo_core::db::Database, key: Option<&str>, title: &str) -> Applied {
    let change = Change::Add {
        title,
        description: None,
        max_tasks: 0,
    };
    tasks::apply(db, ALICE, change, key).await.unwrap()
}

db_test!(a_keyed_change_applies_once, |t| {
    let db = &t.db;
    let first = keyed_add(db, Some("call-1"), "Water plants").await;
    assert!(!first.replayed);
    let task = first.task.clone().unwrap();
    let again = keyed_add(db, Some("call-1"), "Water plants").await;
    assert!(again.replayed, "the repeat is answered from the key");
    assert_eq!(again.task, Some(task.clone()));
    assert_eq!(tasks::count(db, ALICE).await.unwrap(), (1, 0));

    // Another key, or no key, is another call; a key is per user.
    assert!(!keyed_add(db, Some("call-2"), "Water plants").await.replayed);
    assert!(!keyed_add(db, None, "Water plants").await.replayed);
    assert!(!keyed_add(db, None, "Water plants").await.replayed);
    assert_eq!(tasks::count(db, ALICE).await.unwrap(), (4, 0));
    let bob = Change::Add {
        title: "Bob's",
        description: None,
        max_tasks: 0,
    };
    let applied = tasks::apply(db, BOB, bob, Some("call-1")).await.unwrap();
    assert!(!applied.replayed);
    assert_eq!(applied.task.unwrap().user_id, BOB);
});

db_test!(a_repeated_delete_answers_what_the_first_did, |t| {
    let db = &t.db;
    let task = tasks::add(db, ALICE, "Old task", None).await.unwrap();
    let delete = Change::Delete { task_id: task.id };
    let first = tasks::apply(db, ALICE, delete, Some("del-1"))
        .await
        .unwrap();
    assert_eq!(first.task, Some(task.clone()));
    assert!(!first.replayed);
    let again = tasks::apply(db, ALICE, delete, Some("del-1"))
        .await
        .unwrap();
    assert_eq!(again.task, Some(task.clone()), "the first call's result");
    assert!(again.replayed);
    // A new call for the same task finds nothing.
    let other = tasks::apply(db, ALICE, delete, Some("del-2"))
        .await
        .unwrap();
    assert_eq!(other.task, None);

    // Complete and update repeated: the first result, not a second change.
    let kept = tasks::add(db, ALICE, "Kept", None).await.unwrap();
    let update = Change::Update {
        task_id: kept.id,
        title: Some("Renamed"),
        description: None,
    };
    let renamed = tasks::apply(db, ALICE, update, Some("upd-1"))
        .await
        .unwrap();
    tasks::update(db, ALICE, kept.id, Some("Renamed again"), None)
        .await
        .unwrap();
    let repeat = tasks::apply(db, ALICE, update, Some("upd-1"))
        .await
        .unwrap();
    assert!(repeat.replayed);
    assert_eq!(repeat.task, renamed.task);
    assert_eq!(
        tasks::get(db, ALICE, kept.id).await.unwrap().unwrap().title,
        "Renamed again",
        "the repeat changed nothing"
    );
    let complete = Change::Complete { task_id: kept.id };
    let done = tasks::apply(db, ALICE, complete, Some("cmp-1"))
        .await
        .unwrap();
    assert!(done.task.as_ref().unwrap().completed);
    let repeat = tasks::apply(db, ALICE, complete, Some("cmp-1"))
        .await
        .unwrap();
    assert!(repeat.replayed);
    assert_eq!(repeat.task, done.task);
});

db_test!(a_refused_change_stores_no_key, |t| {
    let db = &t.db;
    let missing = Change::Complete { task_id: 424_242 };
    let refused = tasks::apply(db, ALICE, missing, Some("k")).await.unwrap();
    assert_eq!(refused.task, None);
    assert!(!refused.replayed);
    // A change the table refuses rolls the key back with it.
    assert!(
        tasks::apply(
            db,
            ALICE,
            Change::Add {
                title: "",
                description: None,
                max_tasks: 0,
            },
            Some("k")
        )
        .await
        .is_err()
    );
    // So the key is still free.
    assert!(!keyed_add(db, Some("k"), "Now it works").await.replayed);
    assert_eq!(tasks::count(db, ALICE).await.unwrap(), (1, 0));
});

db_test!(concurrent_repeats_of_one_key_apply_once, |t| {
    const REPEATS: usize = 12;
    let mut handles = Vec::new();
    for _ in 0..REPEATS {
        let db = t.db.clone();
        handles.push(tokio::spawn(async move {
            keyed_add(&db, Some("raced"), "Only once").await
        }));
    }
    let mut ids = Vec::new();
    let mut fresh = 0;
    for h in handles {
        let applied = h.await.unwrap();
        fresh += usize::from(!applied.replayed);
        ids.push(applied.task.unwrap().id);
    }
    assert_eq!(fresh, 1, "exactly one call applied the change");
    ids.dedup();
    assert_eq!(ids.len(), 1, "every repeat answered the same task");
    assert_eq!(tasks::count(&t.db, ALICE).await.unwrap(), (1, 0));
});

db_test!(old_keys_are_pruned, |t| {
    let db = &t.db;
    keyed_add(db, Some("old"), "First").await;
    let past = chrono::Utc::now().naive_utc() - tasks::KEY_RETENTION;
    assert_eq!(tasks::prune_keys(db, past).await.unwrap(), 0, "still fresh");
    let future = chrono::Utc::now().naive_utc() + chrono::TimeDelta::seconds(1);
    assert_eq!(tasks::prune_keys(db, future).await.unwrap(), 1);
    // A forgotten key is a new call.
    assert!(!keyed_add(db, Some("old"), "First").await.replayed);
    assert_eq!(tasks::count(db, ALICE).await.unwrap(), (2, 0));
});

/// A turn's statements are parsed and planned once per connection: the
/// keyed change and the message insert stay prepared (diesel never caches
/// `sql_query` or raw `sql` text; see `todo_core::db::prepared`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_turns_statements_stay_prepared_on_postgres() {
    use diesel::QueryableByName;
    use diesel_async::RunQueryDsl;
    use todo_core::db::Database;
    use todo_core::db::conversations::{self, NewTurnMessage};

    let Some(t) = todo_core::testing::db::postgres().await else {
        return; // said why
    };
    // One connection, so every call below uses (and prepares on) it.
    let db = Database::connect(&t.url, 1).await.unwrap();
    let convo = conversations::create(&db, ALICE, None).await.unwrap();
    for i in 0..3 {
        let key = format!("key-{i}");
        let change = Change::Add {
            title: "Buy milk",
            description: None,
            max_tasks: 100,
        };
        let applied = tasks::apply(&db, ALICE, change, Some(&key)).await.unwrap();
        assert!(applied.task.is_some());
        let done = Change::Complete {
            task_id: applied.task.unwrap().id,
        };
        tasks::apply(&db, ALICE, done, Some(&format!("done-{i}")))
            .await
            .unwrap();
        conversations::add_message(&db, ALICE, convo.id, NewTurnMessage::user("hi"))
            .await
            .unwrap();
    }
    #[derive(QueryableByName)]
    struct Prepared {
        #[diesel(sql_type = diesel::sql_types::Text)]
        statement: String,
    }
    let Database::Postgres(pool) = &db else {
        unreachable!()
    };
    let mut conn = pool.get().await.unwrap();
    let prepared: Vec<Prepared> = diesel::sql_query("SELECT statement FROM pg_prepared_statements")
        .load(&mut *conn)
        .await
        .unwrap();
    let count = |start: &str| {
        prepared
            .iter()
            .filter(|p| p.statement.trim_start().starts_with(start))
            .count()
    };
    assert_eq!(
        count("WITH t AS (INSERT"),
        1,
        "the keyed add, prepared once"
    );
    assert_eq!(
        count("WITH t AS (UPDATE"),
        1,
        "the keyed completion, prepared once"
    );
    assert_eq!(
        count("INSERT INTO \"messages\""),
        1,
        "the message insert, prepared once"
    );
}
