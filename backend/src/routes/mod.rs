//! HTTP routes: thin handlers over `chat`, `mcp` and `todo_core::db`.

mod body;
mod chat;
mod health;
mod tasks;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(chat::post_chat)
        .service(tasks::list)
        .service(crate::telemetry::metrics_endpoint);
}
