import { useEffect, useRef, useState, type SubmitEvent, type RefObject } from "react";
import type { ThreadMetadata } from "../api/types";

interface Props {
  threads: ThreadMetadata[] | null;
  error: string | null;
  activeId: string | null;
  busy: boolean;
  onOpen: (id: string) => void;
  onNew: () => void;
  onRename: (id: string, title: string) => Promise<void>;
  onDelete: (id: string) => Promise<void>;
  newChatRef: RefObject<HTMLButtonElement | null>;
}

export function threadLabel(t: ThreadMetadata): string {
  return t.title?.trim() || `Conversation ${t.id}`;
}

export function ThreadList({ threads, error, activeId, busy, onOpen, onNew, onRename, onDelete, newChatRef }: Props) {
  return (
    <nav className="threads" aria-labelledby="threads-title">
      <div className="threads-head">
        <h2 id="threads-title">Conversations</h2>
        <button type="button" className="primary small" onClick={onNew} ref={newChatRef} disabled={busy}>
          New chat
        </button>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {threads === null && !error && <p className="muted">Loading…</p>}
      {threads?.length === 0 && <p className="muted">No conversations yet.</p>}
      <ul className="thread-list">
        {threads?.map((t) => (
          <ThreadRow
            key={t.id}
            thread={t}
            active={t.id === activeId}
            busy={busy}
            onOpen={onOpen}
            onRename={onRename}
            onDelete={onDelete}
          />
        ))}
      </ul>
    </nav>
  );
}

function ThreadRow({
  thread,
  active,
  busy,
  onOpen,
  onRename,
  onDelete,
}: {
  thread: ThreadMetadata;
  active: boolean;
  busy: boolean;
  onOpen: (id: string) => void;
  onRename: (id: string, title: string) => Promise<void>;
  onDelete: (id: string) => Promise<void>;
}) {
  const [mode, setMode] = useState<"view" | "rename" | "confirm">("view");
  const [title, setTitle] = useState("");
  const input = useRef<HTMLInputElement>(null);
  const confirm = useRef<HTMLButtonElement>(null);
  const label = threadLabel(thread);

  useEffect(() => {
    if (mode === "rename") input.current?.select();
    if (mode === "confirm") confirm.current?.focus();
  }, [mode]);

  async function save(e: SubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const value = title.trim();
    if (value && value !== thread.title) await onRename(thread.id, value);
    setMode("view");
  }

  if (mode === "rename") {
    return (
      <li className="thread editing">
        <form onSubmit={(e) => void save(e)} className="rename">
          <label className="visually-hidden" htmlFor={`rename-${thread.id}`}>
            New title for {label}
          </label>
          <input
            id={`rename-${thread.id}`}
            ref={input}
            value={title}
            maxLength={200}
            onChange={(e) => setTitle(e.target.value)}
            onKeyDown={(e) => e.key === "Escape" && setMode("view")}
          />
          <button type="submit" className="small">
            Save
          </button>
          <button type="button" className="small" onClick={() => setMode("view")}>
            Cancel
          </button>
        </form>
      </li>
    );
  }
  return (
    <li className={active ? "thread active" : "thread"}>
      <button
        type="button"
        className="thread-open"
        aria-current={active ? "true" : undefined}
        onClick={() => onOpen(thread.id)}
        disabled={busy}
        title={label}
      >
        {label}
      </button>
      {mode === "confirm" ? (
        <span className="thread-actions confirm" role="group" aria-label={`Delete ${label}?`}>
          <button type="button" className="small danger" ref={confirm} onClick={() => void onDelete(thread.id)}>
            Delete
          </button>
          <button type="button" className="small" onClick={() => setMode("view")}>
            Keep
          </button>
        </span>
      ) : (
        <span className="thread-actions">
          <button
            type="button"
            className="icon"
            aria-label={`Rename ${label}`}
            title="Rename"
            onClick={() => {
              setTitle(thread.title ?? "");
              setMode("rename");
            }}
          >
            ✎
          </button>
          <button
            type="button"
            className="icon"
            aria-label={`Delete ${label}`}
            title="Delete"
            onClick={() => setMode("confirm")}
          >
            ✕
          </button>
        </span>
      )}
    </li>
  );
}
