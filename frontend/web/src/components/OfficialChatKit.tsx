import { ChatKit, useChatKit } from "@openai/chatkit-react";

const domainKey = (import.meta.env.VITE_CHATKIT_DOMAIN_KEY as string | undefined) || "localhost";

/** OpenAI's ChatKit element, pointed at this app's own ChatKit endpoint. */
export function OfficialChatKit({
  url,
  fetchFn,
  onResponseEnd,
}: {
  url: string;
  fetchFn: typeof fetch;
  onResponseEnd: () => void;
}) {
  const { control } = useChatKit({
    api: { url, domainKey, fetch: fetchFn },
    history: { enabled: true },
    onResponseEnd,
    onError: ({ error }) => console.error("chatkit:", error),
  });
  return <ChatKit control={control} className="chatkit" />;
}
