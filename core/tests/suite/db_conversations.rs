//! Conversation and message queries on SQLite and PostgreSQL.
use std::time::Duration;

use todo_core::db::conversations::{self as conv, NewTurnMessage};
use todo_core::db::{FollowUp, Role, SortOrder};
use todo_core::db_test;
use todo_core::tools::{ChangeStatus, TaskChange, ToolCall, ToolCallRecord, ToolName, ToolResult};

const ALICE: &str = "user-alice";
const BOB: &str = "user-bob";

db_test!(create_get_rename_delete, |t| {
    let db = &t.db;
    let c = conv::create(db, ALICE, Some("Groceries")).await.unwrap();
    assert_eq!(c.user_id, ALICE);
    assert_eq!(c.title.as_deref(), Some("Groceries"));
    assert_eq!(conv::get(db, ALICE, c.id).await.unwrap(), Some(c.clone()));
    tokio::time::sleep(Duration::from_millis(5)).await;
    let renamed = conv::rename(db, ALICE, c.id, Some("Weekly shop"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(renamed.title.as_deref(), Some("Weekly shop"));
    assert!(renamed.updated_at > c.updated_at);
    let cleared = conv::rename(db, ALICE, c.id, None).await.unwrap().unwrap();
    assert_eq!(cleared.title, None);
    assert!(conv::delete(db, ALICE, c.id).await.unwrap());
    assert!(!conv::delete(db, ALICE, c.id).await.unwrap());
    assert_eq!(conv::get(db, ALICE, c.id).await.unwrap(), None);
    assert_eq!(
        conv::rename(db, ALICE, c.id, Some("x")).await.unwrap(),
        None
    );
});

db_test!(messages_history_and_bump, |t| {
    let db = &t.db;
    let c = conv::create(db, ALICE, None).await.unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let m1 = conv::add_message(
        db,
        ALICE,
        c.id,
        NewTurnMessage::new(Role::User, "Add a task to buy groceries"),
    )
    .await
    .unwrap();
    assert_eq!(m1.role, Role::User);
    assert_eq!(m1.conversation_id, c.id);
    assert_eq!(m1.user_id, ALICE);
    let calls = [ToolCallRecord {
        call: ToolCall::add("Buy groceries", None),
        outcome: Ok(ToolResult::Changed(TaskChange {
            task_id: 1,
            status: ChangeStatus::Created,
            title: "Buy groceries".into(),
        })),
    }];
    let follow_up = FollowUp::PickTask {
        tool: ToolName::DeleteTask,
        candidates: vec![1, 2],
    };
    let m2 = conv::add_message(
        db,
        ALICE,
        c.id,
        NewTurnMessage {
            id: None,
            role: Role::Assistant,
            content: "Added!",
            tool_calls: &calls,
            follow_up: Some(&follow_up),
        },
    )
    .await
    .unwrap();
    assert_eq!(m2.role, Role::Assistant);
    assert_eq!(m2.tool_calls, calls, "tool calls come back typed");
    assert_eq!(m2.follow_up, Some(follow_up));
    assert_eq!(
        conv::history(db, ALICE, c.id, 1).await.unwrap(),
        vec![m2.clone()]
    );
    let bumped = conv::get(db, ALICE, c.id).await.unwrap().unwrap();
    assert!(
        bumped.updated_at > c.updated_at,
        "add_message bumps updated_at"
    );
    assert_eq!(bumped.updated_at, m2.created_at);

    for i in 0..5 {
        conv::add_message(
            db,
            ALICE,
            c.id,
            NewTurnMessage::new(Role::User, &format!("m{i}")),
        )
        .await
        .unwrap();
    }
    let last3 = conv::history(db, ALICE, c.id, 3).await.unwrap();
    assert_eq!(
        last3.iter().map(|m| m.content.as_str()).collect::<Vec<_>>(),
        ["m2", "m3", "m4"]
    );
    let all = conv::history(db, ALICE, c.id, 100).await.unwrap();
    assert_eq!(all.len(), 7);
    assert_eq!(all[0], m1);
    assert!(all.windows(2).all(|w| w[0].id < w[1].id), "oldest first");
    assert!(conv::history(db, ALICE, c.id, 0).await.unwrap().is_empty());
    assert_eq!(
        conv::get_message(db, ALICE, m2.id).await.unwrap(),
        Some(m2.clone())
    );
    assert_eq!(conv::get_message(db, BOB, m2.id).await.unwrap(), None);
});

db_test!(
    add_message_to_missing_or_foreign_conversation_stores_nothing,
    |t| {
        let db = &t.db;
        let c = conv::create(db, ALICE, None).await.unwrap();
        let err = conv::add_message(db, BOB, c.id, NewTurnMessage::new(Role::User, "hi"))
            .await
            .unwrap_err();
        assert!(err.is_not_found(), "{err}");
        let err = conv::add_message(db, ALICE, 987_654, NewTurnMessage::new(Role::User, "hi"))
            .await
            .unwrap_err();
        assert!(err.is_not_found(), "{err}");
        assert!(conv::history(db, ALICE, c.id, 10).await.unwrap().is_empty());
        assert_eq!(conv::get(db, ALICE, c.id).await.unwrap(), Some(c));
    }
);

db_test!(another_users_conversation_is_missing, |t| {
    let db = &t.db;
    let c = conv::create(db, ALICE, Some("mine")).await.unwrap();
    let m = conv::add_message(db, ALICE, c.id, NewTurnMessage::new(Role::User, "secret"))
        .await
        .unwrap();
    assert_eq!(conv::get(db, BOB, c.id).await.unwrap(), None);
    assert_eq!(
        conv::rename(db, BOB, c.id, Some("stolen")).await.unwrap(),
        None
    );
    assert!(!conv::delete(db, BOB, c.id).await.unwrap());
    assert!(conv::history(db, BOB, c.id, 10).await.unwrap().is_empty());
    let (page, more) = conv::list_messages(db, BOB, c.id, 10, SortOrder::Asc, None)
        .await
        .unwrap();
    assert!(page.is_empty() && !more);
    assert_eq!(
        conv::delete_messages_after(db, BOB, c.id, 0).await.unwrap(),
        0
    );
    let (page, more) = conv::list(db, BOB, 10, SortOrder::Desc, None)
        .await
        .unwrap();
    assert!(page.is_empty() && !more);
    // Alice still has everything.
    assert_eq!(conv::history(db, ALICE, c.id, 10).await.unwrap(), vec![m]);
    assert_eq!(
        conv::get(db, ALICE, c.id)
            .await
            .unwrap()
            .unwrap()
            .title
            .as_deref(),
        Some("mine")
    );
});

db_test!(delete_cascades_to_messages, |t| {
    let db = &t.db;
    let c = conv::create(db, ALICE, None).await.unwrap();
    let other = conv::create(db, ALICE, None).await.unwrap();
    let m = conv::add_message(db, ALICE, c.id, NewTurnMessage::new(Role::User, "one"))
        .await
        .unwrap();
    conv::add_message(db, ALICE, c.id, NewTurnMessage::new(Role::Assistant, "two"))
        .await
        .unwrap();
    let kept = conv::add_message(db, ALICE, other.id, NewTurnMessage::new(Role::User, "kept"))
        .await
        .unwrap();
    assert!(conv::delete(db, ALICE, c.id).await.unwrap());
    assert_eq!(conv::get_message(db, ALICE, m.id).await.unwrap(), None);
    assert!(conv::history(db, ALICE, c.id, 10).await.unwrap().is_empty());
    assert_eq!(
        conv::history(db, ALICE, other.id, 10).await.unwrap(),
        vec![kept]
    );
});

db_test!(message_pages_and_retry_truncation, |t| {
    let db = &t.db;
    let c = conv::create(db, ALICE, None).await.unwrap();
    let mut ids = Vec::new();
    for i in 0..7 {
        let role = if i % 2 == 0 {
            Role::User
        } else {
            Role::Assistant
        };
        ids.push(
            conv::add_message(db, ALICE, c.id, NewTurnMessage::new(role, &format!("m{i}")))
                .await
                .unwrap()
                .id,
        );
    }
    // Ascending pages of 3: 3 + 3 + 1.
    let mut seen = Vec::new();
    let mut after = None;
    let mut pages = 0;
    loop {
        let (page, more) = conv::list_messages(db, ALICE, c.id, 3, SortOrder::Asc, after)
            .await
            .unwrap();
        pages += 1;
        seen.extend(page.iter().map(|m| m.id));
        after = page.last().map(|m| m.id);
        if !more {
            break;
        }
    }
    assert_eq!((pages, seen.clone()), (3, ids.clone()));
    // Descending.
    let (page, more) = conv::list_messages(db, ALICE, c.id, 4, SortOrder::Desc, None)
        .await
        .unwrap();
    assert!(more);
    assert_eq!(
        page.iter().map(|m| m.id).collect::<Vec<_>>(),
        ids[3..].iter().rev().copied().collect::<Vec<_>>()
    );
    let (page, more) = conv::list_messages(db, ALICE, c.id, 4, SortOrder::Desc, Some(ids[3]))
        .await
        .unwrap();
    assert!(!more);
    assert_eq!(
        page.iter().map(|m| m.id).collect::<Vec<_>>(),
        vec![ids[2], ids[1], ids[0]]
    );
    // Exactly a full page: no more.
    let (page, more) = conv::list_messages(db, ALICE, c.id, 7, SortOrder::Asc, None)
        .await
        .unwrap();
    assert_eq!((page.len(), more), (7, false));
    // A silly limit is kept sane.
    let (page, _) = conv::list_messages(db, ALICE, c.id, -5, SortOrder::Asc, None)
        .await
        .unwrap();
    assert_eq!(page.len(), 1);

    // Retry after the third message: the rest go.
    assert_eq!(
        conv::delete_messages_after(db, ALICE, c.id, ids[2])
            .await
            .unwrap(),
        4
    );
    let left = conv::history(db, ALICE, c.id, 100).await.unwrap();
    assert_eq!(
        left.iter().map(|m| m.id).collect::<Vec<_>>(),
        ids[..3].to_vec()
    );
    assert_eq!(
        conv::delete_messages_after(db, ALICE, c.id, ids[2])
            .await
            .unwrap(),
        0
    );

    // One message goes, the others stay; another user's cannot be touched.
    assert!(!conv::delete_message(db, BOB, ids[1]).await.unwrap());
    assert!(conv::delete_message(db, ALICE, ids[1]).await.unwrap());
    assert!(!conv::delete_message(db, ALICE, ids[1]).await.unwrap());
    let left = conv::history(db, ALICE, c.id, 100).await.unwrap();
    assert_eq!(
        left.iter().map(|m| m.id).collect::<Vec<_>>(),
        vec![ids[0], ids[2]]
    );
});

db_test!(conversation_pages_by_updated_at, |t| {
    let db = &t.db;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            conv::create(db, ALICE, Some(&format!("c{i}")))
                .await
                .unwrap()
                .id,
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    conv::create(db, BOB, Some("bob's")).await.unwrap();
    // Touch the oldest: it becomes the most recent.
    conv::add_message(db, ALICE, ids[0], NewTurnMessage::new(Role::User, "bump"))
        .await
        .unwrap();
    let newest_first = vec![ids[0], ids[4], ids[3], ids[2], ids[1]];

    let (p1, more) = conv::list(db, ALICE, 2, SortOrder::Desc, None)
        .await
        .unwrap();
    assert!(more);
    let (p2, more2) = conv::list(db, ALICE, 2, SortOrder::Desc, p1.last().map(|c| c.id))
        .await
        .unwrap();
    assert!(more2);
    let (p3, more3) = conv::list(db, ALICE, 2, SortOrder::Desc, p2.last().map(|c| c.id))
        .await
        .unwrap();
    assert!(!more3);
    let got: Vec<i64> = p1.iter().chain(&p2).chain(&p3).map(|c| c.id).collect();
    assert_eq!(got, newest_first);

    let (asc, more) = conv::list(db, ALICE, 10, SortOrder::Asc, None)
        .await
        .unwrap();
    assert!(!more);
    let mut oldest_first = newest_first.clone();
    oldest_first.reverse();
    assert_eq!(asc.iter().map(|c| c.id).collect::<Vec<_>>(), oldest_first);
    let (after, _) = conv::list(db, ALICE, 10, SortOrder::Asc, Some(ids[3]))
        .await
        .unwrap();
    assert_eq!(
        after.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![ids[4], ids[0]]
    );

    // A cursor that is gone (or someone else's) ends the listing.
    let bobs = conv::list(db, BOB, 10, SortOrder::Desc, None)
        .await
        .unwrap()
        .0[0]
        .id;
    assert_eq!(
        conv::list(db, ALICE, 10, SortOrder::Desc, Some(bobs))
            .await
            .unwrap(),
        (vec![], false)
    );
});

db_test!(conversations_with_equal_timestamps_page_by_id, |t| {
    // Many rows created within the same microsecond range still page exactly once each.
    let db = &t.db;
    let mut ids = Vec::new();
    for _ in 0..12 {
        ids.push(conv::create(db, ALICE, None).await.unwrap().id);
    }
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let (page, more) = conv::list(db, ALICE, 5, SortOrder::Desc, after)
            .await
            .unwrap();
        seen.extend(page.iter().map(|c| c.id));
        after = page.last().map(|c| c.id);
        if !more {
            break;
        }
    }
    ids.reverse();
    assert_eq!(seen, ids);
});

db_test!(concurrent_messages_lose_nothing, |t| {
    let c = conv::create(&t.db, ALICE, None).await.unwrap();
    let mut handles = Vec::new();
    // All writers contend for the same conversation row.
    for w in 0..8 {
        let db = t.db.clone();
        handles.push(tokio::spawn(async move {
            for i in 0..10 {
                conv::add_message(
                    &db,
                    ALICE,
                    c.id,
                    NewTurnMessage::new(Role::User, &format!("{w}-{i}")),
                )
                .await?;
            }
            Ok::<_, todo_core::db::DbError>(())
        }));
    }
    for h in handles {
        h.await.unwrap().unwrap();
    }
    let all = conv::history(&t.db, ALICE, c.id, 1000).await.unwrap();
    assert_eq!(all.len(), 80);
    assert!(
        all.windows(2).all(|w| w[0].created_at <= w[1].created_at),
        "timestamps follow ids"
    );
    let last = all.iter().map(|m| m.created_at).max().unwrap();
    let updated = conv::get(&t.db, ALICE, c.id)
        .await
        .unwrap()
        .unwrap()
        .updated_at;
    assert!(updated >= last);
});

db_test!(a_reserved_message_id_is_stored_later, |t| {
    let db = &t.db;
    let c = conv::create(db, ALICE, None).await.unwrap();
    let question = conv::add_message(db, ALICE, c.id, NewTurnMessage::user("hi"))
        .await
        .unwrap();
    let reserved = conv::reserve_message_id(db).await.unwrap();
    assert!(reserved > question.id);
    // Messages stored meanwhile take other ids.
    let other = conv::create(db, BOB, None).await.unwrap();
    let meanwhile = conv::add_message(db, BOB, other.id, NewTurnMessage::user("hey"))
        .await
        .unwrap();
    assert!(meanwhile.id > reserved);
    let reply = conv::add_message(
        db,
        ALICE,
        c.id,
        NewTurnMessage {
            id: Some(reserved),
            ..NewTurnMessage::new(Role::Assistant, "Hello!")
        },
    )
    .await
    .unwrap();
    assert_eq!(reply.id, reserved);
    let ids: Vec<i64> = conv::history(db, ALICE, c.id, 10)
        .await
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(ids, [question.id, reserved]);
    // The reserved id is not handed out again.
    let next = conv::add_message(db, ALICE, c.id, NewTurnMessage::user("more"))
        .await
        .unwrap();
    assert!(next.id > meanwhile.id);
});
