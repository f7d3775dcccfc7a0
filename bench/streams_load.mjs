/**
 * The Durable Streams part of `bench/load.mjs` (`LOAD_ONLY=streams`): edgelog's
 * `/v1/stream/{name}` against the Durable Streams reference server (`@durable-streams/server`,
 * in memory and file-backed, each in a process of its own), through the same protocol, at the
 * same concurrency, in the same run, interleaved in rounds as the other rate phases:
 *
 * - single appends of the same 64-byte record (POST; edgelog answers once it is durable);
 * - catch-up reads of the same 1,000 records of 64 bytes (`GET ?offset=-1`: 64,000 bytes).
 *
 * It prints edgelog's rate and its p50 and p99 latencies as ratios to each reference mode's
 * (the rate ratio is the median of the ratios within each round); with a ledger, edgelog's
 * phases are counted by their streams' objects, as the other phases (bench/cost.mjs: rows and
 * requests per record, and the bill, in the run's "cost" lines).
 *
 * @module
 */
import { median } from "./median.mjs";

/**
 * `a / b` as `x1.23`, or the two figures when `b` is 0 (autocannon's latencies are whole
 * milliseconds).
 * @param {number} a
 * @param {number} b
 */
const ratio = (a, b) => b === 0 ? `${a} ms vs ${b} ms` : `x${(a / b).toFixed(2)}`;

/** Records in the stream of the read phases. */
const READ_RECORDS = 1000;

/**
 * @typedef {{ name: string, url: string, pids: string[] }} StreamServer a server's stream URL
 * (for appends) and the processes whose CPU is counted
 */

/**
 * Creates a stream at `url` and appends `count` records of `record` to it.
 * @param {string} url
 * @param {Uint8Array} record
 * @param {number} count
 */
async function filledStream(url, record, count) {
  const type = { "content-type": "application/octet-stream" };
  const created = await fetch(url, { method: "PUT", headers: type });
  await created.arrayBuffer();
  if (!created.ok) throw new Error(`PUT ${url} answered ${created.status}`);
  for (let i = 0; i < count; i++) {
    const res = await fetch(url, { method: "POST", headers: type, body: record });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`POST ${url} answered ${res.status}`);
  }
}

/**
 * Runs the appends and the reads, and returns their rows with the comparison in each
 * edgelog row's note.
 * @param {{
 *   edgelog: { base: string, pids: string[] },
 *   references: StreamServer[],
 *   record: Uint8Array,
 *   interleaved: (phases: any[]) => Promise<any[]>,
 *   ledger?: import("./cost.mjs").CostLedger,
 * }} options `references`: the in-memory reference server first, then the file-backed one;
 *   `ledger` counts edgelog's phases window by window
 * @returns {Promise<any[]>}
 */
export async function streamsPhases({ edgelog, references, record, interleaved, ledger }) {
  const run = Date.now().toString(36);
  const type = { "content-type": "application/octet-stream" };
  const ours = {
    name: "edgelog /v1/stream",
    url: `${edgelog.base}/v1/stream/bench/ds-${run}`,
    pids: edgelog.pids,
  };
  await filledStream(ours.url, record, 1);
  const servers = [...references, ours];
  /** @param {StreamServer} s */
  const server = (s) => s === ours ? "workerd" : "reference server";
  /**
   * The counting of an edgelog phase, window by window, by the object of the log `log`.
   * @param {StreamServer} s
   * @param {string} label
   * @param {string} log
   */
  const window = (s, label, log) =>
    s === ours && ledger !== undefined
      ? {
        before: () => ledger.before(log),
        after: (/** @type {number} */ seconds) =>
          ledger.after(label, log, { seconds }).then(() => {}),
      }
      : undefined;
  const appends = servers.map((s) => ({
    name: `${s.name}: single appends`,
    unit: "appends/s",
    url: s.url,
    pids: s.pids,
    req: { method: "POST", body: record, headers: type },
    server: server(s),
    window: window(s, `${s.name}: single appends`, `bench/ds-${run}`),
  }));
  const reads = [];
  for (const s of servers) {
    const url = `${new URL(s.url).origin}/v1/stream/bench-read-${run}`;
    await filledStream(url, record, READ_RECORDS);
    reads.push({
      name: `${s.name}: catch-up reads of ${READ_RECORDS} records`,
      unit: "reads/s",
      url: `${url}?offset=-1`,
      pids: s.pids,
      req: { method: "GET" },
      server: server(s),
      window: window(
        s,
        `${s.name}: catch-up reads of ${READ_RECORDS} records`,
        `bench-read-${run}`,
      ),
    });
  }
  const rows = [];
  for (const phases of [appends, reads]) {
    const measured = await interleaved(phases);
    const edgelogRow = measured.at(-1);
    const notes = measured.slice(0, -1).map((ref, i) => {
      const rate = median(edgelogRow.rounds.map((r, k) => r / ref.rounds[k]));
      const label = references[i]?.name ?? ref.name;
      return `vs ${label}: rate x${rate.toFixed(2)}, p50 ${ratio(edgelogRow.p50, ref.p50)}, ` +
        `p99 ${ratio(edgelogRow.p99, ref.p99)}`;
    });
    edgelogRow.note = `${notes.join("; ")}; ${
      edgelogRow.note.replace(/^rounds vs no-op: [^;]*; /, "")
    }`;
    for (const row of measured) {
      // The shared table's "vs no-op" column, and the note's, mean nothing here.
      delete row.ratio;
      row.note = row.note.replace(/^rounds vs no-op: [^;]*; /, "");
      rows.push(row);
    }
  }
  return rows;
}
