/**
 * Truncation in a Durable Object under Miniflare (the bundled Worker, `scripts/bundle_worker.mjs`,
 * loopback only): one log is filled with `TRUNCATE_RECORDS` (default 1,000,000) records of
 * `TRUNCATE_SIZE` (default 32) bytes, then truncated to its last 10 with `POST /truncate`, while
 * a reader sends `GET /records/{offset}` one after another until the deletion is done. It prints:
 *
 * - the truncation request's own time inside the object (it moves the beginning and deletes a
 *   first step), and every later deletion step (each a `setTimeout` callback of the object,
 *   timed inside it): their count and the longest, the largest single pause;
 * - the reader's latencies meanwhile (p50 and the worst), next to the same reader's latencies
 *   over the same log before the truncation (the same-run baseline);
 * - the object's `ctx.storage.sql.databaseSize` and the database file on disk, before and after;
 * - the same-run baseline of the single-statement approach: `DELETE FROM t WHERE pos < N` of as
 *   many rows in another object, timed inside it.
 *
 * Timing inside the object: the bench's entry module wraps the bundle's `LogObject` and
 * `setTimeout` (the clock of local workerd advances during execution). Nothing of it ships.
 *
 * Each of `TRUNCATE_ROUNDS` (default 3) rounds does it on a log of its own; the summary gives
 * the medians over the rounds and the largest pause of any.
 *
 * Usage: `node bench/truncate_do.mjs` (`TRUNCATE_RECORDS=200000` for a shorter run;
 * `TRUNCATE_SIZE=102400 TRUNCATE_RECORDS=2000` for large records, where steps are bounded by
 * bytes).
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { logUrl } from "../test/e2e/client.mjs";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const RECORDS = Number(process.env.TRUNCATE_RECORDS ?? 1_000_000);
const KEEP = 10;
/** The size of each record in bytes (`TRUNCATE_SIZE`, default 32). */
const SIZE = Number(process.env.TRUNCATE_SIZE ?? 32);
const ROUNDS = Number(process.env.TRUNCATE_ROUNDS ?? 3);

/**
 * The bench's entry: the bundle's Worker, with routes under /__bench/ that call the methods its
 * LogObject gains here (fill, a timed truncate, the timers' durations, sizes, the baseline).
 */
const ENTRY = `
import worker, { LogObject as Base } from "./worker.bundle.js";

const timers = [];
const schedule = globalThis.setTimeout;
globalThis.setTimeout = (fn, ms, ...args) =>
  schedule(() => {
    const start = performance.now();
    try {
      fn(...args);
    } finally {
      timers.push(performance.now() - start);
    }
  }, ms);

export class LogObject extends Base {
  async fill(count) {
    const data = new Uint8Array(${SIZE}).fill(7);
    // Batches within the RPC limits: 1000 records, 8 MiB.
    const per = Math.max(1, Math.min(1000, Math.floor(8_000_000 / ${SIZE})));
    const batch = Array.from({ length: per }, () => data);
    for (let done = 0; done < count; done += per) {
      const result = await this.appendBatch(batch.slice(0, Math.min(per, count - done)));
      if (result.error) throw new Error(result.error.message);
    }
    timers.length = 0;
  }
  async timedTruncate(before) {
    timers.length = 0;
    const start = performance.now();
    const result = await this.truncate(before);
    return { result, ms: performance.now() - start };
  }
  takeTimers() {
    return timers.splice(0);
  }
  state() {
    const sql = this.ctx.storage.sql;
    const [row] = sql.exec(
      "SELECT id, begin_pos FROM edgelog_journals WHERE name = 'log'",
    ).toArray();
    const [first] = sql.exec(
      "SELECT pos FROM edgelog_records_" + row.id + " ORDER BY pos LIMIT 1",
    ).toArray();
    return {
      databaseSize: sql.databaseSize,
      leftover: first !== undefined && first.pos < row.begin_pos,
    };
  }
  rawDelete(count) {
    const sql = this.ctx.storage.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS raw (pos INTEGER PRIMARY KEY, created INTEGER, data BLOB)");
    sql.exec(
      "WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM c WHERE x < ?) " +
        "INSERT INTO raw SELECT x, 0, randomblob(${SIZE}) FROM c",
      count - 1,
    );
    const start = performance.now();
    sql.exec("DELETE FROM raw WHERE pos < ?", count - ${KEEP});
    return performance.now() - start;
  }
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (!url.pathname.startsWith("/__bench/")) return worker.fetch(request, env, ctx);
    const stub = env.LOGS.get(env.LOGS.idFromName(url.searchParams.get("log")));
    const n = Number(url.searchParams.get("n"));
    switch (url.pathname) {
      case "/__bench/fill": return Response.json(await stub.fill(n) ?? null);
      case "/__bench/truncate": return Response.json(await stub.timedTruncate(n));
      case "/__bench/timers": return Response.json(await stub.takeTimers());
      case "/__bench/state": return Response.json(await stub.state());
      case "/__bench/raw": return Response.json(await stub.rawDelete(n));
    }
    return new Response("no such bench route", { status: 404 });
  },
};
`;

/** Sums the sizes of the files in `dir` (recursively) whose names end with `suffix`. */
function diskBytes(dir, suffix) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.includes(suffix)) {
      total += statSync(join(entry.parentPath ?? entry.path, entry.name)).size;
    }
  }
  return total;
}

/** @param {number[]} values @param {number} q */
function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

const ms = (value) => `${value.toFixed(1)} ms`;
const mib = (bytes) => `${(bytes / 1048576).toFixed(2)} MiB`;

const outdir = mkdtempSync(join(tmpdir(), "edgelog-truncate-"));
const persist = join(outdir, "state");
/** @type {Miniflare | undefined} */
let mf;
try {
  execFileSync(process.execPath, [join(ROOT, "scripts", "bundle_worker.mjs"), outdir], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  writeFileSync(join(outdir, "bench_entry.mjs"), ENTRY);
  mf = new Miniflare({
    modules: [
      { type: "ESModule", path: join(outdir, "bench_entry.mjs") },
      { type: "ESModule", path: join(outdir, "worker.bundle.js") },
    ],
    modulesRoot: outdir,
    compatibilityDate: "2026-04-01",
    bindings: { EDGELOG_OPEN_DEV: "true", DEFAULT_MAX_SEGMENT_SIZE: "Infinity" },
    durableObjects: { LOGS: { className: "LogObject", useSQLite: true } },
    durableObjectsPersist: persist,
    cf: false,
    host: "127.0.0.1",
    port: 0,
  });
  const base = (await mf.ready).origin;
  const bench = async (route, log, n = 0) => {
    const res = await fetch(`${base}/__bench/${route}?log=${encodeURIComponent(log)}&n=${n}`);
    if (!res.ok) throw new Error(`${route}: ${res.status} ${await res.text()}`);
    return await res.json();
  };

  const rounds = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const log = `bench/truncation-${round}`;
    const read = async (offset) => {
      const start = performance.now();
      const res = await fetch(`${logUrl(base, log)}/records/${offset}`);
      const body = await res.arrayBuffer();
      if (res.status !== 200) {
        throw new Error(`read ${offset}: ${res.status} ${new TextDecoder().decode(body)}`);
      }
      return performance.now() - start;
    };
    await bench("fill", log, RECORDS);
    const disk = diskBytes(persist, ".sqlite");
    const before = await bench("state", log);

    // The reader's baseline: the same reads over the same log, before the truncation.
    const baseline = [];
    const until = performance.now() + 2000;
    while (performance.now() < until) {
      baseline.push(await read(RECORDS - 1 - (baseline.length % KEEP)));
    }

    // The truncation, with the reader running until the deletion is done.
    let done = false;
    const during = [];
    const reader = (async () => {
      while (!done) during.push(await read(RECORDS - 1 - (during.length % KEEP)));
    })();
    const truncation = await bench("truncate", log, RECORDS - KEEP);
    const steps = [];
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      steps.push(...await bench("timers", log));
      if (!(await bench("state", log)).leftover) break;
    }
    steps.push(...await bench("timers", log));
    done = true;
    await reader;
    const after = await bench("state", log);
    const row = {
      truncate: truncation.ms,
      steps: steps.length,
      longest: Math.max(0, ...steps),
      p99: quantile(steps, 0.99),
      median: quantile(steps, 0.5),
      readsDuring: during.length,
      readP50: quantile(during, 0.5),
      readWorst: Math.max(...during),
      baselineP50: quantile(baseline, 0.5),
      baselineWorst: Math.max(...baseline),
      sizeBefore: before.databaseSize,
      sizeAfter: after.databaseSize,
      diskBefore: disk,
      diskAfter: diskBytes(persist, ".sqlite"),
      bounds: truncation.result.value,
    };
    rounds.push(row);
    console.log(
      `round ${round}: truncate request ${ms(row.truncate)}; ${row.steps} steps, longest ` +
        `${ms(row.longest)}, p99 ${ms(row.p99)}, median ${ms(row.median)}; reads meanwhile ` +
        `${row.readsDuring}, p50 ${ms(row.readP50)}, worst ${ms(row.readWorst)} (before: p50 ` +
        `${ms(row.baselineP50)}, worst ${ms(row.baselineWorst)}); databaseSize ` +
        `${mib(row.sizeBefore)} -> ${mib(row.sizeAfter)}; files ${mib(row.diskBefore)} -> ` +
        `${mib(row.diskAfter)}; bounds ${JSON.stringify(row.bounds)}`,
    );
  }
  // Last, so that the files measured above are the log's objects' alone.
  const rawMs = await bench("raw", "bench/raw-delete", RECORDS);
  const median = (key) => quantile(rounds.map((row) => row[key]), 0.5);
  const pause = Math.max(...rounds.map((row) => Math.max(row.truncate, row.longest)));
  console.log(
    `\nTruncation of ${(RECORDS - KEEP).toLocaleString("en")} records of ${SIZE} B, ` +
      `${ROUNDS} rounds (medians over the rounds):`,
  );
  console.log(`  one DELETE statement of as many rows (same run, another object): ${ms(rawMs)}`);
  console.log(`  the truncate request inside the object: ${ms(median("truncate"))}`);
  console.log(
    `  deletion steps after it: ${median("steps")}, longest ${ms(median("longest"))}, p99 ` +
      `${ms(median("p99"))}, median ${ms(median("median"))}`,
  );
  console.log(
    `  largest single pause of any round: ${ms(pause)} (${
      (pause / rawMs).toFixed(3)
    }x the one DELETE)`,
  );
  console.log(
    `  reads meanwhile: p50 ${ms(median("readP50"))}, worst ${ms(median("readWorst"))}; ` +
      `before the truncation: p50 ${ms(median("baselineP50"))}, worst ${
        ms(median("baselineWorst"))
      }`,
  );
  console.log(
    `  databaseSize: ${mib(median("sizeBefore"))} before, ${mib(median("sizeAfter"))} after; ` +
      `files on disk (all the objects so far): round 1 ${mib(rounds[0].diskBefore)} -> ` +
      `${mib(rounds[0].diskAfter)}, last round ${mib(rounds.at(-1).diskBefore)} -> ` +
      `${mib(rounds.at(-1).diskAfter)}`,
  );
} finally {
  await mf?.dispose();
  rmSync(outdir, { recursive: true, force: true });
}
