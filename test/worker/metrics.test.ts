// The LogObject's own metrics (PROTOCOL.md, Metrics), read over `GET /logs/{name}/metrics` and
// RPC: rows read and written as the SQL cursors count them, requests by kind, the object's
// pending timers and its alarm. The rows a tail frame costs are counted here too, through the
// real object: the fan-out reads a commit's records once, whatever the number of tails.
import { env, runInDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { MetricsSnapshot } from "../../src/protocol/metrics.ts";
import { encodeClientEntries } from "../../src/protocol/session.ts";
import { decodeTailFrame } from "../../src/protocol/wire.ts";
import { logRpc } from "../../worker/log_rpc.ts";
import type { LogObject } from "../../worker/object/log_object.ts";
import { append, appendBatch, BASE, call, uniqueName } from "./helpers.ts";

async function metricsOf(name: string): Promise<MetricsSnapshot> {
  const res = await call(`/logs/${name}/metrics`);
  expect(res.status).toBe(200);
  return (await res.json()) as MetricsSnapshot;
}

/** What changed between two snapshots of the same instance. */
function delta(before: MetricsSnapshot, after: MetricsSnapshot) {
  expect(after.instance).toBe(before.instance);
  return {
    rowsRead: after.rowsRead - before.rowsRead,
    rowsWritten: after.rowsWritten - before.rowsWritten,
    http: after.requests.http - before.requests.http,
    rpc: after.requests.rpc - before.requests.rpc,
    webSocketMessages: after.requests.webSocketMessages - before.requests.webSocketMessages,
  };
}

/** Opens `count` tails at the log's end; resolves each tail's next frame's record count. */
async function tails(name: string, from: number, count: number): Promise<{
  sockets: WebSocket[];
  received: () => number;
}> {
  const sockets: WebSocket[] = [];
  let received = 0;
  for (let i = 0; i < count; i++) {
    const res = await SELF.fetch(`${BASE}/logs/${name}/tail?from=${from}`, {
      headers: { Upgrade: "websocket" },
    });
    expect(res.status).toBe(101);
    const ws = res.webSocket!;
    ws.accept();
    ws.addEventListener("message", (e) => {
      const data: unknown = e.data;
      void (data instanceof Blob ? data.arrayBuffer() : Promise.resolve(data as ArrayBuffer))
        .then((buffer) => received += decodeTailFrame(new Uint8Array(buffer)).length);
    });
    sockets.push(ws);
  }
  return { sockets, received: () => received };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("GET /logs/{name}/metrics", () => {
  it("counts one row written per record appended, and every HTTP request", async () => {
    const name = uniqueName("metrics");
    await append(name, "first"); // the log's tables are created by its first request
    const m0 = await metricsOf(name);
    await append(name, "one");
    const m1 = await metricsOf(name);
    await appendBatch(name, Array.from({ length: 100 }, (_, i) => `r${i}`));
    const m2 = await metricsOf(name);
    const single = delta(m0, m1);
    const batch = delta(m1, m2);
    console.log(
      `metrics: single append ${JSON.stringify(single)}; batch of 100 ${JSON.stringify(batch)}`,
    );
    // The append and the metrics read after it: two HTTP requests.
    expect(single).toMatchObject({ rowsWritten: 1, http: 2, rpc: 0, webSocketMessages: 0 });
    expect(batch).toMatchObject({ rowsWritten: 100, http: 2 });
    // An INSERT reads each row it writes; the bounds are known in memory (ObjectJournal).
    expect(single.rowsRead).toBe(1);
    expect(batch.rowsRead).toBe(100);
    expect(m2.bounds).toEqual({ begin: 0, end: 102 });
    expect(m2.pendingTimers).toBe(0);
    expect(m2.alarm).toBeNull();
    expect(m2.databaseBytes).toBeGreaterThan(0);
    expect(m2.started).toBeLessThanOrEqual(Date.now());
    // The instance id is the one each answer carries.
    const res = await call(`/logs/${name}/bounds`);
    await res.arrayBuffer();
    expect(res.headers.get("edgelog-instance")).toBe(m2.instance);
  });

  it("a tail frame reads the commit's records once, for one tail as for ten", async () => {
    const name = uniqueName("metrics-tail");
    const { first } = await appendBatch(name, ["a", "b"]);
    const perTails: number[] = [];
    let end = first + 2;
    const fifty = () => appendBatch(name, Array.from({ length: 50 }, (_, i) => `t${i}`));
    // The same append with no tail connected: its own reads.
    const alone = await metricsOf(name);
    await fifty();
    const own = delta(alone, await metricsOf(name)).rowsRead;
    end += 50;
    for (const count of [1, 10]) {
      const group = await tails(name, end, count);
      const before = await metricsOf(name);
      await fifty();
      await until(() => group.received() === 50 * count, `${count} tail(s) to get 50 records`);
      const after = await metricsOf(name);
      expect(after.pendingTimers).toBe(0);
      const d = delta(before, after);
      // Beyond the append's own reads: the fan-out's.
      perTails.push(d.rowsRead - own);
      expect(d.rowsWritten).toBe(50);
      for (const ws of group.sockets) ws.close(1000);
      end += 50;
    }
    console.log(
      `metrics: rows read by the fan-out of 50 records: 1 tail ${perTails[0]}, 10 tails ${
        perTails[1]
      }`,
    );
    // The frame's 50 rows, read once by the fan-out and sent to every live tail.
    expect(perTails).toEqual([50, 50]);
  });

  it("counts RPC calls and WebSocket messages, and shows the deletion steps as pending timers", async () => {
    const name = uniqueName("metrics-rpc");
    const log = logRpc(env.LOGS, name);
    await log.appendBatch(Array.from({ length: 1000 }, () => new Uint8Array(8)));
    for (let i = 0; i < 9; i++) {
      await log.appendBatch(Array.from({ length: 1000 }, () => new Uint8Array(8)));
    }
    const before = await log.metrics();
    // A truncation of 10,000 records deletes a first step of 4096 rows and chains the rest
    // on timers: one is pending when the truncation answers (seen inside the object, before
    // the timer's turn comes).
    const stub = env.LOGS.get(env.LOGS.idFromName(name));
    const during = await runInDurableObject(stub, async (instance: LogObject) => {
      await instance.truncate(10_000);
      const answer = await instance.metrics();
      if (!("value" in answer)) throw new Error("metrics() failed");
      return answer.value;
    });
    expect(during.pendingTimers).toBe(1);
    // The chain ends by itself, leaving nothing pending and no alarm.
    let after = during;
    const deadline = Date.now() + 10_000;
    while (after.pendingTimers > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      after = await log.metrics();
    }
    expect(after.pendingTimers).toBe(0);
    expect(after.alarm).toBeNull();
    // Every truncated row was deleted once (a delete is a row written), plus the catalog row.
    expect(after.rowsWritten - before.rowsWritten).toBe(1 + 10_000);
    // Each metrics() call is an RPC request, and so was the truncation (called on the
    // instance here, as the runtime calls an RPC method).
    expect(during.requests.rpc - before.requests.rpc).toBe(2);

    // A WebSocket message: a session's message reaches the object and is counted.
    const res = await SELF.fetch(`${BASE}/logs/${name}/session`, {
      headers: { Upgrade: "websocket" },
    });
    expect(res.status).toBe(101);
    const ws = res.webSocket!;
    ws.accept();
    const m0 = await log.metrics();
    ws.send("not a session message");
    let m1 = m0;
    const wsDeadline = Date.now() + 10_000;
    while (m1.requests.webSocketMessages === m0.requests.webSocketMessages) {
      if (Date.now() > wsDeadline) throw new Error("the message was never counted");
      await new Promise((resolve) => setTimeout(resolve, 5));
      m1 = await log.metrics();
    }
    expect(m1.requests.webSocketMessages - m0.requests.webSocketMessages).toBe(1);
    ws.close(1000);
  });

  it("an append session's message: one message, its records' rows, a producer row and a key-value write", async () => {
    const name = uniqueName("metrics-session");
    await append(name, "first");
    const res = await SELF.fetch(`${BASE}/logs/${name}/session`, {
      headers: { Upgrade: "websocket" },
    });
    expect(res.status).toBe(101);
    const ws = res.webSocket!;
    ws.accept();
    const before = await metricsOf(name);
    const data = new TextEncoder().encode("s");
    ws.send(encodeClientEntries(0, [
      { kind: "producer", id: "metrics-writer" },
      { kind: "record", data, producer: { epoch: 0, seq: 0 } },
      { kind: "record", data, producer: { epoch: 0, seq: 1 } },
      { kind: "record", data, producer: { epoch: 0, seq: 2 } },
    ]));
    let after = before;
    const deadline = Date.now() + 10_000;
    while (after.bounds.end < before.bounds.end + 3 || after.pendingTimers > 0) {
      if (Date.now() > deadline) throw new Error("the session's appends were never committed");
      await new Promise((resolve) => setTimeout(resolve, 5));
      after = await metricsOf(name);
    }
    const d = delta(before, after);
    console.log(
      `metrics: a session message of 3 appends: ${JSON.stringify(d)}, key-value writes ${
        after.kvWrites - before.kvWrites
      }`,
    );
    expect(d.webSocketMessages).toBe(1);
    // One commit: the 3 records and the producer's state row in SQLite, and the producer's
    // answers in the key-value storage (one write, billed as a row written at least).
    expect(d.rowsWritten).toBe(3 + 1);
    expect(after.kvWrites - before.kvWrites).toBe(1);
    ws.close(1000);
  });
});
