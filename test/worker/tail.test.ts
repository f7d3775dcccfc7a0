import { env, runInDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { decodeTailFrame, encodeBatch, type TailRecord } from "../../worker/frames.ts";
import { LogObject } from "../../worker/log_object.ts";
import { append, appendBatch, BASE, bytes, call, text, uniqueName } from "./helpers.ts";

interface Tail {
  ws: WebSocket;
  records: TailRecord[];
  texts: string[];
  frames: number;
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
    frames: 0,
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
        tail.frames++;
        tail.records.push(...decodeTailFrame(new Uint8Array(buffer)));
      }
    });
  });
  ws.accept();
  return tail;
}

const offsets = (tail: Tail) => tail.records.map((r) => r.offset);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe("GET /logs/{name}/tail (WebSocket)", () => {
  it("sends history from `from`, then live records", async () => {
    const name = uniqueName();
    await appendBatch(name, ["a", "b", "c"]);
    const tail = await openTail(name, 1);
    await tail.until(2);
    await append(name, "d");
    await appendBatch(name, ["e", "f"]);
    await tail.until(5);
    expect(offsets(tail)).toEqual([1, 2, 3, 4, 5]);
    expect(tail.records.map((r) => text(r.data))).toEqual(["b", "c", "d", "e", "f"]);
    expect(tail.records[0]!.created).toBeGreaterThan(0);
    tail.ws.close(1000, "done");
    expect((await tail.closed).code).toBe(1000);
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
    expect(offsets(tail)).toEqual(range(0, 3000));
    expect(tail.frames).toBeGreaterThanOrEqual(12);
    tail.ws.close();
  });

  it("frames hold at most ~1 MiB of records", async () => {
    const name = uniqueName();
    await appendBatch(name, Array.from({ length: 6 }, () => new Uint8Array(400_000)));
    const tail = await openTail(name, 0);
    await tail.until(6);
    expect(tail.frames).toBeGreaterThanOrEqual(2);
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
      // At most 256 records a frame; "after" may share the last frame of the batch.
      expect(tail.frames).toBeGreaterThanOrEqual(4);
      tail.ws.close();
    }
  });

  it("100 sockets on one log each get every record", async () => {
    const name = uniqueName();
    await appendBatch(name, ["h0", "h1"]);
    const tails = await Promise.all(Array.from({ length: 100 }, () => openTail(name, 0)));
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
  });

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
