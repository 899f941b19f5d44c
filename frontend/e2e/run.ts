/**
 * End-to-end: the built frontend server, the real backend and Debian's Chromium.
 *
 * Backend: BACKEND_URL of a running one (then BETTER_AUTH_SECRET must be the backend's), or
 * TODO_BACKEND_BIN (default: target/debug/todo-backend of this repository), started here with
 * a SQLite file in a temporary folder and the offline agent.
 * Screenshots go to artifacts/e2e/ at the repository root.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { inspect } from "node:util";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { freePort, startProcess, waitForHttp, type Proc } from "./processes";

const frontendDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = resolve(frontendDir, "..");
const shots = join(repoRoot, "artifacts", "e2e");
const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const TURN_TIMEOUT = 30_000;

let passed = 0;
let failed = 0;
const procs: Proc[] = [];
let work = "";

async function step(name: string, fn: () => Promise<void>): Promise<void> {
  const started = Date.now();
  try {
    await fn();
    passed += 1;
    console.log(`  ok   ${name} (${Date.now() - started} ms)`);
  } catch (err) {
    failed += 1;
    console.log(`  FAIL ${name}: ${err instanceof Error ? err.message : String(err)}`);
    throw err;
  }
}

function check(cond: boolean, message: string): void {
  if (!cond) throw new Error(message);
}

/**
 * A stand-in for the browser's speech recognizer, installed before the app loads: start()
 * "hears" window.__nextUtterance, reporting half of it as an interim result and then all of
 * it as final, as Chromium's recognizer does.
 */
const STAND_IN_RECOGNIZER = `
(() => {
  class StandInRecognition {
    constructor() {
      this.lang = ""; this.interimResults = false; this.continuous = false; this.maxAlternatives = 1;
      this.onresult = null; this.onerror = null; this.onend = null; this.ended = false;
      window.__recognizers = (window.__recognizers || 0) + 1;
    }
    result(parts, final) {
      const results = parts.map((p, i) =>
        Object.assign([{ transcript: p, confidence: 0.9 }], { isFinal: i < parts.length - 1 || final }));
      return { resultIndex: 0, results };
    }
    start() {
      window.__lastLang = this.lang;
      const phrase = String(window.__nextUtterance || "");
      const words = phrase.split(" ");
      const half = words.slice(0, Math.ceil(words.length / 2)).join(" ");
      setTimeout(() => {
        if (this.ended) return;
        if (this.interimResults) this.onresult && this.onresult(this.result([half], false));
        setTimeout(() => {
          if (this.ended) return;
          this.onresult && this.onresult(this.result([phrase], true));
          this.stop();
        }, 150);
      }, 150);
    }
    stop() { if (!this.ended) { this.ended = true; this.onend && this.onend(); } }
    abort() { this.stop(); }
  }
  window.SpeechRecognition = StandInRecognition;
  window.webkitSpeechRecognition = StandInRecognition;
})();
`;

/** Arabic-script letters (Urdu is written in them). */
const ARABIC_SCRIPT = /[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]/;

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: false });
}

/** Sends a message in the built-in chat and waits for the whole reply; returns its text. */
async function chat(page: Page, text: string): Promise<string> {
  const replies = page.locator(".msg.assistant");
  const before = await replies.count();
  const box = page.getByLabel("Message", { exact: true });
  await box.fill(text);
  await box.press("Enter");
  await replies.nth(before).waitFor({ timeout: TURN_TIMEOUT });
  await page.locator('.messages[aria-busy="false"]').waitFor({ timeout: TURN_TIMEOUT });
  const alert = page.locator(".chat-error");
  if (await alert.count()) throw new Error(`chat error after "${text}": ${await alert.innerText()}`);
  return (await replies.nth(before).innerText()).trim();
}

function taskRow(page: Page, title: RegExp) {
  return page.locator(".task-list li").filter({ hasText: title });
}

async function taskId(page: Page, title: RegExp): Promise<string> {
  const row = taskRow(page, title);
  await row.waitFor({ timeout: 10_000 });
  const id = await row.getAttribute("data-task-id");
  if (!id) throw new Error(`task ${String(title)} has no id`);
  return id;
}

async function signUp(page: Page, name: string, email: string): Promise<void> {
  await page.getByRole("button", { name: "Create an account" }).click();
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByLabel("Message", { exact: true }).waitFor({ timeout: 15_000 });
}

/** The signed-in user's id and a token, read as the page itself would. */
async function identity(page: Page): Promise<{ user_id: string; token: string }> {
  return page.evaluate(async () => {
    const res = await fetch("/api/token");
    return (await res.json()) as { user_id: string; token: string };
  });
}

async function startBackend(secret: string, frontendUrl: string): Promise<string | null> {
  if (process.env.BACKEND_URL) {
    if (!process.env.BETTER_AUTH_SECRET)
      throw new Error("BACKEND_URL is set: also set the backend's BETTER_AUTH_SECRET");
    await waitForHttp(`${process.env.BACKEND_URL}/healthz`, null, 10_000);
    return process.env.BACKEND_URL.replace(/\/+$/, "");
  }
  const bin = resolve(repoRoot, process.env.TODO_BACKEND_BIN ?? "target/debug/todo-backend");
  if (!existsSync(bin)) return null;
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    RUST_LOG: process.env.RUST_LOG ?? "info",
    HOST: "127.0.0.1",
    PORT: String(port),
    BETTER_AUTH_SECRET: secret,
    AUTH_ISSUER: frontendUrl,
    DATABASE_URL: process.env.E2E_DATABASE_URL ?? `sqlite://${join(work, "todo.db")}`,
    LLM_PROVIDER: "offline",
    // One person clicking through every scenario sends turns faster than the
    // default rate allows; the limits have their own backend tests.
    TURNS_PER_MINUTE: "0",
  };
  // JWKS mode: the backend verifies Better Auth's own tokens with the frontend's published keys.
  if (process.env.AUTH_TOKEN_MODE === "jwks") env.AUTH_JWKS_URL = `${frontendUrl}/api/auth/jwks`;
  if (process.env.TODO_MCP_BIN) env.MCP_COMMAND = resolve(repoRoot, process.env.TODO_MCP_BIN);
  const proc = startProcess("backend", bin, [], env, join(shots, "backend.log"));
  procs.push(proc);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/healthz`, proc, 60_000);
  return url;
}

async function run(): Promise<void> {
  mkdirSync(shots, { recursive: true });
  work = mkdtempSync(join(tmpdir(), "todo-e2e-"));
  const serverEntry = join(frontendDir, "dist", "server", "main.js");
  if (!existsSync(serverEntry)) throw new Error("dist/ is missing: run npm run build first");
  check(existsSync(chromiumPath), `${chromiumPath} not found (apt-get install -y chromium)`);

  const secret = process.env.BETTER_AUTH_SECRET ?? randomBytes(32).toString("base64url");
  const frontendPort = await freePort();
  const frontendUrl = `http://127.0.0.1:${frontendPort}`;

  const backendUrl = await startBackend(secret, frontendUrl);
  if (!backendUrl) {
    console.log("e2e skipped: no backend. Set BACKEND_URL (a running backend) or build target/debug/todo-backend.");
    if (process.env.E2E_REQUIRED === "1") throw new Error("a backend is required (E2E_REQUIRED=1)");
    return;
  }
  console.log(`backend ${backendUrl}`);

  const frontend = startProcess(
    "frontend",
    process.execPath,
    [serverEntry],
    {
      PATH: process.env.PATH,
      PORT: String(frontendPort),
      HOST: "127.0.0.1",
      BACKEND_URL: backendUrl,
      BETTER_AUTH_SECRET: secret,
      AUTH_SQLITE_PATH: join(work, "auth.db"),
      AUTH_TOKEN_MODE: process.env.AUTH_TOKEN_MODE ?? "hs256",
    },
    join(shots, "frontend.log"),
  );
  procs.push(frontend);
  await waitForHttp(`${frontendUrl}/healthz`, frontend, 30_000);
  console.log(`frontend ${frontendUrl}`);

  const context: BrowserContext = await chromium.launchPersistentContext(join(work, "profile"), {
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-quic",
      "--disable-sync",
    ],
    viewport: { width: 1280, height: 800 },
  });
  try {
    // Nothing leaves this machine: the ChatKit CDN script fails as it does offline.
    await context.route(
      (url) => url.hostname !== "127.0.0.1" && url.hostname !== "localhost",
      (route) => route.abort("internetdisconnected"),
    );
    await context.addInitScript(STAND_IN_RECOGNIZER);
    const page = context.pages()[0] ?? (await context.newPage());
    const consoleErrors: string[] = [];
    page.on("pageerror", (err) => consoleErrors.push(err.message));
    await scenario(page, frontendUrl);
    check(consoleErrors.length === 0, `uncaught page errors: ${consoleErrors.join("; ")}`);
  } finally {
    await context.close();
  }
}

async function scenario(page: Page, url: string): Promise<void> {
  const stamp = Date.now();
  let firstUser = "";
  let firstThread = "";
  const ids: Record<string, string> = {};

  await step("sign up shows the chat with the built-in view", async () => {
    await page.goto(url);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await shot(page, "01-sign-in");
    await signUp(page, "Ada Lovelace", `ada+${stamp}@example.com`);
    await page.getByRole("heading", { name: "Conversations" }).waitFor();
    await page.getByText("No tasks yet.").waitFor();
    check((await page.locator("openai-chatkit").count()) === 0, "the ChatKit element cannot load offline");
    firstUser = (await identity(page)).user_id;
    await shot(page, "02-empty-chat");
  });

  await step("add tasks by chatting; the panel follows each turn", async () => {
    const reply = await chat(page, "add buy milk");
    check(/milk/i.test(reply), `reply should confirm the task: ${reply}`);
    await taskRow(page, /buy milk/i).waitFor({ timeout: 10_000 });
    await chat(page, "add walk the dog");
    await chat(page, "add call the plumber");
    ids.milk = await taskId(page, /buy milk/i);
    ids.dog = await taskId(page, /walk the dog/i);
    ids.plumber = await taskId(page, /call the plumber/i);
    firstThread = new URLSearchParams(new URL(page.url()).hash.slice(1)).get("thread") ?? "";
    check(firstThread !== "", "the open thread is kept in the address");
    check((await page.locator(".task-list li.pending").count()) === 3, "three pending tasks");
  });

  await step("list tasks", async () => {
    const reply = await chat(page, "show my tasks");
    check(/milk/i.test(reply) && /dog/i.test(reply), `the list should name the tasks: ${reply}`);
  });

  await step("complete a task: it shows as done", async () => {
    await chat(page, `mark task ${ids.milk} as done`);
    await page.locator(`.task-list li.done[data-task-id="${ids.milk}"]`).waitFor({ timeout: 10_000 });
    const decoration = await page
      .locator(`.task-list li[data-task-id="${ids.milk}"] .task-text`)
      .evaluate((el) => getComputedStyle(el).textDecorationLine);
    check(decoration.includes("line-through"), "a done task is struck through");
    const pending = page.locator(`.task-list li[data-task-id="${ids.dog}"]`);
    check((await pending.getAttribute("class")) === "task pending", "the other task stays pending");
  });

  await step("rename a task", async () => {
    await chat(page, `rename task ${ids.dog} to Walk the cat`);
    await page
      .locator(`.task-list li[data-task-id="${ids.dog}"]`)
      .filter({ hasText: /walk the cat/i })
      .waitFor({ timeout: 10_000 });
  });

  await step("delete a task", async () => {
    await chat(page, `delete task ${ids.plumber}`);
    await page.locator(`.task-list li[data-task-id="${ids.plumber}"]`).waitFor({ state: "detached", timeout: 10_000 });
    await shot(page, "03-after-turns");
  });

  await step(
    "security headers on the page: CSP allowing only this origin and the ChatKit CDN, no framing",
    async () => {
      const res = await page.request.get(url);
      const csp = res.headers()["content-security-policy"] ?? "";
      check(csp.includes("frame-ancestors 'none'"), `CSP: ${csp}`);
      // ChatKit is enabled (the default), so its CDN, and nothing else, is allowed to script.
      check(csp.includes("script-src 'self' https://cdn.platform.openai.com;"), `CSP: ${csp}`);
      check(res.headers()["x-content-type-options"] === "nosniff", "nosniff");
      check(res.headers()["referrer-policy"] === "no-referrer", "Referrer-Policy");
    },
  );

  await step("voice: the microphone puts the transcript in the composer, the user sends it", async () => {
    const mic = page.getByRole("button", { name: "Speak your message" });
    await mic.waitFor({ timeout: 5_000 });
    const before = await page.locator(".msg.user").count();
    await page.evaluate(() => {
      (window as unknown as { __nextUtterance: string }).__nextUtterance = "add buy fresh bread";
    });
    await mic.click();
    const box = page.getByLabel("Message", { exact: true });
    await page.waitForFunction(
      () => (document.getElementById("composer-input") as HTMLTextAreaElement | null)?.value === "add buy fresh bread",
      undefined,
      { timeout: 5_000 },
    );
    await page.getByRole("button", { name: "Speak your message" }).waitFor();
    check((await page.locator(".msg.user").count()) === before, "dictation alone sends nothing");
    check(
      (await page.evaluate(() => (window as unknown as { __lastLang: string }).__lastLang)) !== "",
      "the recognizer is given a language",
    );
    await shot(page, "08-voice-transcript");
    await box.press("Enter");
    await page.getByRole("log").getByText("add buy fresh bread", { exact: true }).waitFor();
    await page.locator('.messages[aria-busy="false"]').waitFor({ timeout: TURN_TIMEOUT });
    ids.bread = await taskId(page, /fresh bread/i);
  });

  await step("task panel: tick, rename in place and delete go through the chat", async () => {
    await chat(page, "add pay the rent");
    await chat(page, "add water the plants");
    ids.rent = await taskId(page, /pay the rent/i);
    ids.plants = await taskId(page, /water the plants/i);
    const log = page.getByRole("log");

    // Tick with the keyboard: focus the checkbox, press Space.
    const tick = page.getByRole("checkbox", { name: new RegExp(`^Mark task ${ids.rent}: .* as complete$`) });
    await tick.focus();
    await page.keyboard.press("Space");
    await log.getByText(`mark task ${ids.rent} as complete`, { exact: true }).waitFor({ timeout: TURN_TIMEOUT });
    await page.locator(`.task-list li.done[data-task-id="${ids.rent}"]`).waitFor({ timeout: TURN_TIMEOUT });
    check(
      (await page.locator(`.task-list li[data-task-id="${ids.rent}"] input[type=checkbox]`).count()) === 0,
      "a done task offers no control to reopen it",
    );

    await page.getByRole("button", { name: new RegExp(`^Rename task ${ids.plants}: `) }).click();
    const input = page.getByLabel(`New title for task ${ids.plants}`);
    await input.fill("Water the orchids");
    await input.press("Enter");
    await log.getByText(`rename task ${ids.plants} to Water the orchids`, { exact: true }).waitFor();
    await page
      .locator(`.task-list li[data-task-id="${ids.plants}"]`)
      .filter({ hasText: /water the orchids/i })
      .waitFor({ timeout: TURN_TIMEOUT });

    await page.getByRole("button", { name: new RegExp(`^Delete task ${ids.bread}: `) }).click();
    await page.getByRole("button", { name: new RegExp(`^Confirm deleting task ${ids.bread}: `) }).click();
    await log.getByText(`delete task ${ids.bread}`, { exact: true }).waitFor();
    await page
      .locator(`.task-list li[data-task-id="${ids.bread}"]`)
      .waitFor({ state: "detached", timeout: TURN_TIMEOUT });
  });

  await step("task panel: search and sort", async () => {
    const titles = () => page.locator(".task-list li .task-text").allInnerTexts();
    await page.getByLabel("Sort tasks").selectOption("title");
    const sorted = await titles();
    const expected = [...sorted].sort((a, b) => a.localeCompare(b, undefined, { sensitivity: "base" }));
    check(JSON.stringify(sorted) === JSON.stringify(expected), `sorted by title: ${sorted.join(" | ")}`);
    await page.getByLabel("Sort tasks").selectOption("newest");
    const ids_ = await page.locator(".task-list li").evaluateAll((els) => els.map((e) => Number(e.dataset.taskId)));
    check(
      ids_.every((id, i) => i === 0 || id < (ids_[i - 1] ?? Infinity)),
      `newest first: ${ids_.join(",")}`,
    );
    await page.getByLabel("Search tasks").fill("orchid");
    await page.waitForFunction(() => document.querySelectorAll(".task-list li").length === 1);
    check((await titles())[0] === "Water the orchids", "search finds the renamed task");
    await shot(page, "09-task-panel");
    await page.getByLabel("Search tasks").fill("");
    await page.getByLabel("Sort tasks").selectOption("oldest");
  });

  await step("a missing task gets a polite answer, not an error", async () => {
    const reply = await chat(page, "mark task 999999 as done");
    check(reply.length > 0, "some reply");
  });

  await step("reload: history, thread list and tasks come back", async () => {
    await page.reload();
    const log = page.getByRole("log");
    await log.getByText("add buy milk", { exact: true }).waitFor({ timeout: 15_000 });
    await log.getByText(`delete task ${ids.plumber}`, { exact: true }).waitFor();
    check((await page.locator(".thread-list li").count()) >= 1, "the thread is listed");
    await page.locator(`.task-list li.done[data-task-id="${ids.milk}"]`).waitFor({ timeout: 10_000 });
    await taskRow(page, /walk the cat/i).waitFor();
    await shot(page, "04-after-reload");
  });

  await step("threads: new chat, rename and delete from the list", async () => {
    await page.getByRole("button", { name: "New chat" }).click();
    await chat(page, "what's pending?");
    await page.waitForFunction(() => document.querySelectorAll(".thread-list li").length >= 2, undefined, {
      timeout: 10_000,
    });
    const active = page.locator(".thread-list li.active");
    await active.getByRole("button", { name: /^Rename / }).click();
    const input = page.locator(".thread-list li.editing input");
    await input.fill("Errands");
    await input.press("Enter");
    await page.getByRole("button", { name: "Errands", exact: true }).waitFor();
    await page.getByRole("button", { name: "Delete Errands" }).click();
    await page.getByRole("group", { name: "Delete Errands?" }).getByRole("button", { name: "Delete" }).click();
    await page.getByRole("button", { name: "Errands", exact: true }).waitFor({ state: "detached" });
    await page.getByRole("heading", { name: "New chat" }).waitFor();
    check((await page.locator(".thread-list li").count()) === 1, "the first thread remains");
  });

  await step("390 px wide: no sideways scrolling, tasks behind a toggle", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page
      .locator(".thread-list li .thread-open")
      .first()
      .click({ force: true })
      .catch(() => undefined);
    await page.getByRole("button", { name: "Conversations" }).click();
    await page.locator(".thread-list li .thread-open").first().click();
    await page.getByRole("log").getByText("add buy milk", { exact: true }).waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    check(width <= 390, `page is ${width} px wide`);
    await shot(page, "05-mobile-chat");
    await page.getByRole("button", { name: "Tasks", exact: true }).click();
    await taskRow(page, /walk the cat/i).waitFor();
    check(!(await page.getByLabel("Message", { exact: true }).isVisible()), "chat hidden while tasks show");
    await shot(page, "06-mobile-tasks");
    await page.getByRole("button", { name: "Chat", exact: true }).click();
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  await step("an Urdu conversation renders right to left", async () => {
    await page.getByRole("button", { name: "New chat" }).click();
    const urdu = "دودھ خریدنے کا کام شامل کریں";
    const reply = await chat(page, urdu);
    const mine = page.locator(".msg.user p").filter({ hasText: urdu });
    check((await mine.evaluate((el) => getComputedStyle(el).direction)) === "rtl", "the Urdu message is RTL");
    const answer = page.locator(".msg.assistant p").last();
    const answerDir = await answer.evaluate((el) => getComputedStyle(el).direction);
    // The reply takes the direction of its own first letters: RTL when the agent answers in
    // Urdu, LTR when it answers in English.
    const expectedDir = ARABIC_SCRIPT.test(reply.replace(/[^\p{L}]/gu, "").slice(0, 1)) ? "rtl" : "ltr";
    check(answerDir === expectedDir, `the reply "${reply}" is ${answerDir}, expected ${expectedDir}`);
    // A task with an Urdu title shows right to left in the panel too.
    await chat(page, "add سبزی لانا");
    const row = page.locator(".task-list li .task-text").filter({ hasText: "سبزی لانا" });
    await row.waitFor({ timeout: TURN_TIMEOUT });
    check((await row.evaluate((el) => getComputedStyle(el).direction)) === "rtl", "the Urdu title is RTL");
    await shot(page, "10-urdu-chat");
  });

  await step("sign out, sign up a second user who sees nothing of the first", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    const status = await page.evaluate(async () => (await fetch("/api/token")).status);
    check(status === 401, `no token after sign-out (got ${status})`);
    await page.goto(url);
    await signUp(page, "Grace Hopper", `grace+${stamp}@example.com`);
    await page.getByText("No conversations yet.").waitFor();
    await page.getByText("No tasks yet.").waitFor();
    const me = await identity(page);
    check(me.user_id !== firstUser, "a different user");
    const probe = await page.evaluate(
      async ({ other, thread, token, mine }) => {
        const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };
        const tasks = await fetch(`/api/${other}/tasks`, { headers: auth });
        const foreignThread = await fetch(`/api/${mine}/chat`, {
          method: "POST",
          headers: auth,
          body: JSON.stringify({ type: "threads.get_by_id", params: { thread_id: thread } }),
        });
        const noToken = await fetch(`/api/${mine}/tasks`);
        return { tasks: tasks.status, thread: foreignThread.status, noToken: noToken.status };
      },
      { other: firstUser, thread: firstThread, token: me.token, mine: me.user_id },
    );
    check(probe.tasks === 403, `another user's tasks: expected 403, got ${probe.tasks}`);
    check(probe.thread === 404, `another user's thread: expected 404, got ${probe.thread}`);
    check(probe.noToken === 401, `no token: expected 401, got ${probe.noToken}`);
    await chat(page, "show my tasks");
    check((await page.locator(".task-list li").count()) === 0, "the second user has no tasks");
    await shot(page, "07-second-user");
  });
}

async function main(): Promise<void> {
  let error: unknown = null;
  try {
    await run();
  } catch (err) {
    error = err;
  } finally {
    for (const p of procs.reverse()) await p.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  }
  if (error) {
    console.error(`e2e error: ${error instanceof Error ? (error.stack ?? error.message) : inspect(error)}`);
    for (const log of ["frontend.log", "backend.log"]) {
      const file = join(shots, log);
      if (existsSync(file))
        console.error(`--- ${log} (tail)\n${readFileSync(file, "utf8").split("\n").slice(-25).join("\n")}`);
    }
  }
  if (passed + failed > 0) console.log(`e2e: ${passed} passed, ${failed} failed`);
  process.exit(error || failed ? 1 : 0);
}

void main();
