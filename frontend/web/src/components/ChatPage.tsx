import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from "react";
import { ChatKitClient } from "../api/chatkit";
import { serverTokenSource, TokenCache } from "../api/token";
import { chatKitScriptUrl, loadChatKit } from "../chatkit-loader";
import { BuiltInChat } from "./BuiltInChat";
import { OfficialChatKit } from "./OfficialChatKit";
import { TaskPanel, type SendChat } from "./TaskPanel";

interface User {
  id: string;
  name: string;
  email: string;
}

type Availability = "checking" | "official" | "built-in";

export function ChatPage({ user, onSignOut }: { user: User; onSignOut: () => Promise<void> }) {
  const tokens = useMemo(() => new TokenCache(serverTokenSource()), []);
  const chatUrl = `/api/${encodeURIComponent(user.id)}/chat`;
  const client = useMemo(() => new ChatKitClient(chatUrl, tokens.fetch), [chatUrl, tokens]);
  const [availability, setAvailability] = useState<Availability>("checking");
  const [tasksVersion, refreshTasks] = useReducer((n: number) => n + 1, 0);
  const [panel, setPanel] = useState<"chat" | "tasks">("chat");
  const chatSender = useRef<SendChat | null>(null);
  // The panel's actions are chat turns: sent through whichever chat view is showing.
  const sendFromPanel = useCallback<SendChat>(async (text) => {
    const sender = chatSender.current;
    return sender ? sender(text) : false;
  }, []);

  useEffect(() => {
    let live = true;
    void loadChatKit(chatKitScriptUrl()).then((ok) => {
      if (live) setAvailability(ok ? "official" : "built-in");
    });
    return () => {
      live = false;
    };
  }, []);

  return (
    <div className="app" data-panel={panel}>
      <header className="topbar">
        <h1 className="brand">Todo Assistant</h1>
        <nav className="panel-switch" aria-label="Sections">
          <button type="button" aria-pressed={panel === "chat"} onClick={() => setPanel("chat")}>
            Chat
          </button>
          <button type="button" aria-pressed={panel === "tasks"} onClick={() => setPanel("tasks")}>
            Tasks
          </button>
        </nav>
        <div className="account">
          <span className="who" title={user.email}>
            {user.name || user.email}
          </span>
          <button
            type="button"
            onClick={() => {
              tokens.invalidate();
              void onSignOut();
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main className="workspace">
        <section className="chat-area" aria-label="Chat">
          {availability === "checking" && (
            <p className="muted center" aria-busy="true">
              Starting chat…
            </p>
          )}
          {availability === "official" && (
            <OfficialChatKit url={chatUrl} fetchFn={tokens.fetch} onResponseEnd={refreshTasks} sendRef={chatSender} />
          )}
          {availability === "built-in" && <BuiltInChat client={client} onTurnEnd={refreshTasks} sendRef={chatSender} />}
        </section>
        <TaskPanel
          userId={user.id}
          fetchFn={tokens.fetch}
          version={tasksVersion}
          send={availability === "checking" ? undefined : sendFromPanel}
        />
      </main>
    </div>
  );
}
