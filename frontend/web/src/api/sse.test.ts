import { describe, expect, it } from "vitest";
import { readJsonEvents, SseParser, StreamFormatError } from "./sse";

function parseAll(chunks: string[]): string[] {
  const p = new SseParser();
  return [...chunks.flatMap((c) => p.push(c)), ...p.finish()];
}

function bytesStream(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(ctl) {
      for (const c of chunks) ctl.enqueue(c);
      ctl.close();
    },
  });
}

async function collect<T>(gen: AsyncGenerator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of gen) out.push(v);
  return out;
}

describe("SseParser", () => {
  const body = 'data: {"type":"a"}\n\ndata: {"type":"b","text":"x: y"}\n\n';

  it("parses whole frames", () => {
    expect(parseAll([body])).toEqual(['{"type":"a"}', '{"type":"b","text":"x: y"}']);
  });

  it("gives the same frames however the input is split", () => {
    for (let i = 0; i <= body.length; i++) {
      expect(parseAll([body.slice(0, i), body.slice(i)])).toEqual(parseAll([body]));
    }
    expect(parseAll(Array.from(body))).toEqual(parseAll([body]));
  });

  it("only emits a frame once its blank line arrives", () => {
    const p = new SseParser();
    expect(p.push('data: {"a":1}\n')).toEqual([]);
    expect(p.push("\n")).toEqual(['{"a":1}']);
  });

  it("accepts CRLF and CR line endings, including a CRLF split across chunks", () => {
    expect(parseAll(["data: 1\r\n\r\ndata: 2\r\r"])).toEqual(["1", "2"]);
    expect(parseAll(["data: 1\r", "\n\r", "\n"])).toEqual(["1"]);
  });

  it("joins multi-line data and ignores comments, event and id fields", () => {
    expect(parseAll([": keep-alive\n\nevent: x\nid: 7\ndata: line1\ndata:line2\n\n"])).toEqual(["line1\nline2"]);
  });

  it("keeps a last frame that has no trailing blank line", () => {
    expect(parseAll(["data: last"])).toEqual(["last"]);
  });

  it("drops empty frames", () => {
    expect(parseAll(["\n\n\n: c\n\n"])).toEqual([]);
  });
});

describe("readJsonEvents", () => {
  it("reassembles a multi-byte character split between chunks", async () => {
    const bytes = new TextEncoder().encode('data: {"text":"caf\u00e9 \u2713"}\n\n');
    const at = bytes.indexOf(0xc3) + 1; // inside the two bytes of "é"
    const events = await collect(readJsonEvents<{ text: string }>(bytesStream([bytes.slice(0, at), bytes.slice(at)])));
    expect(events).toEqual([{ text: "caf\u00e9 \u2713" }]);
  });

  it("rejects a frame that is not JSON", async () => {
    const stream = bytesStream([new TextEncoder().encode("data: {oops\n\n")]);
    await expect(collect(readJsonEvents(stream))).rejects.toBeInstanceOf(StreamFormatError);
  });

  it("cancels the body when the consumer stops early", async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(ctl) {
        ctl.enqueue(new TextEncoder().encode('data: {"n":1}\n\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const ev of readJsonEvents(stream)) {
      expect(ev).toEqual({ n: 1 });
      break;
    }
    expect(cancelled).toBe(true);
  });
});
