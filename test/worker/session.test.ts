// The append session (PROTOCOL.md, Append session) in workerd: pipelined appends answered in
// order after their commit, batches, producers' resends answered with their original offsets,
// a typed error frame for every bad frame, the in-flight limit, and a session that outlives the
// object's eviction. (Its auth is in test/worker/auth/matrix.test.ts, with every route's.)
import { env, runInDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  type ClientEntry,
  CLOSE_SESSION_ERROR,
  decodeServerMessage,
  encodeClientEntries,
  MAX_SESSION_IN_FLIGHT_APPENDS,
  MAX_SESSION_IN_FLIGHT_BYTES,
  MAX_SESSION_MESSAGES_AHEAD,
  type ServerEntry,
  type SessionHello,
} from "../../src/protocol/session.ts";
import { MAX_BATCH_RECORDS } from "../../src/protocol/limits.ts";
import { LogObject } from "../../worker/object/log_object.ts";
import { SESSION_TAG } from "../../worker/object/session_socket.ts";
import { BASE, bytes, call, text, uniqueName } from "./helpers.ts";
import { decodeBatchHelper } from "./ndjson.ts";

/** One answer per append, as the client sees them: acks expanded from runs. */
type Answer =
  | { ack: number; count: number; duplicate: boolean }
  | { error: string; message: string; fields: Record<string, unknown> }
  | { sessionError: string; message: string };

interface Session {
  ws: WebSocket;
  hello: Promise<SessionHello>;
  answers: Answer[];
  closed: Promise<{ code: number; reason: string }>;
  /** Sends the entries as the next numbered message. */
  send(entries: ClientEntry[]): void;
  /** The number of the next message. */
  next: number;
  until(count: number): Promise<Answer[]>;
}

async function openSession(name: string): Promise<Session> {
  const res = await SELF.fetch(`${BASE}/logs/${name}/session`, {
    headers: { Upgrade: "websocket", "sec-websocket-protocol": "edgelog" },
  });
  expect(res.status).toBe(101);
  expect(res.headers.get("sec-websocket-protocol")).toBe("edgelog");
  const ws = res.webSocket!;
  let helloOf!: (hello: SessionHello) => void;
  const session: Session = {
    ws,
    hello: new Promise((resolve) => helloOf = resolve),
    answers: [],
    closed: new Promise((resolve) => {
      ws.addEventListener("close", (e) => {
        void chain.then(() => resolve({ code: e.code, reason: e.reason }));
      });
    }),
    next: 0,
    send: (entries) => ws.send(encodeClientEntries(session.next++, entries)),
    async until(count) {
      const deadline = Date.now() + 10_000;
      while (session.answers.length < count) {
        if (Date.now() > deadline) throw new Error(`got ${session.answers.length} of ${count}`);
        await new Promise((r) => setTimeout(r, 5));
      }
      return session.answers;
    },
  };
  let chain = Promise.resolve();
  ws.addEventListener("message", (e) => {
    const data: unknown = e.data;
    chain = chain.then(async () => {
      if (typeof data === "string") throw new Error(`text frame: ${data}`);
      const buffer = data instanceof Blob ? await data.arrayBuffer() : data as ArrayBuffer;
      for (const entry of decodeServerMessage(new Uint8Array(buffer))) {
        session.answers.push(...answersOf(entry, helloOf));
      }
    });
  });
  ws.accept();
  return session;
}

function answersOf(entry: ServerEntry, hello: (h: SessionHello) => void): Answer[] {
  switch (entry.kind) {
    case "hello":
      hello(entry.limits);
      return [];
    case "ack":
      return [{ ack: entry.offset, count: entry.count, duplicate: entry.duplicate }];
    case "ackRun":
      return Array.from({ length: entry.n }, (_, i) => ({
        ack: entry.offset + i,
        count: 1,
        duplicate: false,
      }));
    case "error": {
      const { code, message, ...fields } = (JSON.parse(entry.body) as {
        error: { code: string; message: string };
      }).error;
      return [{ error: code, message, fields }];
    }
    case "sessionError": {
      const { code, message } = (JSON.parse(entry.body) as {
        error: { code: string; message: string };
      }).error;
      return [{ sessionError: code, message }];
    }
  }
}

const record = (data: string, producer?: { epoch: number; seq: number }): ClientEntry => ({
  kind: "record",
  producer,
  data: bytes(data),
});

async function stored(name: string): Promise<string[]> {
  const res = await call(`/logs/${name}/records?from=0&limit=1000`);
  if (res.status === 404) return [];
  expect(res.status).toBe(200);
  return decodeBatchHelper(await res.text()).map((r) => text(r.data));
}

const ack = (offset: number, count = 1, duplicate = false): Answer => ({
  ack: offset,
  count,
  duplicate,
});

describe("GET /logs/{name}/session (WebSocket)", () => {
  it("announces its limits, and answers pipelined appends in order after their commit", async () => {
    const name = uniqueName();
    const s = await openSession(name);
    expect(await s.hello).toEqual({
      maxInFlightBytes: MAX_SESSION_IN_FLIGHT_BYTES,
      maxInFlightAppends: MAX_SESSION_IN_FLIGHT_APPENDS,
      maxBatchRecords: MAX_BATCH_RECORDS,
      maxBatchBytes: 8 * 1024 * 1024,
      maxRecordSize: 1024 * 1024,
    });
    // Many appends in one message, then more messages without waiting for answers.
    s.send(Array.from({ length: 50 }, (_, i) => record(`r${i}`)));
    for (let i = 50; i < 200; i++) s.send([record(`r${i}`)]);
    const answers = await s.until(200);
    expect(answers).toEqual(Array.from({ length: 200 }, (_, i) => ack(i)));
    expect(await stored(name)).toEqual(Array.from({ length: 200 }, (_, i) => `r${i}`));
    s.ws.close(1000);
    expect((await s.closed).code).toBe(1000);
  });

  it("takes messages by their number, whatever order they arrive in", async () => {
    const name = uniqueName();
    const s = await openSession(name);
    s.ws.send(encodeClientEntries(2, [record("c")]));
    s.ws.send(encodeClientEntries(1, [record("b")]));
    s.ws.send(encodeClientEntries(0, [record("a")]));
    expect(await s.until(3)).toEqual([ack(0), ack(1), ack(2)]);
    expect(await stored(name)).toEqual(["a", "b", "c"]);
    s.ws.close();
  });

  it("answers batches with their first offset and count, in order among single records", async () => {
    const name = uniqueName();
    const s = await openSession(name);
    s.send([
      record("a"),
      { kind: "batch", records: ["b", "c", "d"].map(bytes) },
      record("e"),
      { kind: "batch", records: [bytes("f")] },
    ]);
    expect(await s.until(4)).toEqual([ack(0), ack(1, 3), ack(4), ack(5)]);
    expect(await stored(name)).toEqual(["a", "b", "c", "d", "e", "f"]);
    s.ws.close();
  });

  it("a producer's resent appends are answered as duplicates with their original offsets", async () => {
    const name = uniqueName();
    // Another writer interleaves, so that the offsets cannot be guessed from the seqs.
    const other = await openSession(name);
    const first = await openSession(name);
    first.send([{ kind: "producer", id: "writer-1" }, record("p0", { epoch: 0, seq: 0 })]);
    await first.until(1);
    other.send([record("x0")]);
    await other.until(1);
    first.send([
      record("p1", { epoch: 0, seq: 1 }),
      { kind: "batch", producer: { epoch: 0, seq: 2 }, records: [bytes("p2a"), bytes("p2b")] },
    ]);
    await first.until(3);
    other.send([record("x1")]);
    await other.until(2);
    first.send([record("p3", { epoch: 0, seq: 3 })]);
    const original = await first.until(4);
    expect(original).toEqual([ack(0), ack(2), ack(3, 2), ack(6)]);
    // The answers were lost: a new session sends everything again, and one more.
    first.ws.close();
    const again = await openSession(name);
    again.send([
      { kind: "producer", id: "writer-1" },
      record("p0", { epoch: 0, seq: 0 }),
      record("p1", { epoch: 0, seq: 1 }),
      { kind: "batch", producer: { epoch: 0, seq: 2 }, records: [bytes("p2a"), bytes("p2b")] },
      record("p3", { epoch: 0, seq: 3 }),
      record("p4", { epoch: 0, seq: 4 }),
    ]);
    expect(await again.until(5)).toEqual([
      ack(0, 1, true),
      ack(2, 1, true),
      ack(3, 2, true),
      ack(6, 1, true),
      ack(7),
    ]);
    expect(await stored(name)).toEqual(["p0", "x0", "p1", "p2a", "p2b", "x1", "p3", "p4"]);
    // A gap and a stale epoch are typed errors; the session goes on.
    again.send([
      record("gap", { epoch: 0, seq: 9 }),
      record("p5", { epoch: 1, seq: 0 }),
      record("stale", { epoch: 0, seq: 5 }),
      record("plain"),
    ]);
    const [gap, p5, stale, plain] = (await again.until(9)).slice(5);
    expect(gap).toMatchObject({
      error: "PRODUCER_SEQ_GAP",
      fields: { expectedSeq: 5, receivedSeq: 9 },
    });
    expect(p5).toEqual(ack(8));
    expect(stale).toMatchObject({ error: "STALE_EPOCH", fields: { currentEpoch: 1, epoch: 0 } });
    expect(plain).toEqual(ack(9));
    for (const s of [other, again]) s.ws.close();
  });

  it("an append refused at once waits for the earlier ones' answers, and loses none", async () => {
    const name = uniqueName();
    await call(`/logs/${name}/config`, {
      method: "PUT",
      body: JSON.stringify({ maxRecordSize: 4 }),
    });
    const s = await openSession(name);
    expect((await s.hello).maxRecordSize).toBe(4);
    s.send([
      record("a"),
      record("b"),
      record("too large"),
      { kind: "record", data: new Uint8Array(0) },
      { kind: "batch", records: [] },
      { kind: "batch", records: Array.from({ length: MAX_BATCH_RECORDS + 1 }, () => bytes("z")) },
      record("after", { epoch: 0, seq: 0 }),
      record("c"),
    ]);
    const answers = await s.until(8);
    expect(answers[0]).toEqual(ack(0));
    expect(answers[1]).toEqual(ack(1));
    expect(answers[2]).toMatchObject({ error: "RECORD_TOO_LARGE", fields: { size: 9, limit: 4 } });
    expect(answers[3]).toMatchObject({ error: "BAD_REQUEST" });
    expect(answers[4]).toMatchObject({ error: "BAD_REQUEST" });
    expect(answers[5]).toMatchObject({ error: "REQUEST_TOO_LARGE" });
    // A seq before the session named its producer.
    expect(answers[6]).toMatchObject({ error: "BAD_REQUEST", message: /PRODUCER entry/ });
    expect(answers[7]).toEqual(ack(2));
    for (const a of answers) if ("error" in a) expect(a.message).not.toBe("");
    expect(await stored(name)).toEqual(["a", "b", "c"]);
    s.ws.close();
  });

  /** Message number 1, then `entry`'s bytes. */
  const second = (...entry: number[]) => new Uint8Array([63, 240, 0, 0, 0, 0, 0, 0, ...entry]);
  const badMessages: Array<[string, string | Uint8Array]> = [
    ["a text message", "hello"],
    ["an empty message", new Uint8Array(0)],
    ["a message with no entry", second()],
    ["a message number that is no integer", new Uint8Array([63, 241, 0, 0, 0, 0, 0, 0, 1])],
    ["a message number used before", encodeClientEntries(0, [record("again")])],
    [
      "a message number too far ahead",
      encodeClientEntries(MAX_SESSION_MESSAGES_AHEAD + 2, [record("far")]),
    ],
    ["an unknown entry kind", second(9, 0)],
    ["unknown flags", second(1, 2, 0, 0, 0, 1, 7)],
    ["a record cut off", second(1, 0, 0, 0, 0, 5, 1)],
    ["a batch whose count is past its bytes", second(2, 0, 0, 0, 1, 0)],
    ["an empty producer id", second(3, 0, 0)],
    ["a producer id that is not UTF-8", second(3, 0, 1, 0xff)],
    ["a producer id with a control character", second(3, 0, 1, 7)],
  ];
  for (const [what, message] of badMessages) {
    it(`${what}: earlier appends answered, then SESSION_ERROR BAD_REQUEST and close 4400`, async () => {
      const name = uniqueName();
      const s = await openSession(name);
      s.send([record("kept")]);
      // Answered before the bad message is sent: the runtime may deliver a socket's messages
      // out of order, and a message without a number cannot wait for its turn.
      await s.until(1);
      s.ws.send(message);
      s.next = 2;
      // Ignored: the session is over.
      s.send([record("ignored")]);
      const closed = await s.closed;
      expect(closed.code).toBe(CLOSE_SESSION_ERROR);
      expect(s.answers).toHaveLength(2);
      expect(s.answers[0]).toEqual(ack(0));
      expect(s.answers[1]).toMatchObject({ sessionError: "BAD_REQUEST" });
      expect(await stored(name)).toEqual(["kept"]);
    });
  }

  it("more appends in flight than the limit: SESSION_ERROR REQUEST_TOO_LARGE, nothing of them written", async () => {
    const name = uniqueName();
    const s = await openSession(name);
    s.send([record("first")]);
    s.send(Array.from({ length: MAX_SESSION_IN_FLIGHT_APPENDS + 1 }, () => record("x")));
    expect((await s.closed).code).toBe(CLOSE_SESSION_ERROR);
    expect(s.answers[0]).toEqual(ack(0));
    expect(s.answers[1]).toMatchObject({
      sessionError: "REQUEST_TOO_LARGE",
      message: expect.stringContaining(String(MAX_SESSION_IN_FLIGHT_APPENDS)),
    });
    expect(await stored(name)).toEqual(["first"]);
  });

  it("more bytes in flight than the limit: SESSION_ERROR REQUEST_TOO_LARGE", async () => {
    const name = uniqueName();
    await call(`/logs/${name}/config`, {
      method: "PUT",
      body: JSON.stringify({ maxRecordSize: 1_900_000 }),
    });
    const s = await openSession(name);
    const big = new Uint8Array(1_800_000).fill(1);
    const count = Math.ceil(MAX_SESSION_IN_FLIGHT_BYTES / big.byteLength) + 1;
    s.send(Array.from({ length: count }, () => ({ kind: "record", data: big })));
    expect((await s.closed).code).toBe(CLOSE_SESSION_ERROR);
    expect(s.answers).toEqual([
      expect.objectContaining({ sessionError: "REQUEST_TOO_LARGE" }),
    ]);
  });

  it("a session outlives the object's eviction: a new instance takes its producer and the offsets of its writes from storage", async () => {
    const name = uniqueName();
    const s = await openSession(name);
    const other = await openSession(name);
    s.send([{ kind: "producer", id: "hibernator" }, record("p0", { epoch: 0, seq: 0 })]);
    await s.until(1);
    other.send([record("x")]);
    await other.until(1);
    s.send([record("p1", { epoch: 0, seq: 1 }), record("p2", { epoch: 0, seq: 2 })]);
    expect(await s.until(3)).toEqual([ack(0), ack(2), ack(3)]);
    const stub = env.LOGS.get(env.LOGS.idFromName(name));
    await runInDurableObject(stub, async (_instance, state) => {
      const sockets = state.getWebSockets(SESSION_TAG);
      expect(sockets).toHaveLength(2);
      const socket = sockets.find((ws) =>
        JSON.stringify(ws.deserializeAttachment()).includes("hibernator")
      )!;
      expect(socket.deserializeAttachment()).toEqual({
        edgelog: { session: { producer: "hibernator", next: 2 } },
      });
      // Eviction drops the instance and keeps the socket: the next message reaches a new one.
      const fresh = new LogObject(state, env);
      // Its start-up (under blockConcurrencyWhile) runs first, as the runtime orders it.
      await new Promise((r) => setTimeout(r, 0));
      // The answers were lost: everything again, and one more.
      const message = encodeClientEntries(s.next++, [
        record("p0", { epoch: 0, seq: 0 }),
        record("p1", { epoch: 0, seq: 1 }),
        record("p2", { epoch: 0, seq: 2 }),
        record("p3", { epoch: 0, seq: 3 }),
      ]);
      await fresh.webSocketMessage(socket, message.buffer as ArrayBuffer);
    });
    // Older writes than the producer's last one too: their offsets were stored.
    expect((await s.until(7)).slice(3)).toEqual([
      ack(0, 1, true),
      ack(2, 1, true),
      ack(3, 1, true),
      ack(4),
    ]);
    expect(await stored(name)).toEqual(["p0", "x", "p1", "p2", "p3"]);
    for (const session of [s, other]) session.ws.close();
  });

  it("deleting the log closes its sessions with LOG_DELETED", async () => {
    const name = uniqueName();
    const s = await openSession(name);
    await s.hello;
    expect((await call(`/logs/${name}`, { method: "DELETE" })).status).toBe(204);
    expect(await s.closed).toEqual({ code: 4404, reason: "LOG_DELETED" });
  });

  it("without an upgrade: 426 UPGRADE_REQUIRED", async () => {
    const res = await call(`/logs/${uniqueName()}/session`);
    expect(res.status).toBe(426);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
      "UPGRADE_REQUIRED",
    );
  });
});
