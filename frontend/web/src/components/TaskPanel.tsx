import { useEffect, useState } from "react";
import { fetchTasks, type Task, type TaskFilter } from "../api/tasks";

const FILTERS: { value: TaskFilter; label: string }[] = [
  { value: "all", label: "All" },
  { value: "pending", label: "Pending" },
  { value: "completed", label: "Done" },
];

/** The user's tasks, reloaded whenever `version` changes (after every chat turn). */
export function TaskPanel({ userId, fetchFn, version }: { userId: string; fetchFn: typeof fetch; version: number }) {
  const [filter, setFilter] = useState<TaskFilter>("all");
  const [manual, setManual] = useState(0);
  // Each load is named by what asked for it; the panel is loading until the answer for the
  // current request arrives. The last good list stays visible meanwhile.
  const request = `${userId}|${filter}|${version}|${manual}`;
  const [result, setResult] = useState<{ request: string; tasks: Task[] | null; error: string | null }>({
    request: "",
    tasks: null,
    error: null,
  });

  useEffect(() => {
    const ctl = new AbortController();
    fetchTasks(fetchFn, userId, filter, ctl.signal).then(
      (tasks) => setResult({ request, tasks, error: null }),
      (err: unknown) => {
        if (ctl.signal.aborted) return;
        const error = err instanceof Error ? err.message : "Could not load your tasks.";
        setResult((prev) => ({ request, tasks: prev.tasks, error }));
      },
    );
    return () => ctl.abort();
  }, [fetchFn, userId, filter, request]);

  const loading = result.request !== request;
  const { tasks, error } = result;

  const pending = tasks?.filter((t) => !t.completed).length ?? 0;
  return (
    <aside className="tasks" aria-labelledby="tasks-title" aria-busy={loading}>
      <div className="tasks-head">
        <h2 id="tasks-title">Your tasks</h2>
        <button type="button" className="small" onClick={() => setManual((n) => n + 1)} disabled={loading}>
          Refresh
        </button>
      </div>
      <div className="filters" role="group" aria-label="Show">
        {FILTERS.map((f) => (
          <button key={f.value} type="button" aria-pressed={filter === f.value} onClick={() => setFilter(f.value)}>
            {f.label}
          </button>
        ))}
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {tasks && tasks.length === 0 && !error && (
        <p className="muted empty">
          {filter === "all"
            ? "No tasks yet. Try “add buy milk”."
            : `No ${filter === "completed" ? "done" : filter} tasks.`}
        </p>
      )}
      {tasks && tasks.length > 0 && (
        <>
          {filter === "all" && (
            <p className="muted count" aria-live="polite">
              {pending} pending, {tasks.length - pending} done
            </p>
          )}
          <ul className="task-list">
            {tasks.map((t) => (
              <li key={t.id} className={t.completed ? "task done" : "task pending"} data-task-id={t.id}>
                <span className="mark" aria-hidden="true">
                  {t.completed ? "✓" : ""}
                </span>
                <span className="task-body">
                  <span className="task-title">
                    <span className="task-id">#{t.id}</span> {t.title}
                  </span>
                  {t.description && <span className="task-desc">{t.description}</span>}
                </span>
                <span className="visually-hidden">{t.completed ? "(done)" : "(pending)"}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </aside>
  );
}
