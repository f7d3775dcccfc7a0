/**
 * What a run costs on Cloudflare: the Durable Objects prices (one table, used by
 * `bench/load.mjs` and `bench/cost_run.mjs`, quoted in COST.md) and a ledger that reads a
 * log's metrics (`GET /logs/{name}/metrics`, PROTOCOL.md) before and after a phase and prints
 * the counts and the bill they imply.
 *
 * @module
 */
import { metrics } from "../test/e2e/client.mjs";

/**
 * Cloudflare's published prices for SQLite-backed Durable Objects on the Workers Paid plan
 * (USD), read on 2026-12-03 from https://developers.cloudflare.com/durable-objects/platform/pricing/
 * (COST.md quotes the page). `included*` is the monthly allowance before the rates apply.
 */
export const PRICES = Object.freeze({
  source: "https://developers.cloudflare.com/durable-objects/platform/pricing/",
  read: "2026-12-03",
  /** $ per million requests (HTTP, RPC sessions, WebSocket messages / 20, alarms). */
  requestsPerMillion: 0.15,
  includedRequests: 1_000_000,
  /** Incoming WebSocket messages billed as one request. */
  webSocketMessagesPerRequest: 20,
  /** $ per million GB-s of duration; each object is billed as 128 MB while active. */
  gbSecondsPerMillion: 12.5,
  includedGbSeconds: 400_000,
  /** The memory billed per active object, GB (Cloudflare's examples: 128 MB / 1 GB = 0.128). */
  objectGb: 0.128,
  /** $ per million SQLite rows read. */
  rowsReadPerMillion: 0.001,
  includedRowsRead: 25_000_000_000,
  /** $ per million SQLite rows written (deletes count as rows written). */
  rowsWrittenPerMillion: 1.0,
  includedRowsWritten: 50_000_000,
  /** $ per GB-month of SQLite storage. */
  storagePerGbMonth: 0.2,
  includedGbMonths: 5,
});

/**
 * Cloudflare's published prices for the Worker in front of the objects (Workers Paid plan,
 * Standard usage model, USD), read on 2026-12-03 from the source of
 * https://developers.cloudflare.com/workers/platform/pricing/ (COST.md quotes it). A Worker is
 * billed for its inbound requests and its CPU time, never for the time it waits ("No charge or
 * limit for duration"); its requests to the objects are subrequests, not billed as Worker
 * requests (the objects bill them).
 */
export const WORKER_PRICES = Object.freeze({
  source: "https://developers.cloudflare.com/workers/platform/pricing/",
  read: "2026-12-03",
  /** $ per million inbound requests. */
  requestsPerMillion: 0.3,
  includedRequests: 10_000_000,
  /** $ per million CPU milliseconds. */
  cpuMsPerMillion: 0.02,
  includedCpuMs: 30_000_000,
});

/** Seconds in the 30-day month of the bills per month. */
export const MONTH_SECONDS = 30 * 24 * 3600;

/**
 * The requests Cloudflare bills for a metrics delta.
 * @param {{ http: number, rpc: number, webSocketMessages: number }} requests
 * @returns {number}
 */
export function billedRequests(requests) {
  return requests.http + requests.rpc +
    requests.webSocketMessages / PRICES.webSocketMessagesPerRequest;
}

/**
 * The bill of some usage at the marginal rates (past the monthly allowances), in USD.
 * @param {{ requests?: number, gbSeconds?: number, rowsRead?: number, rowsWritten?: number,
 *   gbMonths?: number }} usage
 * @returns {{ requests: number, duration: number, rowsRead: number, rowsWritten: number,
 *   storage: number, total: number }}
 */
export function bill(usage) {
  const m = 1_000_000;
  const parts = {
    requests: ((usage.requests ?? 0) / m) * PRICES.requestsPerMillion,
    duration: ((usage.gbSeconds ?? 0) / m) * PRICES.gbSecondsPerMillion,
    rowsRead: ((usage.rowsRead ?? 0) / m) * PRICES.rowsReadPerMillion,
    rowsWritten: ((usage.rowsWritten ?? 0) / m) * PRICES.rowsWrittenPerMillion,
    storage: (usage.gbMonths ?? 0) * PRICES.storagePerGbMonth,
  };
  return {
    ...parts,
    total: parts.requests + parts.duration + parts.rowsRead + parts.rowsWritten + parts.storage,
  };
}

/**
 * Dollars, with enough digits for small amounts.
 * @param {number} usd
 * @returns {string}
 */
export function dollars(usd) {
  if (usd === 0) return "$0";
  if (usd >= 1) return `$${usd.toFixed(2)}`;
  return `$${usd.toPrecision(3)}`;
}

/**
 * @typedef {object} CostRow
 * @property {string} label
 * @property {number} requests billed requests, the metrics reads left out
 * @property {number} records records appended (the log's end moved by)
 * @property {number} rowsRead
 * @property {number} rowsWritten SQLite rows written, the key-value writes included (one row
 *   each, at least)
 * @property {number} kvWrites writes to the object's key-value storage
 * @property {number | undefined} seconds how long the object was busy, if known (an upper bound:
 *   the phase's length)
 * @property {boolean} restarted whether the object started again during the phase
 */

/**
 * Reads logs' metrics before and after phases and prints what each phase was billed for.
 * A phase's log must be its own (each log is its own Durable Object), and the metrics reads
 * themselves (one HTTP request each) are left out of its counts.
 */
export class CostLedger {
  /** @type {string} */
  #base;
  /** @type {Map<string, import("../src/protocol/metrics.ts").MetricsSnapshot>} */
  #before = new Map();
  /** Metrics reads of a log within its phase ({@linkcode CostLedger.probe}), by log. */
  /** @type {Map<string, number>} */
  #probes = new Map();
  /** @type {CostRow[]} */
  rows = [];

  /** @param {string} base the server's base URL */
  constructor(base) {
    this.#base = base;
  }

  /**
   * Takes the counts of `name` at the start of a phase.
   * @param {string} name the phase's log
   */
  async before(name) {
    this.#before.set(name, await metrics(this.#base, name));
    this.#probes.set(name, 0);
  }

  /**
   * Starts a phase on a log whose object has not started yet: its counts start from zero,
   * and the object's start (its tables created, for a new log) is the phase's.
   * @param {string} name the phase's log, never used before
   */
  fresh(name) {
    this.#before.set(name, {
      instance: "",
      started: 0,
      rowsRead: 0,
      rowsWritten: 0,
      kvReads: 0,
      kvWrites: 0,
      requests: { http: 0, rpc: 0, webSocketMessages: 0 },
      pendingTimers: 0,
      alarm: null,
      databaseBytes: 0,
      bounds: { begin: 0, end: 0 },
      webSockets: 0,
    });
    this.#probes.set(name, 0);
  }

  /**
   * Reads the log's metrics within its phase (to wait for something the object shows); the
   * read is left out of the phase's counts.
   * @param {string} name the phase's log
   * @returns {Promise<import("../src/protocol/metrics.ts").MetricsSnapshot>}
   */
  async probe(name) {
    this.#probes.set(name, (this.#probes.get(name) ?? 0) + 1);
    return await metrics(this.#base, name);
  }

  /**
   * Takes the counts of `name` at the end of a phase and keeps the difference. A phase
   * counted in several windows (one `before` and `after` each) adds up under its label.
   * @param {string} label
   * @param {string} name the phase's log
   * @param {{ seconds?: number }} [options] how long the object was busy
   * @returns {Promise<CostRow>}
   */
  async after(label, name, options = {}) {
    const before = this.#before.get(name);
    if (before === undefined) throw new Error(`No counts of "${name}" before the phase`);
    const after = await metrics(this.#base, name);
    // After a restart the counts start from zero: the new instance's are the phase's rest
    // (all of it when the object was idle until it was evicted). A fresh log's `before` is
    // zeros already.
    const restarted = before.instance !== "" && after.instance !== before.instance;
    const base = restarted
      ? {
        rowsRead: 0,
        rowsWritten: 0,
        kvWrites: 0,
        requests: { http: 0, rpc: 0, webSocketMessages: 0 },
        bounds: before.bounds,
      }
      : before;
    const row = {
      label,
      // The read of `after`, and the probes, are HTTP requests of the delta. (After a restart
      // the probes may have gone to the old instance: they are left out of the new one's
      // counts only if they came after the restart, as the phases that probe make sure.)
      requests: billedRequests({
        http: after.requests.http - base.requests.http - 1 - (this.#probes.get(name) ?? 0),
        rpc: after.requests.rpc - base.requests.rpc,
        webSocketMessages: after.requests.webSocketMessages - base.requests.webSocketMessages,
      }),
      records: after.bounds.end - before.bounds.end,
      rowsRead: after.rowsRead - base.rowsRead,
      // A key-value write is billed as a row written (at least): counted as one here.
      rowsWritten: after.rowsWritten - base.rowsWritten + after.kvWrites - base.kvWrites,
      kvWrites: after.kvWrites - base.kvWrites,
      seconds: options.seconds,
      restarted,
    };
    const same = this.rows.find((r) => r.label === label);
    if (same === undefined) {
      this.rows.push(row);
      return row;
    }
    same.requests += row.requests;
    same.records += row.records;
    same.rowsRead += row.rowsRead;
    same.rowsWritten += row.rowsWritten;
    same.kvWrites += row.kvWrites;
    if (row.seconds !== undefined) same.seconds = (same.seconds ?? 0) + row.seconds;
    same.restarted ||= row.restarted;
    return same;
  }

  /** Prints each phase's counts, per request and per record, and the bill per million. */
  print() {
    if (this.rows.length === 0) return;
    console.log("");
    console.log(
      `cost (the objects' own counts, GET /logs/{name}/metrics; Durable Objects prices of ` +
        `${PRICES.read}, past the free allowances: $${PRICES.requestsPerMillion}/M requests, ` +
        `$${PRICES.rowsWrittenPerMillion}/M rows written, $${PRICES.rowsReadPerMillion}/M rows ` +
        `read, $${PRICES.gbSecondsPerMillion}/M GB-s at ${PRICES.objectGb} GB):`,
    );
    for (const row of this.rows) console.log(costLine(row));
  }
}

/**
 * One phase's counts and bill as a line.
 * @param {CostRow} row
 * @returns {string}
 */
export function costLine(row) {
  const per = (n, d) => (d > 0 ? (n / d).toFixed(2) : "-");
  const unit = row.records > 0 ? row.records : row.requests;
  const unitName = row.records > 0 ? "records" : "requests";
  const gbSeconds = row.seconds === undefined ? 0 : row.seconds * PRICES.objectGb;
  const storage = bill({
    requests: row.requests,
    rowsRead: row.rowsRead,
    rowsWritten: row.rowsWritten,
  });
  const time = bill({ gbSeconds });
  const scale = unit > 0 ? 1_000_000 / unit : 0;
  return `- ${row.label}: ${fmtInt(row.requests)} requests, ${fmtInt(row.records)} records, ` +
    `${fmtInt(row.rowsWritten)} rows written${
      row.kvWrites > 0 ? ` (${fmtInt(row.kvWrites)} of them key-value writes)` : ""
    }, ${fmtInt(row.rowsRead)} rows read; per request ` +
    `${per(row.rowsWritten, row.requests)} written, ${per(row.rowsRead, row.requests)} read; ` +
    `per record ${per(row.rowsWritten, row.records)} written, ${
      per(row.rowsRead, row.records)
    } read; ` +
    `per million ${unitName}: ${dollars(storage.total * scale)} (requests ` +
    `${dollars(storage.requests * scale)}, rows written ${dollars(storage.rowsWritten * scale)}, ` +
    `rows read ${dollars(storage.rowsRead * scale)})` +
    (row.seconds === undefined
      ? ""
      : ` + at most ${dollars(time.duration * scale)} of duration (the object counted active ` +
        `for the whole ${row.seconds.toFixed(1)} s)`) +
    (row.restarted ? " [the object restarted during the phase]" : "");
}

/**
 * An integer with thousands separators.
 * @param {number} n
 * @returns {string}
 */
function fmtInt(n) {
  return Math.round(n).toLocaleString("en-US");
}

/**
 * What idle live readers of `/v1/stream/` cost a month, from a phase's counts: the object's
 * requests and rows (the readers' own requests: a long-poll's after each timeout, an SSE
 * answer's reconnection), and the Worker's inbound requests, which hold the readers' waits
 * (billed per request and per CPU millisecond, never for waiting: its CPU is not measured here).
 * @param {{ label: string, readers: number, seconds: number, row: CostRow,
 *   workerRequests: number }} phase the phase's readers and length, its object's counts and
 *   the Worker requests its readers made
 * @returns {string}
 */
export function readersLine({ label, readers, seconds, row, workerRequests }) {
  const scale = (1000 / readers) * (MONTH_SECONDS / seconds);
  const object = bill({
    requests: row.requests * scale,
    rowsRead: row.rowsRead * scale,
    rowsWritten: row.rowsWritten * scale,
  });
  const worker = ((workerRequests * scale) / 1_000_000) * WORKER_PRICES.requestsPerMillion;
  return `${label}: ${readers} readers for ${seconds.toFixed(1)} s: the object ` +
    `${fmtInt(row.requests)} requests, ${fmtInt(row.rowsWritten)} rows written, ` +
    `${fmtInt(row.rowsRead)} rows read; the Worker ${fmtInt(workerRequests)} requests; per ` +
    `reader ${(row.requests / readers / seconds * 60).toFixed(2)} object requests and ` +
    `${(workerRequests / readers / seconds * 60).toFixed(2)} Worker requests a minute; per ` +
    `thousand readers a month: the object ${fmtInt(row.requests * scale)} requests ` +
    `${dollars(object.total)} (requests ${dollars(object.requests)}, rows ` +
    `${dollars(object.rowsRead + object.rowsWritten)}), the Worker ` +
    `${fmtInt(workerRequests * scale)} requests ${dollars(worker)} (+ its CPU time, not ` +
    `measured), ${dollars(object.total + worker)} in all` +
    (row.restarted ? " [the object restarted during the phase]" : "");
}
