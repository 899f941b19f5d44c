// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { ChatKitClient } from "./api/chatkit";
import { BuiltInChat } from "./components/BuiltInChat";
import { recognitionConstructor, type Recognition } from "./voice";

/** A stand-in for the browser's recognizer: the test says what was "heard". */
class FakeRecognition implements Recognition {
  static last: FakeRecognition | null = null;
  lang = "";
  interimResults = false;
  continuous = false;
  maxAlternatives = 1;
  started = false;
  onresult: Recognition["onresult"] = null;
  onerror: Recognition["onerror"] = null;
  onend: Recognition["onend"] = null;
  constructor() {
    FakeRecognition.last = this;
  }
  start() {
    this.started = true;
  }
  stop() {
    this.onend?.();
  }
  abort() {
    this.onend?.();
  }
  hear(parts: string[], isFinal: boolean) {
    const results = parts.map((p, i) =>
      Object.assign([{ transcript: p }], { isFinal: i < parts.length - 1 || isFinal }),
    );
    this.onresult?.({ resultIndex: 0, results });
  }
}

const win = window as unknown as Record<string, unknown>;
afterEach(() => {
  cleanup();
  delete win.webkitSpeechRecognition;
  delete win.SpeechRecognition;
  FakeRecognition.last = null;
});

const client = () => new ChatKitClient("http://127.0.0.1:9/c", () => Promise.reject(new Error("offline")));

describe("voice input", () => {
  it("finds the standard or the prefixed recognizer, or none", () => {
    expect(recognitionConstructor({})).toBeNull();
    expect(recognitionConstructor({ webkitSpeechRecognition: FakeRecognition })).toBe(FakeRecognition);
    expect(recognitionConstructor({ SpeechRecognition: FakeRecognition, webkitSpeechRecognition: 1 })).toBe(
      FakeRecognition,
    );
  });

  it("has no microphone button where the browser cannot recognize speech", () => {
    render(<BuiltInChat client={client()} onTurnEnd={() => undefined} />);
    expect(screen.queryByRole("button", { name: "Speak your message" })).toBeNull();
  });

  it("puts the transcript in the composer, after what was typed, to edit or send", () => {
    win.webkitSpeechRecognition = FakeRecognition;
    render(<BuiltInChat client={client()} onTurnEnd={() => undefined} />);
    const box = screen.getByLabelText<HTMLTextAreaElement>("Message");
    fireEvent.change(box, { target: { value: "please" } });
    const mic = screen.getByRole("button", { name: "Speak your message" });
    fireEvent.click(mic);
    const rec = FakeRecognition.last!;
    expect(rec.started).toBe(true);
    expect(rec.interimResults).toBe(true);
    expect(screen.getByRole("button", { name: "Stop voice input" }).getAttribute("aria-pressed")).toBe("true");
    expect(screen.getByRole("status").textContent).toMatch(/Listening/);

    act(() => rec.hear(["add buy"], false));
    expect(box.value).toBe("please add buy");
    act(() => rec.hear(["add buy", " milk"], true));
    act(() => rec.stop());
    expect(box.value).toBe("please add buy milk");
    expect(screen.getByRole("button", { name: "Speak your message" }).getAttribute("aria-pressed")).toBe("false");
    // Nothing was sent: the user edits or sends.
    expect(screen.getByRole("button", { name: "Send" })).toBeTruthy();
  });

  it("explains a refused microphone", () => {
    win.SpeechRecognition = FakeRecognition;
    render(<BuiltInChat client={client()} onTurnEnd={() => undefined} />);
    fireEvent.click(screen.getByRole("button", { name: "Speak your message" }));
    act(() => {
      FakeRecognition.last!.onerror?.({ error: "not-allowed" });
      FakeRecognition.last!.onend?.();
    });
    expect(screen.getByRole("alert").textContent).toMatch(/Microphone access was refused/);
  });
});
