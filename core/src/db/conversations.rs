//! Conversations and their messages, always scoped to one user: another
//! user's conversation behaves exactly like a missing one.
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::{conversations, messages};
use super::{
    Conversation, Database, DbError, FollowUp, Message, Role, SortOrder, now, page_limit,
    split_page, with_conn,
};
use crate::tools::ToolCallRecord;

#[derive(Insertable)]
#[diesel(table_name = conversations)]
struct NewConversation<'a> {
    user_id: &'a str,
    title: Option<&'a str>,
    created_at: chrono::NaiveDateTime,
    updated_at: chrono::NaiveDateTime,
}

/// Like [`create`], unless the user already has `max` conversations
/// (`Ok(None)`). Two statements: this runs once per conversation, not per
/// turn. Concurrent creations by one user may each pass the count.
pub async fn create_within(
    db: &Database,
    user_id: &str,
    title: Option<&str>,
    max: i64,
) -> Result<Option<Conversation>, DbError> {
    let held: i64 = with_conn!(db, |conn| {
        conversations::table
            .filter(conversations::user_id.eq(user_id))
            .count()
            .get_result(conn)
            .await?
    });
    if held >= max {
        return Ok(None);
    }
    create(db, user_id, title).await.map(Some)
}

pub async fn create(
    db: &Database,
    user_id: &str,
    title: Option<&str>,
) -> Result<Conversation, DbError> {
    let at = now();
    let row = NewConversation {
        user_id,
        title,
        created_at: at,
        updated_at: at,
    };
    with_conn!(db, |conn| {
        Ok(diesel::insert_into(conversations::table)
            .values(&row)
            .returning(Conversation::as_returning())
            .get_result(conn)
            .await?)
    })
}

pub async fn get(
    db: &Database,
    user_id: &str,
    conversation_id: i64,
) -> Result<Option<Conversation>, DbError> {
    with_conn!(db, |conn| {
        Ok(conversations::table
            .filter(conversations::id.eq(conversation_id))
            .filter(conversations::user_id.eq(user_id))
            .select(Conversation::as_select())
            .first(conn)
            .await
            .optional()?)
    })
}

/// A page of conversations by `updated_at` then id; `after` is the id of the last conversation of the previous page.
/// Returns (page, has_more).
///
/// `limit` is kept within 1..=[`super::MAX_PAGE`]. An `after` that is not one
/// of the user's conversations (deleted since) yields an empty last page.
pub async fn list(
    db: &Database,
    user_id: &str,
    limit: i64,
    order: SortOrder,
    after: Option<i64>,
) -> Result<(Vec<Conversation>, bool), DbError> {
    let limit = page_limit(limit);
    let rows = with_conn!(db, |conn| {
        let mut query = conversations::table
            .filter(conversations::user_id.eq(user_id))
            .select(Conversation::as_select())
            .limit(limit + 1)
            .into_boxed();
        if let Some(after) = after {
            let cursor: Option<chrono::NaiveDateTime> = conversations::table
                .filter(conversations::id.eq(after))
                .filter(conversations::user_id.eq(user_id))
                .select(conversations::updated_at)
                .first(conn)
                .await
                .optional()?;
            let Some(at) = cursor else {
                return Ok((Vec::new(), false));
            };
            query = match order {
                SortOrder::Desc => query.filter(
                    conversations::updated_at
                        .lt(at)
                        .or(conversations::updated_at
                            .eq(at)
                            .and(conversations::id.lt(after))),
                ),
                SortOrder::Asc => query.filter(
                    conversations::updated_at
                        .gt(at)
                        .or(conversations::updated_at
                            .eq(at)
                            .and(conversations::id.gt(after))),
                ),
            };
        }
        query = match order {
            SortOrder::Desc => {
                query.order((conversations::updated_at.desc(), conversations::id.desc()))
            }
            SortOrder::Asc => {
                query.order((conversations::updated_at.asc(), conversations::id.asc()))
            }
        };
        query.load(conn).await?
    });
    Ok(split_page(rows, limit))
}

/// Sets (or with `None` clears) the title; bumps updated_at.
pub async fn rename(
    db: &Database,
    user_id: &str,
    conversation_id: i64,
    title: Option<&str>,
) -> Result<Option<Conversation>, DbError> {
    let at = now();
    with_conn!(db, |conn| {
        Ok(diesel::update(
            conversations::table
                .filter(conversations::id.eq(conversation_id))
                .filter(conversations::user_id.eq(user_id)),
        )
        .set((
            conversations::title.eq(title),
            conversations::updated_at.eq(at),
        ))
        .returning(Conversation::as_returning())
        .get_result(conn)
        .await
        .optional()?)
    })
}

/// Deletes the conversation and its messages; false if it was not there.
pub async fn delete(db: &Database, user_id: &str, conversation_id: i64) -> Result<bool, DbError> {
    // Messages go with it through ON DELETE CASCADE.
    let n = with_conn!(db, |conn| {
        diesel::delete(
            conversations::table
                .filter(conversations::id.eq(conversation_id))
                .filter(conversations::user_id.eq(user_id)),
        )
        .execute(conn)
        .await?
    });
    Ok(n > 0)
}

/// A message to store.
#[derive(Debug, Clone, Copy)]
pub struct NewTurnMessage<'a> {
    /// An id from [`reserve_message_id`]; None takes the next one.
    pub id: Option<i64>,
    pub role: Role,
    pub content: &'a str,
    pub tool_calls: &'a [ToolCallRecord],
    pub follow_up: Option<&'a FollowUp>,
}

impl<'a> NewTurnMessage<'a> {
    /// A message without tool calls or follow-up.
    pub fn new(role: Role, content: &'a str) -> Self {
        Self {
            id: None,
            role,
            content,
            tool_calls: &[],
            follow_up: None,
        }
    }

    pub fn user(content: &'a str) -> Self {
        Self::new(Role::User, content)
    }
}

/// Appends a message to one of the user's conversations in a single
/// statement: `INSERT … SELECT` from the conversation row checks ownership
/// (on PostgreSQL it also locks the row, so concurrent messages take their
/// ids and timestamps in commit order; SQLite runs one writer at a time),
/// the timestamp is the database's clock at insert time, and a trigger bumps
/// the conversation's `updated_at`.
///
/// A conversation that is missing or not the user's stores nothing and fails with
/// `DbError::Query(diesel::result::Error::NotFound)` (see [`DbError::is_not_found`]).
pub async fn add_message(
    db: &Database,
    user_id: &str,
    conversation_id: i64,
    message: NewTurnMessage<'_>,
) -> Result<Message, DbError> {
    insert_message(db, user_id, conversation_id, message, None).await
}

/// Like [`add_message`], but stores nothing (and fails with
/// [`DbError::is_not_found`]) unless the conversation holds fewer than
/// `below` messages, counted in the same statement. Concurrent inserts into
/// one conversation wait for each other on PostgreSQL's row lock, and SQLite
/// has one writer, so the count cannot be overtaken.
pub async fn add_message_within(
    db: &Database,
    user_id: &str,
    conversation_id: i64,
    message: NewTurnMessage<'_>,
    below: i64,
) -> Result<Message, DbError> {
    insert_message(db, user_id, conversation_id, message, Some(below)).await
}

async fn insert_message(
    db: &Database,
    user_id: &str,
    conversation_id: i64,
    message: NewTurnMessage<'_>,
    below: Option<i64>,
) -> Result<Message, DbError> {
    use diesel::sql_types::{BigInt, Nullable, Text};
    // The database's clock as functions, not `sql` text, so that diesel
    // keeps the insert prepared (it never caches statements with raw text).
    diesel::define_sql_function! {
        /// PostgreSQL's clock at the moment of the call.
        fn clock_timestamp() -> Timestamptz;
    }
    diesel::define_sql_function! {
        /// SQLite: `strftime('%Y-%m-%d %H:%M:%f', 'now')`.
        fn strftime(format: Text, time: Text) -> Timestamp;
    }
    use diesel::PgTimestampExpressionMethods;

    let encode = |e: serde_json::Error| DbError::Encode(e.to_string());
    let tool_calls = (!message.tool_calls.is_empty())
        .then(|| serde_json::to_string(message.tool_calls))
        .transpose()
        .map_err(encode)?;
    let follow_up = message
        .follow_up
        .map(serde_json::to_string)
        .transpose()
        .map_err(encode)?;
    macro_rules! columns {
        ($($id:path)?) => {
            (
                $($id,)?
                messages::user_id,
                messages::conversation_id,
                messages::role,
                messages::content,
                messages::tool_calls,
                messages::follow_up,
                messages::created_at,
            )
        };
    }
    macro_rules! source {
        ($now:expr, $($id:expr)?) => {
            conversations::table
                .filter(conversations::id.eq(conversation_id))
                .filter(conversations::user_id.eq(user_id))
                .select((
                    $($id.into_sql::<BigInt>(),)?
                    conversations::user_id,
                    conversations::id,
                    message.role.as_str().into_sql::<Text>(),
                    message.content.into_sql::<Text>(),
                    tool_calls.as_deref().into_sql::<Nullable<Text>>(),
                    follow_up.as_deref().into_sql::<Nullable<Text>>(),
                    $now,
                ))
        };
    }
    macro_rules! insert {
        ($pool:expr, $columns:expr, $source:expr) => {{
            let mut conn = $pool.get().await.map_err(DbError::from_pool)?;
            $source
                .insert_into(messages::table)
                .into_columns($columns)
                .returning(Message::as_returning())
                .get_result(&mut *conn)
                .await
                .map_err(DbError::from)
        }};
    }
    let pg_now = || clock_timestamp().at_time_zone("UTC");
    let sqlite_now = || strftime("%Y-%m-%d %H:%M:%f", "now");
    let held = || {
        messages::table
            .filter(messages::conversation_id.eq(conversation_id))
            .count()
            .single_value()
            .assume_not_null()
    };
    // A reserved id (a streamed reply) or a message-count bound (a user
    // message), never both.
    match (db, message.id, below) {
        (Database::Postgres(pool), None, None) => {
            insert!(pool, columns!(), source!(pg_now(),).for_update())
        }
        (Database::Postgres(pool), None, Some(below)) => insert!(
            pool,
            columns!(),
            source!(pg_now(),).filter(held().lt(below)).for_update()
        ),
        (Database::Postgres(pool), Some(id), _) => insert!(
            pool,
            columns!(messages::id),
            source!(pg_now(), id).for_update()
        ),
        (Database::Sqlite(pool), None, None) => insert!(pool, columns!(), source!(sqlite_now(),)),
        (Database::Sqlite(pool), None, Some(below)) => insert!(
            pool,
            columns!(),
            source!(sqlite_now(),).filter(held().lt(below))
        ),
        (Database::Sqlite(pool), Some(id), _) => {
            insert!(pool, columns!(messages::id), source!(sqlite_now(), id))
        }
    }
}

/// Takes the next message id without storing a message, so that a reply can
/// be named (e.g. to a streaming client) before it exists; store it with
/// [`NewTurnMessage::id`]. An id reserved and never used is a gap, as after a
/// rolled-back insert.
///
/// PostgreSQL draws from the column's sequence. SQLite advances the table's
/// AUTOINCREMENT counter, which exists once the table has had a row (a turn
/// stores its user message first); before that this fails with NotFound.
pub async fn reserve_message_id(db: &Database) -> Result<i64, DbError> {
    use diesel::sql_types::BigInt;

    #[derive(QueryableByName)]
    struct Reserved {
        #[diesel(sql_type = BigInt)]
        seq: i64,
    }
    match db {
        Database::Postgres(pool) => {
            let mut conn = pool.get().await.map_err(DbError::from_pool)?;
            // Functions, not `sql` text, so the statement stays prepared.
            diesel::define_sql_function! {
                fn nextval(sequence: diesel::sql_types::Text) -> BigInt;
            }
            diesel::define_sql_function! {
                fn pg_get_serial_sequence(table: diesel::sql_types::Text, column: diesel::sql_types::Text) -> diesel::sql_types::Text;
            }
            Ok(
                diesel::select(nextval(pg_get_serial_sequence("messages", "id")))
                    .get_result(&mut *conn)
                    .await?,
            )
        }
        Database::Sqlite(pool) => {
            let mut conn = pool.get().await.map_err(DbError::from_pool)?;
            // Automatic ids continue above `seq`, so the reserved one stays free.
            let reserved: Reserved = diesel::sql_query(
                "UPDATE sqlite_sequence SET seq = seq + 1 WHERE name = 'messages' RETURNING seq",
            )
            .get_result(&mut *conn)
            .await?;
            Ok(reserved.seq)
        }
    }
}

/// The user's conversation with its last `limit` messages (oldest first), in
/// one query; `None` for a missing conversation or another user's.
pub async fn open(
    db: &Database,
    user_id: &str,
    conversation_id: i64,
    limit: i64,
) -> Result<Option<(Conversation, Vec<Message>)>, DbError> {
    use diesel::sql_types::{BigInt, Nullable};
    diesel::define_sql_function! {
        fn coalesce(value: Nullable<BigInt>, default: BigInt) -> BigInt;
    }
    // The id of the `limit`-th newest message, found by walking the
    // (conversation_id, id) index backwards; the join then reads only the
    // messages from it on. Ordering the joined rows and cutting them at the
    // limit would read (and sort) the whole conversation on every turn.
    let newest = diesel::alias!(messages as newest);
    let oldest_wanted = newest
        .filter(newest.field(messages::conversation_id).eq(conversation_id))
        .order(newest.field(messages::id).desc())
        .offset(limit.max(1) - 1)
        .limit(1)
        .select(newest.field(messages::id))
        .single_value();
    let rows: Vec<(Conversation, Option<Message>)> = with_conn!(db, |conn| {
        conversations::table
            .left_join(
                messages::table.on(messages::conversation_id
                    .eq(conversations::id)
                    .and(messages::user_id.eq(user_id))
                    .and(messages::id.ge(coalesce(oldest_wanted, 0)))),
            )
            .filter(conversations::id.eq(conversation_id))
            .filter(conversations::user_id.eq(user_id))
            .order(messages::id.desc())
            .limit(limit.max(1))
            .select((Conversation::as_select(), Option::<Message>::as_select()))
            .load(conn)
            .await?
    });
    let mut rows = rows.into_iter();
    let Some((conversation, first)) = rows.next() else {
        return Ok(None);
    };
    let mut history: Vec<Message> = first
        .into_iter()
        .chain(rows.filter_map(|(_, m)| m))
        .collect();
    if limit <= 0 {
        history.clear();
    }
    history.reverse();
    Ok(Some((conversation, history)))
}

/// The last `limit` messages, oldest first (the history an agent sees).
/// Empty for a missing conversation, another user's, or `limit <= 0`.
pub async fn history(
    db: &Database,
    user_id: &str,
    conversation_id: i64,
    limit: i64,
) -> Result<Vec<Message>, DbError> {
    if limit <= 0 {
        return Ok(Vec::new());
    }
    let mut rows: Vec<Message> = with_conn!(db, |conn| {
        messages::table
            .filter(messages::conversation_id.eq(conversation_id))
            .filter(messages::user_id.eq(user_id))
            .order(messages::id.desc())
            .limit(limit)
            .select(Message::as_select())
            .load(conn)
            .await?
    });
    rows.reverse();
    Ok(rows)
}

/// A page of messages by id; `after` is the id of the last message of the previous page. Returns (page, has_more).
/// `limit` is kept within 1..=[`super::MAX_PAGE`].
pub async fn list_messages(
    db: &Database,
    user_id: &str,
    conversation_id: i64,
    limit: i64,
    order: SortOrder,
    after: Option<i64>,
) -> Result<(Vec<Message>, bool), DbError> {
    let limit = page_limit(limit);
    let rows = with_conn!(db, |conn| {
        let mut query = messages::table
            .filter(messages::conversation_id.eq(conversation_id))
            .filter(messages::user_id.eq(user_id))
            .select(Message::as_select())
            .limit(limit + 1)
            .into_boxed();
        query = match (order, after) {
            (SortOrder::Asc, Some(after)) => query.filter(messages::id.gt(after)),
            (SortOrder::Desc, Some(after)) => query.filter(messages::id.lt(after)),
            (_, None) => query,
        };
        query = match order {
            SortOrder::Asc => query.order(messages::id.asc()),
            SortOrder::Desc => query.order(messages::id.desc()),
        };
        query.load(conn).await?
    });
    Ok(split_page(rows, limit))
}

/// Deletes the messages of a conversation that come after `message_id` (for "retry after item").
pub async fn delete_messages_after(
    db: &Database,
    user_id: &str,
    conversation_id: i64,
    message_id: i64,
) -> Result<usize, DbError> {
    let n = with_conn!(db, |conn| {
        diesel::delete(
            messages::table
                .filter(messages::conversation_id.eq(conversation_id))
                .filter(messages::user_id.eq(user_id))
                .filter(messages::id.gt(message_id)),
        )
        .execute(conn)
        .await?
    });
    Ok(n)
}

/// Deletes one of the user's messages (a turn that failed takes back its own
/// message without touching anything written after it); false if absent.
pub async fn delete_message(
    db: &Database,
    user_id: &str,
    message_id: i64,
) -> Result<bool, DbError> {
    let n = with_conn!(db, |conn| {
        diesel::delete(
            messages::table
                .filter(messages::id.eq(message_id))
                .filter(messages::user_id.eq(user_id)),
        )
        .execute(conn)
        .await?
    });
    Ok(n > 0)
}

/// One message of the user's, or None.
pub async fn get_message(
    db: &Database,
    user_id: &str,
    message_id: i64,
) -> Result<Option<Message>, DbError> {
    with_conn!(db, |conn| {
        Ok(messages::table
            .filter(messages::id.eq(message_id))
            .filter(messages::user_id.eq(user_id))
            .select(Message::as_select())
            .first(conn)
            .await
            .optional()?)
    })
}
