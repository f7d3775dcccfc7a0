// Time over HTTP, with the objects' clock faked: retention by age (PROTOCOL.md: the config's
// maxAge, DEFAULT_MAX_AGE, 410 for an expired record, the tail's OUT_OF_RANGE frame) and reads
// and tails by time (`?since=`).
import { env, runInDurableObject, SELF } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { EXPIRY_STEP } from "../../src/core/log.ts";
import { decodeTailFrame } from "../../src/protocol/wire.ts";
import { LogObject } from "../../worker/object/log_object.ts";
import { append, appendBatch, BASE, call, expectError, uniqueName } from "./helpers.ts";
import { decodeBatchHelper } from "./ndjson.ts";

const T0 = Date.UTC(2026, 11, 1);
const MINUTE = 60_000;

/**
 * Fakes `Date` in this isolate, where vitest-pool-workers also runs the Durable Objects. A
 * Log keeps the `Date.now` of the moment it was built, so fake the clock before the first
 * request to a fresh log: every Log of that log (a new one per PUT /config) then reads it.
 */
function fakeClock(ms: number): void {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(ms);
}

afterEach(() => {
  vi.useRealTimers();
});

async function configure(name: string, config: Record<string, unknown>): Promise<void> {
  const res = await call(`/logs/${name}/config`, { method: "PUT", body: JSON.stringify(config) });
  expect(res.status).toBe(200);
}

async function json(path: string): Promise<unknown> {
  const res = await call(path);
  expect(res.status).toBe(200);
  return await res.json();
}

async function lines(path: string): Promise<{ offset: number; created: number }[]> {
  const res = await call(path);
  expect(res.status).toBe(200);
  return decodeBatchHelper(new TextDecoder().decode(await res.arrayBuffer()));
}

describe("maxAge over HTTP", () => {
  it("PUT maxAge is stored and answered; null turns it off", async () => {
    const name = uniqueName();
    await configure(name, { maxAge: 10 * MINUTE });
    expect(await json(`/logs/${name}/config`)).toEqual({
      maxSegmentSize: null,
      maxRecordSize: 1048576,
      maxAge: 10 * MINUTE,
    });
    await configure(name, { maxAge: null });
    expect((await json(`/logs/${name}/config`) as { maxAge: unknown }).maxAge).toBeNull();
  });

  it("a record older than maxAge is 410 OUT_OF_RANGE, and bounds and range move past it", async () => {
    fakeClock(T0);
    const name = uniqueName();
    await configure(name, { maxAge: MINUTE });
    await append(name, "old");
    vi.setSystemTime(T0 + MINUTE / 2);
    await append(name, "new");
    vi.setSystemTime(T0 + MINUTE); // "old" is exactly maxAge old: kept.
    expect((await call(`/logs/${name}/records/0`)).status).toBe(200);
    vi.setSystemTime(T0 + MINUTE + 1);
    const error = await expectError(await call(`/logs/${name}/records/0`), 410, "OUT_OF_RANGE");
    expect(error.offset).toBe(0);
    await expectError(await call(`/logs/${name}/records?from=0`), 410, "OUT_OF_RANGE");
    expect((await lines(`/logs/${name}/records`)).map((r) => r.offset)).toEqual([1]);
    expect(await json(`/logs/${name}/bounds`)).toEqual({ begin: 1, end: 2 });
    expect(await json(`/logs/${name}/range`)).toEqual({ earliest: 1, latest: 1 });
    vi.setSystemTime(T0 + 2 * MINUTE);
    await expectError(await call(`/logs/${name}/records/1`), 410, "OUT_OF_RANGE");
    expect(await json(`/logs/${name}/bounds`)).toEqual({ begin: 2, end: 2 });
    expect(await append(name, "later")).toBe(2);
  });

  it("a new maxAge applies at once to the records still stored", async () => {
    fakeClock(T0);
    const name = uniqueName();
    await configure(name, { maxAge: MINUTE });
    await append(name, "a");
    vi.setSystemTime(T0 + MINUTE / 2);
    await append(name, "b");
    vi.setSystemTime(T0 + MINUTE + 1);
    await expectError(await call(`/logs/${name}/records/0`), 410, "OUT_OF_RANGE");
    // Expired, but one record is too few for a read to delete: raising maxAge keeps it.
    await configure(name, { maxAge: 10 * MINUTE });
    expect((await call(`/logs/${name}/records/0`)).status).toBe(200);
    await configure(name, { maxAge: 1 });
    expect(await json(`/logs/${name}/bounds`)).toEqual({ begin: 2, end: 2 });
  });

  it("DEFAULT_MAX_AGE is the maxAge of a log never configured", async () => {
    fakeClock(T0);
    const name = uniqueName();
    await append(name, "a");
    const stub = env.LOGS.get(env.LOGS.idFromName(name));
    await runInDurableObject(stub, async (_instance, state) => {
      // As the object starts over the same storage in a deployment with the var set.
      const object = new LogObject(state, { ...env, DEFAULT_MAX_AGE: String(MINUTE) });
      await state.blockConcurrencyWhile(async () => {});
      const config = await object.fetch(new Request(`${BASE}/logs/${name}/config`));
      expect(((await config.json()) as { maxAge: unknown }).maxAge).toBe(MINUTE);
      vi.setSystemTime(T0 + MINUTE + 1);
      const read = await object.fetch(new Request(`${BASE}/logs/${name}/records/0`));
      await expectError(read, 410, "OUT_OF_RANGE");
    });
  });

  it("expired rows are deleted from the object's SQLite in bounded steps", async () => {
    fakeClock(T0);
    const name = uniqueName();
    await configure(name, { maxAge: MINUTE });
    const total = 2 * EXPIRY_STEP + 10;
    for (let i = 0; i < total; i += 100) {
      await appendBatch(name, Array.from({ length: Math.min(100, total - i) }, () => "x"));
    }
    vi.setSystemTime(T0 + 1);
    await append(name, "kept");
    const rows = () =>
      runInDurableObject(env.LOGS.get(env.LOGS.idFromName(name)), (_instance, state) => {
        const sql = state.storage.sql;
        const { id } = sql.exec<{ id: number }>(
          "SELECT id FROM edgelog_journals WHERE name = 'log'",
        ).one();
        return sql.exec<{ n: number }>(`SELECT count(*) AS n FROM edgelog_records_${id}`).one().n;
      });
    vi.setSystemTime(T0 + MINUTE + 1);
    expect(await rows()).toBe(total + 1);
    expect(await json(`/logs/${name}/bounds`)).toEqual({ begin: total, end: total + 1 });
    expect(await rows()).toBe(total + 1 - EXPIRY_STEP);
    await append(name, "next");
    expect(await rows()).toBe(total + 2 - 2 * EXPIRY_STEP - 1);
    await append(name, "last");
    expect(await rows()).toBe(3);
  });

  it("a tail from an expired offset gets the OUT_OF_RANGE frame and close code 4410", async () => {
    fakeClock(T0);
    const name = uniqueName();
    await configure(name, { maxAge: MINUTE });
    await appendBatch(name, ["a", "b"]);
    vi.setSystemTime(T0 + MINUTE + 1);
    const tail = await openTail(name, "from=0");
    expect(await tail.closed).toMatchObject({ code: 4410 });
    const error = JSON.parse(tail.texts[0]!).error;
    expect(error).toMatchObject({ code: "OUT_OF_RANGE", offset: 0 });
    expect(tail.frames).toBe(0);
  });

  it("a tail sending history whose cursor expires gets OUT_OF_RANGE and 4410", async () => {
    fakeClock(T0);
    const name = uniqueName();
    await configure(name, { maxAge: MINUTE });
    for (let i = 0; i < 20; i++) {
      await appendBatch(name, Array.from({ length: 1000 }, (_, j) => `h${i * 1000 + j}`));
    }
    const tail = await openTail(name, "from=0");
    // About 80 frames of history, one per turn: the records expire in the middle.
    vi.setSystemTime(T0 + MINUTE + 1);
    expect(await tail.closed).toMatchObject({ code: 4410 });
    const error = JSON.parse(tail.texts.at(-1)!).error;
    expect(error.code).toBe("OUT_OF_RANGE");
    expect(error.offset).toBeLessThan(20_000);
  });
});

describe("?since= over HTTP", () => {
  /** A log of three records created at T0, T0 + 1 min and T0 + 2 min. */
  async function threeMinutes(): Promise<string> {
    fakeClock(T0);
    const name = uniqueName();
    for (let i = 0; i < 3; i++) {
      vi.setSystemTime(T0 + i * MINUTE);
      await append(name, `m${i}`);
    }
    return name;
  }

  it("GET /records?since=T reads from the first record created at or after T", async () => {
    const name = await threeMinutes();
    const offsets = async (query: string) =>
      (await lines(`/logs/${name}/records?${query}`)).map((r) => r.offset);
    expect(await offsets(`since=${T0 + MINUTE}`)).toEqual([1, 2]);
    expect(await offsets(`since=${T0 + MINUTE - 1}`)).toEqual([1, 2]);
    expect(await offsets(`since=${T0 + MINUTE + 1}`)).toEqual([2]);
    expect(await offsets("since=0")).toEqual([0, 1, 2]);
    expect(await offsets(`since=${T0}&limit=2`)).toEqual([0, 1]);
    const page = await call(`/logs/${name}/records?since=${T0 + MINUTE}&limit=1`);
    expect(page.headers.get("edgelog-next-offset")).toBe("2");
    await page.body?.cancel();
  });

  it("GET /records?since=T after the newest record is 200 with no lines, next offset the end", async () => {
    const name = await threeMinutes();
    const res = await call(`/logs/${name}/records?since=${T0 + 3 * MINUTE}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("edgelog-next-offset")).toBe("3");
    expect(new Uint8Array(await res.arrayBuffer()).byteLength).toBe(0);
    const empty = await call(`/logs/${uniqueName()}/records?since=0`);
    expect(empty.status).toBe(200);
    expect(empty.headers.get("edgelog-next-offset")).toBe("0");
    await empty.body?.cancel();
  });

  it("GET /records?since=T before the oldest record kept reads from it", async () => {
    const name = await threeMinutes();
    await configure(name, { maxAge: 90_000 });
    // At T0 + 2 min the record of T0 is older than 90 s.
    expect((await lines(`/logs/${name}/records?since=0`)).map((r) => r.offset)).toEqual([1, 2]);
  });

  it("since with from, or a since that is no integer, is 400", async () => {
    const name = await threeMinutes();
    for (
      const query of ["since=1&from=0", "since=-1", "since=1e3", "since=soon", "since=1&since=2"]
    ) {
      await expectError(await call(`/logs/${name}/records?${query}`), 400, "BAD_REQUEST");
      const tail = await SELF.fetch(`${BASE}/logs/${name}/tail?${query}`, {
        headers: { Upgrade: "websocket" },
      });
      await expectError(tail, 400, "BAD_REQUEST");
    }
  });

  it("a tail with ?since=T starts at the first record created at or after T", async () => {
    const name = await threeMinutes();
    const tail = await openTail(name, `since=${T0 + MINUTE}`);
    await tail.until(2);
    expect(tail.offsets).toEqual([1, 2]);
    tail.ws.close();
  });

  it("a tail with ?since=T after the newest record gets the records appended later", async () => {
    const name = await threeMinutes();
    const tail = await openTail(name, `since=${T0 + 10 * MINUTE}`);
    vi.setSystemTime(T0 + 3 * MINUTE);
    await append(name, "m3");
    await tail.until(1);
    expect(tail.offsets).toEqual([3]);
    tail.ws.close();
  });
});

interface Tail {
  ws: WebSocket;
  texts: string[];
  frames: number;
  offsets: number[];
  until(count: number): Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
}

/** Opens a tail with `query` and counts what it receives. */
async function openTail(name: string, query: string): Promise<Tail> {
  const res = await SELF.fetch(`${BASE}/logs/${name}/tail?${query}`, {
    headers: { Upgrade: "websocket" },
  });
  expect(res.status).toBe(101);
  const ws = res.webSocket!;
  let chain = Promise.resolve();
  const tail: Tail = {
    ws,
    texts: [],
    frames: 0,
    offsets: [],
    closed: new Promise((resolve) => {
      ws.addEventListener("close", (e) => resolve({ code: e.code, reason: e.reason }));
    }),
    async until(count) {
      for (let waited = 0; tail.offsets.length < count; waited += 5) {
        if (waited > 10_000) throw new Error(`tail got ${tail.offsets.length} of ${count}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
  };
  ws.addEventListener("message", (e) => {
    const data: unknown = e.data;
    if (typeof data === "string") tail.texts.push(data);
    else {
      tail.frames++;
      // Binary frames arrive as Blobs here: decoded in arrival order.
      chain = chain.then(async () => {
        const buffer = data instanceof Blob ? await data.arrayBuffer() : data as ArrayBuffer;
        for (const r of decodeTailFrame(new Uint8Array(buffer))) tail.offsets.push(r.offset);
      });
    }
  });
  ws.accept();
  return tail;
}
