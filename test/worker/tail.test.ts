import { env, runInDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MAX_FRAME_BYTES, MAX_FRAME_RECORDS } from "../../src/protocol/limits.ts";
import {
  decodeTailFrame,
  encodeBatch,
  type WireRecord as TailRecord,
} from "../../src/protocol/wire.ts";
import { LogObject } from "../../worker/object/log_object.ts";
import { TAIL_TAG, type TailAttachment } from "../../worker/tails/tails.ts";
import { append, appendBatch, BASE, bytes, call, text, uniqueName } from "./helpers.ts";
import { decodeBatchHelper } from "./ndjson.ts";

interface Tail {
  ws: WebSocket;
  records: TailRecord[];
  texts: string[];
  /** The records of each binary frame, in arrival order. */
  frames: TailRecord[][];
  closed: Promise<{ code: number; reason: string }>;
  until(count: number): Promise<void>;
}

async function openTail(name: string, from?: number): Promise<Tail> {
  const query = from === undefined ? "" : `?from=${from}`;
  const res = await SELF.fetch(`${BASE}/logs/${name}/tail${query}`, {
    headers: { Upgrade: "websocket" },
  });
  expect(res.status).toBe(101);
  const ws = res.webSocket!;
  const tail: Tail = {
    ws,
    records: [],
    texts: [],
    frames: [],
    closed: new Promise((resolve) => {
      ws.addEventListener("close", (e) => {
        // After the frames that came before the close are decoded.
        void chain.then(() => resolve({ code: e.code, reason: e.reason }));
      });
    }),
    async until(count) {
      const deadline = Date.now() + 10_000;
      while (tail.records.length < count) {
        if (Date.now() > deadline) {
          throw new Error(`tail got ${tail.records.length} of ${count} records`);
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    },
  };
  // Binary frames arrive as Blobs here: decode them in arrival order.
  let chain = Promise.resolve();
  ws.addEventListener("message", (e) => {
    const data: unknown = e.data;
    chain = chain.then(async () => {
      if (typeof data === "string") tail.texts.push(data);
      else {
        const buffer = data instanceof Blob ? await data.arrayBuffer() : data as ArrayBuffer;
        const records = decodeTailFrame(new Uint8Array(buffer));
        tail.frames.push(records);
        tail.records.push(...records);
      }
    });
  });
  ws.accept();
  return tail;
}

const offsets = (tail: Tail) => tail.records.map((r) => r.offset);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const bytesOf = (frame: TailRecord[]) => frame.reduce((n, r) => n + r.data.byteLength, 0);

/**
 * Asserts the frame rule (PROTOCOL.md "Live tail" and its Limits row; `readFrame` in
 * worker/tails/tails.ts) for EVERY frame the tail received: 1 to MAX_FRAME_RECORDS records, and
 * no record added once the frame held MAX_FRAME_BYTES of record bytes, i.e. its bytes
 * without its last record are below MAX_FRAME_BYTES. A frame also does not stop early: one
 * that holds fewer than MAX_FRAME_RECORDS records and fewer than MAX_FRAME_BYTES bytes must
 * end where the committed records ended when it was read, one of `ends` (the offset after
 * the last record of a commit).
 */
function expectBoundedFrames(tail: Tail, ends: number[]): void {
  expect(tail.frames.length).toBeGreaterThan(0);
  tail.frames.forEach((frame, i) => {
    const at = `frame ${i} (${frame.length} records from offset ${frame[0]?.offset})`;
    expect(frame.length, at).toBeGreaterThanOrEqual(1);
    expect(frame.length, at).toBeLessThanOrEqual(MAX_FRAME_RECORDS);
    const size = bytesOf(frame);
    expect(size - frame.at(-1)!.data.byteLength, at).toBeLessThan(MAX_FRAME_BYTES);
    if (frame.length < MAX_FRAME_RECORDS && size < MAX_FRAME_BYTES) {
      expect(ends, at).toContain(frame.at(-1)!.offset + 1);
    }
  });
}

/** Resolves with the close event, or fails after `ms`. */
function closedWithin(tail: Tail, ms = 3000): Promise<{ code: number; reason: string }> {
  return Promise.race([
    tail.closed,
    sleep(ms).then(() => {
      throw new Error(`no close event within ${ms} ms`);
    }),
  ]);
}

/** Records of a log as an NDJSON batch read returns them: what the log stores. */
async function stored(name: string, from: number): Promise<TailRecord[]> {
  const res = await call(`/logs/${name}/records?from=${from}`);
  expect(res.status).toBe(200);
  return decodeBatchHelper(new TextDecoder().decode(await res.arrayBuffer()));
}

/** Connected tail sockets of a log, as the object counts them (`Tails.count`). */
function tailCount(name: string): Promise<number> {
  const stub = env.LOGS.get(env.LOGS.idFromName(name));
  return runInDurableObject(stub, (_instance, state) => state.getWebSockets(TAIL_TAG).length);
}

/**
 * A stand-in for a hibernated tail socket that records what the object does with it: the
 * frames sent and the close calls. Its attachment is kept like a real socket's.
 */
class RecordingSocket {
  readonly sent: Array<string | ArrayBuffer | ArrayBufferView> = [];
  readonly closes: Array<{ code: number | undefined; reason: string | undefined }> = [];
  #attachment: unknown;

  constructor(state: TailAttachment) {
    this.#attachment = { edgelog: state };
  }

  send(message: string | ArrayBuffer | ArrayBufferView): void {
    this.sent.push(message);
  }

  close(code?: number, reason?: string): void {
    this.closes.push({ code, reason });
  }

  serializeAttachment(value: unknown): void {
    this.#attachment = structuredClone(value);
  }

  deserializeAttachment(): unknown {
    return structuredClone(this.#attachment);
  }

  /** The offsets of each binary frame sent. */
  frameOffsets(): number[][] {
    return this.sent.map((m) => {
      if (typeof m === "string") throw new Error(`text frame sent: ${m}`);
      const frame = m instanceof ArrayBuffer
        ? new Uint8Array(m)
        : new Uint8Array(m.buffer, m.byteOffset, m.byteLength);
      return decodeTailFrame(frame).map((r) => r.offset);
    });
  }
}

describe("GET /logs/{name}/tail (WebSocket)", () => {
  it("sends history from `from`, then live records", async () => {
    const name = uniqueName();
    // Distinct contents and lengths, bytes that are not UTF-8 among them.
    const written = [
      bytes("a"),
      new Uint8Array([0xff, 0x00, 0x80, 0xfe]),
      bytes("ccc"),
      new Uint8Array([0xc3, 0x28]),
      bytes("eeeee"),
      new Uint8Array(300).map((_, i) => (i * 7) & 0xff),
    ];
    await appendBatch(name, written.slice(0, 3));
    const tail = await openTail(name, 1);
    await tail.until(2);
    // History first: offsets 1 and 2 arrived before anything live was written.
    expect(offsets(tail)).toEqual([1, 2]);
    await append(name, written[3]!);
    await appendBatch(name, written.slice(4));
    await tail.until(5);
    await sleep(50);
    expect(offsets(tail)).toEqual([1, 2, 3, 4, 5]);
    tail.records.forEach((r, i) => expect(r.data, `offset ${r.offset}`).toEqual(written[i + 1]));
    // Offset, time and bytes of every record are what the log stores.
    expect(tail.records).toEqual(await stored(name, 1));
    for (const r of tail.records) expect(r.created).toBeGreaterThan(0);
    expect(tail.texts).toEqual([]);
    expectBoundedFrames(tail, [3, 4, 6]);
    tail.ws.close(1000, "done");
    expect((await closedWithin(tail)).code).toBe(1000);
  });

  it("without `from` starts at the end: live records only", async () => {
    const name = uniqueName();
    await appendBatch(name, ["old1", "old2"]);
    const tail = await openTail(name);
    await append(name, "new");
    await tail.until(1);
    expect(offsets(tail)).toEqual([2]);
    tail.ws.close();
  });

  it("a `from` in the future waits for that offset", async () => {
    const name = uniqueName();
    const tail = await openTail(name, 2);
    await appendBatch(name, ["a", "b", "c", "d"]);
    await tail.until(2);
    expect(offsets(tail)).toEqual([2, 3]);
    tail.ws.close();
  });

  it("keeps binary data intact", async () => {
    const name = uniqueName();
    const all = new Uint8Array(256).map((_, i) => i);
    const tail = await openTail(name, 0);
    await append(name, all);
    await tail.until(1);
    expect(tail.records[0]!.data).toEqual(all);
    tail.ws.close();
  });

  it("sends long history in bounded frames (at most 256 records each)", async () => {
    const name = uniqueName();
    for (let i = 0; i < 3; i++) {
      await appendBatch(name, Array.from({ length: 1000 }, (_, j) => `r${i * 1000 + j}`));
    }
    const tail = await openTail(name, 0);
    await tail.until(3000);
    await sleep(50);
    expect(offsets(tail)).toEqual(range(0, 3000));
    expect(tail.records.map((r) => text(r.data))).toEqual(range(0, 3000).map((i) => `r${i}`));
    expectBoundedFrames(tail, [3000]);
    // Nothing was written during the catch-up: 11 full frames and the rest.
    expect(tail.frames.map((f) => f.length)).toEqual([...Array(11).fill(256), 184]);
    tail.ws.close();
  });

  it("frames hold at most ~1 MiB of records", async () => {
    const name = uniqueName();
    const written = Array.from({ length: 6 }, (_, i) => new Uint8Array(400_000).fill(i + 1));
    await appendBatch(name, written);
    const tail = await openTail(name, 0);
    await tail.until(6);
    await sleep(50);
    expect(offsets(tail)).toEqual(range(0, 6));
    // Each record whole and its own (a deep equality of 400 KB arrays is too slow here).
    for (const [i, r] of tail.records.entries()) {
      expect(r.data.byteLength, `offset ${i}`).toBe(400_000);
      expect(r.data.every((b) => b === i + 1), `offset ${i}`).toBe(true);
    }
    expectBoundedFrames(tail, [6]);
    // 800,000 bytes are below 1 MiB, 1,200,000 are not: three records a frame.
    expect(tail.frames.map((f) => f.length)).toEqual([3, 3]);
    tail.ws.close();
  });

  it("a frame stops as soon as it holds exactly 1 MiB of record bytes", async () => {
    const name = uniqueName();
    const quarter = MAX_FRAME_BYTES / 4;
    await appendBatch(name, Array.from({ length: 9 }, (_, i) => new Uint8Array(quarter).fill(i)));
    const tail = await openTail(name, 0);
    await tail.until(9);
    await sleep(50);
    expect(offsets(tail)).toEqual(range(0, 9));
    for (const [i, r] of tail.records.entries()) {
      expect(r.data.byteLength === quarter && r.data.every((b) => b === i), `offset ${i}`)
        .toBe(true);
    }
    expectBoundedFrames(tail, [9]);
    // Four quarters make 1 MiB: the frame stops there, a fifth would go over.
    expect(tail.frames.map((f) => f.length)).toEqual([4, 4, 1]);
    expect(tail.frames.map(bytesOf)).toEqual([MAX_FRAME_BYTES, MAX_FRAME_BYTES, quarter]);
    tail.ws.close();
  });

  it("appends racing the catch-up: no gap, no duplicate", async () => {
    const name = uniqueName();
    await appendBatch(name, Array.from({ length: 1000 }, (_, i) => `h${i}`));
    const tail = await openTail(name, 0);
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 50; i++) {
      writes.push(append(name, `live${i}`));
      if (i % 10 === 0) writes.push(appendBatch(name, ["x", "y", "z"]));
    }
    await Promise.all(writes);
    await tail.until(1065);
    await new Promise((r) => setTimeout(r, 50));
    expect(offsets(tail)).toEqual(range(0, 1065));
    tail.ws.close();
  });

  it("resuming with from = last + 1 yields exactly the missing records", async () => {
    const name = uniqueName();
    const first = await openTail(name, 0);
    await appendBatch(name, ["a", "b", "c"]);
    await first.until(3);
    first.ws.close(1000);
    await first.closed;
    await appendBatch(name, ["d", "e"]);
    const last = first.records.at(-1)!.offset;
    const second = await openTail(name, last + 1);
    await append(name, "f");
    await second.until(3);
    await new Promise((r) => setTimeout(r, 50));
    expect(offsets(second)).toEqual([3, 4, 5]);
    expect(second.records.map((r) => text(r.data))).toEqual(["d", "e", "f"]);
    second.ws.close();
  });

  it("a purged `from` gets an OUT_OF_RANGE error frame and close code 4410", async () => {
    const name = uniqueName();
    await appendBatch(name, ["a", "b", "c"]);
    await call(`/logs/${name}/truncate?before=2`, { method: "POST" });
    const tail = await openTail(name, 1);
    const closed = await tail.closed;
    expect(closed.code).toBe(4410);
    expect(JSON.parse(tail.texts[0]!).error.code).toBe("OUT_OF_RANGE");
    expect(tail.records).toEqual([]);
  });

  it("a live reader overtaken by retention gets OUT_OF_RANGE and 4410", async () => {
    const name = uniqueName();
    await call(`/logs/${name}/config`, {
      method: "PUT",
      body: JSON.stringify({ maxSegmentSize: 2 }),
    });
    await appendBatch(name, ["a", "b", "c"]);
    const tail = await openTail(name, 0);
    await tail.until(3);
    // Record number 13 makes retention keep offsets 10.. only: the tail needed 3.
    await appendBatch(name, Array.from({ length: 10 }, (_, i) => `r${i}`));
    const closed = await tail.closed;
    expect(closed.code).toBe(4410);
    expect(offsets(tail)).toEqual([0, 1, 2]);
    const error = JSON.parse(tail.texts.at(-1)!).error;
    expect(error.code).toBe("OUT_OF_RANGE");
    expect(error.offset).toBe(3);
  });

  it("a reader still sending history, overtaken by truncation, gets OUT_OF_RANGE and 4410", async () => {
    const name = uniqueName();
    for (let i = 0; i < 20; i++) {
      await appendBatch(name, Array.from({ length: 1000 }, (_, j) => `h${i * 1000 + j}`));
    }
    const tail = await openTail(name, 0);
    // About 80 frames of history, one per turn: the truncation lands in the middle.
    await call(`/logs/${name}/truncate?before=19000`, { method: "POST" });
    const closed = await tail.closed;
    expect(closed.code).toBe(4410);
    const error = JSON.parse(tail.texts.at(-1)!).error;
    expect(error.code).toBe("OUT_OF_RANGE");
    expect(error.offset).toBeLessThan(19000);
    // Everything before the purged offset arrived, in order, once.
    expect(offsets(tail)).toEqual(range(0, error.offset));
  });

  it("the attachment holds the tail's state under `edgelog`, other keys kept", async () => {
    const name = uniqueName();
    await appendBatch(name, ["a", "b"]);
    const tail = await openTail(name, 4);
    const stub = env.LOGS.get(env.LOGS.idFromName(name));
    const attachments = () =>
      runInDurableObject(
        stub,
        (_instance, state) => state.getWebSockets("tail").map((ws) => ws.deserializeAttachment()),
      );
    // Waiting for a future offset: the cursor.
    expect(await attachments()).toEqual([{ edgelog: { cursor: 4 } }]);
    await runInDurableObject(stub, (_instance, state) => {
      for (const ws of state.getWebSockets("tail")) {
        ws.serializeAttachment({ ...ws.deserializeAttachment(), other: "kept" });
      }
    });
    // The log reaches offset 4: the tail has every record from then on, it is live.
    await appendBatch(name, ["c", "d"]);
    await append(name, "e");
    await tail.until(1);
    expect(offsets(tail)).toEqual([4]);
    expect(await attachments()).toEqual([{ other: "kept", edgelog: { live: true } }]);
    tail.ws.close();
  });

  it("after eviction, a new instance resumes every tail exactly where it was", async () => {
    const name = uniqueName();
    await appendBatch(name, ["a", "b"]);
    const live = await openTail(name, 0);
    await live.until(2);
    const waiting = await openTail(name, 5);
    // A tail accepted by the previous release, which kept the cursor of every tail.
    const legacy = await openTail(name, 0);
    await legacy.until(2);
    const stub = env.LOGS.get(env.LOGS.idFromName(name));
    await runInDurableObject(stub, (_instance, state) => {
      const sockets = state.getWebSockets("tail");
      expect(sockets.length).toBe(3);
      sockets[2]!.serializeAttachment({ edgelog: { cursor: 2 } });
    });
    // Eviction drops the instance and keeps the sockets and their attachments: the next
    // event reaches a new instance built over the same state.
    await runInDurableObject(stub, async (_instance, state) => {
      const fresh = new LogObject(state, env);
      const res = await fresh.fetch(
        new Request(`${BASE}/logs/${name}/batch`, {
          method: "POST",
          headers: { "content-type": "application/vnd.edgelog.batch" },
          body: encodeBatch(["c", "d", "e", "f"].map(bytes)),
        }),
      );
      expect(await res.json()).toEqual({ first: 2, last: 5, count: 4 });
    });
    await live.until(6);
    await legacy.until(6);
    await waiting.until(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(offsets(live)).toEqual(range(0, 6));
    expect(offsets(legacy)).toEqual(range(0, 6));
    expect(offsets(waiting)).toEqual([5]);
    for (const tail of [live, waiting, legacy]) tail.ws.close();
  });

  it("a commit of more than one frame reaches live tails in bounded frames, in order", async () => {
    const name = uniqueName();
    const tails = await Promise.all(Array.from({ length: 3 }, () => openTail(name, 0)));
    await appendBatch(name, Array.from({ length: 1000 }, (_, i) => `b${i}`));
    await append(name, "after");
    await Promise.all(tails.map((t) => t.until(1001)));
    await new Promise((r) => setTimeout(r, 50));
    for (const tail of tails) {
      expect(offsets(tail)).toEqual(range(0, 1001));
      expect(tail.records.at(-1)!.data).toEqual(bytes("after"));
      // A frame that is not full ends at the end of the batch (1000) or of "after" (1001),
      // which may share the last frame of the batch.
      expectBoundedFrames(tail, [1000, 1001]);
      expect(tail.frames.length).toBeGreaterThanOrEqual(4);
      tail.ws.close();
    }
  });

  // 150 WebSocket upgrades take several seconds on a busy machine: more than the default 5.
  // More than one chunk of a fan-out (100 sockets per turn, worker/tails/tails.ts): the
  // appends racing it are committed between the chunks and go out in the next pass.
  it("150 sockets on one log each get every record, with appends racing the fan-out", async () => {
    const name = uniqueName();
    await appendBatch(name, ["h0", "h1"]);
    const tails = await Promise.all(Array.from({ length: 150 }, () => openTail(name, 0)));
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) writes.push(append(name, `live${i}`));
    writes.push(appendBatch(name, Array.from({ length: 30 }, (_, i) => `b${i}`)));
    await Promise.all(writes);
    await Promise.all(tails.map((t) => t.until(52)));
    await new Promise((r) => setTimeout(r, 50));
    for (const tail of tails) {
      expect(offsets(tail)).toEqual(range(0, 52));
      tail.ws.close();
    }
  }, 20_000);

  it("ping is answered with pong", async () => {
    const name = uniqueName();
    const tail = await openTail(name);
    tail.ws.send("ping");
    const deadline = Date.now() + 5000;
    while (!tail.texts.includes("pong") && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(tail.texts).toContain("pong");
    tail.ws.close();
  });

  it("messages other than ping are ignored: the socket stays open and gets the next record", async () => {
    const name = uniqueName();
    const tail = await openTail(name);
    let closed = false;
    void tail.closed.then(() => (closed = true));
    tail.ws.send("hello");
    tail.ws.send(new Uint8Array([0, 1, 2, 0xff]));
    tail.ws.send("pong");
    // The socket's messages are read in order: the pong proves the ones before it arrived.
    tail.ws.send("ping");
    const deadline = Date.now() + 5000;
    while (!tail.texts.includes("pong") && !closed && Date.now() < deadline) await sleep(5);
    await sleep(50);
    expect(closed).toBe(false);
    expect(tail.texts).toEqual(["pong"]);
    await append(name, "next");
    await tail.until(1);
    await sleep(50);
    expect(closed).toBe(false);
    expect(offsets(tail)).toEqual([0]);
    expect(tail.records[0]!.data).toEqual(bytes("next"));
    // Nothing but the runtime's answer to "ping": no echo, no error frame.
    expect(tail.texts).toEqual(["pong"]);
    expect(tail.frames.length).toBe(1);
    tail.ws.close();
  });

  it("a client's close is answered with the same code, and the tail is no longer counted", async () => {
    const name = uniqueName();
    await append(name, "a");
    for (const [code, reason] of [[4000, "bye"], [3000, ""], [4999, "last"], [1000, "done"]]) {
      const tail = await openTail(name, 0);
      await tail.until(1);
      expect(await tailCount(name)).toBe(1);
      tail.ws.close(code as number, reason as string);
      expect((await closedWithin(tail)).code, `close ${code}`).toBe(code);
      expect(await tailCount(name)).toBe(0);
    }
    // The closed tails are not in the way of the next commit.
    expect(await append(name, "b")).toBe(1);
  });

  it("a client's close without a code is answered with 1000", async () => {
    const name = uniqueName();
    const tail = await openTail(name);
    tail.ws.close();
    expect((await closedWithin(tail)).code).toBe(1000);
    expect(await tailCount(name)).toBe(0);
  });

  it("a peer close that cannot be sent back (1005, 1006) is answered with 1000", async () => {
    for (const code of [1005, 1006]) {
      const name = uniqueName();
      const tail = await openTail(name);
      // What the runtime reports when the client sent no code (1005) or vanished (1006).
      await runInDurableObject(env.LOGS.get(env.LOGS.idFromName(name)), (instance, state) => {
        const sockets = state.getWebSockets(TAIL_TAG);
        expect(sockets.length).toBe(1);
        instance.webSocketClose(sockets[0]!, code, "");
      });
      expect((await closedWithin(tail)).code, `close ${code}`).toBe(1000);
      tail.ws.close();
    }
    // A stand-in socket shows the exact call.
    await runInDurableObject(env.LOGS.get(env.LOGS.idFromName(uniqueName())), (instance) => {
      for (const code of [1005, 1006]) {
        const ws = new RecordingSocket({ live: true });
        instance.webSocketClose(ws as unknown as WebSocket, code, "");
        expect(ws.closes.map((c) => c.code), `close ${code}`).toEqual([1000]);
      }
    });
  });

  it("a socket error closes the tail with 1011", async () => {
    const name = uniqueName();
    await append(name, "a");
    const tail = await openTail(name, 0);
    await tail.until(1);
    const stub = env.LOGS.get(env.LOGS.idFromName(name));
    await runInDurableObject(stub, (instance, state) => {
      const sockets = state.getWebSockets(TAIL_TAG);
      expect(sockets.length).toBe(1);
      instance.webSocketError(sockets[0]!, new Error("connection reset"));
    });
    expect((await closedWithin(tail)).code).toBe(1011);
    // The client completes the close handshake: the socket is no longer counted.
    tail.ws.close();
    const deadline = Date.now() + 3000;
    while ((await tailCount(name)) > 0 && Date.now() < deadline) await sleep(10);
    expect(await tailCount(name)).toBe(0);
    expect(await append(name, "b")).toBe(1);
    expect(offsets(tail)).toEqual([0]);
  });

  it("a closed or failed tail is forgotten: later commits send it nothing", async () => {
    const name = uniqueName();
    await append(name, "a");
    const stub = env.LOGS.get(env.LOGS.idFromName(name));
    await runInDurableObject(stub, async (_instance, state) => {
      // Hibernated tails, live or waiting for offset 2, as a new instance picks them up
      // from the sockets' attachments (Tails.restore).
      const sockets = {
        liveClosed: new RecordingSocket({ live: true }),
        liveFailed: new RecordingSocket({ live: true }),
        waitingClosed: new RecordingSocket({ cursor: 2 }),
        waitingFailed: new RecordingSocket({ cursor: 2 }),
        live: new RecordingSocket({ live: true }),
        waiting: new RecordingSocket({ cursor: 2 }),
      };
      const all = Object.values(sockets) as unknown as WebSocket[];
      const patched = state as unknown as { getWebSockets?: unknown };
      patched.getWebSockets = () => all;
      let object: LogObject;
      try {
        object = new LogObject(state, env);
        // The constructor opens the log and restores the tails under blockConcurrencyWhile.
        await state.blockConcurrencyWhile(async () => {});
      } finally {
        delete patched.getWebSockets;
      }
      const post = async (path: string, init: RequestInit) => {
        const res = await object.fetch(new Request(`${BASE}/logs/${name}${path}`, init));
        expect(res.status).toBe(200);
        return res.json();
      };
      object.webSocketClose(sockets.liveClosed as unknown as WebSocket, 4000, "bye");
      object.webSocketClose(sockets.waitingClosed as unknown as WebSocket, 1000, "");
      object.webSocketError(sockets.liveFailed as unknown as WebSocket, new Error("reset"));
      object.webSocketError(sockets.waitingFailed as unknown as WebSocket, new Error("reset"));
      await post("/batch", {
        method: "POST",
        headers: { "content-type": "application/vnd.edgelog.batch" },
        body: encodeBatch([bytes("b"), bytes("c")]),
      });
      await sleep(20);
      await post("/records", { method: "POST", body: "d" });
      await sleep(20);
      // The tails still connected got every record: the others would have, too.
      expect(sockets.live.frameOffsets()).toEqual([[1, 2], [3]]);
      expect(sockets.waiting.frameOffsets()).toEqual([[2], [3]]);
      for (const key of ["liveClosed", "liveFailed", "waitingClosed", "waitingFailed"] as const) {
        expect(sockets[key].sent, key).toEqual([]);
      }
      // The close codes only: PROTOCOL.md promises no reason.
      const codes = (ws: RecordingSocket) => ws.closes.map((c) => c.code);
      expect(codes(sockets.liveClosed)).toEqual([4000]);
      expect(codes(sockets.waitingClosed)).toEqual([1000]);
      expect(codes(sockets.liveFailed)).toEqual([1011]);
      expect(codes(sockets.waitingFailed)).toEqual([1011]);
      expect(sockets.live.closes).toEqual([]);
      expect(sockets.waiting.closes).toEqual([]);
    });
  });

  it("deleting the log closes its tails with 4404", async () => {
    const name = uniqueName();
    const tail = await openTail(name, 0);
    await append(name, "a");
    await tail.until(1);
    await call(`/logs/${name}`, { method: "DELETE" });
    expect((await tail.closed).code).toBe(4404);
  });

  it("bad `from` is 400 before the upgrade", async () => {
    const res = await SELF.fetch(`${BASE}/logs/${uniqueName()}/tail?from=-1`, {
      headers: { Upgrade: "websocket" },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("BAD_REQUEST");
  });

  it("POST is 405", async () => {
    const res = await call(`/logs/${uniqueName()}/tail`, { method: "POST", body: bytes("x") });
    expect(res.status).toBe(405);
    await res.body?.cancel();
  });
});
