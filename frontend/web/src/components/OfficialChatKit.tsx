import { ChatKit, useChatKit } from "@openai/chatkit-react";
import { useEffect, type RefObject } from "react";
import type { SendChat } from "./TaskPanel";

const domainKey = (import.meta.env.VITE_CHATKIT_DOMAIN_KEY as string | undefined) || "localhost";

/** The server turns the element's dictation on (CHATKIT_DICTATION=on) when the backend can transcribe. */
function dictationEnabled(): boolean {
  return document.querySelector<HTMLMetaElement>('meta[name="chatkit-dictation"]')?.content === "on";
}

/** OpenAI's ChatKit element, pointed at this app's own ChatKit endpoint. */
export function OfficialChatKit({
  url,
  fetchFn,
  onResponseEnd,
  sendRef,
}: {
  url: string;
  fetchFn: typeof fetch;
  onResponseEnd: () => void;
  sendRef?: RefObject<SendChat | null>;
}) {
  const chatkit = useChatKit({
    api: { url, domainKey, fetch: fetchFn },
    history: { enabled: true },
    // The element records audio and sends it as input.transcribe, which the backend answers
    // when it has a transcription endpoint.
    composer: { dictation: { enabled: dictationEnabled() } },
    onResponseEnd,
    onError: ({ error }) => console.error("chatkit:", error),
  });
  const { sendUserMessage } = chatkit;
  useEffect(() => {
    if (!sendRef) return;
    sendRef.current = async (text) => {
      await sendUserMessage({ text });
      return true;
    };
    return () => {
      sendRef.current = null;
    };
  }, [sendRef, sendUserMessage]);
  return <ChatKit control={chatkit.control} className="chatkit" />;
}
