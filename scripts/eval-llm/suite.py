"""The conversations `make eval-llm` plays, with what each turn must do.

Each conversation runs for a fresh user, so its tasks start empty. A turn is
`(message, expectation)`:

- `NONE`: small talk or a request the tools cannot serve: no tool call at all.
- a list of calls `(tool, checks)`, all of which must be made (extra
  `list_tasks` calls are fine, any other extra call is wrong). Checks:
  `title` / `title_not`: (not) a case-insensitive part of the `title` argument;
  `status`: the `list_tasks` filter ("all" also accepts no filter);
  `task`: `task_id` is the id of the task whose title contains this text, as
  listed just before the turn; `task_id`: that exact id.
- `AnyOf(list, list, ...)`: any one of those lists of calls.
"""


class AnyOf:
    def __init__(self, *options):
        self.options = options


NONE = []


def add(title):
    return ("add_task", {"title": title})


def ls(status="all"):
    return ("list_tasks", {"status": status})


def complete(task):
    return ("complete_task", {"task": task})


def delete(task):
    return ("delete_task", {"task": task})


def rename(task, title):
    return ("update_task", {"task": task, "title": title})


def missing(tool, task_id):
    """A task that does not exist: trying it, or looking first, are both right."""
    return AnyOf([(tool, {"task_id": task_id})], [ls()])


SUITE = [
    (
        "basics",
        [
            ("Add a task to buy milk", [add("milk")]),
            ("Show me all my tasks", [ls("all")]),
            ("Mark the milk task as done", [complete("milk")]),
            ("What have I completed?", [ls("completed")]),
            ("Thanks!", NONE),
        ],
    ),
    (
        "positions",
        [
            ("Add call the dentist", [add("dentist")]),
            ("Also add water the plants", [add("plants")]),
            ("And add book a flight to Lisbon", [add("flight")]),
            ("What's pending?", [ls("pending")]),
            ("Complete the second one", [complete("plants")]),
            ("Delete the last one", [delete("flight")]),
        ],
    ),
    (
        "pronouns",
        [
            ("Hello, how are you?", NONE),
            ("Remember to pay the electricity bill", [add("electricity")]),
            ("Rename it to pay the gas bill", [rename("electricity", "gas")]),
            ("Show my tasks", [ls("all")]),
            ("Mark it as done", [complete("gas")]),
        ],
    ),
    (
        "small talk",
        [
            ("Hi!", NONE),
            ("What can you do?", NONE),
            ("Tell me a joke", NONE),
            ("Add pick up the laundry", [add("laundry")]),
            ("Great, thank you", NONE),
        ],
    ),
    (
        "missing tasks",
        [
            ("Complete task 9999", missing("complete_task", 9999)),
            ("Add renew my passport", [add("passport")]),
            ("Delete task 8888", missing("delete_task", 8888)),
            ("Rename task 7777 to walk the dog", missing("update_task", 7777)),
            ("Show completed tasks", [ls("completed")]),
        ],
    ),
    (
        "impossible",
        [
            ("Send an email to my boss saying I'm late", NONE),
            ("Set an alarm for 7am tomorrow", NONE),
            ("Add buy bread", [add("bread")]),
            ("Book me a table at a restaurant tonight", NONE),
            ("What's on my list?", [ls("all")]),
        ],
    ),
    (
        "by name",
        [
            ("Add write the quarterly report", [add("report")]),
            ("Add email Sarah about the budget", [add("sarah")]),
            (
                "Change the report task to write the annual report",
                [rename("report", "annual")],
            ),
            ("Remove the email task", [delete("sarah")]),
            ("Show all tasks", [ls("all")]),
        ],
    ),
    (
        "filters",
        [
            ("I need to remember to renew my car insurance", [add("insurance")]),
            ("Add schedule a haircut", [add("haircut")]),
            ("Mark the haircut one as finished", [complete("haircut")]),
            ("What's still pending?", [ls("pending")]),
            ("And what's done?", [ls("completed")]),
            (
                "Rename the insurance task to renew home insurance",
                [rename("insurance", "home")],
            ),
        ],
    ),
]
