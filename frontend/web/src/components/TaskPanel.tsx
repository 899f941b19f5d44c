import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { fetchTasks, type Task, type TaskFilter } from "../api/tasks";
import { completeCommand, deleteCommand, renameCommand, searchTasks, sortTasks, type TaskSort } from "./task-actions";

const FILTERS: { value: TaskFilter; label: string }[] = [
  { value: "all", label: "All" },
  { value: "pending", label: "Pending" },
  { value: "completed", label: "Done" },
];

const SORTS: { value: TaskSort; label: string }[] = [
  { value: "oldest", label: "Oldest first" },
  { value: "newest", label: "Newest first" },
  { value: "title", label: "Title A–Z" },
  { value: "pending", label: "Pending first" },
];

/**
 * Sends a chat message on the user's behalf (the panel's actions go through the agent, so they
 * show in the conversation and every change passes through the task tools). Resolves false when
 * no chat is ready to send.
 */
export type SendChat = (text: string) => Promise<boolean>;

/** The user's tasks, reloaded whenever `version` changes (after every chat turn). */
export function TaskPanel({
  userId,
  fetchFn,
  version,
  send,
}: {
  userId: string;
  fetchFn: typeof fetch;
  version: number;
  send?: SendChat | undefined;
}) {
  const [filter, setFilter] = useState<TaskFilter>("all");
  const [query, setQuery] = useState("");
  const [sort, setSort] = useState<TaskSort>("oldest");
  const [manual, setManual] = useState(0);
  const [acting, setActing] = useState<{ taskId: number; label: string } | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [status, setStatus] = useState("");
  const searchId = useId();
  const sortId = useId();
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
  const shown = useMemo(() => (tasks ? sortTasks(searchTasks(tasks, query), sort) : null), [tasks, query, sort]);

  async function act(task: Task, label: string, text: string) {
    if (!send || acting) return;
    setActing({ taskId: task.id, label });
    setActionError(null);
    setStatus(`${label} task ${task.id}…`);
    try {
      const sent = await send(text);
      if (!sent) {
        setActionError("The chat is not ready yet; try again in a moment.");
        setStatus("");
      } else {
        setStatus(`${label} task ${task.id}: sent to the assistant.`);
      }
    } catch (err) {
      setActionError(err instanceof Error ? err.message : "The request could not be sent.");
      setStatus("");
    } finally {
      setActing(null);
    }
  }

  const pending = tasks?.filter((t) => !t.completed).length ?? 0;
  return (
    <aside className="tasks" aria-labelledby="tasks-title" aria-busy={loading || acting !== null}>
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
      <div className="task-tools">
        <label htmlFor={searchId} className="visually-hidden">
          Search tasks
        </label>
        <input
          id={searchId}
          type="search"
          placeholder="Search tasks"
          value={query}
          dir="auto"
          onChange={(e) => setQuery(e.target.value)}
        />
        <label htmlFor={sortId} className="visually-hidden">
          Sort tasks
        </label>
        <select id={sortId} value={sort} onChange={(e) => setSort(e.target.value as TaskSort)}>
          {SORTS.map((s) => (
            <option key={s.value} value={s.value}>
              {s.label}
            </option>
          ))}
        </select>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {actionError && (
        <p className="error" role="alert">
          {actionError}
        </p>
      )}
      <p className="visually-hidden" role="status" aria-live="polite">
        {status}
      </p>
      {tasks && tasks.length === 0 && !error && (
        <p className="muted empty">
          {filter === "all"
            ? "No tasks yet. Try “add buy milk”."
            : `No ${filter === "completed" ? "done" : filter} tasks.`}
        </p>
      )}
      {tasks && tasks.length > 0 && (
        <>
          <p className="muted count" aria-live="polite">
            {query.trim()
              ? `${shown?.length ?? 0} of ${tasks.length} match “${query.trim()}”`
              : filter === "all"
                ? `${pending} pending, ${tasks.length - pending} done`
                : `${tasks.length} ${filter === "completed" ? "done" : "pending"}`}
          </p>
          <ul className="task-list" aria-labelledby="tasks-title">
            {shown?.map((t) => (
              <TaskRow
                key={t.id}
                task={t}
                canAct={!!send && acting === null}
                actingLabel={acting?.taskId === t.id ? acting.label : null}
                onComplete={() => void act(t, "Completing", completeCommand(t.id))}
                onRename={(title) => void act(t, "Renaming", renameCommand(t.id, title))}
                onDelete={() => void act(t, "Deleting", deleteCommand(t.id))}
              />
            ))}
          </ul>
        </>
      )}
    </aside>
  );
}

function TaskRow({
  task,
  canAct,
  actingLabel,
  onComplete,
  onRename,
  onDelete,
}: {
  task: Task;
  canAct: boolean;
  actingLabel: string | null;
  onComplete: () => void;
  onRename: (title: string) => void;
  onDelete: () => void;
}) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(task.title);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const renameButton = useRef<HTMLButtonElement>(null);
  const deleteButton = useRef<HTMLButtonElement>(null);
  const name = `task ${task.id}: ${task.title}`;

  useEffect(() => {
    if (editing) input.current?.select();
  }, [editing]);

  // Enter or Escape closes the editor, and the blur that may follow must not act again.
  const open = useRef(false);

  function startEditing() {
    setDraft(task.title);
    open.current = true;
    setEditing(true);
  }

  function finishEditing(save: boolean) {
    if (!open.current) return;
    open.current = false;
    const title = draft.trim();
    setEditing(false);
    if (save && title && title !== task.title) onRename(title);
    // Back to the control that opened the editor, so keyboard users keep their place.
    setTimeout(() => renameButton.current?.focus(), 0);
  }

  function onEditKey(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === "Enter" && !e.nativeEvent.isComposing) {
      e.preventDefault();
      finishEditing(true);
    } else if (e.key === "Escape") {
      e.preventDefault();
      finishEditing(false);
    }
  }

  return (
    <li
      className={task.completed ? "task done" : "task pending"}
      data-task-id={task.id}
      aria-busy={actingLabel !== null}
    >
      {task.completed ? (
        <span className="mark" role="img" aria-label={`Task ${task.id} is done`}>
          ✓
        </span>
      ) : (
        <input
          type="checkbox"
          className="complete"
          checked={actingLabel === "Completing"}
          disabled={!canAct}
          aria-label={`Mark ${name} as complete`}
          onChange={onComplete}
        />
      )}
      <span className="task-body">
        {editing ? (
          <input
            ref={input}
            className="rename-input"
            value={draft}
            dir="auto"
            maxLength={200}
            aria-label={`New title for task ${task.id}`}
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={onEditKey}
            onBlur={() => finishEditing(true)}
          />
        ) : (
          <span className="task-title">
            <span className="task-id">#{task.id}</span>{" "}
            <bdi dir="auto" className="task-text">
              {task.title}
            </bdi>
          </span>
        )}
        {task.description && (
          <span className="task-desc" dir="auto">
            {task.description}
          </span>
        )}
        {actingLabel && <span className="task-acting">{actingLabel}…</span>}
      </span>
      <span className="visually-hidden">{task.completed ? "(done)" : "(pending)"}</span>
      <span className="task-actions">
        {confirmDelete ? (
          <>
            <button
              type="button"
              className="small danger"
              disabled={!canAct}
              aria-label={`Confirm deleting ${name}`}
              autoFocus
              onClick={() => {
                setConfirmDelete(false);
                onDelete();
              }}
            >
              Delete
            </button>
            <button
              type="button"
              className="small"
              aria-label={`Keep ${name}`}
              onClick={() => {
                setConfirmDelete(false);
                setTimeout(() => deleteButton.current?.focus(), 0);
              }}
            >
              Keep
            </button>
          </>
        ) : (
          <>
            <button
              ref={renameButton}
              type="button"
              className="icon"
              disabled={!canAct || editing}
              aria-label={`Rename ${name}`}
              title="Rename"
              onClick={startEditing}
            >
              ✎
            </button>
            <button
              ref={deleteButton}
              type="button"
              className="icon"
              disabled={!canAct}
              aria-label={`Delete ${name}`}
              title="Delete"
              onClick={() => setConfirmDelete(true)}
            >
              ✕
            </button>
          </>
        )}
      </span>
    </li>
  );
}
