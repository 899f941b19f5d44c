/** Starting and stopping the real servers the browser test talks to. */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { createServer } from "node:net";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface Proc {
  name: string;
  child: ChildProcess;
  stop: () => Promise<void>;
}

/** Spawns a process whose output goes to `logFile`; it is stopped with SIGTERM, then SIGKILL. */
export function startProcess(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): Proc {
  const log = createWriteStream(logFile);
  const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  child.on("error", (err) => log.write(`spawn failed: ${err.message}\n`));
  return {
    name,
    child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        await new Promise<void>((resolve) => {
          const kill = setTimeout(() => child.kill("SIGKILL"), 5000);
          child.once("exit", () => {
            clearTimeout(kill);
            resolve();
          });
          child.kill("SIGTERM");
        });
      }
      // Let the last output reach the log file before anyone reads it.
      if (!log.writableEnded) await new Promise<void>((resolve) => log.end(resolve));
    },
  };
}

/** Polls `url` until it answers (any HTTP status), the process dies, or the time runs out. */
export async function waitForHttp(url: string, proc: Proc | null, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc && proc.child.exitCode !== null) {
      throw new Error(`${proc.name} exited with code ${proc.child.exitCode} before answering on ${url}`);
    }
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
