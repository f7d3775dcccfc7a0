/**
 * The append-session phase of `npm run bench:load` (bench/load.mjs calls it): one log, one
 * session, single 64-byte records pipelined through `LogClient.writer()`, which runs under Deno
 * (bench/session_writer.ts) as a user's writer would. Reports acknowledged appends/s and the
 * p50/p99 ack latency, beside the same run's durable no-op.
 *
 * `SESSION_IN_FLIGHT` sets the appends kept in flight (default 1000); `LOAD_SECONDS` the
 * length of the phase (as the other phases), split into `SESSION_ROUNDS` rounds (default 3,
 * at least 2 s each; the figures are the rounds' medians); `SESSION_WS=deno` makes the writer use Deno's own
 * WebSocket instead of the `ws` package's (the one the client uses in Node 20).
 *
 * @module
 */
import { median } from "./median.mjs";
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
/** The appends the writer keeps in flight. */
const IN_FLIGHT = Number(process.env.SESSION_IN_FLIGHT ?? 1000);
/** Rounds of the phase (a writer and a log each); the figures are their medians. */
const ROUNDS = Number(process.env.SESSION_ROUNDS ?? 3);
/** The target of issue 13: acknowledged single 64-byte appends per second on one session. */
const TARGET = 20_000;

/**
 * Runs the session phase against the edgelog worker.
 * @param {string} base the worker's base URL
 * @param {string[]} pids its workerd processes
 * @param {{ seconds: number, record: Uint8Array, durable: { rate: number } | undefined,
 *   withCpu: <T>(pids: string[], fn: () => Promise<T>) => Promise<[T, string]> }} options
 *   `durable` is the same run's durable no-op row, for the ratio
 * @returns {Promise<{ name: string, rate: number, unit: string, p50: number, p99: number,
 *   errors: number, cpu: string, note: string }>}
 */
export async function sessionPhase(base, pids, { seconds, record, durable, withCpu }) {
  const deno = resolve(ROOT, "node_modules/.bin/deno");
  const each = Math.max(2, seconds / ROUNDS);
  const args = [
    "run",
    "-A",
    resolve(ROOT, "bench/session_writer.ts"),
    base,
    String(each),
    String(IN_FLIGHT),
    String(record.length),
  ];
  /** One round: a writer on a log of its own. @returns {Promise<string>} */
  const round = () =>
    new Promise((done, fail) => {
      execFile(deno, args, { cwd: ROOT, env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" } }, (
        error,
        stdout,
        stderr,
      ) => error ? fail(new Error(`${error.message}\n${stderr}`)) : done(stdout));
    });
  const [outputs, cpu] = await withCpu(pids, async () => {
    const all = [];
    for (let i = 0; i < ROUNDS; i++) all.push(await round());
    return all;
  });
  /** @type {{ acked: number, rate: number, p50: number, p99: number, outOfOrder: number }[]} */
  const results = outputs.map((out) => JSON.parse(out.trim().split("\n").at(-1) ?? "{}"));
  const rate = median(results.map((r) => r.rate));
  const outOfOrder = results.reduce((sum, r) => sum + r.outOfOrder, 0);
  const ratio = durable === undefined ? undefined : rate / durable.rate;
  const note = [
    `median of ${ROUNDS} rounds of ${each} s (${
      results.map((r) => Math.round(r.rate).toLocaleString("en-US")).join(", ")
    }/s)`,
    `${IN_FLIGHT} in flight over ${
      process.env.SESSION_WS === "deno" ? "Deno's" : "ws's"
    } WebSocket`,
    ratio === undefined ? undefined : `${ratio.toFixed(1)}x the durable no-op's req/s`,
    outOfOrder === 0 ? "offsets in order" : `${outOfOrder} OUT OF ORDER`,
    `target >= ${TARGET.toLocaleString("en-US")}/s ${rate >= TARGET ? "MET" : "NOT MET"}`,
    // The writer is a child process: its CPU is in neither figure.
    "the writer is a Deno child process, outside the load generator's CPU",
  ].filter((s) => s !== undefined).join("; ");
  return {
    name: "append session: single records pipelined, one writer",
    rate,
    unit: "appends/s",
    p50: median(results.map((r) => r.p50)),
    p99: median(results.map((r) => r.p99)),
    errors: outOfOrder,
    cpu,
    note,
  };
}
