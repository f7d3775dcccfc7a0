/**
 * Load figures for the Cloudflare deployment, measured in one run against Miniflare's
 * programmatic API on the bundled worker (loopback only, bounded duration):
 *
 * 1. requests/s of a no-op round trip to a Durable Object (the platform's ceiling here), and of
 *    a durable no-op: the least a Durable Object can do to make each request's body durable
 *    before answering (one SQLite INSERT per request, the LogObject's group commit), the
 *    ceiling for appends once the cost of the commit itself is paid;
 * 2. single-record appends/s: without a producer, naming one producer per connection (the
 *    target: at least 90% of the rate without), and each from a new producer;
 * 3. records/s with batches of 100;
 * 4. WebSocket delivery to 100 and to 1000 connected tails: records/s, p50/p99
 *    append-to-delivery latency, and whether every tail received every record. Each is run
 *    twice: with the clients offering permessage-deflate (as `ws` and browsers do by default;
 *    workerd accepts it, so every frame is compressed per socket and inflated by the client)
 *    and without compression.
 *
 * Each phase also reports the CPU time used by this process (the load generator: autocannon or
 * the WebSocket clients) and by workerd (Miniflare's runtime, which runs the Worker and the
 * Durable Object), as a share of one core over the phase (Linux only, from /proc): on a small
 * machine either side can be the one that limits.
 *
 * The five request-rate phases (no-op, durable no-op, single appends without a producer, with
 * one producer per connection, and each from a new producer) run interleaved: the machine is shared, and its load drifts over a minute, so each
 * phase gets `LOAD_ROUNDS` (5) windows of `LOAD_SECONDS / LOAD_ROUNDS` seconds, taken in turn
 * (every other round in reverse order), and the ratio to the no-op is the median of the ratios
 * within each round. Rates are the mean over the rounds; p50 and
 * p99 the median of the rounds' values.
 *
 * Usage: `npm run bench:load` (= `node bench/load.mjs`). `LOAD_SECONDS` sets the length of each
 * HTTP phase (default 10, as `autocannon -c 10 -d 10`); `LOAD_ROUNDS` the number of rounds.
 *
 * @module
 */
import autocannon from "autocannon";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import {
  append,
  appendBatch,
  batchRequest,
  openTail,
  producerHeaders,
  recordsUrl,
} from "../test/e2e/client.mjs";

const ROOT = process.env.EDGELOG_ROOT ?? resolve(fileURLToPath(new URL("..", import.meta.url)));
const SECONDS = Number(process.env.LOAD_SECONDS ?? 10);
const ROUNDS = Number(process.env.LOAD_ROUNDS ?? 5);
const CONNECTIONS = 10;
const COMPAT_DATE = "2026-04-01";
/** The record of the single-append phases (and the no-op's request body): 64 bytes. */
const RECORD = new Uint8Array(64).map((_, i) => (i * 37) & 0xff);
/** Records per request in the batched phase. */
const BATCH = 100;
/** How long the append load of each tail phase lasts (ms). */
const TAIL_APPEND_MS = 4_000;

/** A worker that forwards every request to one Durable Object that answers at once. */
const NOOP_WORKER = `
import { DurableObject } from "cloudflare:workers";
export class Noop extends DurableObject {
  async fetch(request) {
    await request.arrayBuffer();
    return new Response("ok");
  }
}
export default {
  fetch(request, env) {
    return env.NOOP.get(env.NOOP.idFromName("noop")).fetch(request);
  },
};
`;

/**
 * A worker whose Durable Object stores each request's body with one SQLite INSERT and answers
 * once it is committed, with the LogObject's group commit (worker/object/group_commit.ts,
 * `GroupCommit`): the commit runs once a turn passes with no new request, at most 4 turns.
 */
const DURABLE_WORKER = `
import { DurableObject } from "cloudflare:workers";
export class Noop extends DurableObject {
  pending = [];
  requests = 0;
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS records (pos INTEGER PRIMARY KEY, data BLOB)");
  }
  async fetch(request) {
    const data = await request.arrayBuffer();
    this.requests++;
    if (this.pending.length === 0) this.schedule();
    return new Promise((resolve) => this.pending.push({ data, resolve }));
  }
  schedule() {
    let seen = this.requests;
    let turns = 1;
    const tick = () => {
      if (this.requests !== seen && turns < 4) {
        seen = this.requests;
        turns++;
        setTimeout(tick, 0);
        return;
      }
      const pending = this.pending;
      this.pending = [];
      for (const { data } of pending) {
        this.ctx.storage.sql.exec("INSERT INTO records (data) VALUES (?)", data);
      }
      for (const { resolve } of pending) resolve(new Response("ok"));
    };
    setTimeout(tick, 0);
  }
}
export default {
  fetch(request, env) {
    return env.NOOP.get(env.NOOP.idFromName("noop")).fetch(request);
  },
};
`;

/**
 * @typedef {{ name: string, rate: number, unit: string, p50: number, p99: number,
 *   errors: number, note?: string, cpu?: string, ratio?: number, rounds?: number[] }} Row
 */

/**
 * The ids of the workerd processes started by this process (Miniflare's children).
 * @returns {string[]}
 */
function workerdPids() {
  try {
    return readdirSync("/proc").filter((d) => {
      if (!/^[0-9]+$/.test(d)) return false;
      try {
        const stat = readFileSync(`/proc/${d}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return fields[1] === String(process.pid) &&
          readFileSync(`/proc/${d}/comm`, "utf8").trim() === "workerd";
      } catch {
        return false;
      }
    });
  } catch {
    return [];
  }
}

/**
 * CPU time (user + system, ms) used so far by the given processes.
 * @param {string[]} pids
 * @returns {number}
 */
function processCpuMs(pids) {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // Gone: its time is lost to the figure.
    }
  }
  return ticks * 10; // USER_HZ is 100 on Linux.
}

/** CPU time (ms) used by the load generator and by workerd, and the wall time it took. */
class CpuTally {
  wall = 0;
  generator = 0;
  workerd = 0;
  /**
   * Starts a measurement; the returned function ends it and adds it to the tally.
   * @param {string[]} pids the workerd processes to count
   * @returns {() => void}
   */
  start(pids) {
    const wall0 = performance.now();
    const self0 = process.cpuUsage();
    const workerd0 = processCpuMs(pids);
    return () => {
      this.wall += performance.now() - wall0;
      const self = process.cpuUsage(self0);
      this.generator += (self.user + self.system) / 1000;
      this.workerd += pids.length === 0 ? NaN : processCpuMs(pids) - workerd0;
    };
  }
  /** @returns {string} e.g. "load generator 93% / workerd 101% of a core" */
  toString() {
    const gen = `load generator ${fmt((100 * this.generator) / this.wall)}%`;
    if (Number.isNaN(this.workerd)) return gen;
    return `${gen} / workerd ${fmt((100 * this.workerd) / this.wall)}% of a core`;
  }
}

/**
 * Measures the CPU of this process and of the workerd processes `pids` during `fn`.
 * @template T
 * @param {string[]} pids
 * @param {() => Promise<T>} fn
 * @returns {Promise<[T, string]>}
 */
async function withCpu(pids, fn) {
  const tally = new CpuTally();
  const stop = tally.start(pids);
  const result = await fn();
  stop();
  return [result, String(tally)];
}

/**
 * Starts a Miniflare instance and finds the workerd process it started.
 * @param {ConstructorParameters<typeof Miniflare>[0]} options
 * @returns {Promise<{ mf: Miniflare, url: URL, pids: string[] }>}
 */
async function startMiniflare(options) {
  const before = new Set(workerdPids());
  const mf = new Miniflare(options);
  const url = await mf.ready;
  return { mf, url, pids: workerdPids().filter((pid) => !before.has(pid)) };
}

/**
 * Runs autocannon against one URL and returns its summary.
 * @param {string} url
 * @param {{ method?: string, body?: Uint8Array | string, headers?: Record<string, string>,
 *   perConnection?: (context: Record<string, any>) => Record<string, string> }} req
 *   `perConnection` gives each request extra headers from its connection's own context
 *   (autocannon sends a connection's requests one after another)
 * @param {number} [seconds]
 * @returns {Promise<{ rps: number, p50: number, p99: number, errors: number, total: number }>}
 */
async function cannon(url, req, seconds = SECONDS) {
  /** @type {any} */
  const opts = {
    url,
    connections: CONNECTIONS,
    duration: seconds,
    method: req.method ?? "GET",
    headers: req.headers ?? {},
  };
  if (req.body !== undefined) {
    opts.body = typeof req.body === "string" ? req.body : Buffer.from(req.body);
  }
  const perConnection = req.perConnection;
  if (perConnection !== undefined) {
    // Each connection (autocannon's client) keeps its own context, and sets its next
    // request's headers as it sends it. (A `setupRequest` context would not do: autocannon
    // clears it each time a connection comes back to the first of its `requests`.)
    const { headers } = opts;
    /** @param {any} client */
    opts.setupClient = (client) => {
      /** @type {Record<string, any>} */
      const context = {};
      client.on("request", () => client.setHeaders({ ...headers, ...perConnection(context) }));
    };
  }
  const r = await autocannon(opts);
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts + r.non2xx,
    total: r.requests.total,
  };
}

/**
 * Bundles the worker offline with `wrangler deploy --dry-run` and returns the main module.
 * @param {string} outdir
 * @returns {string} path of the bundled entry module
 */
function bundle(outdir) {
  execFileSync(
    join(ROOT, "node_modules", ".bin", "wrangler"),
    ["deploy", "--dry-run", "--outdir", outdir],
    {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "inherit"],
      env: {
        ...process.env,
        CI: "true",
        WRANGLER_SEND_METRICS: "false",
        WRANGLER_SEND_ERROR_REPORTS: "false",
      },
    },
  );
  const entry = readdirSync(outdir).find((f) => f.endsWith(".js"));
  if (!entry) throw new Error(`No bundled module in ${outdir}`);
  return join(outdir, entry);
}

/**
 * Reads the Durable Object binding and class name from wrangler.toml.
 * @returns {{ binding: string, className: string, vars: Record<string, string> }}
 */
function doBinding() {
  const toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
  const section = toml.split(/\[\[durable_objects\.bindings\]\]/)[1] ?? "";
  const binding = /^\s*name\s*=\s*"([^"]+)"/m.exec(section)?.[1];
  const className = /^\s*class_name\s*=\s*"([^"]+)"/m.exec(section)?.[1];
  if (!binding || !className) throw new Error("No Durable Object binding in wrangler.toml");
  /** @type {Record<string, string>} */
  const vars = {};
  const varsSection = /^\[vars\]\s*\n([\s\S]*?)(?:^\[|$(?![\s\S]))/m.exec(toml)?.[1] ?? "";
  for (const m of varsSection.matchAll(/^\s*([A-Za-z_][\w]*)\s*=\s*"?([^"\n]*)"?\s*$/gm)) {
    vars[/** @type {string} */ (m[1])] = /** @type {string} */ (m[2]);
  }
  return { binding, className, vars };
}

/**
 * Formats a number with thousands separators.
 * @param {number} n
 * @param {number} [digits]
 * @returns {string}
 */
const fmt = (n, digits = 0) =>
  n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

/**
 * Starts a baseline worker (its object class is `Noop`, bound as `NOOP`) and warms it up.
 * @param {string} script the worker's module
 * @returns {Promise<{ mf: Miniflare, url: URL, pids: string[] }>}
 */
async function startBaseline(script) {
  const started = await startMiniflare({
    modules: true,
    script,
    compatibilityDate: COMPAT_DATE,
    durableObjects: { NOOP: { className: "Noop", useSQLite: true } },
    cf: false,
    host: "127.0.0.1",
    port: 0,
  });
  const warm = await fetch(new URL("/", started.url), { method: "POST", body: RECORD });
  await warm.arrayBuffer();
  return started;
}

/**
 * @typedef {{ name: string, unit: string, url: string, pids: string[],
 *   req: Parameters<typeof cannon>[1] }}
 *   RatePhase
 */

/**
 * Runs the phases in turn, `ROUNDS` times, `SECONDS / ROUNDS` seconds each, and returns one row
 * per phase; the first phase is the baseline of the ratios.
 * @param {RatePhase[]} phases
 * @returns {Promise<Row[]>}
 */
async function interleaved(phases) {
  const seconds = SECONDS / ROUNDS;
  /** @type {{ rps: number, p50: number, p99: number, errors: number }[][]} */
  const results = phases.map(() => []);
  const tallies = phases.map(() => new CpuTally());
  for (let round = 0; round < ROUNDS; round++) {
    // Every other round runs the phases in reverse order: no phase always follows another
    // (a checkpoint of SQLite's WAL, or a garbage collection, that one phase leaves behind
    // falls on each of its neighbours alike).
    const order = [...phases.entries()];
    if (round % 2 === 1) order.reverse();
    for (const [i, phase] of order) {
      const stop = /** @type {CpuTally} */ (tallies[i]).start(phase.pids);
      const r = await cannon(phase.url, phase.req, seconds);
      stop();
      /** @type {(typeof results)[number]} */ (results[i]).push(r);
    }
    console.log(
      `round ${round + 1}/${ROUNDS}: ` +
        phases.map((p, i) => `${p.name} ${fmt(results[i]?.at(-1)?.rps ?? 0)}/s`).join(", "),
    );
  }
  const base = /** @type {(typeof results)[number]} */ (results[0]);
  return phases.map((phase, i) => {
    const rounds = /** @type {(typeof results)[number]} */ (results[i]);
    return {
      name: phase.name,
      rate: rounds.reduce((sum, r) => sum + r.rps, 0) / rounds.length,
      unit: phase.unit,
      p50: median(rounds.map((r) => r.p50)),
      p99: median(rounds.map((r) => r.p99)),
      errors: rounds.reduce((sum, r) => sum + r.errors, 0),
      cpu: String(tallies[i]),
      ratio: median(rounds.map((r, k) => r.rps / (base[k]?.rps ?? NaN))),
      rounds: rounds.map((r) => r.rps),
      note: `rounds vs no-op: ${
        rounds.map((r, k) => `${fmt((100 * r.rps) / (base[k]?.rps ?? NaN))}%`).join(" ")
      }`,
    };
  });
}

/**
 * The median of some numbers.
 * @param {number[]} values
 * @returns {number}
 */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? /** @type {number} */ (sorted[mid])
    : (/** @type {number} */ (sorted[mid - 1]) + /** @type {number} */ (sorted[mid])) / 2;
}

/**
 * Prints the table of figures.
 * @param {Row[]} rows
 */
function printTable(rows) {
  const head = [
    "measurement",
    "rate",
    "unit",
    "vs no-op",
    "p50 ms",
    "p99 ms",
    "errors",
    "CPU",
    "note",
  ];
  const body = rows.map((r) => [
    r.name,
    fmt(r.rate),
    r.unit,
    r.ratio !== undefined ? `${fmt(100 * r.ratio, 1)}%` : "",
    fmt(r.p50, 1),
    fmt(r.p99, 1),
    String(r.errors),
    r.cpu ?? "",
    r.note ?? "",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? "").length)));
  const line = (/** @type {string[]} */ cells) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const b of body) console.log(line(b));
}

/**
 * Measures batches of 100 against the edgelog worker.
 * @param {string} base the worker's base URL
 * @param {string[]} pids its workerd process
 * @returns {Promise<Row>}
 */
async function batchPhase(base, pids) {
  const name = `bench/batch-${Date.now().toString(36)}`;
  await appendBatch(base, name, [RECORD]);
  const records = Array.from({ length: BATCH }, () => RECORD);
  const b = batchRequest(base, name, records);
  const [r, cpu] = await withCpu(
    pids,
    () => cannon(b.url, { method: "POST", body: b.body, headers: b.headers }),
  );
  return {
    name: `batched appends (${BATCH}/request)`,
    rate: r.rps * BATCH,
    unit: "records/s",
    p50: r.p50,
    p99: r.p99,
    errors: r.errors,
    note: `${fmt(r.rps)} requests/s`,
    cpu,
  };
}

/**
 * Percentile of a sorted array.
 * @param {Float64Array} sorted
 * @param {number} p 0..100
 * @returns {number}
 */
function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return /** @type {number} */ (sorted[Math.max(0, i)]);
}

/**
 * Connects `tails` WebSocket tails to one log, appends single records from 4 concurrent
 * writers for a fixed time, and measures delivery to every tail.
 * @param {string} base the worker's base URL
 * @param {string[]} pids its workerd process
 * @param {number} tails
 * @param {boolean} deflate whether the clients offer permessage-deflate
 * @returns {Promise<Row>}
 */
async function tailPhase(base, pids, tails, deflate) {
  const name = `bench/tails-${tails}-${Date.now().toString(36)}`;
  const first = await append(base, name, new Uint8Array([0]));
  const wsBase = base.replace(/^http/, "ws");
  const latencies = new Float64Array(tails * 20_000);
  let delivered = 0;
  let lastDelivery = 0;
  /** per tail: offsets received, in order and without gap from `from` */
  const counts = new Int32Array(tails);
  const broken = new Int32Array(tails);
  const from = first + 1;
  /** @type {{ close(): void, closed: Promise<void> }[]} */
  const sockets = [];
  const tc = performance.now();
  for (let i = 0; i < tails; i += 100) {
    const group = [];
    for (let j = i; j < Math.min(tails, i + 100); j++) {
      group.push(openTail(
        wsBase,
        name,
        from,
        (r) => {
          const now = performance.now();
          if (r.offset !== from + (counts[j] ?? 0)) broken[j] = 1;
          counts[j] = (counts[j] ?? 0) + 1;
          if (r.data.byteLength >= 12 && delivered < latencies.length) {
            const dv = new DataView(r.data.buffer, r.data.byteOffset, r.data.byteLength);
            latencies[delivered] = now - dv.getFloat64(4);
          }
          delivered++;
          lastDelivery = now;
        },
        undefined,
        { perMessageDeflate: deflate },
      ));
    }
    sockets.push(...(await Promise.all(group)));
  }
  const connectMs = performance.now() - tc;

  let appended = 0;
  let failed = 0;
  const cpu = new CpuTally();
  const stopCpu = cpu.start(pids);
  const t0 = performance.now();
  const stopAt = t0 + TAIL_APPEND_MS;
  let seq = 0;
  const writer = async () => {
    while (performance.now() < stopAt) {
      const data = new Uint8Array(64);
      // The record carries its sequence number and the time it was sent.
      const dv = new DataView(data.buffer);
      dv.setUint32(0, seq++);
      dv.setFloat64(4, performance.now());
      try {
        await append(base, name, data);
        appended++;
      } catch {
        failed++;
      }
    }
  };
  await Promise.all([writer(), writer(), writer(), writer()]);
  const appendEnd = performance.now();
  const expected = appended * tails;
  const deadline = performance.now() + 30_000;
  while (delivered < expected && performance.now() < deadline) {
    await new Promise((ok) => setTimeout(ok, 50));
  }
  stopCpu();
  for (const s of sockets) s.close();
  await Promise.race([
    Promise.all(sockets.map((s) => s.closed)),
    new Promise((ok) => setTimeout(ok, 5_000)),
  ]);
  let complete = 0;
  for (let j = 0; j < tails; j++) if (counts[j] === appended && !broken[j]) complete++;
  const n = Math.min(delivered, latencies.length);
  const lat = latencies.slice(0, n).filter((x) => x > 0).sort();
  const span = (lastDelivery - t0) / 1000;
  return {
    name: `WebSocket delivery, ${tails} tails, ${deflate ? "deflate" : "no compression"}`,
    rate: appended / span,
    unit: "records/s",
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    errors: failed,
    note: `${fmt(delivered)}/${fmt(expected)} deliveries (${fmt(delivered / span)}/s); ` +
      `${complete}/${tails} tails got every record in order; ` +
      `appends ${fmt(appended / ((appendEnd - t0) / 1000))}/s; connect ${fmt(connectMs)} ms`,
    cpu: String(cpu),
  };
}

async function main() {
  const t0 = performance.now();
  console.log(
    `edgelog load: Miniflare on 127.0.0.1, autocannon -c ${CONNECTIONS}, ${SECONDS} s per ` +
      `phase (rate phases interleaved in ${ROUNDS} rounds), ${RECORD.length}-byte records, ` +
      `node ${process.version}`,
  );
  /** @type {Row[]} */
  const rows = [];
  /** @type {{ mf: Miniflare, url: URL, pids: string[] }[]} */
  const started = [];
  /** The producers the producer's phase named: one per connection and round. */
  let producersStarted = 0;
  /** The producers of the phase with a new producer per append. */
  let freshProducers = 0;
  const outdir = mkdtempSync(join(tmpdir(), "edgelog-load-"));
  try {
    const noop = await startBaseline(NOOP_WORKER);
    started.push(noop);
    const durable = await startBaseline(DURABLE_WORKER);
    started.push(durable);
    /** @type {RatePhase[]} */
    const phases = [
      {
        name: "no-op DO round trip",
        unit: "req/s",
        url: new URL("/", noop.url).href,
        pids: noop.pids,
        req: { method: "POST", body: RECORD },
      },
      {
        name: "durable no-op (INSERT, group commit)",
        unit: "req/s",
        url: new URL("/", durable.url).href,
        pids: durable.pids,
        req: { method: "POST", body: RECORD },
      },
    ];
    const hasWorker = existsSync(join(ROOT, "wrangler.toml"));
    /** @type {{ base: string, pids: string[] } | undefined} */
    let edgelog;
    if (hasWorker) {
      const { binding, className, vars } = doBinding();
      const worker = await startMiniflare({
        modules: true,
        scriptPath: bundle(outdir),
        modulesRoot: outdir,
        compatibilityDate: COMPAT_DATE,
        // No AUTH_SECRET here: open development mode, as `npm start` without a secret.
        bindings: { ...vars, EDGELOG_OPEN_DEV: "true" },
        durableObjects: { [binding]: { className, useSQLite: true } },
        cf: false,
        host: "127.0.0.1",
        port: 0,
      });
      started.push(worker);
      edgelog = { base: worker.url.origin, pids: worker.pids };
      const name = `bench/single-${Date.now().toString(36)}`;
      await append(edgelog.base, name, RECORD); // create and warm up
      const single = recordsUrl(edgelog.base, name);
      /**
       * A phase of single-record appends to the log `name`, each request with the extra
       * headers `perConnection` gives it, if any.
       * @param {string} phase
       * @param {((context: Record<string, any>) => Record<string, string>)} [perConnection]
       * @returns {RatePhase}
       */
      const singleAppends = (phase, perConnection) => ({
        name: phase,
        unit: "appends/s",
        url: single.url,
        pids: worker.pids,
        req: { method: "POST", body: RECORD, headers: single.headers, perConnection },
      });
      phases.push(singleAppends("single-record appends"));
      // The same appends, each naming its producer: one producer per connection, its seq
      // counted by the connection (a run's producers are new: the ids carry the run).
      const run = Date.now().toString(36);
      phases.push(singleAppends("single-record appends with a producer", (context) => {
        context.id ??= `load-${run}-${producersStarted++}`;
        context.seq = context.seq === undefined ? 0 : context.seq + 1;
        return producerHeaders({ id: context.id, epoch: 0, seq: context.seq });
      }));
      // Each append from a producer the log has not seen (a short-lived client's first):
      // each stores a state and, once the log keeps 10,000, prunes the least recently used.
      phases.push(singleAppends(
        "single-record appends, a new producer each",
        () => producerHeaders({ id: `load-${run}-new-${freshProducers++}`, epoch: 0, seq: 0 }),
      ));
    } else {
      console.log("no wrangler.toml: the worker is not there yet, only the baselines run");
    }
    for (const row of await interleaved(phases)) {
      rows.push(row);
      console.log(`${row.name}: ${fmt(row.rate)} ${row.unit}; ${row.cpu}`);
    }
    if (edgelog !== undefined) {
      // The append session's phase lives in its own file (bench/session_load.mjs).
      const { sessionPhase } = await import("./session_load.mjs");
      const durable = rows.find((r) => r.name.startsWith("durable no-op"));
      const session = await sessionPhase(edgelog.base, edgelog.pids, {
        seconds: SECONDS,
        record: RECORD,
        durable,
        withCpu,
      });
      rows.push(session);
      console.log(`${session.name}: ${fmt(session.rate)} ${session.unit}; ${session.note}`);
      const batch = await batchPhase(edgelog.base, edgelog.pids);
      rows.push(batch);
      console.log(`${batch.name}: ${fmt(batch.rate)} ${batch.unit}; ${batch.cpu}`);
      for (const deflate of [true, false]) {
        for (const tails of [100, 1000]) {
          const row = await tailPhase(edgelog.base, edgelog.pids, tails, deflate);
          rows.push(row);
          console.log(`${row.name}: ${fmt(row.rate)} ${row.unit}; ${row.note}; ${row.cpu}`);
        }
      }
    }
  } finally {
    for (const { mf } of started) await mf.dispose();
    rmSync(outdir, { recursive: true, force: true });
  }
  console.log("");
  printTable(rows);
  const durable = /** @type {Row} */ (rows[1]);
  const single = rows.find((r) => r.name === "single-record appends");
  const produced = rows.find((r) => r.name === "single-record appends with a producer");
  const batched = rows.find((r) => r.name.startsWith("batched"));
  const t1000 = rows.filter((r) => r.name.includes(" 1000 tails"));
  console.log("");
  console.log("targets:");
  if (single?.ratio !== undefined && durable.ratio !== undefined) {
    const ratio = single.ratio;
    console.log(
      `  single appends >= 80% of no-op: ${fmt(100 * ratio, 1)}% ` +
        `${ratio >= 0.8 ? "MET" : "NOT MET"} ` +
        `(the durable no-op: ${fmt(100 * durable.ratio, 1)}% of no-op)`,
    );
  }
  if (single?.rounds !== undefined && produced?.rounds !== undefined) {
    // Round by round: the two phases ran one after the other in each round.
    const ratio = median(
      (produced.rounds ?? []).map((rps, k) => rps / (single.rounds?.[k] ?? NaN)),
    );
    console.log(
      `  appends with a producer >= 90% of without: ${fmt(100 * ratio, 1)}% ` +
        `${ratio >= 0.9 ? "MET" : "NOT MET"} (${produced.errors} errors; ` +
        `${fmt(producersStarted)} producers, one per connection and round)`,
    );
  }
  const fresh = rows.find((r) => r.name === "single-record appends, a new producer each");
  if (single?.rounds !== undefined && fresh?.rounds !== undefined) {
    const ratio = median((fresh.rounds ?? []).map((rps, k) => rps / (single.rounds?.[k] ?? NaN)));
    console.log(
      `  (not a target) appends, each from a new producer, vs without: ${fmt(100 * ratio, 1)}% ` +
        `(${fresh.errors} errors; ${fmt(freshProducers)} producers; the log keeps 10,000)`,
    );
  }
  if (batched) {
    console.log(
      `  batched >= 100,000 records/s: ${fmt(batched.rate)} ` +
        `${batched.rate >= 100_000 ? "MET" : "NOT MET"}`,
    );
  }
  for (const row of t1000) {
    const all = /^[\s\S]*; (\d+)\/(\d+) tails got every record/.exec(row.note ?? "");
    console.log(
      `  1000 tails all receive every record (${row.name.split(", ").at(-1)}): ` +
        `${all?.[1]}/${all?.[2]} ${all && all[1] === all[2] ? "MET" : "NOT MET"}`,
    );
  }
  console.log(`total ${fmt((performance.now() - t0) / 1000, 1)} s`);
}

await main();
