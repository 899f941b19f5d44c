//! Task queries. Every function is scoped to one user: a task of another user
//! behaves exactly like a task that does not exist (`Ok(None)`).
//!
//! Titles and descriptions are stored as given; callers validate them first
//! (`crate::validation`). The tables also enforce the length limits.
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::tasks;
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

pub async fn add(
    db: &Database,
    user_id: &str,
    title: &str,
    description: Option<&str>,
) -> Result<Task, DbError> {
    let at = now();
    let row = NewTask {
        user_id,
        title,
        description: non_empty(description),
        completed: false,
        created_at: at,
        updated_at: at,
    };
    with_conn!(db, |conn| {
        Ok(diesel::insert_into(tasks::table)
            .values(&row)
            .returning(Task::as_returning())
            .get_result(conn)
            .await?)
    })
}

/// Like [`add`], unless the user already has `max` tasks (`Ok(None)`): one
/// statement, `INSERT … SELECT … WHERE (count) < max`. Calls running at the
/// same moment for one user may each pass the count, so the quota can be
/// overshot by the number of such calls (a few: turns per user are capped).
pub async fn add_within(
    db: &Database,
    user_id: &str,
    title: &str,
    description: Option<&str>,
    max: i64,
) -> Result<Option<Task>, DbError> {
    use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};

    const COLUMNS: &str = "id, user_id, title, description, completed, created_at, updated_at";
    let at = now();
    let description = non_empty(description);
    macro_rules! run {
        ($conn:expr, $sql:expr) => {
            diesel::sql_query($sql)
                .bind::<Text, _>(user_id)
                .bind::<Text, _>(title)
                .bind::<Nullable<Text>, _>(description)
                .bind::<Timestamp, _>(at)
                .bind::<BigInt, _>(max)
                .get_result::<Task>($conn)
                .await
                .optional()
        };
    }
    Ok(match db {
        Database::Postgres(pool) => {
            let mut conn = pool.get().await.map_err(DbError::from_pool)?;
            run!(
                &mut *conn,
                format!(
                    "INSERT INTO tasks (user_id, title, description, completed, created_at, updated_at) \
                     SELECT $1, $2, $3, false, $4, $4 \
                     WHERE (SELECT count(*) FROM tasks WHERE user_id = $1) < $5 \
                     RETURNING {COLUMNS}"
                )
            )?
        }
        Database::Sqlite(pool) => {
            let mut conn = pool.get().await.map_err(DbError::from_pool)?;
            run!(
                &mut *conn,
                format!(
                    "INSERT INTO tasks (user_id, title, description, completed, created_at, updated_at) \
                     SELECT ?1, ?2, ?3, 0, ?4, ?4 \
                     WHERE (SELECT count(*) FROM tasks WHERE user_id = ?1) < ?5 \
                     RETURNING {COLUMNS}"
                )
            )?
        }
    })
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
    let at = now();
    with_conn!(db, |conn| {
        Ok(diesel::update(
            tasks::table
                .filter(tasks::id.eq(task_id))
                .filter(tasks::user_id.eq(user_id)),
        )
        .set((tasks::completed.eq(true), tasks::updated_at.eq(at)))
        .returning(Task::as_returning())
        .get_result(conn)
        .await
        .optional()?)
    })
}

/// Returns the deleted task.
pub async fn delete(db: &Database, user_id: &str, task_id: i64) -> Result<Option<Task>, DbError> {
    with_conn!(db, |conn| {
        Ok(diesel::delete(
            tasks::table
                .filter(tasks::id.eq(task_id))
                .filter(tasks::user_id.eq(user_id)),
        )
        .returning(Task::as_returning())
        .get_result(conn)
        .await
        .optional()?)
    })
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
    let changes = TaskChanges {
        title,
        description: description.map(|d| non_empty(Some(d))),
        updated_at: now(),
    };
    with_conn!(db, |conn| {
        Ok(diesel::update(
            tasks::table
                .filter(tasks::id.eq(task_id))
                .filter(tasks::user_id.eq(user_id)),
        )
        .set(&changes)
        .returning(Task::as_returning())
        .get_result(conn)
        .await
        .optional()?)
    })
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
