// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from "vitest";
import { chatKitScriptUrl } from "./chatkit-loader";

afterEach(() => {
  document.head.querySelectorAll("meta[name=chatkit-script-url]").forEach((m) => m.remove());
});

function meta(content: string) {
  const m = document.createElement("meta");
  m.name = "chatkit-script-url";
  m.content = content;
  document.head.appendChild(m);
}

describe("chatKitScriptUrl", () => {
  it("follows the server's setting when the page carries it", () => {
    meta("");
    expect(chatKitScriptUrl({ VITE_CHATKIT_SCRIPT_URL: "https://elsewhere.example/x.js" })).toBeNull();
    document.head.querySelector("meta[name=chatkit-script-url]")!.remove();
    meta("https://cdn.example/chatkit.js");
    expect(chatKitScriptUrl({})).toBe("https://cdn.example/chatkit.js");
  });

  it("falls back to the build setting without it (Vite's dev server)", () => {
    expect(chatKitScriptUrl({ VITE_CHATKIT_SCRIPT_URL: "off" })).toBeNull();
    expect(chatKitScriptUrl({ VITE_CHATKIT_SCRIPT_URL: "https://a.example/c.js" })).toBe("https://a.example/c.js");
    expect(chatKitScriptUrl({})).toMatch(/^https:\/\/cdn\.platform\.openai\.com\//);
  });
});
