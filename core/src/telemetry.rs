//! Logging and metrics for both binaries.
//!
//! Logs go to stderr (stdout may be the MCP stdio channel), filtered by
//! `RUST_LOG`; `LOG_FORMAT=json` gives one JSON object per line (with the
//! fields of the enclosing spans, such as `request_id`), otherwise plain text
//! with colours only on a terminal.
//!
//! Some libraries log whole messages at debug level: the MCP library (bearer
//! tokens in `_meta.authorization`, task titles), the PostgreSQL driver (query
//! parameters). So they are capped at `info` unless `RUST_LOG` names them.
//!
//! Metrics: one Prometheus recorder per process; [`render_metrics`] gives the
//! text for `/metrics`.
use std::io::IsTerminal;
use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;

/// Targets whose debug output carries message bodies (tokens, task contents).
const TALKATIVE_TARGETS: &[&str] = &["rmcp", "tokio_postgres"];

/// The filter: `RUST_LOG` or `default_filter`, with [`TALKATIVE_TARGETS`]
/// capped at `info` unless named: when the global level is `debug` or
/// `trace` they get `info`; otherwise they follow the global level.
pub fn log_filter(rust_log: Option<&str>, default_filter: &str) -> EnvFilter {
    let text = rust_log
        .filter(|v| !v.trim().is_empty())
        .unwrap_or(default_filter);
    let (text, mut filter) = match EnvFilter::try_new(text) {
        Ok(filter) => (text, filter),
        Err(_) => (default_filter, EnvFilter::new(default_filter)),
    };
    let global_is_verbose = text
        .split(',')
        .map(str::trim)
        .rfind(|d| !d.contains('='))
        .is_some_and(|level| {
            level.eq_ignore_ascii_case("debug") || level.eq_ignore_ascii_case("trace")
        });
    if global_is_verbose {
        for target in TALKATIVE_TARGETS {
            if !text.contains(target) {
                filter =
                    filter.add_directive(format!("{target}=info").parse().expect("a directive"));
            }
        }
    }
    filter
}

pub fn init(default_filter: &str) {
    let rust_log = std::env::var("RUST_LOG").ok();
    let filter = log_filter(rust_log.as_deref(), default_filter);
    let json = std::env::var("LOG_FORMAT").is_ok_and(|v| v.trim().eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(true);
    let _ = if json {
        builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    } else {
        builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init()
    };
}

/// Seconds buckets for every `*_seconds` histogram: 1 ms to 60 s.
const SECONDS_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

/// The process's Prometheus recorder, installed on first use.
pub fn metrics_handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS_BUCKETS)
            .expect("non-empty buckets")
            .build_recorder();
        let handle = recorder.handle();
        // Fails only when another recorder is installed; ours then stays empty.
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed");
        }
        handle
    })
}

/// Records the pool's state and renders every metric in the Prometheus text
/// format. `prefix` names the process's own pool gauges (`todo` for the chat
/// server, `todo_mcp` for the sidecar) so both can be served on one page.
pub fn render_metrics(db: &crate::db::Database, prefix: &str) -> String {
    let handle = metrics_handle();
    let (open, idle, max) = db.pool_status();
    let connections = format!("{prefix}_db_pool_connections");
    metrics::gauge!(connections.clone(), "state" => "open").set(open as f64);
    metrics::gauge!(connections.clone(), "state" => "idle").set(idle as f64);
    metrics::gauge!(connections, "state" => "in_use").set(open.saturating_sub(idle) as f64);
    metrics::gauge!(format!("{prefix}_db_pool_max_connections")).set(max as f64);
    handle.run_upkeep();
    handle.render()
}

#[cfg(test)]
mod tests {
    use super::log_filter;

    #[test]
    fn rmcp_is_capped_unless_named() {
        assert_eq!(
            log_filter(Some("debug"), "info").to_string(),
            "tokio_postgres=info,rmcp=info,debug"
        );
        assert_eq!(
            log_filter(Some("debug,rmcp=trace"), "info").to_string(),
            "tokio_postgres=info,rmcp=trace,debug"
        );
        assert_eq!(
            log_filter(Some("TRACE"), "info").to_string(),
            "tokio_postgres=info,rmcp=info,trace"
        );
        assert_eq!(log_filter(Some("warn"), "info").to_string(), "warn");
        assert_eq!(log_filter(None, "info").to_string(), "info");
        assert_eq!(
            log_filter(Some("not a [filter"), "info").to_string(),
            "info"
        );
    }
}
