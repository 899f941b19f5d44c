//! Task queries. Every function is scoped to one user: a task of another user
//! behaves exactly like a task that does not exist (`Ok(None)`).
use super::{Database, DbError, StatusFilter, Task};

pub async fn add(
    db: &Database,
    user_id: &str,
    title: &str,
    description: Option<&str>,
) -> Result<Task, DbError> {
    todo!()
}
/// Ordered by id ascending.
pub async fn list(
    db: &Database,
    user_id: &str,
    status: StatusFilter,
) -> Result<Vec<Task>, DbError> {
    todo!()
}
pub async fn get(db: &Database, user_id: &str, task_id: i64) -> Result<Option<Task>, DbError> {
    todo!()
}
/// Sets completed = true (idempotent) and bumps updated_at.
pub async fn complete(db: &Database, user_id: &str, task_id: i64) -> Result<Option<Task>, DbError> {
    todo!()
}
/// Returns the deleted task.
pub async fn delete(db: &Database, user_id: &str, task_id: i64) -> Result<Option<Task>, DbError> {
    todo!()
}
/// Changes the given fields only; `Some("")` description clears it to NULL.
pub async fn update(
    db: &Database,
    user_id: &str,
    task_id: i64,
    title: Option<&str>,
    description: Option<&str>,
) -> Result<Option<Task>, DbError> {
    todo!()
}
