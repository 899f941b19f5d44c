//! Hand-written PostgreSQL statements that stay prepared.
//!
//! diesel keeps a query prepared on each connection (parsed and planned
//! once) only when it can tell its text is fixed; `sql_query` and `sql`
//! fragments could be anything, so they are parsed and planned again on
//! every call. [`Prepared`] is fixed text with `$n` placeholders and its
//! values: diesel caches it by its text, like its own queries.

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::result::{Error, QueryResult};
use diesel::sql_types::{BigInt, Bool, Nullable, Text, Timestamp, Untyped};

/// A value for a `$n` placeholder.
#[derive(Debug, Clone, Copy)]
pub enum Bind<'a> {
    Text(&'a str),
    OptText(Option<&'a str>),
    BigInt(i64),
    Bool(bool),
    Timestamp(chrono::NaiveDateTime),
}

/// `sql` with `$1`, `$2`… standing for `binds[0]`, `binds[1]`…; a
/// placeholder may appear more than once. Load rows with
/// `QueryableByName` types, as from `sql_query`.
#[derive(Debug, Clone)]
pub struct Prepared<'a> {
    sql: std::borrow::Cow<'static, str>,
    binds: Vec<Bind<'a>>,
}

impl<'a> Prepared<'a> {
    pub fn new(sql: impl Into<std::borrow::Cow<'static, str>>, binds: Vec<Bind<'a>>) -> Self {
        Self {
            sql: sql.into(),
            binds,
        }
    }
}

impl QueryFragment<Pg> for Prepared<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        let mut rest: &str = &self.sql;
        while let Some(at) = rest.find('$') {
            out.push_sql(&rest[..at]);
            let after = &rest[at + 1..];
            let digits = after.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                out.push_sql("$");
                rest = after;
                continue;
            }
            let n: usize = after[..digits].parse().unwrap_or(0);
            let bind = n
                .checked_sub(1)
                .and_then(|i| self.binds.get(i))
                .ok_or_else(|| {
                    Error::QueryBuilderError(format!("no value for placeholder ${n}").into())
                })?;
            // diesel numbers the placeholders it writes itself, in order.
            match bind {
                Bind::Text(v) => out.push_bind_param::<Text, _>(v)?,
                Bind::OptText(v) => out.push_bind_param::<Nullable<Text>, _>(v)?,
                Bind::BigInt(v) => out.push_bind_param::<BigInt, _>(v)?,
                Bind::Bool(v) => out.push_bind_param::<Bool, _>(v)?,
                Bind::Timestamp(v) => out.push_bind_param::<Timestamp, _>(v)?,
            }
            rest = &after[digits..];
        }
        out.push_sql(rest);
        Ok(())
    }
}

/// No static id: diesel's statement cache then keys it by its text.
impl QueryId for Prepared<'_> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for Prepared<'_> {
    type SqlType = Untyped;
}

#[cfg(test)]
mod tests {
    use diesel::debug_query;

    use super::*;

    #[test]
    fn placeholders_become_diesels_own_in_order() {
        let q = Prepared::new(
            "SELECT $2, $1 WHERE x = $1 AND y = 'a$b'",
            vec![Bind::Text("u"), Bind::BigInt(7)],
        );
        let shown = debug_query::<Pg, _>(&q).to_string();
        assert!(
            shown.starts_with("SELECT $1, $2 WHERE x = $3 AND y = 'a$b'"),
            "{shown}"
        );
        assert!(shown.contains(r#"[7, "u", "u"]"#), "{shown}");
    }

    #[test]
    fn a_missing_value_is_an_error() {
        let q = Prepared::new("SELECT $3", vec![Bind::Bool(true)]);
        let mut builder = diesel::pg::PgQueryBuilder::default();
        let err = q.to_sql(&mut builder, &Pg).unwrap_err();
        assert!(err.to_string().contains("$3"), "{err}");
    }
}
