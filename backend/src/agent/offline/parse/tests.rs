//! Every sample request, and many paraphrases, must parse to the right intent.

use serde_json::Value;

use super::parse;
use crate::agent::offline::intent::{Intent, Position, Problem, StatusFilter, TaskRef};
use crate::agent::offline::matching::{Match, Task, best_match};

thread_local! {
    static FAILURES: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Records a failed expectation so one run reports every broken phrasing.
fn fail(message: String) {
    FAILURES.with(|f| f.borrow_mut().push(message));
}

fn check(ok: bool, message: impl FnOnce() -> String) {
    if !ok {
        fail(message());
    }
}

/// Fails the test with every recorded failure.
fn parses(say: &str, expected: Intent) {
    let got = parse(say);
    check(got == expected, || {
        format!("{say:?}: got {got:?}, expected {expected:?}")
    });
}

fn finish() {
    let failures = FAILURES.with(|f| std::mem::take(&mut *f.borrow_mut()));
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The tasks paraphrases refer to, by position = id.
fn tasks() -> Vec<Task> {
    [
        ("Buy groceries", false),
        ("Pay bills", false),
        ("Call mom", false),
        ("Team meeting notes", false),
        ("Gym", true),
        ("Book flights", false),
        ("Call the dentist", false),
    ]
    .iter()
    .enumerate()
    .map(|(i, (title, completed))| Task {
        id: i as i64 + 1,
        title: (*title).into(),
        completed: *completed,
        description: None,
    })
    .collect()
}

/// The id a reference lands on against `tasks`, as the executor would find it.
fn resolve(target: &TaskRef, tasks: &[Task], completing: bool) -> Option<i64> {
    match target {
        TaskRef::Id(id) => Some(*id),
        TaskRef::Position(Position::Nth(n)) => tasks.get(n - 1).map(|t| t.id),
        TaskRef::Position(Position::Last) => tasks.last().map(|t| t.id),
        TaskRef::Title(q) => match best_match(q, tasks, completing) {
            Match::One(id) => Some(id),
            _ => None,
        },
        TaskRef::Ids(_) | TaskRef::Previous => None,
    }
}

fn same_title(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.trim()
            .trim_matches(['\'', '"'])
            .trim_end_matches('.')
            .to_lowercase()
    };
    norm(a) == norm(b)
}

fn add(say: &str, title: &str, description: Option<&str>) {
    match parse(say) {
        Intent::Add {
            title: t,
            description: d,
        } => {
            check(same_title(&t, title), || {
                format!("{say:?}: title {t:?}, expected {title:?}")
            });
            check(d.as_deref() == description, || {
                format!("{say:?}: description (got {:?})", d.as_deref())
            });
        }
        other => fail(format!(
            "{say:?} parsed as {other:?}, expected add {title:?}"
        )),
    }
}

fn list(say: &str, status: StatusFilter) {
    check(parse(say) == Intent::List(status), || {
        format!("{say:?} (got {:?})", parse(say))
    });
}

fn complete(say: &str, id: i64) {
    match parse(say) {
        Intent::Complete(r) => {
            let got = resolve(&r, &tasks(), true);
            check(got == Some(id), || {
                format!("{say:?} -> {r:?} -> {got:?}, expected {id}")
            });
        }
        other => fail(format!(
            "{say:?} parsed as {other:?}, expected complete {id}"
        )),
    }
}

fn delete(say: &str, id: i64) {
    match parse(say) {
        Intent::Delete(r) => {
            let got = resolve(&r, &tasks(), false);
            check(got == Some(id), || {
                format!("{say:?} -> {r:?} -> {got:?}, expected {id}")
            });
        }
        other => fail(format!("{say:?} parsed as {other:?}, expected delete {id}")),
    }
}

fn update(say: &str, id: i64, title: Option<&str>, description: Option<&str>) {
    match parse(say) {
        Intent::Update {
            target,
            title: t,
            description: d,
        } => {
            let got = resolve(&target, &tasks(), false);
            check(got == Some(id), || {
                format!("{say:?} -> {target:?} -> {got:?}, expected {id}")
            });
            match (t.as_deref(), title) {
                (Some(t), Some(title)) => {
                    check(same_title(t, title), || format!("{say:?}: title {t:?}"))
                }
                (t, title) => check(t == title, || format!("{say:?}: title (got {:?})", t)),
            }
            check(d.as_deref() == description, || {
                format!("{say:?}: description (got {:?})", d.as_deref())
            });
        }
        other => fail(format!("{say:?} parsed as {other:?}, expected update {id}")),
    }
}

/// Requests that must not reach any tool.
fn no_tool(say: &str) -> Intent {
    let intent = parse(say);
    check(
        matches!(
            intent,
            Intent::Greeting
                | Intent::Help
                | Intent::Thanks
                | Intent::Goodbye
                | Intent::Unknown { .. }
                | Intent::Invalid(_)
                | Intent::Reopen(_)
                | Intent::UpdateWithoutValue(_)
        ),
        || format!("{say:?} parsed as {intent:?}, expected no tool call"),
    );
    intent
}

#[test]
fn every_sample_request_parses_to_its_expected_calls() {
    let samples = include_str!("../../../../tests/data/nl-examples.jsonl");
    let mut checked = 0;
    for line in samples.lines().filter(|l| !l.trim().is_empty()) {
        let case: Value = serde_json::from_str(line).expect("a JSON line");
        let say = case["say"].as_str().expect("say");
        let setup: Vec<Task> = case["setup"]
            .as_array()
            .expect("setup")
            .iter()
            .enumerate()
            .map(|(i, t)| Task {
                id: i as i64 + 1,
                title: t["title"].as_str().expect("title").into(),
                completed: t["completed"].as_bool().unwrap_or(false),
                description: None,
            })
            .collect();
        let expect = case["expect"].as_array().expect("expect");
        let changing: Vec<&Value> = expect
            .iter()
            .filter(|c| c["name"] != "list_tasks")
            .collect();
        let intent = parse(say);
        match (expect.first(), changing.first()) {
            (None, _) => {
                no_tool(say);
            }
            (Some(call), None) => {
                let status = match call["arguments"]["status"].as_str() {
                    Some("pending") => StatusFilter::Pending,
                    Some("completed") => StatusFilter::Completed,
                    _ => StatusFilter::All,
                };
                assert_eq!(intent, Intent::List(status), "{say:?}");
            }
            (_, Some(call)) => {
                let args = &call["arguments"];
                let id = args["task_id"].as_i64();
                match (call["name"].as_str().expect("name"), &intent) {
                    ("add_task", Intent::Add { title, description }) => {
                        assert!(
                            same_title(title, args["title"].as_str().unwrap()),
                            "{say:?}"
                        );
                        assert_eq!(
                            description.as_deref(),
                            args["description"].as_str(),
                            "{say:?}"
                        );
                    }
                    ("complete_task", Intent::Complete(r)) => {
                        assert_eq!(resolve(r, &setup, true), id, "{say:?}")
                    }
                    ("delete_task", Intent::Delete(r)) => {
                        assert_eq!(resolve(r, &setup, false), id, "{say:?}")
                    }
                    (
                        "update_task",
                        Intent::Update {
                            target,
                            title,
                            description,
                        },
                    ) => {
                        assert_eq!(resolve(target, &setup, false), id, "{say:?}");
                        if let Some(t) = args["title"].as_str() {
                            assert!(same_title(title.as_deref().unwrap_or(""), t), "{say:?}");
                        }
                        if let Some(d) = args["description"].as_str() {
                            assert_eq!(description.as_deref(), Some(d), "{say:?}");
                        }
                    }
                    (name, other) => panic!("{say:?}: expected {name}, parsed {other:?}"),
                }
            }
        }
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} samples");
    finish();
}

#[test]
fn adds() {
    add("Add a task to buy groceries", "Buy groceries", None);
    add("add buy milk", "Buy milk", None);
    add("ADD BUY MILK!!!", "BUY MILK", None);
    add("please add call the plumber", "Call the plumber", None);
    add(
        "Can you add 'Renew car insurance' to my todo list?",
        "Renew car insurance",
        None,
    );
    add(
        "could you please add a new task called \"Pick up dry cleaning\"",
        "Pick up dry cleaning",
        None,
    );
    add(
        "Hey! Add walk the dog to my list please",
        "Walk the dog",
        None,
    );
    add("add eggs to the list", "Eggs", None);
    add("put milk on my shopping list", "Milk", None);
    add(
        "Put 'water the plants' on my list.",
        "Water the plants",
        None,
    );
    add("new task: fix the bike", "Fix the bike", None);
    add("todo: email the landlord", "Email the landlord", None);
    add(
        "Create a new todo named Clean the garage",
        "Clean the garage",
        None,
    );
    add("make a note to call the bank", "Call the bank", None);
    add(
        "set a reminder to take out the trash",
        "Take out the trash",
        None,
    );
    add(
        "remind me to water the plants tomorrow",
        "Water the plants tomorrow",
        None,
    );
    add(
        "Remember to buy a birthday card for Sam",
        "Buy a birthday card for Sam",
        None,
    );
    add("don't forget to pick up the kids", "Pick up the kids", None);
    add(
        "Dont forget to renew my passport",
        "Renew my passport",
        None,
    );
    add("I need to call the plumber", "Call the plumber", None);
    add("i have to finish the report", "Finish the report", None);
    add(
        "I need to finish the quarterly report",
        "Finish the quarterly report",
        None,
    );
    add("I should really clean my room", "Clean my room", None);
    add("I want to learn Spanish", "Learn Spanish", None);
    add(
        "I'd like to add a task: schedule a haircut",
        "Schedule a haircut",
        None,
    );
    add(
        "I need to remember to send the invoice",
        "Send the invoice",
        None,
    );
    add("jot down buy stamps", "Buy stamps", None);
    add(
        "add a reminder that I need to call grandma",
        "Call grandma",
        None,
    );
    add(
        "Add task: Renew library books.",
        "Renew library books",
        None,
    );
    finish();
}

#[test]
fn adds_with_descriptions() {
    add(
        "add 'Book flights' with description 'to Lisbon, in May'",
        "Book flights",
        Some("to Lisbon, in May"),
    );
    add("add buy milk - 2 litres", "Buy milk", Some("2 litres"));
    add(
        "add call mom: about the weekend plans",
        "Call mom",
        Some("about the weekend plans"),
    );
    add(
        "Add a task to pay rent with the description transfer before the 5th",
        "Pay rent",
        Some("transfer before the 5th"),
    );
    add(
        "create a task \"Dentist\" with details \"Tuesday 3pm\"",
        "Dentist",
        Some("Tuesday 3pm"),
    );
    add(
        "add prepare slides (for Monday's demo)",
        "Prepare slides",
        Some("for Monday's demo"),
    );
    add(
        "add 'Gift for Ana': something handmade",
        "Gift for Ana",
        Some("something handmade"),
    );
    add(
        "new task: Renew passport, description: bring two photos",
        "Renew passport",
        Some("bring two photos"),
    );
    finish();
}

#[test]
fn bad_titles_are_refused_without_tools() {
    parses("add", Intent::Invalid(Problem::EmptyTitle));
    parses("add a task", Intent::Invalid(Problem::EmptyTitle));
    parses("add ''", Intent::Invalid(Problem::EmptyTitle));
    let long = format!("add {}", "a".repeat(201));
    parses(&long, Intent::Invalid(Problem::TitleTooLong(201)));
    let exact = format!("add {}", "b".repeat(200));
    assert!(matches!(parse(&exact), Intent::Add { .. }));
    let desc = format!("add trip - {}", "d".repeat(1001));
    parses(&desc, Intent::Invalid(Problem::DescriptionTooLong(1001)));
    finish();
}

#[test]
fn lists() {
    use StatusFilter::*;
    list("Show me all my tasks", All);
    list("show my tasks", All);
    list("list my todos", All);
    list("LIST TASKS", All);
    list("What's on my list?", All);
    list("what are my tasks", All);
    list("my tasks", All);
    list("tasks", All);
    list("can you show me everything?", All);
    list("Please display my to-do list", All);
    list("how many tasks do I have", All);
    list("show all tasks including completed ones", All);
    list("What's pending?", Pending);
    list("whats left", Pending);
    list("what do I still have to do", Pending);
    list("What do I need to do today?", Pending);
    list("show me my open tasks", Pending);
    list("which tasks are not done yet?", Pending);
    list("list remaining todos", Pending);
    list("anything left to do?", Pending);
    list("what haven't I finished", Pending);
    list("show incomplete tasks", Pending);
    list("What have I completed?", Completed);
    list("show completed tasks", Completed);
    list("what's done", Completed);
    list("which tasks did I finish?", Completed);
    list("list finished tasks please", Completed);
    list("what have I done so far?", Completed);
    list("I'd like to see my pending tasks", Pending);
    list("remind me what's on my list", All);
    list("Is there anything I haven't done?", Pending);
    list("ok so what do i have left", Pending);
    list("show done", Completed);
    finish();
}

#[test]
fn completes() {
    complete("Mark task 3 as complete", 3);
    complete("task 2 is done", 2);
    complete("mark #4 done", 4);
    complete("complete task 1", 1);
    complete("Task 6 done.", 6);
    complete("I finished task 2", 2);
    complete("check off task number 7", 7);
    complete("set task 1 to completed", 1);
    complete("please mark the dentist task as done", 7);
    complete("I finished paying the bills", 2);
    complete("i'm done with the groceries", 1);
    complete("I've called mom", 3);
    complete("I paid the bills", 2);
    complete("I bought the groceries!", 1);
    complete("the meeting notes are done", 4);
    complete("tick off call mom", 3);
    complete("Mark 'Book flights' as finished", 6);
    complete("finished booking the flights", 6);
    complete("I need to mark task 2 as done", 2);
    complete("change task 3 to done", 3);
    complete("mark the 2nd one as complete", 2);
    complete("Could you mark task three as done?", 3);
    complete("mark as done the groceries task", 1);
    complete("Dentist - done", 7);
    complete("I already paid the bills", 2);
    complete("can you please mark task 2 as completed? thanks", 2);
    complete("mark task3 done", 3);
    finish();
}

#[test]
fn deletes() {
    delete("Delete the meeting task", 4);
    delete("remove task 1", 1);
    delete("cancel the gym one", 5);
    delete("delete #6", 6);
    delete("please remove task number 2 from my list", 2);
    delete("get rid of the dentist task", 7);
    delete("Remove 'Call mom'", 3);
    delete("take the groceries off my list", 1);
    delete("forget about the flights", 6);
    delete("drop task 3", 3);
    delete("erase the bills one", 2);
    delete("I don't need to call the dentist anymore", 7);
    delete("the gym task can be deleted", 5);
    delete("I want to delete task 4", 4);
    delete("delete the last one", 7);
    delete("Hey there, could you remove task #5 for me?", 5);
    delete("delete the one about bills", 2);
    delete("remove call mom from my list", 3);
    finish();
}

#[test]
fn updates() {
    update(
        "Change task 1 to 'Call mom tonight'",
        1,
        Some("Call mom tonight"),
        None,
    );
    update(
        "rename buy groceries to buy groceries and fruits",
        1,
        Some("Buy groceries and fruits"),
        None,
    );
    update(
        "update the description of task 1 to window seats please",
        1,
        None,
        Some("window seats please"),
    );
    update(
        "set task 2's description to before Friday",
        2,
        None,
        Some("before Friday"),
    );
    update(
        "rename task 3 to \"Call mom and dad\"",
        3,
        Some("Call mom and dad"),
        None,
    );
    update(
        "change the title of task 6 to Book flights to Rome",
        6,
        Some("Book flights to Rome"),
        None,
    );
    update("Rename 'Gym' to 'Leg day'", 5, Some("Leg day"), None);
    update(
        "update task 4 with description agenda for Monday",
        4,
        None,
        Some("agenda for Monday"),
    );
    update(
        "add a description to task 6: aisle seat",
        6,
        None,
        Some("aisle seat"),
    );
    update(
        "edit task 2: Pay electricity bill",
        2,
        Some("Pay electricity bill"),
        None,
    );
    update(
        "change task 7 title to Call the orthodontist",
        7,
        Some("Call the orthodontist"),
        None,
    );
    update("rename the gym task to Swimming", 5, Some("Swimming"), None);
    update(
        "change the description of the flights task to 'window seat'",
        6,
        None,
        Some("window seat"),
    );
    update(
        "update task 1 title to Buy fruit and description to organic only",
        1,
        Some("Buy fruit"),
        Some("organic only"),
    );
    finish();
}

#[test]
fn small_talk_never_calls_tools() {
    for say in ["hello!", "Hi", "hey there", "Good morning!", "how are you?"] {
        parses(say, Intent::Greeting);
    }
    for say in [
        "what can you do?",
        "help",
        "Help me",
        "How does this work?",
        "what are the commands",
    ] {
        parses(say, Intent::Help);
    }
    for say in [
        "thanks!",
        "Thank you so much",
        "ok",
        "great, thanks",
        "cool",
    ] {
        parses(say, Intent::Thanks);
    }
    parses("bye", Intent::Goodbye);
    for say in [
        "",
        "   ",
        "what time is it?",
        "tell me a joke",
        "asdfgh qwerty",
        "?!",
    ] {
        no_tool(say);
    }
    finish();
}

#[test]
fn unsupported_requests_are_answered_without_tools() {
    parses("mark task 3 as not done", Intent::Reopen(TaskRef::Id(3)));
    parses("reopen task 2", Intent::Reopen(TaskRef::Id(2)));
    parses("rename task 2", Intent::UpdateWithoutValue(TaskRef::Id(2)));
    assert_eq!(
        no_tool("buy milk"),
        Intent::Unknown {
            suggestion: Some("Buy milk".into())
        }
    );
    finish();
}

#[test]
fn bulk_requests() {
    parses("clear completed tasks", Intent::DeleteCompleted);
    parses("delete all done tasks", Intent::DeleteCompleted);
    parses("remove everything that's finished", Intent::DeleteCompleted);
    parses("mark everything as done", Intent::CompleteAll);
    parses("complete all my tasks", Intent::CompleteAll);
    parses("I finished everything", Intent::CompleteAll);
    parses("delete all my tasks", Intent::DeleteAll);
    parses("clear my list", Intent::DeleteAll);
    finish();
}

#[test]
fn several_ids_and_references_to_earlier_replies() {
    parses(
        "delete tasks 1 and 3",
        Intent::Delete(TaskRef::Ids(vec![1, 3])),
    );
    parses(
        "complete #2, #4",
        Intent::Complete(TaskRef::Ids(vec![2, 4])),
    );
    parses("delete it", Intent::Delete(TaskRef::Previous));
    parses(
        "set its description to aisle seat",
        Intent::Update {
            target: TaskRef::Previous,
            title: None,
            description: Some("aisle seat".into()),
        },
    );
    parses("mark that one as done", Intent::Complete(TaskRef::Previous));
    parses("task 2", Intent::BareRef(TaskRef::Id(2)));
    assert_eq!(
        parse("the second one"),
        Intent::BareRef(TaskRef::Position(Position::Nth(2)))
    );
    finish();
}

#[test]
fn broader_everyday_english() {
    parses(
        "add 3 things: eggs, bread and jam",
        Intent::AddMany(vec!["Eggs".into(), "Bread".into(), "Jam".into()]),
    );
    parses(
        "add milk and eggs to my list",
        Intent::AddMany(vec!["Milk".into(), "Eggs".into()]),
    );
    parses(
        "put eggs, flour, sugar, and butter on my shopping list",
        Intent::AddMany(vec![
            "Eggs".into(),
            "Flour".into(),
            "Sugar".into(),
            "Butter".into(),
        ]),
    );
    add("add call mom and dad", "Call mom and dad", None);
    add("ad a task to buy stamps", "Buy stamps", None);
    for say in ["what do I have?", "what have I got", "what's on my list"] {
        list(say, StatusFilter::All);
    }
    for say in [
        "anything left?",
        "what's on my plate",
        "what's next",
        "am I done yet?",
        "do I have anything to do",
    ] {
        list(say, StatusFilter::Pending);
    }
    list("shw my tasks", StatusFilter::All);
    list("what did I get done today", StatusFilter::Completed);
    complete("paid the bills", 2);
    complete("called mom", 3);
    complete("the bills are paid", 2);
    complete("mom has been called, tick it off", 3);
    complete("booked the flights - mark it done", 6);
    delete("delet the gym one", 5);
    complete("compelte task 4", 4);
    parses("yes", Intent::Confirm(true));
    parses("yes please", Intent::Confirm(true));
    parses("no", Intent::Confirm(false));
    // Not completions: plans and ordinary statements.
    for say in ["the meeting is scheduled", "the report is delayed"] {
        check(!matches!(parse(say), Intent::Complete(_)), || {
            format!("{say:?} parsed as {:?}", parse(say))
        });
    }
    finish();
}
