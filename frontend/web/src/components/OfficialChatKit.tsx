import { ChatKit, useChatKit } from "@openai/chatkit-react";
import { useEffect, type RefObject } from "react";
import type { SendChat } from "./TaskPanel";

const domainKey = (import.meta.env.VITE_CHATKIT_DOMAIN_KEY as string | undefined) || "localhost";

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
    // when it has a transcription endpoint (and refuses clearly when it has none).
    composer: { dictation: { enabled: true } },
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
