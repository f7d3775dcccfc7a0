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
 * 4. WebSocket delivery to 100 and to 1000 connected tails, held by `LOAD_TAIL_PROCESSES` (2)
 *    child processes (`bench/tail_clients.mjs`): records/s and deliveries/s (records times
 *    tails), the records per frame, p50/p99 append-to-delivery latency, and whether every
 *    tail received every record. Each is run twice: with the clients offering
 *    permessage-deflate (as `ws` and browsers do by default; the note says what the server
 *    agreed to: edgelog declines it, a tree from before accepted it, and then every frame was
 *    compressed per socket and inflated by each client) and without the offer;
 * 5. the Durable Streams reference server (`@durable-streams/server`, run by
 *    `bench/reference_server.mjs` in a process of its own), in memory and file-backed (a
 *    log file and an fdatasync per append): its single appends of the same 64-byte record,
 *    interleaved with edgelog's at the same concurrency, and swept over `SWEEP_CONNECTIONS`
 *    to find the concurrency that serves it best.
 *
 * Each phase also reports the CPU time used by the load generator (this process: autocannon or
 * the tails' writers; and the tail clients' processes) and by the server (workerd, Miniflare's
 * runtime, which runs the Worker and the Durable Object; or the reference server's process),
 * as a share of one core over the phase (Linux only, from /proc): on a small machine either
 * side can be the one that limits.
 *
 * The request-rate phases (no-op, durable no-op, single appends without a producer, with one
 * producer per connection, and each from a new producer, and the reference server's appends in
 * memory and file-backed) run interleaved: the machine is shared, and its load drifts over a
 * minute, so each phase gets `LOAD_ROUNDS` (5) windows of `LOAD_SECONDS / LOAD_ROUNDS`
 * seconds, taken in turn (every other round in reverse order), and each ratio is the median
 * of the ratios within each round. Rates are the mean over the rounds; p50 and p99 the median
 * of the rounds' values.
 *
 * Usage: `npm run bench:load` (= `node bench/load.mjs`). `LOAD_SECONDS` sets the length of each
 * HTTP phase (default 10, as `autocannon -c 10 -d 10`); `LOAD_ROUNDS` the number of rounds;
 * `LOAD_ONLY` the parts to run (`rates,session,batch,tails,sweep`); `LOAD_TAILS` the tail counts
 * (`100,1000`); `LOAD_TAIL_PROCESSES` the processes holding the tails (2);
 * `LOAD_TAIL_WRITERS` the writers of a tail phase (4); `LOAD_TAIL_MS` how long they append
 * (4000); `LOAD_COMPARE_ROOT` another edgelog tree whose worker runs each tail
 * phase too, in the same run (e.g. `/work/main`, to compare before and after a change).
 *
 * @module
 */
import { CostLedger } from "./cost.mjs";
import { median } from "./median.mjs";
import autocannon from "autocannon";
import { execFileSync, fork, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import {
  append,
  appendBatch,
  batchRequest,
  producerHeaders,
  recordsUrl,
} from "../test/e2e/client.mjs";
import { bucketLatency, LATENCY_BUCKETS, now } from "./tail_clients.mjs";

const ROOT = process.env.EDGELOG_ROOT ?? resolve(fileURLToPath(new URL("..", import.meta.url)));
const SECONDS = Number(process.env.LOAD_SECONDS ?? 10);
const ROUNDS = Number(process.env.LOAD_ROUNDS ?? 5);
const CONNECTIONS = 10;
const COMPAT_DATE = "2026-04-01";
/** The record of the single-append phases (and the no-op's request body): 64 bytes. */
const RECORD = new Uint8Array(64).map((_, i) => (i * 37) & 0xff);
/** Records per request in the batched phase. */
const BATCH = 100;
/**
 * How many writers append to the log of a tail phase, each one record at a time
 * (`LOAD_TAIL_WRITERS`, default 4).
 */
const TAIL_WRITERS = Number(process.env.LOAD_TAIL_WRITERS ?? 4);
/**
 * How many child processes hold the tails of a tail phase (`LOAD_TAIL_PROCESSES`, default 2):
 * out of the event loop of the writers, whose round trips would otherwise wait behind 1000
 * sockets' messages.
 */
const TAIL_PROCESSES = Number(process.env.LOAD_TAIL_PROCESSES ?? 2);
/** How long the append load of each tail phase lasts (ms). */
const TAIL_APPEND_MS = Number(process.env.LOAD_TAIL_MS ?? 4_000);
/**
 * The parts to run (`LOAD_ONLY`, comma-separated): `rates` (the interleaved request-rate
 * phases, the reference server's among them), `session` (one append session, pipelined),
 * `batch`, `tails`, `sweep` (the reference
 * server at several concurrencies), `streams` (bench/streams_load.mjs: edgelog's `/v1/stream`
 * against the reference server, appends and reads). Default: all.
 */
const ONLY = new Set(
  (process.env.LOAD_ONLY ?? "rates,session,batch,tails,sweep,streams").split(","),
);
/** How many tails each tail phase connects (`LOAD_TAILS`, comma-separated). */
const TAIL_COUNTS = (process.env.LOAD_TAILS ?? "100,1000").split(",").map(Number);
/**
 * Another edgelog tree (`LOAD_COMPARE_ROOT`, e.g. `/work/main`): its worker is bundled and
 * started too, and each tail phase runs on both, one after the other, in the same run.
 */
const COMPARE_ROOT = process.env.LOAD_COMPARE_ROOT;
/** The concurrencies at which the reference server's single appends are swept. */
const SWEEP_CONNECTIONS = [1, 10, 50, 100];

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
 *   errors: number, note?: string, cpu?: string, ratio?: number, rounds?: number[],
 *   serverCpuUs?: number }} Row `serverCpuUs`: the server's CPU time per request (µs)
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

/** CPU time (ms) used by the load generator and by the server, and the wall time it took. */
class CpuTally {
  wall = 0;
  generator = 0;
  workerd = 0;
  /**
   * @param {string} [server] what the server processes are: workerd, or the reference server
   */
  constructor(server = "workerd") {
    this.server = server;
  }
  /**
   * Starts a measurement; the returned function ends it and adds it to the tally.
   * @param {string[]} pids the server processes to count
   * @param {string[]} [generatorPids] processes of the load generator besides this one
   * @returns {() => void}
   */
  start(pids, generatorPids = []) {
    const wall0 = performance.now();
    const self0 = process.cpuUsage();
    const workerd0 = processCpuMs(pids);
    const children0 = processCpuMs(generatorPids);
    return () => {
      this.wall += performance.now() - wall0;
      const self = process.cpuUsage(self0);
      this.generator += (self.user + self.system) / 1000 +
        processCpuMs(generatorPids) - children0;
      this.workerd += pids.length === 0 ? NaN : processCpuMs(pids) - workerd0;
    };
  }
  /** @returns {string} e.g. "load generator 93% / workerd 101% of a core" */
  toString() {
    const gen = `load generator ${fmt((100 * this.generator) / this.wall)}%`;
    if (Number.isNaN(this.workerd)) return gen;
    return `${gen} / ${this.server} ${fmt((100 * this.workerd) / this.wall)}% of a core`;
  }
}

/**
 * Measures the CPU of this process and of the workerd processes `pids` during `fn`.
 * @template T
 * @param {string[]} pids
 * @param {() => Promise<T>} fn
 * @param {string} [server] what the processes `pids` are
 * @returns {Promise<[T, string]>}
 */
async function withCpu(pids, fn, server = "workerd") {
  const tally = new CpuTally(server);
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
 *   perConnection?: (context: Record<string, any>) => Record<string, string>,
 *   connections?: number }} req
 *   `perConnection` gives each request extra headers from its connection's own context
 *   (autocannon sends a connection's requests one after another); `connections` defaults to
 *   `CONNECTIONS`
 * @param {number} [seconds]
 * @returns {Promise<{ rps: number, p50: number, p99: number, errors: number, total: number }>}
 */
async function cannon(url, req, seconds = SECONDS) {
  /** @type {any} */
  const opts = {
    url,
    connections: req.connections ?? CONNECTIONS,
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
 * Bundles the worker of the tree `root` offline with `wrangler deploy --dry-run` and returns
 * the main module.
 * @param {string} root
 * @param {string} outdir
 * @returns {string} path of the bundled entry module
 */
function bundle(root, outdir) {
  execFileSync(
    join(ROOT, "node_modules", ".bin", "wrangler"),
    ["deploy", "--dry-run", "--outdir", outdir],
    {
      cwd: root,
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
 * Reads the Durable Object binding and class name from the wrangler.toml of the tree `root`.
 * @param {string} root
 * @returns {{ binding: string, className: string, vars: Record<string, string> }}
 */
function doBinding(root) {
  const toml = readFileSync(join(root, "wrangler.toml"), "utf8");
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
 *   req: Parameters<typeof cannon>[1], server?: string,
 *   window?: { before(): Promise<void>, after(seconds: number): Promise<void> } }}
 *   RatePhase `server` names the processes `pids` in the CPU figures (default workerd);
 *   `window` runs before and after each of the phase's windows (its counts, bench/cost.mjs)
 */

/**
 * Runs the phases in turn, `ROUNDS` times, `SECONDS / ROUNDS` seconds each, and returns one row
 * per phase; the first phase is the baseline of the ratios.
 * @param {RatePhase[]} phases
 * @returns {Promise<Row[]>}
 */
async function interleaved(phases) {
  const seconds = SECONDS / ROUNDS;
  /** @type {{ rps: number, p50: number, p99: number, errors: number, total: number }[][]} */
  const results = phases.map(() => []);
  const tallies = phases.map((phase) => new CpuTally(phase.server));
  for (let round = 0; round < ROUNDS; round++) {
    // Every other round runs the phases in reverse order: no phase always follows another
    // (a checkpoint of SQLite's WAL, or a garbage collection, that one phase leaves behind
    // falls on each of its neighbours alike).
    const order = [...phases.entries()];
    if (round % 2 === 1) order.reverse();
    for (const [i, phase] of order) {
      await phase.window?.before();
      const stop = /** @type {CpuTally} */ (tallies[i]).start(phase.pids);
      const r = await cannon(phase.url, phase.req, seconds);
      stop();
      await phase.window?.after(seconds);
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
    const tally = /** @type {CpuTally} */ (tallies[i]);
    const requests = rounds.reduce((sum, r) => sum + r.total, 0);
    return {
      name: phase.name,
      serverCpuUs: (1000 * tally.workerd) / requests,
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
      }; ${tally.server} CPU ${fmt((1000 * tally.workerd) / requests)} µs per request`,
    };
  });
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
 * @param {CostLedger} [ledger] takes the log's counts before and after
 * @returns {Promise<Row>}
 */
async function batchPhase(base, pids, ledger) {
  const name = `bench/batch-${Date.now().toString(36)}`;
  await appendBatch(base, name, [RECORD]);
  await ledger?.before(name);
  const records = Array.from({ length: BATCH }, () => RECORD);
  const b = batchRequest(base, name, records);
  const [r, cpu] = await withCpu(
    pids,
    () => cannon(b.url, { method: "POST", body: b.body, headers: b.headers }),
  );
  await ledger?.after(`batched appends (${BATCH}/request)`, name, { seconds: SECONDS });
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
 * The latency (ms) at percentile `p` of a histogram of `LATENCY_BUCKETS`.
 * @param {Int32Array} histogram
 * @param {number} p 0..100
 * @returns {number}
 */
function histogramPercentile(histogram, p) {
  let total = 0;
  for (const n of histogram) total += n;
  if (total === 0) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (let bucket = 0; bucket < histogram.length; bucket++) {
    seen += histogram[bucket] ?? 0;
    if (seen >= rank) return bucketLatency(bucket);
  }
  return NaN;
}

/**
 * The tail clients of a phase: `TAIL_PROCESSES` child processes (`bench/tail_clients.mjs`),
 * each with its share of the tails.
 */
class TailClients {
  /** @type {import("node:child_process").ChildProcess[]} */
  children = [];
  /** @type {{ delivered: number, lastDelivery: number }[]} */
  progress = [];
  /**
   * Opens the tails.
   * @param {{ wsBase: string, name: string, from: number, tails: number, deflate: boolean }} job
   * @returns {Promise<string>} the extensions the first socket negotiated
   */
  async open(job) {
    const processes = Math.max(1, Math.min(TAIL_PROCESSES, job.tails));
    const opened = [];
    for (let k = 0; k < processes; k++) {
      const tails = Math.floor(job.tails / processes) + (k < job.tails % processes ? 1 : 0);
      const child = fork(join(ROOT, "bench", "tail_clients.mjs"), [], {
        serialization: "advanced",
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      });
      this.children.push(child);
      this.progress.push({ delivered: 0, lastDelivery: 0 });
      child.on("message", (/** @type {any} */ message) => {
        if (message?.type === "progress") this.progress[k] = message;
      });
      opened.push(this.#next(child, "open"));
      child.send({ type: "open", ...job, tails });
    }
    const answers = await Promise.all(opened);
    return answers[0]?.extensions ?? "none";
  }
  /** The process ids of the clients (for their CPU time). */
  get pids() {
    return this.children.flatMap((c) => (c.pid === undefined ? [] : [String(c.pid)]));
  }
  /** Deliveries so far. */
  get delivered() {
    return this.progress.reduce((sum, p) => sum + p.delivered, 0);
  }
  /**
   * Closes the tails and sums up what they received.
   * @param {number} appended the records each tail should have received
   */
  async stop(appended) {
    const done = this.children.map((child) => this.#next(child, "done"));
    for (const child of this.children) child.send({ type: "stop", appended });
    const answers = await Promise.all(done);
    const histogram = new Int32Array(LATENCY_BUCKETS);
    let delivered = 0;
    let frames = 0;
    let complete = 0;
    let lastDelivery = 0;
    for (const a of answers) {
      delivered += a.delivered;
      frames += a.frames;
      complete += a.complete;
      lastDelivery = Math.max(lastDelivery, a.lastDelivery);
      a.histogram.forEach((/** @type {number} */ n, /** @type {number} */ i) => {
        histogram[i] = (histogram[i] ?? 0) + n;
      });
    }
    return { delivered, frames, complete, lastDelivery, histogram };
  }
  /** Ends the processes that are left (after an error). */
  kill() {
    for (const child of this.children) if (child.exitCode === null) child.kill();
  }
  /**
   * The next message of `type` from `child`.
   * @param {import("node:child_process").ChildProcess} child
   * @param {string} type
   * @returns {Promise<any>}
   */
  #next(child, type) {
    return new Promise((resolve, reject) => {
      /** @param {any} message */
      const onMessage = (message) => {
        if (message?.type !== type) return;
        child.off("message", onMessage);
        resolve(message);
      };
      child.on("message", onMessage);
      child.once("exit", (code) => reject(new Error(`tail clients exited (${code})`)));
    });
  }
}

/**
 * Connects `tails` WebSocket tails to one log (in `TAIL_PROCESSES` child processes), appends
 * single records from `TAIL_WRITERS` concurrent writers for a fixed time, and measures
 * delivery to every tail.
 * @param {string} base the worker's base URL
 * @param {string[]} pids its workerd process
 * @param {number} tails
 * @param {boolean} deflate whether the clients offer permessage-deflate
 * @param {CostLedger} [ledger] takes the log's counts before and after (the tails' upgrades
 *   included)
 * @returns {Promise<Row>}
 */
async function tailPhase(base, pids, tails, deflate, ledger) {
  const name = `bench/tails-${tails}-${Date.now().toString(36)}`;
  const first = await append(base, name, new Uint8Array([0]));
  await ledger?.before(name);
  const from = first + 1;
  const clients = new TailClients();
  try {
    const tc = performance.now();
    const negotiated = await clients.open({
      wsBase: base.replace(/^http/, "ws"),
      name,
      from,
      tails,
      deflate,
    });
    const connectMs = performance.now() - tc;

    let appended = 0;
    let failed = 0;
    const cpu = new CpuTally();
    const stopCpu = cpu.start(pids, clients.pids);
    const t0 = now();
    const stopAt = t0 + TAIL_APPEND_MS;
    let seq = 0;
    const writer = async () => {
      while (now() < stopAt) {
        const data = new Uint8Array(64);
        // The record carries its sequence number and the time it was sent.
        const dv = new DataView(data.buffer);
        dv.setUint32(0, seq++);
        dv.setFloat64(4, now());
        try {
          await append(base, name, data);
          appended++;
        } catch {
          failed++;
        }
      }
    };
    await Promise.all(Array.from({ length: TAIL_WRITERS }, writer));
    const appendEnd = now();
    const expected = appended * tails;
    const deadline = now() + 30_000;
    while (clients.delivered < expected && now() < deadline) {
      await new Promise((ok) => setTimeout(ok, 50));
    }
    stopCpu();
    const { delivered, frames, complete, lastDelivery, histogram } = await clients.stop(appended);
    const span = (lastDelivery - t0) / 1000;
    await ledger?.after(`${tails} tails, ${deflate ? "deflate offered" : "no compression"}`, name, {
      seconds: span,
    });
    return {
      name: `WebSocket delivery, ${tails} tails, ${
        deflate ? "deflate offered" : "no compression offered"
      }`,
      rate: appended / span,
      unit: "records/s",
      p50: histogramPercentile(histogram, 50),
      p99: histogramPercentile(histogram, 99),
      errors: failed,
      note: `${fmt(delivered)}/${fmt(expected)} deliveries (${fmt(delivered / span)}/s) ` +
        `in ${fmt(frames)} frames (${fmt(delivered / frames, 1)} records each); ` +
        `${complete}/${tails} tails got every record in order; ` +
        `appends ${fmt(appended / ((appendEnd - t0) / 1000))}/s; connect ${fmt(connectMs)} ms; ` +
        `extensions: ${negotiated}`,
      cpu: `${cpu}; per 1000 deliveries: load generator ` +
        `${fmt((1000 * cpu.generator) / delivered, 1)} ms, ` +
        `workerd ${fmt((1000 * cpu.workerd) / delivered, 1)} ms`,
    };
  } finally {
    clients.kill();
  }
}

/**
 * Bundles and starts the edgelog worker of the tree `root` and warms up one log.
 * @param {string} root
 * @param {string} outdir where the bundle goes
 * @returns {Promise<{ mf: Miniflare, url: URL, pids: string[], base: string }>}
 */
export async function startEdgelog(root, outdir) {
  const { binding, className, vars } = doBinding(root);
  const worker = await startMiniflare({
    modules: true,
    scriptPath: bundle(root, outdir),
    modulesRoot: outdir,
    compatibilityDate: COMPAT_DATE,
    // No AUTH_SECRET here: open development mode, as `npm start` without a secret.
    bindings: { ...vars, EDGELOG_OPEN_DEV: "true" },
    durableObjects: { [binding]: { className, useSQLite: true } },
    cf: false,
    host: "127.0.0.1",
    port: 0,
  });
  return { ...worker, base: worker.url.origin };
}

/** The media type of the reference server's stream (its appends must name it). */
const REFERENCE_CONTENT_TYPE = "application/octet-stream";

/**
 * Starts the Durable Streams reference server in a child process (`bench/reference_server.mjs`)
 * and creates one stream on it.
 * @param {"memory" | "file"} mode in memory, or file-backed (log files, fdatasync per append)
 * @returns {Promise<{ url: string, pids: string[], stop(): Promise<void> }>} `url` is the
 *   stream's
 */
async function startReference(mode) {
  const child = spawn(
    process.execPath,
    [join(ROOT, "bench", "reference_server.mjs"), mode],
    { stdio: ["pipe", "pipe", "pipe"] },
  );
  // Its log (recovery, slow appends, requests cut off when it stops) is shown only if it
  // fails to start.
  let log = "";
  child.stderr.on("data", (chunk) => {
    if (log.length < 100_000) log += chunk;
  });
  const exited = new Promise((ok) => child.once("exit", ok));
  const line = await new Promise((ok, fail) => {
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      if (out.includes("\n")) ok(out.slice(0, out.indexOf("\n")));
    });
    child.once("exit", (code) => fail(new Error(`reference server exited (${code}): ${log}`)));
  });
  const { url: origin } = JSON.parse(/** @type {string} */ (line));
  const url = `${origin}/v1/stream/bench-${mode}-${Date.now().toString(36)}`;
  const created = await fetch(url, {
    method: "PUT",
    headers: { "content-type": REFERENCE_CONTENT_TYPE },
  });
  await created.arrayBuffer();
  if (!created.ok) throw new Error(`reference server: PUT ${url} answered ${created.status}`);
  const warm = await fetch(url, {
    method: "POST",
    headers: { "content-type": REFERENCE_CONTENT_TYPE },
    body: RECORD,
  });
  await warm.arrayBuffer();
  if (!warm.ok) throw new Error(`reference server: POST ${url} answered ${warm.status}`);
  return {
    url,
    pids: child.pid === undefined ? [] : [String(child.pid)],
    async stop() {
      child.stdin.end();
      await Promise.race([exited, new Promise((ok) => setTimeout(ok, 5_000))]);
      child.kill();
    },
  };
}

/**
 * A rate phase of single appends to the reference server's stream at `url`.
 * @param {string} name
 * @param {string} url
 * @param {string[]} pids
 * @param {number} [connections]
 * @returns {RatePhase}
 */
function referencePhase(name, url, pids, connections) {
  return {
    name,
    unit: "appends/s",
    url,
    pids,
    req: {
      method: "POST",
      body: RECORD,
      headers: { "content-type": REFERENCE_CONTENT_TYPE },
      connections,
    },
    server: "reference server",
  };
}

/**
 * The reference server's single appends at each of `SWEEP_CONNECTIONS`, one short window each,
 * for both modes in turn: which concurrency serves it best.
 * @param {{ name: string, url: string, pids: string[] }[]} servers
 * @returns {Promise<Row[]>}
 */
async function referenceSweep(servers) {
  /** @type {Row[]} */
  const rows = [];
  const seconds = Math.max(1, SECONDS / ROUNDS);
  for (const connections of SWEEP_CONNECTIONS) {
    for (const server of servers) {
      const phase = referencePhase(server.name, server.url, server.pids, connections);
      const [r, cpu] = await withCpu(
        server.pids,
        () => cannon(phase.url, phase.req, seconds),
        phase.server,
      );
      rows.push({
        name: `${server.name}, -c ${connections}`,
        rate: r.rps,
        unit: "appends/s",
        p50: r.p50,
        p99: r.p99,
        errors: r.errors,
        cpu,
      });
    }
  }
  return rows;
}

async function main() {
  const t0 = performance.now();
  console.log(
    `edgelog load: Miniflare on 127.0.0.1, autocannon -c ${CONNECTIONS}, ${SECONDS} s per ` +
      `phase (rate phases interleaved in ${ROUNDS} rounds), ${RECORD.length}-byte records, ` +
      `node ${process.version}; parts: ${[...ONLY].join(", ")}`,
  );
  /** @type {Row[]} */
  const rows = [];
  /** @type {{ mf: Miniflare, url: URL, pids: string[] }[]} */
  const started = [];
  /** @type {{ stop(): Promise<void> }[]} */
  const references = [];
  /** The producers the producer's phase named: one per connection and round. */
  let producersStarted = 0;
  /** The producers of the phase with a new producer per append. */
  let freshProducers = 0;
  const outdir = mkdtempSync(join(tmpdir(), "edgelog-load-"));
  /** The counts and the bill of the edgelog phases (bench/cost.mjs). */
  /** @type {CostLedger | undefined} */
  let ledger;
  try {
    const hasWorker = existsSync(join(ROOT, "wrangler.toml"));
    /** @type {{ base: string, pids: string[] } | undefined} */
    let edgelog;
    if (hasWorker) {
      edgelog = await startEdgelog(ROOT, join(outdir, "edgelog"));
      started.push(/** @type {any} */ (edgelog));
      ledger = new CostLedger(edgelog.base);
    } else {
      console.log("no wrangler.toml: the worker is not there yet, only the baselines run");
    }
    if (ONLY.has("rates") || ONLY.has("sweep") || ONLY.has("streams")) {
      /** @type {{ name: string, url: string, pids: string[] }[]} */
      const servers = [];
      try {
        const memory = await startReference("memory");
        references.push(memory);
        const file = await startReference("file");
        references.push(file);
        servers.push(
          { name: "reference server, in memory", ...memory },
          { name: "reference server, file-backed", ...file },
        );
      } catch (error) {
        // Not installed (`npm ci` installs the devDependency): the rest of the bench runs.
        console.log(`the reference server did not start, its phases are left out: ${error}`);
      }
      if (ONLY.has("rates")) {
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
        /** Each edgelog phase's own log, whose object's metrics are its counts (cost.mjs). */
        /** @type {{ phase: string, log: string }[]} */
        const logs = [];
        if (edgelog !== undefined) {
          const name = `bench/single-${Date.now().toString(36)}`;
          const pids = edgelog.pids;
          /**
           * A phase of single-record appends to the log `name`, each request with the extra
           * headers `perConnection` gives it, if any.
           * @param {string} phase
           * @param {((context: Record<string, any>) => Record<string, string>)} [perConnection]
           * @returns {RatePhase}
           */
          const singleAppends = (phase, perConnection) => {
            const log = `${name}-${logs.length}`;
            logs.push({ phase, log });
            const single = recordsUrl(edgelog.base, log);
            // Counted window by window: between its windows the log idles while the other
            // phases run, long enough for its object to be evicted (its counts with it).
            const counted = ledger;
            return {
              name: phase,
              unit: "appends/s",
              url: single.url,
              pids,
              req: { method: "POST", body: RECORD, headers: single.headers, perConnection },
              window: counted && {
                before: () => counted.before(log),
                after: (seconds) => counted.after(phase, log, { seconds }).then(() => {}),
              },
            };
          };
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
        }
        // The reference server's single appends, at the same concurrency.
        for (const server of servers) {
          phases.push(referencePhase(server.name, server.url, server.pids));
        }
        for (const { log } of logs) await append(edgelog.base, log, RECORD); // create, warm up
        for (const row of await interleaved(phases)) {
          rows.push(row);
          console.log(`${row.name}: ${fmt(row.rate)} ${row.unit}; ${row.cpu}`);
        }
      }
      if (ONLY.has("sweep")) {
        for (const row of await referenceSweep(servers)) {
          rows.push(row);
          console.log(`${row.name}: ${fmt(row.rate)} ${row.unit}; ${row.cpu}`);
        }
      }
      if (ONLY.has("streams") && edgelog !== undefined && servers.length === 2) {
        // The Durable Streams part lives in its own file (bench/streams_load.mjs).
        const { streamsPhases } = await import("./streams_load.mjs");
        const streamRows = await streamsPhases({
          edgelog,
          references: servers,
          record: RECORD,
          interleaved,
          ledger,
        });
        for (const row of streamRows) {
          rows.push(row);
          console.log(`${row.name}: ${fmt(row.rate)} ${row.unit}; ${row.note}`);
        }
      }
      for (const reference of references.splice(0)) await reference.stop();
    }
    if (edgelog !== undefined && ONLY.has("session")) {
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
    }
    if (edgelog !== undefined && ONLY.has("batch")) {
      const batch = await batchPhase(edgelog.base, edgelog.pids, ledger);
      rows.push(batch);
      console.log(`${batch.name}: ${fmt(batch.rate)} ${batch.unit}; ${batch.cpu}`);
    }
    if (edgelog !== undefined && ONLY.has("tails")) {
      /** @type {{ label: string, base: string, pids: string[] }[]} */
      const trees = [{ label: "", ...edgelog }];
      if (COMPARE_ROOT !== undefined) {
        const other = await startEdgelog(COMPARE_ROOT, join(outdir, "compare"));
        started.push(other);
        trees.unshift({ label: ` [${COMPARE_ROOT}]`, ...other });
        trees[1] = { ...edgelog, label: " [this tree]" };
      }
      for (const deflate of [true, false]) {
        for (const tails of TAIL_COUNTS) {
          for (const tree of trees) {
            const row = await tailPhase(
              tree.base,
              tree.pids,
              tails,
              deflate,
              tree.label === "" || tree.label === " [this tree]" ? ledger : undefined,
            );
            row.name += tree.label;
            rows.push(row);
            console.log(`${row.name}: ${fmt(row.rate)} ${row.unit}; ${row.note}; ${row.cpu}`);
          }
        }
      }
    }
  } finally {
    for (const reference of references) await reference.stop();
    for (const { mf } of started) await mf.dispose();
    rmSync(outdir, { recursive: true, force: true });
  }
  console.log("");
  printTable(rows);
  printTargets(rows, producersStarted, freshProducers);
  ledger?.print();
  console.log(`total ${fmt((performance.now() - t0) / 1000, 1)} s`);
}

/**
 * Prints each target against the figures of the same run.
 * @param {Row[]} rows
 * @param {number} producersStarted
 * @param {number} freshProducers
 */
function printTargets(rows, producersStarted, freshProducers) {
  const durable = rows.find((r) => r.name.startsWith("durable no-op"));
  const single = rows.find((r) => r.name === "single-record appends");
  const produced = rows.find((r) => r.name === "single-record appends with a producer");
  const batched = rows.find((r) => r.name.startsWith("batched"));
  const t1000 = rows.filter((r) => r.name.includes(" 1000 tails"));
  /**
   * The median over the rounds of `row`'s rate over `base`'s in the same round.
   * @param {Row | undefined} row
   * @param {Row | undefined} base
   */
  const roundRatio = (row, base) =>
    row?.rounds === undefined || base?.rounds === undefined
      ? NaN
      : median(row.rounds.map((rps, k) => rps / (base.rounds?.[k] ?? NaN)));
  console.log("");
  console.log("targets:");
  if (single?.ratio !== undefined && durable?.ratio !== undefined) {
    const ratio = single.ratio;
    console.log(
      `  single appends >= 80% of no-op: ${fmt(100 * ratio, 1)}% ` +
        `${ratio >= 0.8 ? "MET" : "NOT MET"} ` +
        `(the durable no-op: ${fmt(100 * durable.ratio, 1)}% of no-op)`,
    );
    const toDurable = roundRatio(single, durable);
    // The server's CPU per request does not depend on how much CPU the machine left it.
    const cpuRatio = (single.serverCpuUs ?? NaN) / (durable.serverCpuUs ?? NaN);
    console.log(
      `  single appends >= 90% of the durable no-op: ${fmt(100 * toDurable, 1)}% ` +
        `${toDurable >= 0.9 ? "MET" : "NOT MET"} (rounds: ${
          (single.rounds ?? []).map((rps, k) =>
            `${fmt((100 * rps) / (durable.rounds?.[k] ?? NaN))}%`
          ).join(" ")
        }); workerd CPU per request ${fmt(single.serverCpuUs ?? NaN)} µs against ` +
        `${fmt(durable.serverCpuUs ?? NaN)} µs (${fmt(cpuRatio, 2)}x)`,
    );
  }
  for (const mode of ["in memory", "file-backed"]) {
    const reference = rows.find((r) => r.name === `reference server, ${mode}`);
    if (single === undefined || reference === undefined) continue;
    const ratio = roundRatio(single, reference);
    console.log(
      `  (not a target) single appends vs the reference server ${mode}, -c ${CONNECTIONS}: ` +
        `${fmt(ratio, 2)}x (${fmt(single.rate)} against ${fmt(reference.rate)}/s)`,
    );
  }
  for (const mode of ["in memory", "file-backed"]) {
    const swept = rows.filter((r) => r.name.startsWith(`reference server, ${mode}, -c `));
    if (swept.length === 0) continue;
    const best = swept.reduce((a, b) => (b.rate > a.rate ? b : a));
    console.log(
      `  reference server ${mode}, best concurrency: ${best.name.split(", ").at(-1)} ` +
        `${fmt(best.rate)}/s (${
          swept.map((r) => `${r.name.split(", ").at(-1)} ${fmt(r.rate)}`)
            .join(", ")
        })` +
        (single === undefined
          ? ""
          : `; edgelog single appends ${fmt(single.rate / best.rate, 2)}x`),
    );
  }
  const session = rows.find((r) => r.name.startsWith("append session"));
  if (session !== undefined) {
    const memory = rows.find((r) => r.name === "reference server, in memory");
    const swept = rows.filter((r) => r.name.startsWith("reference server, in memory, -c "));
    const best = [memory, ...swept].reduce(
      (a, b) => (b !== undefined && (a === undefined || b.rate > a.rate) ? b : a),
      undefined,
    );
    console.log(
      `  one append session >= 20,000 acknowledged appends/s: ${fmt(session.rate)}/s ` +
        `${session.rate >= 20_000 ? "MET" : "NOT MET"} (p50 ${fmt(session.p50 ?? NaN, 1)} ms, ` +
        `p99 ${fmt(session.p99 ?? NaN, 1)} ms)`,
    );
    if (best !== undefined) {
      console.log(
        `  one append session >= the reference server in memory at its best concurrency: ` +
          `${fmt(session.rate / best.rate, 2)}x ${session.rate >= best.rate ? "MET" : "NOT MET"} ` +
          `(${fmt(session.rate)} against ${fmt(best.rate)}/s, ${best.name})`,
      );
    }
  }
  if (single !== undefined && produced !== undefined) {
    // Round by round: the two phases ran one after the other in each round.
    const ratio = roundRatio(produced, single);
    console.log(
      `  appends with a producer >= 90% of without: ${fmt(100 * ratio, 1)}% ` +
        `${ratio >= 0.9 ? "MET" : "NOT MET"} (${produced.errors} errors; ` +
        `${fmt(producersStarted)} producers, one per connection and round)`,
    );
  }
  const fresh = rows.find((r) => r.name === "single-record appends, a new producer each");
  if (single !== undefined && fresh !== undefined) {
    const ratio = roundRatio(fresh, single);
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
    const deliveries = /\(([\d,]+)\/s\)/.exec(row.note ?? "")?.[1];
    console.log(
      `  1000 tails all receive every record (${row.name.split(", ").slice(2).join(", ")}): ` +
        `${all?.[1]}/${all?.[2]} ${all && all[1] === all[2] ? "MET" : "NOT MET"}; ` +
        `${fmt(row.rate)} records/s, ${deliveries} deliveries/s ` +
        `(issue 13's figure before: 28-33 records/s, 28k-33k deliveries/s)`,
    );
  }
}

// Run as a script (`npm run bench:load`); bench/cost_run.mjs imports `startEdgelog`.
if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
