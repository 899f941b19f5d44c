/**
 * Incremental parser for `text/event-stream` bodies. Chunks may split a frame (or a UTF-8
 * character) anywhere; only complete frames come out. ChatKit servers send `data:` lines only,
 * but `event:`/`id:`/comment lines are tolerated and ignored.
 */
export class SseParser {
  private buffer = "";
  private data: string[] = [];

  /** Feeds decoded text; returns the data payloads of every frame it completed. */
  push(text: string): string[] {
    this.buffer += text;
    const out: string[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      if (!match) break;
      // A trailing "\r" may be the first half of "\r\n": wait for more input.
      if (match[0] === "\r" && match.index === this.buffer.length - 1) break;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      this.line(line, out);
    }
    return out;
  }

  /** Ends the stream: a last frame without its blank line still counts. */
  finish(): string[] {
    const out: string[] = [];
    if (this.buffer) {
      this.line(this.buffer, out);
      this.buffer = "";
    }
    this.line("", out);
    return out;
  }

  private line(line: string, out: string[]): void {
    if (line === "") {
      if (this.data.length) out.push(this.data.join("\n"));
      this.data = [];
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.data.push(value);
  }
}

export class StreamFormatError extends Error {}

/** Reads an SSE body and yields each frame's JSON. */
export async function* readJsonEvents<T>(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<T> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  const onAbort = () => void reader.cancel().catch(() => undefined);
  signal?.addEventListener("abort", onAbort);
  let finished = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      finished = done;
      const frames = done
        ? [...parser.push(decoder.decode()), ...parser.finish()]
        : parser.push(decoder.decode(value, { stream: true }));
      for (const frame of frames) yield parse(frame) as T;
      if (done) return;
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
    // A consumer that stops early must not leave the connection open.
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

function parse(frame: string): unknown {
  try {
    return JSON.parse(frame);
  } catch {
    throw new StreamFormatError(`The server sent an unreadable event: ${frame.slice(0, 80)}`);
  }
}
