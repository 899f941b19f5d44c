/** Loads OpenAI's ChatKit element from its CDN at run time and tells whether it arrived. */

export const CHATKIT_TAG = "openai-chatkit";
const DEFAULT_SRC = "https://cdn.platform.openai.com/deployments/chatkit/chatkit.js";

/**
 * The script to load. The server says it in `<meta name="chatkit-script-url">` (empty: never
 * load it; its CSP allows the script's origin only then). Without that tag (Vite's dev server),
 * VITE_CHATKIT_SCRIPT_URL="" (or "off") disables the attempt.
 */
export function chatKitScriptUrl(
  env: Record<string, string | boolean | undefined> = import.meta.env,
  doc: Document | null = typeof document === "undefined" ? null : document,
): string | null {
  const meta = doc?.querySelector<HTMLMetaElement>('meta[name="chatkit-script-url"]');
  if (meta) return meta.content.trim() || null;
  const configured = env.VITE_CHATKIT_SCRIPT_URL;
  if (configured === undefined) return DEFAULT_SRC;
  const value = String(configured).trim();
  return value === "" || value === "off" ? null : value;
}

let attempt: Promise<boolean> | null = null;

/**
 * Resolves true once `<openai-chatkit>` is defined, false when the script fails or the
 * element has not appeared within `timeoutMs`. The script is requested once per page.
 */
export function loadChatKit(src: string | null, timeoutMs = 4000, doc: Document = document): Promise<boolean> {
  const registry = doc.defaultView?.customElements;
  if (!registry) return Promise.resolve(false);
  if (registry.get(CHATKIT_TAG)) return Promise.resolve(true);
  if (!src) return Promise.resolve(false);
  attempt ??= new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(!!registry.get(CHATKIT_TAG)), timeoutMs);
    const settle = (ok: boolean) => {
      clearTimeout(timer);
      resolve(ok);
    };
    void registry.whenDefined(CHATKIT_TAG).then(() => settle(true));
    const script = doc.createElement("script");
    script.src = src;
    script.async = true;
    script.onerror = () => settle(false);
    doc.head.appendChild(script);
  });
  return attempt;
}
