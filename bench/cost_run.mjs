/**
 * The run behind COST.md: the bundled worker in Miniflare (workerd, the runtime Cloudflare
 * runs), each workload on a log of its own, counted by the log's Durable Object itself
 * (`GET /logs/{name}/metrics`), and the bill those counts imply at the prices of
 * `bench/cost.mjs`:
 *
 * 1. single appends of a 64-byte record, one at a time and 10 at a time, one at a time
 *    naming a producer, and pipelined over an append session;
 * 2. batches of 100 such records;
 * 3. reads: one record, and pages of 100;
 * 4. 100 tails connected, then idle, then one append delivered to all of them;
 * 5. the Durable Streams routes (`/v1/stream/{name}`, bench/cost_streams.mjs): creates,
 *    appends one at a time (also naming a producer, and JSON arrays), catch-up reads, and
 *    long-poll and SSE readers connecting, waiting a minute, and answered by an append;
 * 6. bytes on disk per record: the database's size (`databaseBytes`) grown over 10,000
 *    records of 64 bytes and of 1 KiB.
 *
 * Usage: `npm run bench:cost` (= `node bench/cost_run.mjs`, about 2 minutes: the idle
 * readers wait a minute). `COST_APPENDS` sets the single appends per workload (default 2000).
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { bill, CostLedger, costLine, dollars, PRICES } from "./cost.mjs";
import { streamsCostPhases } from "./cost_streams.mjs";
import { startEdgelog } from "./load.mjs";
import {
  append,
  appendBatch,
  logUrl,
  metrics,
  producerHeaders,
  recordsUrl,
} from "../test/e2e/client.mjs";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const APPENDS = Number(process.env.COST_APPENDS ?? 2000);
const RECORD = new Uint8Array(64).map((_, i) => (i * 37) & 0xff);
const TAILS = 100;
const run = Date.now().toString(36);

/**
 * Runs `count` calls of `fn`, `concurrency` at a time.
 * @param {number} count
 * @param {number} concurrency
 * @param {(i: number) => Promise<unknown>} fn
 */
async function pool(count, concurrency, fn) {
  let next = 0;
  const worker = async () => {
    while (next < count) await fn(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/**
 * A GET that must succeed; its body is read.
 * @param {string} url
 */
async function get(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
}

/**
 * Opens `count` tails of `name` from `from`, resolving once each is open.
 * @param {string} base
 * @param {string} name
 * @param {number} from
 * @param {number} count
 */
async function openTails(base, name, from, count) {
  let delivered = 0;
  /** @type {WebSocket[]} */
  const sockets = await Promise.all(Array.from({ length: count }, () =>
    new Promise((ok, fail) => {
      const ws = new WebSocket(`${logUrl(base.replace(/^http/, "ws"), name)}/tail?from=${from}`, [
        "edgelog",
      ]);
      ws.on("message", (_data, binary) => {
        if (binary) delivered++;
      });
      ws.once("open", () => ok(ws));
      ws.once("error", fail);
    })));
  return { sockets, delivered: () => delivered };
}

async function main() {
  const outdir = mkdtempSync(join(tmpdir(), "edgelog-cost-"));
  const edgelog = await startEdgelog(ROOT, join(outdir, "edgelog"));
  const base = edgelog.base;
  const ledger = new CostLedger(base);
  /** @type {string[]} */
  const lines = [];
  try {
    // 1. Single appends, one at a time (a commit each) and 10 at a time (commits shared).
    for (const concurrency of [1, 10]) {
      const name = `cost/single-${concurrency}-${run}`;
      await append(base, name, RECORD);
      await ledger.before(name);
      const t0 = performance.now();
      await pool(APPENDS, concurrency, () => append(base, name, RECORD));
      const seconds = (performance.now() - t0) / 1000;
      await ledger.after(`single appends, ${concurrency} at a time`, name, { seconds });
    }
    // The same one at a time, each naming the same producer (its seq counted here).
    {
      const name = `cost/producer-${run}`;
      const { url, headers } = recordsUrl(base, name);
      let seq = 0;
      const produce = async () => {
        const producer = producerHeaders({ id: `cost-${run}`, epoch: 0, seq: seq++ });
        const res = await fetch(url, {
          method: "POST",
          body: RECORD,
          headers: { ...headers, ...producer },
        });
        if (!res.ok) throw new Error(`append: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
      };
      await produce();
      await ledger.before(name);
      const t0 = performance.now();
      await pool(APPENDS, 1, produce);
      const seconds = (performance.now() - t0) / 1000;
      await ledger.after("single appends naming a producer, 1 at a time", name, { seconds });
    }
    // The same over an append session: one writer (`LogClient.writer()`, under Deno, as
    // bench/session_writer.ts runs it), 1000 appends in flight, for 3 s.
    {
      const name = `cost/session-${run}`;
      await append(base, name, RECORD);
      await ledger.before(name);
      const t0 = performance.now();
      execFileSync(
        resolve(ROOT, "node_modules/.bin/deno"),
        ["run", "-A", resolve(ROOT, "bench/session_writer.ts"), base, "3", "1000", "64", name],
        { cwd: ROOT, env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" }, stdio: "ignore" },
      );
      const seconds = (performance.now() - t0) / 1000;
      await ledger.after("single appends over an append session, 1000 in flight", name, {
        seconds,
      });
    }
    // 2. Batches of 100.
    {
      const name = `cost/batch-${run}`;
      await append(base, name, RECORD);
      await ledger.before(name);
      const batch = Array.from({ length: 100 }, () => RECORD);
      const t0 = performance.now();
      await pool(APPENDS / 100, 1, () => appendBatch(base, name, batch));
      const seconds = (performance.now() - t0) / 1000;
      await ledger.after("batches of 100 records", name, { seconds });
    }
    // 3. Reads of one record and of pages of 100, from a log of 10,000 records.
    {
      const name = `cost/reads-${run}`;
      const batch = Array.from({ length: 100 }, () => RECORD);
      for (let i = 0; i < 100; i++) await appendBatch(base, name, batch);
      await ledger.before(name);
      await pool(1000, 1, (i) => get(`${logUrl(base, name)}/records/${(i * 7) % 10_000}`));
      await ledger.after("reads of one record", name);
      await ledger.before(name);
      await pool(100, 1, (i) => get(`${logUrl(base, name)}/records?from=${i * 100}&limit=100`));
      await ledger.after("reads of a page of 100 records", name);
    }
    // 4. Idle readers: tails connect, the log idles, one append reaches all of them.
    {
      const name = `cost/tails-${run}`;
      const end = (await append(base, name, RECORD)) + 1;
      await ledger.before(name);
      const tails = await openTails(base, name, end, TAILS);
      await ledger.after(`${TAILS} tails connecting`, name);
      await ledger.before(name);
      // Each tail sends the heartbeat "ping" (the client does every 30 s by default): the
      // runtime answers it without waking the object, which never sees it.
      const pongs = new Promise((ok) => {
        let n = 0;
        for (const ws of tails.sockets) {
          ws.on("message", (data, binary) => {
            if (!binary && String(data) === "pong" && ++n === TAILS) ok(n);
          });
          ws.send("ping");
        }
      });
      await pongs;
      await new Promise((ok) => setTimeout(ok, 2000));
      const idle = await ledger.after(`${TAILS} tails connected, a ping each, 2 s idle`, name);
      const idleMetrics = await metrics(base, name);
      lines.push(
        `idle: ${idle.requests} requests, ${idle.rowsRead} rows read, ${idle.rowsWritten} rows ` +
          `written in 2 s with ${TAILS} tails connected (each sent "ping" and got "pong"); ` +
          `webSocketMessages ${idleMetrics.requests.webSocketMessages}; pending timers ` +
          `${idleMetrics.pendingTimers}, alarm ${idleMetrics.alarm}, ${idleMetrics.webSockets} ` +
          `sockets`,
      );
      await ledger.before(name);
      await append(base, name, RECORD);
      const deadline = Date.now() + 10_000;
      while (tails.delivered() < TAILS && Date.now() < deadline) {
        await new Promise((ok) => setTimeout(ok, 10));
      }
      await ledger.after(`one append delivered to ${tails.delivered()} tails`, name);
      for (const ws of tails.sockets) ws.close(1000);
    }
    // 5. The Durable Streams routes.
    await streamsCostPhases({ base, ledger, lines, appends: APPENDS, record: RECORD, run });
    // 6. Bytes on disk per record.
    for (const size of [64, 1024]) {
      const name = `cost/size-${size}-${run}`;
      const record = new Uint8Array(size).map((_, i) => (i * 37) & 0xff);
      await append(base, name, record);
      const before = await metrics(base, name);
      const n = 10_000;
      const batch = Array.from({ length: 100 }, () => record);
      for (let i = 0; i < n / 100; i++) await appendBatch(base, name, batch);
      const after = await metrics(base, name);
      const perRecord = (after.databaseBytes - before.databaseBytes) / n;
      const recordsPerGb = 1e9 / perRecord;
      lines.push(
        `bytes on disk: ${size}-byte records: database ${before.databaseBytes} -> ` +
          `${after.databaseBytes} bytes over ${n} records = ${perRecord.toFixed(1)} bytes per ` +
          `record (${(perRecord / size).toFixed(2)}x the data); ${
            (recordsPerGb / 1e6).toFixed(2)
          } M records per GB; a GB-month ${dollars(bill({ gbMonths: 1 }).storage)}, ` +
          `so a million such records kept a month ${
            dollars(bill({ gbMonths: (1e6 * perRecord) / 1e9 }).storage)
          }`,
      );
    }
  } finally {
    await edgelog.mf.dispose();
    rmSync(outdir, { recursive: true, force: true });
  }
  console.log(
    `edgelog cost run: Miniflare (workerd) on 127.0.0.1, node ${process.version}; prices of ` +
      `${PRICES.read} from ${PRICES.source}`,
  );
  for (const row of ledger.rows) console.log(costLine(row));
  for (const line of lines) console.log(line);
}

await main();
