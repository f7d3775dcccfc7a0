// What naming a producer costs an append: Log.write and Log.writeBatch (100 records) with
// a producer ({ id, epoch, seq }, the next seq each time) against the same calls without
// one, and Log.write with a new producer each time once the log keeps 10,000 (the default
// maxProducers: each write stores one state and prunes the least recently used), over MemoryJournal, SQLite in memory and a SQLite file (node:sqlite, WAL,
// synchronous=FULL), 32-byte payloads.
//
//   deno run -A bench/producer_overhead.ts [rounds]
//
// Each scenario times the two variants in interleaved rounds (A then B, then B then A, ...),
// each on a Log and journal of its own, after a warm-up that also sizes the rounds to about
// 50 ms per variant. It prints the time per call of each variant (median of the rounds) and
// the ratio producer / no producer: the median of the ratios within a round, so that a
// machine that slows down or speeds up between rounds moves both alike, with its quartiles,
// and the ratio of the fastest rounds of each (what a busy machine disturbs least). Each
// figure is given twice: wall-clock time, and the CPU time of this process
// (process.cpuUsage(), all its threads). The wall clock is the figure for the SQLite file,
// whose appends wait for the disk.
import { DatabaseSync } from "node:sqlite";
import process from "node:process";
import {
  DEFAULT_MAX_PRODUCERS,
  Log,
  MemoryJournal,
  nodeSqlite,
  SqliteStore,
  type StorageJournal,
} from "../mod.ts";
import { BATCH_SIZE, payload, payloads, SEGMENT_SIZE } from "./fixtures.ts";

const ROUNDS = Number(Deno.args[0] ?? 20);
/** The time each variant runs per round, once the warm-up has sized the rounds. */
const ROUND_MS = 50;

const dir = await Deno.makeTempDir({ prefix: "edgelog_producer_bench_" });
const data = payload();
const batch = payloads(BATCH_SIZE);

/** One append, awaited. */
type Append = () => Promise<unknown>;

/** A Log over a fresh journal of `driver`, with the benchmarks' segment size. */
function newLog(driver: "memory" | "sqlite-memory" | "sqlite-file", name: string): Log {
  let journal: StorageJournal;
  if (driver === "memory") {
    journal = new MemoryJournal();
  } else {
    const path = driver === "sqlite-memory" ? ":memory:" : `${dir}/${name}.db`;
    journal = new SqliteStore(nodeSqlite(new DatabaseSync(path))).open(name);
  }
  return new Log({ journal, maxSegmentSize: SEGMENT_SIZE });
}

/**
 * The two appends of a scenario: without a producer, and with one writing its next seq, or
 * (`fresh`) with a producer the log has not seen each time, once the log holds as many
 * producers as it keeps (10,000): each such write stores one and prunes the least recently
 * used. Both logs get the same 10,000 appends first.
 */
async function variants(
  driver: Parameters<typeof newLog>[0],
  batched: boolean,
  fresh: boolean,
): Promise<[Append, Append]> {
  const plain = newLog(driver, `plain_${batched}_${fresh}`);
  const named = newLog(driver, `producer_${batched}_${fresh}`);
  let seq = 0;
  let ids = 0;
  const producer = fresh
    ? () => ({ id: `bench-producer-${ids++}`, epoch: 0, seq: 0 })
    : () => ({ id: "bench-producer", epoch: 0, seq: seq++ });
  if (fresh) {
    for (let i = 0; i < DEFAULT_MAX_PRODUCERS; i++) {
      await plain.write(data);
      await named.write(data, { producer: producer() });
    }
  }
  return batched
    ? [
      () => plain.writeBatch(batch),
      () => named.writeBatch(batch, { producer: producer() }),
    ]
    : [
      () => plain.write(data),
      () => named.write(data, { producer: producer() }),
    ];
}

/** Time per call in ns: wall clock and CPU. */
interface Timing {
  wall: number;
  cpu: number;
}

/** Runs `append` `count` times, one after another, and returns the time per call. */
async function time(append: Append, count: number): Promise<Timing> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < count; i++) await append();
  const wall = performance.now() - start;
  const { user, system } = process.cpuUsage(cpu);
  return { wall: wall * 1e6 / count, cpu: (user + system) * 1e3 / count };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function format(ns: number): string {
  return ns >= 10_000 ? `${(ns / 1000).toFixed(1)} µs` : `${ns.toFixed(0)} ns`;
}

async function scenario(
  name: string,
  driver: Parameters<typeof newLog>[0],
  batched: boolean,
  fresh = false,
) {
  const [plain, named] = await variants(driver, batched, fresh);
  // Warm-up: both variants a few times, then rounds sized to about ROUND_MS each.
  const probes: number[] = [];
  for (let i = 0; i < 5; i++) {
    probes.push((await time(plain, 20)).cpu, (await time(named, 20)).cpu);
    probes.push((await time(plain, 20)).wall, (await time(named, 20)).wall);
  }
  const count = Math.max(20, Math.round(ROUND_MS * 1e6 / median(probes)));
  const rounds: [Timing, Timing][] = [];
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      const a = await time(plain, count);
      rounds.push([a, await time(named, count)]);
    } else {
      const b = await time(named, count);
      rounds.push([await time(plain, count), b]);
    }
  }
  const line = (clock: keyof Timing) => {
    const ratios = rounds.map(([a, b]) => b[clock] / a[clock]);
    const sorted = [...ratios].sort((x, y) => x - y);
    const quartiles = `${sorted[sorted.length >> 2]!.toFixed(2)}-${
      sorted[(3 * sorted.length) >> 2]!.toFixed(2)
    }`;
    const fastest = Math.min(...rounds.map(([, b]) => b[clock])) /
      Math.min(...rounds.map(([a]) => a[clock]));
    return `${clock.padEnd(4)} no producer ${format(median(rounds.map(([a]) => a[clock])))}, ` +
      `producer ${format(median(rounds.map(([, b]) => b[clock])))}; ` +
      `producer/no producer ${median(ratios).toFixed(3)}x (quartiles ${quartiles}; ` +
      `fastest rounds ${fastest.toFixed(3)}x)`;
  };
  console.log(`${name} (${count} calls per variant and round)`);
  console.log(`  ${line("cpu")}`);
  console.log(`  ${line("wall")}`);
}

console.log(`${ROUNDS} interleaved rounds per scenario, ${data.byteLength}-byte records`);
const NEW = "write, a new producer each time (10,000 kept)";
await scenario("memory, write", "memory", false);
await scenario(`memory, writeBatch of ${BATCH_SIZE}`, "memory", true);
await scenario(`memory, ${NEW}`, "memory", false, true);
await scenario("SQLite in memory, write", "sqlite-memory", false);
await scenario(`SQLite in memory, writeBatch of ${BATCH_SIZE}`, "sqlite-memory", true);
await scenario(`SQLite in memory, ${NEW}`, "sqlite-memory", false, true);
await scenario("SQLite file, write", "sqlite-file", false);
await scenario(`SQLite file, writeBatch of ${BATCH_SIZE}`, "sqlite-file", true);
await scenario(`SQLite file, ${NEW}`, "sqlite-file", false, true);
Deno.removeSync(dir, { recursive: true });
