import {
  useCallback,
  useEffect,
  useReducer,
  useRef,
  useState,
  type KeyboardEvent,
  type RefObject,
  type SubmitEvent,
} from "react";
import type { ChatKitClient } from "../api/chatkit";
import { ApiError } from "../api/http";
import { applyEvent, emptyChat, localUserMessage, type ChatState } from "../api/thread-state";
import { itemText, type ThreadItem, type ThreadMetadata, type ThreadStreamEvent } from "../api/types";
import { useDictation } from "../voice";
import type { SendChat } from "./TaskPanel";
import { ThreadList } from "./ThreadList";

type Action =
  | { kind: "event"; ev: ThreadStreamEvent }
  | { kind: "reset"; state: ChatState }
  | { kind: "local"; item: ThreadItem }
  | { kind: "error"; message: string; allowRetry?: boolean }
  | { kind: "clear-error" };

function reducer(state: ChatState, action: Action): ChatState {
  switch (action.kind) {
    case "event":
      return applyEvent(state, action.ev);
    case "reset":
      return action.state;
    case "local":
      return { ...state, items: [...state.items, action.item], error: null, notice: null };
    case "error":
      return { ...state, progress: null, error: { message: action.message, allowRetry: action.allowRetry ?? false } };
    case "clear-error":
      return { ...state, error: null };
  }
}

const HASH_KEY = "thread";

function threadFromHash(): string | null {
  return new URLSearchParams(window.location.hash.slice(1)).get(HASH_KEY);
}

function setHashThread(id: string | null): void {
  const url = id ? `#${HASH_KEY}=${encodeURIComponent(id)}` : window.location.pathname + window.location.search;
  window.history.replaceState(null, "", url);
}

function message(err: unknown): string {
  if (err instanceof ApiError || err instanceof Error) return err.message;
  return "Something went wrong.";
}

/** A chat view that speaks ChatKit's protocol itself, for when the ChatKit element cannot load. */
export function BuiltInChat({
  client,
  onTurnEnd,
  sendRef,
}: {
  client: ChatKitClient;
  onTurnEnd: () => void;
  /** Filled with a function that sends a message as if typed (the task panel's actions use it). */
  sendRef?: RefObject<SendChat | null>;
}) {
  const [threads, setThreads] = useState<ThreadMetadata[] | null>(null);
  const [threadsError, setThreadsError] = useState<string | null>(null);
  const [chat, dispatch] = useReducer(reducer, emptyChat);
  const [busy, setBusy] = useState(false);
  const [loadingThread, setLoadingThread] = useState(() => threadFromHash() !== null);
  const [text, setText] = useState("");
  const [showThreads, setShowThreads] = useState(false);
  const composer = useRef<HTMLTextAreaElement>(null);
  const newChatButton = useRef<HTMLButtonElement>(null);
  const stream = useRef<AbortController | null>(null);
  const log = useRef<HTMLDivElement>(null);
  // What the composer held when dictation started; the transcript goes after it.
  const beforeDictation = useRef("");
  const dictation = useDictation((transcript) => {
    const base = beforeDictation.current;
    setText(base && transcript ? `${base} ${transcript}` : base || transcript);
  });

  const refreshThreads = useCallback(
    () =>
      client.listThreads({ limit: 50 }).then(
        (page) => {
          setThreads(page.data);
          setThreadsError(null);
        },
        (err: unknown) => setThreadsError(message(err)),
      ),
    [client],
  );

  /** Loads a thread with all its items and shows it. */
  const showThread = useCallback(
    (id: string) =>
      client
        .getThread(id)
        .then(async (thread) => {
          const items = thread.items.has_more ? await client.allItems(id) : thread.items.data;
          dispatch({ kind: "reset", state: { ...emptyChat, threadId: thread.id, title: thread.title ?? null, items } });
          setHashThread(thread.id);
        })
        .catch((err: unknown) => {
          dispatch({ kind: "reset", state: emptyChat });
          dispatch({ kind: "error", message: message(err) });
          setHashThread(null);
        })
        .finally(() => {
          setLoadingThread(false);
          composer.current?.focus();
        }),
    [client],
  );

  function openThread(id: string) {
    stream.current?.abort();
    setShowThreads(false);
    setLoadingThread(true);
    void showThread(id);
  }

  useEffect(() => {
    void refreshThreads();
    const initial = threadFromHash();
    if (initial) void showThread(initial);
    return () => stream.current?.abort();
  }, [refreshThreads, showThread]);

  useEffect(() => {
    const el = log.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [chat.items, chat.progress, chat.error]);

  function newChat() {
    stream.current?.abort();
    dispatch({ kind: "reset", state: emptyChat });
    setHashThread(null);
    setShowThreads(false);
    composer.current?.focus();
  }

  async function runTurn(events: (signal: AbortSignal) => AsyncGenerator<ThreadStreamEvent>) {
    const ctl = new AbortController();
    stream.current?.abort();
    stream.current = ctl;
    setBusy(true);
    try {
      for await (const ev of events(ctl.signal)) {
        dispatch({ kind: "event", ev });
        if (ev.type === "thread.created") setHashThread(ev.thread.id);
      }
    } catch (err) {
      if (!ctl.signal.aborted) dispatch({ kind: "error", message: message(err), allowRetry: true });
    } finally {
      if (stream.current === ctl) stream.current = null;
      setBusy(false);
      void refreshThreads();
      onTurnEnd();
      composer.current?.focus();
    }
  }

  /** Sends `value` in the open conversation (or a new one); false when a turn is already running. */
  async function submit(value: string): Promise<boolean> {
    if (!value || busy || loadingThread) return false;
    dispatch({ kind: "local", item: localUserMessage(chat.threadId, value) });
    const threadId = chat.threadId;
    await runTurn((signal) =>
      threadId ? client.addUserMessage(threadId, value, signal) : client.createThread(value, signal),
    );
    return true;
  }

  useEffect(() => {
    if (!sendRef) return;
    sendRef.current = submit;
    return () => {
      sendRef.current = null;
    };
  });

  async function send(e?: SubmitEvent<HTMLFormElement>) {
    e?.preventDefault();
    const value = text.trim();
    if (!value || busy) return;
    dictation.stop();
    setText("");
    await submit(value);
  }

  function toggleDictation() {
    if (dictation.listening) {
      dictation.stop();
    } else {
      beforeDictation.current = text.trim();
      dictation.start();
    }
    composer.current?.focus();
  }

  async function retry() {
    const lastUser = [...chat.items].reverse().find((i) => i.type === "user_message" && !i.id.startsWith("local-"));
    if (!chat.threadId || !lastUser) return;
    dispatch({ kind: "clear-error" });
    const threadId = chat.threadId;
    await runTurn((signal) => client.retryAfterItem(threadId, lastUser.id, signal));
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void send();
    }
  }

  async function rename(id: string, title: string) {
    try {
      const updated = await client.updateThread(id, title);
      setThreads((list) => list?.map((t) => (t.id === id ? { ...t, title: updated.title ?? title } : t)) ?? null);
      if (chat.threadId === id)
        dispatch({
          kind: "event",
          ev: { type: "thread.updated", thread: { ...updated, items: { data: [], has_more: false } } },
        });
    } catch (err) {
      setThreadsError(message(err));
    }
  }

  async function remove(id: string) {
    try {
      await client.deleteThread(id);
      setThreads((list) => list?.filter((t) => t.id !== id) ?? null);
      if (chat.threadId === id) newChat();
      else newChatButton.current?.focus();
    } catch (err) {
      setThreadsError(message(err));
    }
  }

  const empty = chat.items.length === 0 && !loadingThread;
  return (
    <div className="builtin" data-show-threads={showThreads}>
      <ThreadList
        threads={threads}
        error={threadsError}
        activeId={chat.threadId}
        busy={busy}
        onOpen={openThread}
        onNew={newChat}
        onRename={rename}
        onDelete={remove}
        newChatRef={newChatButton}
      />
      <div className="conversation">
        <div className="conversation-head">
          <button
            type="button"
            className="small threads-toggle"
            aria-expanded={showThreads}
            onClick={() => setShowThreads((v) => !v)}
          >
            Conversations
          </button>
          <h2 className="conversation-title" dir="auto">
            {chat.title || (chat.threadId ? "Conversation" : "New chat")}
          </h2>
        </div>
        <div className="messages" ref={log} role="log" aria-live="polite" aria-busy={loadingThread || busy}>
          {loadingThread && <p className="muted center">Loading conversation…</p>}
          {empty && (
            <div className="welcome">
              <p>Tell me what to do, for example:</p>
              <ul>
                <li>“Add a task to buy groceries”</li>
                <li>“Show my pending tasks”</li>
                <li>“Mark task 1 as done”</li>
              </ul>
            </div>
          )}
          {chat.items.map((item) => (
            <Message key={item.id} item={item} />
          ))}
          {chat.progress && (
            <p className="progress" role="status">
              {chat.progress}
            </p>
          )}
          {busy && !chat.progress && (
            <p className="typing" aria-label="The assistant is answering">
              …
            </p>
          )}
          {chat.notice && <p className="notice">{chat.notice}</p>}
          {chat.error && (
            <div className="error chat-error" role="alert">
              <span>{chat.error.message}</span>
              {chat.error.allowRetry && chat.threadId && (
                <button type="button" className="small" onClick={() => void retry()} disabled={busy}>
                  Retry
                </button>
              )}
            </div>
          )}
        </div>
        {dictation.error && (
          <p className="error voice-error" role="alert">
            {dictation.error}
          </p>
        )}
        {dictation.listening && (
          <p className="listening" role="status">
            Listening… speak now, then edit or send.
          </p>
        )}
        <form className="composer" onSubmit={(e) => void send(e)}>
          <label htmlFor="composer-input" className="visually-hidden">
            Message
          </label>
          <textarea
            id="composer-input"
            ref={composer}
            rows={2}
            value={text}
            placeholder="Message your assistant (Enter to send, Shift+Enter for a new line)"
            onChange={(e) => setText(e.target.value)}
            onKeyDown={onKeyDown}
            maxLength={4000}
            dir="auto"
            autoFocus
          />
          {dictation.supported && (
            <button
              type="button"
              className="mic"
              aria-pressed={dictation.listening}
              aria-label={dictation.listening ? "Stop voice input" : "Speak your message"}
              title={dictation.listening ? "Stop voice input" : "Speak your message"}
              onClick={toggleDictation}
              disabled={busy}
            >
              <MicIcon />
            </button>
          )}
          <button type="submit" className="primary" disabled={busy || !text.trim()}>
            Send
          </button>
        </form>
      </div>
    </div>
  );
}

function Message({ item }: { item: ThreadItem }) {
  if (item.type !== "user_message" && item.type !== "assistant_message") return null;
  const mine = item.type === "user_message";
  return (
    <article
      className={mine ? "msg user" : "msg assistant"}
      aria-label={mine ? "You" : "Assistant"}
      data-pending={item.id.startsWith("local-") || undefined}
    >
      <p dir="auto">{itemText(item)}</p>
    </article>
  );
}

function MicIcon() {
  return (
    <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
      <path
        fill="currentColor"
        d="M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3Zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.92V21h2v-3.08A7 7 0 0 0 19 11h-2Z"
      />
    </svg>
  );
}
