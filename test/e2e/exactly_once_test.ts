// Exactly once against a real local server (wrangler dev, one for this file), killed with
// SIGKILL mid-load and started again on the same storage: LogClient's retried appends, and
// `edgelog append --producer` run again after a crash. Every record carries a unique payload,
// so a record stored twice shows; the log read back after the kills is the truth.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import type { LogRecord } from "../../mod.ts";
import { EXIT_CODES } from "../../src/cli/cli.ts";
import { LogClient, type RetryEvent } from "../../src/client/mod.ts";
import { isDuplicateAnswer } from "../../src/protocol/producer.ts";
import { DevServer, sleep } from "./server.mjs";

const CLI = fileURLToPath(new URL("../../src/cli/cli.ts", import.meta.url));
const server = new DevServer();
await server.start();

const unique = (prefix: string) => `once/${prefix}-${Date.now().toString(36)}`;
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** Every record of a log, read in pages. */
async function readLog(name: string): Promise<LogRecord[]> {
  const client = new LogClient(server.url, name);
  const { begin, end } = await client.bounds();
  const records: LogRecord[] = [];
  for (let from = begin; from < end;) {
    const page = new Array<LogRecord>(Math.min(10_000, end - from));
    const count = await client.readBatch(from, page);
    records.push(...page.slice(0, count));
    from += count;
  }
  return records;
}

/** Payloads stored more than once. */
function duplicatesOf(records: LogRecord[]): number {
  const seen = new Set<string>();
  let duplicates = 0;
  for (const { data } of records) {
    const key = text(data);
    if (seen.has(key)) duplicates++;
    seen.add(key);
  }
  return duplicates;
}

/** Kills the server with SIGKILL, waits a little, starts it again: how long it was down. */
async function killAndRestart(): Promise<number> {
  await server.kill();
  const killed = Date.now();
  await sleep(300);
  await server.start();
  return Date.now() - killed;
}

Deno.test("LogClient appends every record exactly once while wrangler dev is SIGKILLed three times", async () => {
  const name = unique("client");
  const CLIENTS = 2;
  const CALLERS = 3;
  let requests = 0;
  let duplicateAnswers = 0;
  const retries: RetryEvent[] = [];
  // Counts what crosses the wire; the client itself is the real one.
  const fetch = async (request: Request) => {
    requests++;
    const response = await globalThis.fetch(request);
    if (isDuplicateAnswer(response.headers)) duplicateAnswers++;
    return response;
  };
  const clients = Array.from({ length: CLIENTS }, () =>
    new LogClient(server.url, name, {
      fetch,
      // Enough to ride out a restart (a few seconds), bounded all the same.
      retry: {
        maxAttempts: 200,
        maxElapsed: 60_000,
        minDelay: 50,
        maxDelay: 500,
        attemptTimeout: 5_000,
        onRetry: (event) => retries.push(event),
      },
    }));
  const sent = new Set<string>();
  const acknowledged = new Map<string, number>();
  const failures: unknown[] = [];
  let singles = 0;
  let batches = 0;
  let running = true;
  // Several callers share each client: its queue keeps their seqs in order.
  const caller = async (c: number, w: number) => {
    for (let i = 0; running; i++) {
      const size = i % 4 === 3 ? 2 + (i % 19) : 1;
      const payloads = Array.from({ length: size }, (_, j) => `c${c}-w${w}-${i}-${j}`);
      const records = payloads.map((p) => new TextEncoder().encode(p));
      payloads.forEach((p) => sent.add(p));
      try {
        const first = size === 1
          ? await clients[c]!.append(records[0]!)
          : await clients[c]!.appendBatch(records);
        payloads.forEach((p, j) => acknowledged.set(p, first + j));
        if (size === 1) singles++;
        else batches++;
      } catch (error) {
        failures.push(error);
      }
    }
  };
  const callers = clients.flatMap((_, c) =>
    Array.from({ length: CALLERS }, (_, w) => caller(c, w))
  );
  const downtimes: number[] = [];
  const atKill: number[] = [];
  await sleep(1500);
  for (let kill = 0; kill < 3; kill++) {
    atKill.push(acknowledged.size);
    downtimes.push(await killAndRestart());
    await sleep(1500);
  }
  running = false;
  await Promise.all(callers);

  const stored = await readLog(name);
  const duplicates = duplicatesOf(stored);
  const at = new Map(stored.map((r) => [text(r.data), r.offset]));
  let misplaced = 0;
  for (const [payload, offset] of acknowledged) if (at.get(payload) !== offset) misplaced++;
  const strangers = stored.filter((r) => !sent.has(text(r.data))).length;
  console.log(
    `sent ${sent.size}, acknowledged ${acknowledged.size}, stored ${stored.length}, ` +
      `duplicates ${duplicates}`,
  );
  console.log(
    `  ${singles} single appends and ${batches} batches from ${CLIENTS} clients x ${CALLERS} ` +
      `callers; 3 SIGKILLs at ${atKill.join(", ")} acknowledged, down ` +
      `${downtimes.join(", ")} ms; ${requests} requests, ${retries.length} retries, ` +
      `${duplicateAnswers} answered as duplicates (stored before their answer was lost); ` +
      `epochs now ${clients.map((c) => c.producer?.epoch).join(", ")}; failed appends ` +
      `${failures.length}`,
  );
  assert.deepEqual(failures, [], "every append was acknowledged in the end");
  assert(atKill[0]! > 0 && atKill[2]! > atKill[1]! && atKill[1]! > atKill[0]!, "load ran");
  assert(retries.length > 0, "the kills were noticed");
  assert.equal(acknowledged.size, sent.size);
  assert.equal(misplaced, 0, "every acknowledged record is at its offset");
  assert.equal(strangers, 0);
  assert.equal(duplicates, 0, "no record stored twice");
  assert.equal(stored.length, sent.size, "every record stored once");
});

Deno.test("`edgelog append --producer` run again after kills appends every line exactly once", async () => {
  const name = unique("cli");
  const LINES = 100_000;
  const lines = Array.from({ length: LINES }, (_, i) => `cli line ${i}`);
  const input = new TextEncoder().encode(lines.join("\n") + "\n");
  const client = new LogClient(server.url, name);
  const end = async () => {
    try {
      return (await client.bounds()).end;
    } catch {
      return -1;
    }
  };
  const spawn = () => {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-net",
        "--allow-env",
        "--allow-read",
        CLI,
        "append",
        name,
        "--producer",
        "e2e import",
        "--json",
      ],
      env: { EDGELOG_URL: server.url, EDGELOG_TOKEN: "", NO_COLOR: "1" },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    // A killed process stops reading: the write then fails, as a pipe does.
    writer.write(input).then(() => writer.close()).catch(() => {});
    return child;
  };
  /** Waits until the log holds more than `count` records. */
  const grown = async (count: number) => {
    const deadline = Date.now() + 30_000;
    let now = await end();
    while (now <= count && Date.now() < deadline) {
      await sleep(20);
      now = await end();
    }
    assert(now > count, `the log grew past ${count} (holds ${now})`);
    return now;
  };
  const report: string[] = [];

  // Run 1: wrangler dev dies under it; while the CLI retries, the CLI dies too.
  const first = spawn();
  report.push(`run 1: server killed at ${await grown(5_000)} records`);
  await server.kill();
  await sleep(500);
  first.kill("SIGKILL");
  const firstExit = await first.output();
  await server.start();
  report.push(`CLI killed (exit signal ${firstExit.signal}); log holds ${await end()}`);

  // Run 2: the same command; the CLI alone dies mid-run.
  const atStart = await end();
  const second = spawn();
  report.push(`run 2: CLI killed at ${await grown(atStart + 10_000)} records`);
  second.kill("SIGKILL");
  await second.output();

  // Run 3: the same command; wrangler dev dies under it and comes back, the CLI rides it out.
  const atThird = await end();
  const third = spawn();
  report.push(`run 3: server killed at ${await grown(atThird + 5_000)} records`);
  const down = await killAndRestart();
  let result = await third.output();
  report.push(`down ${down} ms; CLI exit ${result.code}`);
  if (result.code === EXIT_CODES.NETWORK) {
    // The restart outlasted the CLI's retries (a loaded machine): it said so, and the same
    // command again appends the rest.
    report.push(`run 4 after: ${text(result.stderr).trim().replaceAll("\n", " / ")}`);
    result = await spawn().output();
  }
  const stdout = text(result.stdout);
  report.push(`last run exit ${result.code}: ${stdout.trim()}`);
  assert.equal(result.code, EXIT_CODES.OK, text(result.stderr));
  const summary = JSON.parse(stdout);

  const stored = await readLog(name);
  const duplicates = duplicatesOf(stored);
  const inOrder = stored.every((r, i) => text(r.data) === lines[i]);
  console.log(
    `sent ${LINES}, acknowledged ${summary.count + summary.duplicateRecords}, ` +
      `stored ${stored.length}, duplicates ${duplicates}`,
  );
  console.log(`  ${report.join("; ")}`);
  assert.equal(duplicates, 0, "no line stored twice");
  assert.equal(stored.length, LINES, "every line stored once");
  assert(inOrder, "the lines are stored in input order");
  assert(summary.duplicateBatches > 0, "the last run skipped batches the log held");
  assert.equal(summary.count + summary.duplicateRecords, LINES);
  assert.equal(summary.duplicateRecords, summary.duplicateBatches * 1000);
});

Deno.test("The server stops", async () => {
  await server.dispose();
});
