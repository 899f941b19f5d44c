/** The browser's own speech recognition (Web Speech API), where it exists. */
import { useCallback, useEffect, useRef, useState } from "react";

interface RecognitionAlternative {
  transcript: string;
}
interface RecognitionResult {
  readonly isFinal: boolean;
  readonly length: number;
  [index: number]: RecognitionAlternative | undefined;
}
interface RecognitionEvent {
  readonly resultIndex: number;
  readonly results: { readonly length: number; [index: number]: RecognitionResult | undefined };
}
interface RecognitionErrorEvent {
  readonly error: string;
}
/** The part of SpeechRecognition this app uses. */
export interface Recognition {
  lang: string;
  interimResults: boolean;
  continuous: boolean;
  maxAlternatives: number;
  onresult: ((ev: RecognitionEvent) => void) | null;
  onerror: ((ev: RecognitionErrorEvent) => void) | null;
  onend: (() => void) | null;
  start(): void;
  stop(): void;
  abort(): void;
}
export type RecognitionConstructor = new () => Recognition;

/** SpeechRecognition, or Chromium's prefixed webkitSpeechRecognition; null where neither exists. */
export function recognitionConstructor(win: object = window): RecognitionConstructor | null {
  const w = win as { SpeechRecognition?: unknown; webkitSpeechRecognition?: unknown };
  const ctor = w.SpeechRecognition ?? w.webkitSpeechRecognition;
  return typeof ctor === "function" ? (ctor as RecognitionConstructor) : null;
}

const ERRORS: Record<string, string> = {
  "not-allowed": "Microphone access was refused. Allow it in the browser to speak your message.",
  "service-not-allowed": "Speech recognition is not allowed in this browser.",
  "no-speech": "No speech was heard. Try again.",
  "audio-capture": "No microphone was found.",
  network: "Speech recognition needs a network connection in this browser.",
  "language-not-supported": "Speech recognition does not support this language here.",
};

/** The text of every result so far, final and interim, in order. */
export function transcriptOf(ev: RecognitionEvent): string {
  let text = "";
  for (let i = 0; i < ev.results.length; i++) text += ev.results[i]?.[0]?.transcript ?? "";
  return text.trim();
}

/**
 * Dictation into a text field: `start` listens once, `onText` receives the transcript so far
 * (interim results included) until the recognizer ends. `supported` is false where the browser
 * has no speech recognition: the caller hides its button.
 */
export function useDictation(onText: (transcript: string, final: boolean) => void) {
  const [ctor] = useState(() => (typeof window === "undefined" ? null : recognitionConstructor()));
  const [listening, setListening] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const active = useRef<Recognition | null>(null);
  const latest = useRef(onText);
  useEffect(() => {
    latest.current = onText;
  });

  const stop = useCallback(() => active.current?.stop(), []);

  const start = useCallback(() => {
    if (!ctor || active.current) return;
    setError(null);
    const rec = new ctor();
    rec.lang = navigator.language || "en-US";
    rec.interimResults = true;
    rec.continuous = false;
    rec.maxAlternatives = 1;
    let last = "";
    rec.onresult = (ev) => {
      last = transcriptOf(ev);
      const result = ev.results[ev.results.length - 1];
      latest.current(last, !!result?.isFinal);
    };
    rec.onerror = (ev) => {
      if (ev.error !== "aborted") setError(ERRORS[ev.error] ?? `Voice input stopped (${ev.error}).`);
    };
    rec.onend = () => {
      if (active.current === rec) active.current = null;
      setListening(false);
      if (last) latest.current(last, true);
    };
    active.current = rec;
    try {
      rec.start();
      setListening(true);
    } catch {
      active.current = null;
      setError("Voice input could not start.");
    }
  }, [ctor]);

  useEffect(() => () => active.current?.abort(), []);

  return { supported: ctor !== null, listening, error, start, stop };
}
