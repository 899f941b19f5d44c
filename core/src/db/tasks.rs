//! Task queries. Every function is scoped to one user: a task of another user
//! behaves exactly like a task that does not exist (`Ok(None)`).
//!
//! Titles and descriptions are stored as given; callers validate them first
//! (`crate::validation`). The tables also enforce the length limits.
use std::sync::atomic::{AtomicI64, Ordering};

use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};

use super::schema::{tasks, tool_call_keys};
use super::{Database, DbError, StatusFilter, Task, now, with_conn};

#[derive(Insertable)]
#[diesel(table_name = tasks)]
struct NewTask<'a> {
    user_id: &'a str,
    title: &'a str,
    description: Option<&'a str>,
    completed: bool,
    created_at: chrono::NaiveDateTime,
    updated_at: chrono::NaiveDateTime,
}

#[derive(AsChangeset)]
#[diesel(table_name = tasks)]
struct TaskChanges<'a> {
    title: Option<&'a str>,
    /// `Some(None)` writes NULL.
    description: Option<Option<&'a str>>,
    updated_at: chrono::NaiveDateTime,
}

/// An empty description is stored as NULL.
fn non_empty(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.is_empty())
}

/// One change to one of a user's tasks, as the mutating tools make them.
#[derive(Debug, Clone, Copy)]
pub enum Change<'a> {
    /// Refused (no row) when the user already has `max_tasks` tasks (0: no
    /// limit), counted in the insert itself: `INSERT … SELECT … WHERE (count)
    /// < max`. Calls at the same moment for one user may each pass the count,
    /// so the quota can be overshot by those (a few: turns per user are capped).
    Add {
        title: &'a str,
        description: Option<&'a str>,
        max_tasks: i64,
    },
    /// Sets completed = true (idempotent) and bumps updated_at.
    Complete {
        task_id: i64,
    },
    /// Changes the given fields only; `Some("")` description clears it to
    /// NULL. updated_at is bumped even when no field is given.
    Update {
        task_id: i64,
        title: Option<&'a str>,
        description: Option<&'a str>,
    },
    Delete {
        task_id: i64,
    },
}

/// What [`apply`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// The task as the change left it (the deleted task for a delete);
    /// `None`: no such task of this user, nothing changed.
    pub task: Option<Task>,
    /// The key had been used: `task` is the first call's result and nothing
    /// was changed now.
    pub replayed: bool,
}

/// How long a call key is remembered: far longer than any retry.
pub const KEY_RETENTION: chrono::TimeDelta = chrono::TimeDelta::days(1);
/// How often one process prunes keys older than [`KEY_RETENTION`].
const PRUNE_EVERY_SECS: i64 = 3600;

/// Runs `change` for `user_id` as one statement, returning the task it touched.
/// An add within the quota, in one statement. `$n` parameters work on both
/// databases (SQLite numbers them by first appearance, which is 1 to 5 here).
const ADD_WITHIN: &str = "INSERT INTO tasks (user_id, title, description, completed, created_at, updated_at) \
     SELECT $1, $2, $3, false, $4, $4 \
     WHERE (SELECT count(*) FROM tasks WHERE user_id = $1) < $5 \
     RETURNING id, user_id, title, description, completed, created_at, updated_at";

macro_rules! run_change {
    ($conn:expr, $user_id:expr, $change:expr, $at:expr) => {{
        let (conn, user_id, at) = ($conn, $user_id, $at);
        let of_user = |task_id: i64| {
            tasks::table
                .filter(tasks::id.eq(task_id))
                .filter(tasks::user_id.eq(user_id))
        };
        match $change {
            Change::Add {
                title,
                description,
                max_tasks,
            } if max_tasks > 0 => diesel::sql_query(ADD_WITHIN)
                .bind::<diesel::sql_types::Text, _>(user_id)
                .bind::<diesel::sql_types::Text, _>(title)
                .bind::<diesel::sql_types::Nullable<diesel::sql_types::Text>, _>(non_empty(
                    description,
                ))
                .bind::<diesel::sql_types::Timestamp, _>(at)
                .bind::<diesel::sql_types::BigInt, _>(max_tasks)
                .get_result::<Task>(conn)
                .await
                .optional(),
            Change::Add {
                title, description, ..
            } => diesel::insert_into(tasks::table)
                .values(NewTask {
                    user_id,
                    title,
                    description: non_empty(description),
                    completed: false,
                    created_at: at,
                    updated_at: at,
                })
                .returning(Task::as_returning())
                .get_result(conn)
                .await
                .map(Some),
            Change::Complete { task_id } => diesel::update(of_user(task_id))
                .set((tasks::completed.eq(true), tasks::updated_at.eq(at)))
                .returning(Task::as_returning())
                .get_result(conn)
                .await
                .optional(),
            Change::Update {
                task_id,
                title,
                description,
            } => diesel::update(of_user(task_id))
                .set(TaskChanges {
                    title,
                    description: description.map(|d| non_empty(Some(d))),
                    updated_at: at,
                })
                .returning(Task::as_returning())
                .get_result(conn)
                .await
                .optional(),
            Change::Delete { task_id } => diesel::delete(of_user(task_id))
                .returning(Task::as_returning())
                .get_result(conn)
                .await
                .optional(),
        }
    }};
}

/// Why a keyed change's transaction was rolled back.
enum Abort {
    Db(diesel::result::Error),
    /// No such task: nothing to store.
    Missing,
    /// The key is already stored: the first call's change stands.
    KeyUsed,
}

impl From<diesel::result::Error> for Abort {
    fn from(e: diesel::result::Error) -> Self {
        Abort::Db(e)
    }
}

/// Applies `change` for `user_id`. With a `key`, at most once per (user, key):
/// the key and the result are stored in the change's own transaction, and a
/// repeat gets the stored result back (`replayed`) without changing anything.
/// Without a key it is the single statement.
pub async fn apply(
    db: &Database,
    user_id: &str,
    change: Change<'_>,
    key: Option<&str>,
) -> Result<Applied, DbError> {
    let at = now();
    let Some(key) = key else {
        let task = with_conn!(db, |conn| run_change!(conn, user_id, change, at)?);
        return Ok(Applied {
            task,
            replayed: false,
        });
    };
    let outcome: Result<Task, Abort> = match db {
        // One statement: the change and its key in a data-modifying CTE.
        Database::Postgres(pool) => {
            let mut conn = pool.get().await.map_err(DbError::from_pool)?;
            keyed_in_one_statement(&mut conn, user_id, change, key, at).await
        }
        Database::Sqlite(_) => keyed_in_a_transaction(db, user_id, change, key, at).await?,
    };
    finish_keyed(db, user_id, key, outcome).await
}

/// PostgreSQL: `WITH t AS (change RETURNING …), k AS (INSERT INTO
/// tool_call_keys … FROM t) SELECT … FROM t`. A used key violates the
/// primary key and so rolls back the change with it: the statement is the
/// transaction (a concurrent first call with the key makes it wait for that
/// call's commit, then fail the same way).
async fn keyed_in_one_statement(
    conn: &mut diesel_async::AsyncPgConnection,
    user_id: &str,
    change: Change<'_>,
    key: &str,
    at: chrono::NaiveDateTime,
) -> Result<Task, Abort> {
    use super::prepared::{Bind, Prepared};

    const COLUMNS: &str = "id, user_id, title, description, completed, created_at, updated_at";
    // $1 user, $2 key, $3 time; the change's own parameters from $4.
    let statement = |change_sql: &str| {
        format!(
            "WITH t AS ({change_sql} RETURNING {COLUMNS}), \
             k AS (INSERT INTO tool_call_keys (user_id, call_key, result, created_at) \
                   SELECT $1, $2, row_to_json(t)::text, $3 FROM t) \
             SELECT {COLUMNS} FROM t"
        )
    };
    let (sql, binds) = match change {
        Change::Add {
            title,
            description,
            max_tasks,
        } => {
            let sql = if max_tasks > 0 {
                "INSERT INTO tasks (user_id, title, description, completed, created_at, updated_at) \
                 SELECT $1, $4, $5, false, $3, $3 \
                 WHERE (SELECT count(*) FROM tasks WHERE user_id = $1) < $6"
            } else {
                "INSERT INTO tasks (user_id, title, description, completed, created_at, updated_at) \
                 SELECT $1, $4, $5, false, $3, $3 WHERE $6 = 0" // same parameters, no limit
            };
            (
                sql,
                vec![
                    Bind::Text(title),
                    Bind::OptText(non_empty(description)),
                    Bind::BigInt(max_tasks.max(0)),
                ],
            )
        }
        Change::Complete { task_id } => (
            "UPDATE tasks SET completed = true, updated_at = $3 WHERE id = $4 AND user_id = $1",
            vec![Bind::BigInt(task_id)],
        ),
        Change::Delete { task_id } => (
            "DELETE FROM tasks WHERE id = $4 AND user_id = $1",
            vec![Bind::BigInt(task_id)],
        ),
        Change::Update {
            task_id,
            title,
            description,
        } => (
            "UPDATE tasks SET title = COALESCE($5, title), \
             description = CASE WHEN $6 THEN NULLIF($7, '') ELSE description END, \
             updated_at = $3 WHERE id = $4 AND user_id = $1",
            vec![
                Bind::BigInt(task_id),
                Bind::OptText(title),
                Bind::Bool(description.is_some()),
                Bind::OptText(description),
            ],
        ),
    };
    let mut all = vec![Bind::Text(user_id), Bind::Text(key), Bind::Timestamp(at)];
    all.extend(binds);
    // Prepared, not `sql_query`: the statement is parsed and planned once
    // per connection instead of on every call.
    let query = Prepared::new(statement(sql), all);
    match query.get_result::<Task>(conn).await {
        Ok(task) => Ok(task),
        Err(diesel::result::Error::NotFound) => Err(Abort::Missing),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Err(Abort::KeyUsed),
        Err(e) => Err(Abort::Db(e)),
    }
}

/// SQLite: the change and its key in one transaction (SQLite has no
/// data-modifying CTEs; it runs one writer at a time anyway).
async fn keyed_in_a_transaction(
    db: &Database,
    user_id: &str,
    change: Change<'_>,
    key: &str,
    at: chrono::NaiveDateTime,
) -> Result<Result<Task, Abort>, DbError> {
    Ok(with_conn!(db, |conn| {
        conn.transaction(async |conn| {
            let task = run_change!(&mut *conn, user_id, change, at)?.ok_or(Abort::Missing)?;
            let result = serde_json::to_string(&task)
                .map_err(|e| Abort::Db(diesel::result::Error::SerializationError(e.into())))?;
            // A concurrent first call with this key makes this insert wait
            // for its commit, and then do nothing.
            let stored = diesel::insert_into(tool_call_keys::table)
                .values((
                    tool_call_keys::user_id.eq(user_id),
                    tool_call_keys::call_key.eq(key),
                    tool_call_keys::result.eq(&result),
                    tool_call_keys::created_at.eq(at),
                ))
                .on_conflict_do_nothing()
                .execute(conn)
                .await?;
            if stored == 0 {
                return Err(Abort::KeyUsed);
            }
            Ok(task)
        })
        .await
    }))
}

/// What a keyed change amounts to: applied, replayed from the stored key, or
/// nothing (no such task); old keys are pruned now and then.
async fn finish_keyed(
    db: &Database,
    user_id: &str,
    key: &str,
    outcome: Result<Task, Abort>,
) -> Result<Applied, DbError> {
    let applied = match outcome {
        Ok(task) => Applied {
            task: Some(task),
            replayed: false,
        },
        Err(Abort::Db(e)) => return Err(e.into()),
        // A delete (or a change of a task deleted since) finds no task on a
        // repeat, so the key decides whether this is a repeat.
        Err(Abort::Missing | Abort::KeyUsed) => match stored_result(db, user_id, key).await? {
            Some(task) => Applied {
                task: Some(task),
                replayed: true,
            },
            None => Applied {
                task: None,
                replayed: false,
            },
        },
    };
    prune_now_and_then(db).await;
    Ok(applied)
}

/// The result stored with `key`, if the key was used.
async fn stored_result(db: &Database, user_id: &str, key: &str) -> Result<Option<Task>, DbError> {
    let result: Option<String> = with_conn!(db, |conn| {
        tool_call_keys::table
            .filter(tool_call_keys::user_id.eq(user_id))
            .filter(tool_call_keys::call_key.eq(key))
            .select(tool_call_keys::result)
            .first(conn)
            .await
            .optional()?
    });
    result
        .map(|json| serde_json::from_str(&json).map_err(|e| DbError::Encode(e.to_string())))
        .transpose()
}

/// Forgets keys older than `cutoff`; returns how many.
pub async fn prune_keys(db: &Database, cutoff: chrono::NaiveDateTime) -> Result<usize, DbError> {
    with_conn!(db, |conn| {
        Ok(
            diesel::delete(tool_call_keys::table.filter(tool_call_keys::created_at.lt(cutoff)))
                .execute(conn)
                .await?,
        )
    })
}

/// Prunes old keys at most once an hour per process; a failure only logs.
async fn prune_now_and_then(db: &Database) {
    static NEXT: AtomicI64 = AtomicI64::new(0);
    let at = now();
    let seconds = at.and_utc().timestamp();
    let next = AtomicI64::load(&NEXT, Ordering::Relaxed);
    if seconds < next
        || NEXT
            .compare_exchange(
                next,
                seconds + PRUNE_EVERY_SECS,
                Ordering::Relaxed,
                Ordering::Relaxed,
            )
            .is_err()
    {
        return;
    }
    if let Err(e) = prune_keys(db, at - KEY_RETENTION).await {
        tracing::warn!(
            error = &e as &dyn std::error::Error,
            "cannot prune old tool call keys"
        );
    }
}

pub async fn add(
    db: &Database,
    user_id: &str,
    title: &str,
    description: Option<&str>,
) -> Result<Task, DbError> {
    let change = Change::Add {
        title,
        description,
        max_tasks: 0,
    };
    apply(db, user_id, change, None)
        .await?
        .task
        .ok_or(DbError::Query(diesel::result::Error::NotFound))
}

/// Ordered by id ascending.
pub async fn list(
    db: &Database,
    user_id: &str,
    status: StatusFilter,
) -> Result<Vec<Task>, DbError> {
    with_conn!(db, |conn| {
        let mut query = tasks::table
            .filter(tasks::user_id.eq(user_id))
            .select(Task::as_select())
            .order(tasks::id.asc())
            .into_boxed();
        match status {
            StatusFilter::All => {}
            StatusFilter::Pending => query = query.filter(tasks::completed.eq(false)),
            StatusFilter::Completed => query = query.filter(tasks::completed.eq(true)),
        }
        Ok(query.load(conn).await?)
    })
}

pub async fn get(db: &Database, user_id: &str, task_id: i64) -> Result<Option<Task>, DbError> {
    with_conn!(db, |conn| {
        Ok(tasks::table
            .filter(tasks::id.eq(task_id))
            .filter(tasks::user_id.eq(user_id))
            .select(Task::as_select())
            .first(conn)
            .await
            .optional()?)
    })
}

/// Sets completed = true (idempotent) and bumps updated_at.
pub async fn complete(db: &Database, user_id: &str, task_id: i64) -> Result<Option<Task>, DbError> {
    Ok(apply(db, user_id, Change::Complete { task_id }, None)
        .await?
        .task)
}

/// Returns the deleted task.
pub async fn delete(db: &Database, user_id: &str, task_id: i64) -> Result<Option<Task>, DbError> {
    Ok(apply(db, user_id, Change::Delete { task_id }, None)
        .await?
        .task)
}

/// Changes the given fields only; `Some("")` description clears it to NULL.
/// updated_at is bumped even when no field is given.
pub async fn update(
    db: &Database,
    user_id: &str,
    task_id: i64,
    title: Option<&str>,
    description: Option<&str>,
) -> Result<Option<Task>, DbError> {
    let change = Change::Update {
        task_id,
        title,
        description,
    };
    Ok(apply(db, user_id, change, None).await?.task)
}

/// How many tasks a user has: (all, completed).
pub async fn count(db: &Database, user_id: &str) -> Result<(i64, i64), DbError> {
    with_conn!(db, |conn| {
        let all: i64 = tasks::table
            .filter(tasks::user_id.eq(user_id))
            .count()
            .get_result(conn)
            .await?;
        let done: i64 = tasks::table
            .filter(tasks::user_id.eq(user_id))
            .filter(tasks::completed.eq(true))
            .count()
            .get_result(conn)
            .await?;
        Ok((all, done))
    })
}
