// The client's reads and tails by time, and retention by age in its config, without a
// server: a stand-in `fetch` and stand-in WebSockets answer as PROTOCOL.md says.
import assert from "node:assert/strict";
import type { LogRecord } from "../../mod.ts";
import { LogClient, type WebSocketLike } from "./mod.ts";
import { encodeRecordLine, encodeTailFrame, type WireRecord } from "../protocol/wire.ts";

const BASE = "http://127.0.0.1:8787";
const T0 = Date.UTC(2026, 11, 1);

function wire(offset: number): WireRecord {
  return { offset, created: T0 + offset * 1000, data: new TextEncoder().encode(`r${offset}`) };
}

/** A client whose stand-in server answers with `answer`; it keeps the requests. */
function client(answer: (url: URL) => Response) {
  const requests: URL[] = [];
  const log = new LogClient(BASE, "acme/demo", {
    WebSocket: FakeSocket,
    fetch: (request) => {
      const url = new URL(request.url);
      requests.push(url);
      return Promise.resolve(answer(url));
    },
  });
  return { log, requests };
}

/** NDJSON lines of the records `[from, to)`, as GET /records answers. */
function page(from: number, to: number): Response {
  let body = "";
  for (let offset = from; offset < to; offset++) body += encodeRecordLine(wire(offset));
  return new Response(body, { headers: { "edgelog-next-offset": String(to) } });
}

Deno.test("`readSince()` asks for the first page by time and reads on by offset", async () => {
  const { log, requests } = client((url) => {
    const from = url.searchParams.get("from");
    const limit = Number(url.searchParams.get("limit"));
    // The server found offset 7 for the time; it ends at offset 1507.
    const first = from === null ? 7 : Number(from);
    return page(first, Math.min(first + limit, 1507));
  });
  const batch = new Array<LogRecord>(1200);
  assert.equal(await log.readSince(new Date(T0 + 7000), batch), 1200);
  assert.deepEqual(
    requests.map((url) => url.search),
    [`?since=${T0 + 7000}&limit=1000`, "?from=1007&limit=200"],
  );
  assert.deepEqual([batch[0]?.offset, batch[1199]?.offset], [7, 1206]);
  assert.equal(batch[0]?.created.getTime(), T0 + 7000);
});

Deno.test("`readSince()` resolves 0 when no record was created since the time", async () => {
  const { log } = client(() => page(3, 3));
  const batch = new Array<LogRecord>(10);
  assert.equal(await log.readSince(T0, batch), 0);
  assert.equal(batch[0], undefined);
});

Deno.test("`readSince()` sends whole milliseconds from 0, and checks the time first", async () => {
  const { log, requests } = client(() => page(0, 1));
  await log.readSince(T0 + 0.25, new Array(1));
  await log.readSince(-5, new Array(1));
  await log.readSince(new Date(-1000), new Array(1));
  assert.deepEqual(
    requests.map((url) => url.searchParams.get("since")),
    [String(T0 + 1), "0", "0"],
  );
  for (const time of [NaN, Infinity, new Date(NaN)]) {
    await assert.rejects(log.readSince(time, new Array(1)), RangeError);
  }
  await assert.rejects(log.readSince("10m" as unknown as number, new Array(1)), TypeError);
  assert.equal(await log.readSince(T0, []), 0);
  assert.equal(requests.length, 3, "nothing sent for refused arguments or an empty batch");
});

Deno.test("`configure()` sends maxAge, null for Infinity, and reads it back", async () => {
  const bodies: unknown[] = [];
  const log = new LogClient(BASE, "a", {
    fetch: async (request) => {
      const body = await request.json() as Record<string, unknown>;
      bodies.push(body);
      return Response.json({ maxSegmentSize: null, maxRecordSize: 64, maxAge: body.maxAge });
    },
  });
  assert.equal((await log.configure({ maxAge: 60_000 })).maxAge, 60_000);
  assert.equal((await log.configure({ maxAge: Infinity })).maxAge, null);
  assert.equal((await log.configure({ maxAge: null })).maxAge, null);
  assert.deepEqual(bodies, [{ maxAge: 60_000 }, { maxAge: null }, { maxAge: null }]);
  await assert.rejects(log.configure({ maxAge: 0 }), RangeError);
  await assert.rejects(log.configure({ maxAge: 1.5 }), RangeError);
});

Deno.test("`tail()` with since connects by time, then resumes by offset", async () => {
  FakeSocket.all = [];
  const { log, requests } = client(() => new Response(null, { status: 500 }));
  const tail = log.tail(undefined, { since: new Date(T0 + 2000), minDelay: 1, heartbeat: 0 });
  const first = tail.next();
  const socket = await sockets(1);
  assert.equal(socket.url, `ws://127.0.0.1:8787/logs/acme/demo/tail?since=${T0 + 2000}`);
  assert.equal(requests.length, 0, "no request for the end");
  // Dropped before any record: the tail tries the same time again.
  socket.drop();
  const again = await sockets(2);
  assert.equal(again.url, `ws://127.0.0.1:8787/logs/acme/demo/tail?since=${T0 + 2000}`);
  again.open();
  again.records(wire(2), wire(3));
  assert.equal((await first).value?.offset, 2);
  assert.equal((await tail.next()).value?.offset, 3);
  again.drop();
  const resumed = await sockets(3);
  assert.equal(resumed.url, "ws://127.0.0.1:8787/logs/acme/demo/tail?from=4");
  await tail.return!();
});

Deno.test("`tail()` with both from and since rejects RangeError", async () => {
  const { log } = client(() => new Response(null, { status: 500 }));
  await assert.rejects(log.tail(0, { since: T0 }).next(), RangeError);
  await assert.rejects(log.tail(undefined, { since: NaN }).next(), RangeError);
});

type Listener = (event: never) => void;

/** A stand-in WebSocket: the test plays the server through its methods. */
class FakeSocket implements WebSocketLike {
  static all: FakeSocket[] = [];
  binaryType = "blob";
  readonly url: string;
  readonly #listeners = new Map<string, Listener[]>();

  constructor(url: string) {
    this.url = url;
    FakeSocket.all.push(this);
  }

  send(_data: string): void {}

  close(_code?: number): void {}

  addEventListener(type: string, listener: Listener): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }

  #emit(type: string, event: unknown): void {
    for (const listener of this.#listeners.get(type) ?? []) {
      (listener as (e: unknown) => void)(event);
    }
  }

  open(): void {
    this.#emit("open", {});
  }

  records(...records: WireRecord[]): void {
    this.#emit("message", { data: encodeTailFrame(records).buffer });
  }

  drop(): void {
    this.#emit("close", { code: 1006, reason: "" });
  }
}

/** Waits until `count` sockets were opened, for at most 5 s. */
async function sockets(count: number): Promise<FakeSocket> {
  const deadline = Date.now() + 5000;
  while (FakeSocket.all.length < count) {
    if (Date.now() > deadline) assert.fail(`Timed out waiting for ${count} sockets`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return FakeSocket.all.at(-1)!;
}
