//! One message cannot hold the server: "delete <a 3,990-letter word>" against
//! 1,000 tasks whose titles and descriptions are single long words finishes
//! quickly, and `/healthz` keeps answering meanwhile. (Before the matcher was
//! bounded this turn took minutes in a debug build.)

use std::time::{Duration, Instant};

use todo_core::db::tasks;
use todo_core::testing::db::TestDb;

use crate::support::app::TestApp;

const TASKS: usize = 1000;

fn long_word(seed: usize, len: usize) -> String {
    (0..len)
        .map(|i| char::from(b'a' + ((i * 7 + seed * 13) % 26) as u8))
        .collect()
}

async fn a_long_word_turn_stays_cheap(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let user = "long-words";
    for i in 0..TASKS {
        let description = long_word(i + 1, 1000);
        tasks::add(&app.db.db, user, &long_word(i, 200), Some(&description))
            .await
            .unwrap();
    }
    let message = format!("delete {}", long_word(99_999, 3990));

    let health = async {
        let mut worst = Duration::ZERO;
        let mut probes = 0;
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(3) {
            let asked = Instant::now();
            let status = app
                .client
                .get(format!("{}/healthz", app.base))
                .send()
                .await
                .unwrap()
                .status();
            assert!(status.is_success(), "/healthz answered {status}");
            worst = worst.max(asked.elapsed());
            probes += 1;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        (worst, probes)
    };
    let turn = async {
        let started = Instant::now();
        let body = app.say(user, None, &message).await;
        (started.elapsed(), body)
    };
    let ((turn_time, body), (worst_health, probes)) = tokio::join!(turn, health);

    println!(
        "{}: long-word turn against {TASKS} long-titled tasks took {turn_time:?}; slowest of {probes} /healthz probes meanwhile: {worst_health:?}",
        app.db.db.backend_name()
    );
    let changed = body["tool_calls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["name"] != "list_tasks")
        .count();
    assert_eq!(changed, 0, "nothing matches, nothing is deleted: {body}");
    assert!(
        body["response"].as_str().unwrap().contains("couldn't find"),
        "{body}"
    );
    assert!(
        turn_time < Duration::from_secs(10),
        "turn took {turn_time:?}"
    );
    assert!(
        worst_health < Duration::from_secs(1),
        "/healthz waited {worst_health:?}"
    );
}

todo_core::db_test!(a_long_word_turn_stays_cheap);
