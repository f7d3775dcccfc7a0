// The tail without a server: stand-in WebSockets and a stand-in fetch, so that drops,
// reconnects, error frames and close codes happen exactly when a test says.
import assert from "node:assert/strict";
import { type LogRecord, OutOfRangeError } from "../../mod.ts";
import {
  type ConnectEvent,
  HttpError,
  LogClient,
  type ReconnectEvent,
  type WebSocketLike,
} from "./mod.ts";
import { encodeTailFrame, type WireRecord } from "../protocol/wire.ts";

const BASE = "http://127.0.0.1:8787";

type Listener = (event: never) => void;

/** A stand-in WebSocket: the test plays the server through its methods. */
class FakeSocket implements WebSocketLike {
  static all: FakeSocket[] = [];
  binaryType = "blob";
  readonly url: string;
  readonly protocols: string | string[] | undefined;
  readonly sent: string[] = [];
  closedByClient: number | undefined;
  readonly #listeners = new Map<string, Listener[]>();

  constructor(url: string, protocols?: string | string[]) {
    this.url = url;
    this.protocols = protocols;
    FakeSocket.all.push(this);
  }

  static get last(): FakeSocket {
    return FakeSocket.all.at(-1)!;
  }

  get from(): number {
    return Number(new URL(this.url).searchParams.get("from"));
  }

  send(data: string): void {
    this.sent.push(data);
  }

  close(code?: number): void {
    this.closedByClient = code ?? 1005;
  }

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
    const frame = encodeTailFrame(records);
    this.#emit("message", { data: frame.buffer });
  }

  text(data: string): void {
    this.#emit("message", { data });
  }

  drop(code = 1006): void {
    this.#emit("error", {});
    this.#emit("close", { code, reason: "" });
  }
}

function record(offset: number, text = `r${offset}`): WireRecord {
  return { offset, created: 1767225600000 + offset, data: new TextEncoder().encode(text) };
}

/** Lets pending promise callbacks and short timers run. */
const turn = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `condition` holds, for at most 5 s. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`Timed out waiting until ${what}`);
    await turn(1);
  }
}

/** Waits until `FakeSocket.all` holds `count` sockets. */
async function sockets(count: number): Promise<FakeSocket> {
  await until(() => FakeSocket.all.length >= count, `${count} sockets are open`);
  assert.equal(FakeSocket.all.length, count, "sockets opened");
  return FakeSocket.last;
}

function client(
  answer: (request: Request) => Response = () => Response.json({ begin: 0, end: 0 }),
  token?: string,
) {
  FakeSocket.all = [];
  const requests: Request[] = [];
  const log = new LogClient(BASE, "acme/demo", {
    WebSocket: FakeSocket,
    fetch: (request) => {
      requests.push(request);
      return Promise.resolve(answer(request));
    },
    ...(token === undefined ? {} : { token }),
  });
  return { log, requests };
}

const fast = { minDelay: 1, maxDelay: 4, heartbeat: 0 };

async function take(tail: AsyncIterator<LogRecord>, count: number): Promise<number[]> {
  const offsets: number[] = [];
  for (let i = 0; i < count; i++) {
    const next = await tail.next();
    assert.equal(next.done, false);
    offsets.push(next.value.offset);
  }
  return offsets;
}

Deno.test("`tail()` connects on the first next(), from the given offset, as arraybuffer", async () => {
  const { log, requests } = client();
  const tail = log.tail(5, fast);
  await turn(5);
  assert.equal(FakeSocket.all.length, 0, "no connection before next()");
  const first = tail.next();
  const socket = await sockets(1);
  assert.equal(socket.url, "ws://127.0.0.1:8787/logs/acme/demo/tail?from=5");
  assert.equal(socket.protocols, undefined, "no subprotocol without a token");
  assert.equal(socket.binaryType, "arraybuffer");
  assert.equal(requests.length, 0, "a given from needs no request");
  socket.open();
  socket.records(record(5, "hello"), record(6));
  const { value } = await first;
  assert.deepEqual(value, {
    offset: 5,
    created: new Date(1767225600005),
    data: new TextEncoder().encode("hello"),
  });
  assert.deepEqual(await take(tail, 1), [6]);
  await tail.return!();
  assert.equal(socket.closedByClient, 1000);
});

Deno.test("`tail()` without from starts at the log's end and offers the token as a subprotocol", async () => {
  const { log, requests } = client(() => Response.json({ begin: 2, end: 9 }), "jwt.x.y");
  const tail = log.tail(undefined, fast);
  const next = tail.next();
  const socket = await sockets(1);
  assert.equal(new URL(requests[0]!.url).pathname, "/logs/acme/demo/bounds");
  assert.equal(requests[0]!.headers.get("authorization"), "Bearer jwt.x.y");
  assert.equal(socket.from, 9);
  assert.deepEqual(socket.protocols, ["edgelog", "edgelog.bearer.jwt.x.y"]);
  socket.open();
  socket.records(record(9));
  assert.equal((await next).value?.offset, 9);
  await tail.return!();
});

Deno.test("`tail()` reconnects after a drop from the offset after the last record received", async () => {
  const { log } = client();
  const events: ReconnectEvent[] = [];
  const tail = log.tail(0, { ...fast, onReconnect: (event) => events.push(event) });
  const received = take(tail, 6);
  const first = await sockets(1);
  first.open();
  first.records(record(0), record(1), record(2));
  first.drop(1006);
  const second = await sockets(2);
  assert.equal(second.from, 3);
  second.open();
  // A server that sent a record again must not make the tail repeat it.
  second.records(record(2), record(3), record(4));
  second.drop(1011);
  const third = await sockets(3);
  assert.equal(third.from, 5);
  third.open();
  third.records(record(5));
  assert.deepEqual(await received, [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(events.map((e) => [e.attempt, e.from]), [[1, 3], [1, 5]]);
  assert.equal(events[0]!.reason, "The connection was lost");
  await tail.return!();
});

Deno.test("`tail()` calls onConnect when each connection opens, with its offset, not before", async () => {
  const { log } = client();
  const events: ConnectEvent[] = [];
  const tail = log.tail(4, { ...fast, onConnect: (event) => events.push(event) });
  const received = take(tail, 3);
  const first = await sockets(1);
  assert.deepEqual(events, [], "nothing before the connection opens");
  first.open();
  assert.deepEqual(events, [{ from: 4, reconnect: false }]);
  first.records(record(4), record(5));
  first.drop(1006);
  const second = await sockets(2);
  assert.equal(events.length, 1, "a dropped connection is no new one");
  second.open();
  second.records(record(6));
  assert.deepEqual(await received, [4, 5, 6]);
  assert.deepEqual(events, [{ from: 4, reconnect: false }, { from: 6, reconnect: true }]);
  await tail.return!();
});

Deno.test("`tail()` ends with the error an onConnect callback throws", async () => {
  const { log } = client();
  const failure = new Error("The page is gone");
  const tail = log.tail(0, {
    ...fast,
    onConnect: () => {
      throw failure;
    },
  });
  const next = tail.next();
  (await sockets(1)).open();
  await assert.rejects(next, (error) => error === failure);
  await assert.rejects(
    () => log.tail(0, { onConnect: 1 as never }).next(),
    /Expected onConnect to be a function/,
  );
});

Deno.test("`tail()` waits longer after each failed attempt, with jitter, up to maxDelay", async () => {
  const { log } = client(() => new Response(null, { status: 503 }));
  const events: ReconnectEvent[] = [];
  const tail = log.tail(0, {
    minDelay: 2,
    maxDelay: 16,
    heartbeat: 0,
    onReconnect: (event) => events.push(event),
  });
  void tail.next().catch(() => {});
  for (let n = 1; n <= 6; n++) {
    const socket = await sockets(n);
    socket.drop(); // Never opened: the tail asks the route why, gets a 503 and tries again.
  }
  await turn(20);
  await tail.return!();
  const attempts = events.slice(0, 6);
  assert.deepEqual(attempts.map((e) => e.attempt), [1, 2, 3, 4, 5, 6]);
  const ceilings = [2, 4, 8, 16, 16, 16];
  attempts.forEach((event, i) => {
    const ceiling = ceilings[i]!;
    assert(event.delay >= ceiling / 2 && event.delay <= ceiling, `delay ${event.delay} of ${i}`);
  });
  assert.match(attempts[0]!.reason, /503/);
});

Deno.test("`tail()` is back within 1 s of an unreachable server answering again, with default delays", async () => {
  // A virtual clock: the tail's reconnect timers (the only ones of 50 ms or more here) fire at
  // once and move the clock on by their delay.
  const realSetTimeout = globalThis.setTimeout;
  let clock = 0;
  globalThis.setTimeout = ((fn: () => void, ms = 0) =>
    realSetTimeout(() => {
      if (ms >= 50) clock += ms;
      fn();
    }, ms >= 50 ? 0 : ms)) as typeof setTimeout;
  try {
    let up = false;
    FakeSocket.all = [];
    const log = new LogClient(BASE, "acme/demo", {
      WebSocket: FakeSocket,
      fetch: () =>
        up
          ? Promise.resolve(Response.json({ error: { code: "UPGRADE_REQUIRED", message: "" } }, {
            status: 426,
          }))
          : Promise.reject(new TypeError("Connection refused")),
    });
    const events: ReconnectEvent[] = [];
    const tail = log.tail(7, { heartbeat: 0, onReconnect: (event) => events.push(event) });
    const next = tail.next();
    // Down for 12 attempts in a row (today's backoff would be at its 10 s ceiling by then).
    for (let n = 1; n <= 12; n++) (await sockets(n)).drop();
    await until(() => events.length === 12, "the 12th failure is reported");
    up = true;
    const upAt = clock;
    const back = await sockets(13);
    assert(clock - upAt <= 1000, `reconnected ${clock - upAt} ms after the server was up`);
    back.open();
    back.records(record(7));
    assert.equal((await next).value?.offset, 7);
    await tail.return!();
    // Not hammering the down server either: the waits grew from minDelay to 400-800 ms.
    assert.equal(events[0]!.delay <= 250, true, `first delay ${events[0]!.delay}`);
    for (const event of events.slice(2)) {
      assert(event.delay >= 400 && event.delay <= 800, `delay ${event.delay} of ${event.attempt}`);
    }
    assert.match(events[0]!.reason, /Connection refused/);
  } finally {
    globalThis.setTimeout = realSetTimeout;
  }
});

Deno.test("`tail()` gives up when the server refuses the tail after a failed handshake", async () => {
  const { log } = client(() =>
    Response.json({ error: { code: "UNAUTHORIZED", message: "Token expired" } }, { status: 401 })
  );
  const tail = log.tail(0, fast);
  const next = tail.next();
  (await sockets(1)).drop();
  const error = await next.catch((e: unknown) => e);
  assert(error instanceof HttpError);
  assert.equal(error.code, "UNAUTHORIZED");
  await turn(10);
  assert.equal(FakeSocket.all.length, 1, "no reconnect after a refusal");
});

Deno.test("`tail()` tries again when the route answers 426: the server would accept it", async () => {
  const { log, requests } = client(() =>
    Response.json({ error: { code: "UPGRADE_REQUIRED", message: "Upgrade" } }, { status: 426 })
  );
  const tail = log.tail(4, fast);
  const next = tail.next();
  (await sockets(1)).drop();
  const second = await sockets(2);
  assert.equal(new URL(requests[0]!.url).pathname, "/logs/acme/demo/tail");
  assert.equal(new URL(requests[0]!.url).search, "?from=4");
  second.open();
  second.records(record(4));
  assert.equal((await next).value?.offset, 4);
  await tail.return!();
});

Deno.test("`tail()` delivers the records before an OUT_OF_RANGE frame, then rejects OutOfRangeError", async () => {
  const { log } = client();
  const tail = log.tail(0, fast);
  const first = tail.next();
  const socket = await sockets(1);
  socket.open();
  socket.records(record(0), record(1));
  socket.text('{"error":{"code":"OUT_OF_RANGE","message":"Offset 2 is out of range","offset":2}}');
  socket.drop(4410);
  assert.equal((await first).value?.offset, 0);
  assert.equal((await tail.next()).value?.offset, 1);
  const error = await tail.next().catch((e: unknown) => e);
  assert(error instanceof OutOfRangeError);
  assert.equal(error.offset, 2);
  await turn(10);
  assert.equal(FakeSocket.all.length, 1, "no reconnect after OUT_OF_RANGE");
});

Deno.test("`tail()` rejects OutOfRangeError on close 4410 even without the error frame", async () => {
  const { log } = client();
  const tail = log.tail(3, fast);
  const next = tail.next();
  const socket = await sockets(1);
  socket.open();
  socket.drop(4410);
  const error = await next.catch((e: unknown) => e);
  assert(error instanceof OutOfRangeError);
  assert.equal(error.offset, 3);
});

Deno.test("`tail()` ends (done) when the log is deleted: close code 4404", async () => {
  const { log } = client();
  const tail = log.tail(0, fast);
  const first = tail.next();
  const socket = await sockets(1);
  socket.open();
  socket.records(record(0));
  socket.drop(4404);
  assert.equal((await first).value?.offset, 0);
  assert.deepEqual(await tail.next(), { done: true, value: undefined });
  assert.deepEqual(await tail.next(), { done: true, value: undefined });
  await turn(10);
  assert.equal(FakeSocket.all.length, 1, "no reconnect after the log was deleted");
});

Deno.test("`tail()` rejects with the signal's reason once aborted and closes the socket", async () => {
  const { log } = client();
  const controller = new AbortController();
  const tail = log.tail(0, { ...fast, signal: controller.signal });
  const first = tail.next();
  const socket = await sockets(1);
  socket.open();
  socket.records(record(0), record(1));
  assert.equal((await first).value?.offset, 0);
  const waiting = tail.next(); // Record 1 is waiting, yet the abort wins.
  const reason = new Error("Stopped");
  controller.abort(reason);
  assert.equal((await waiting).value?.offset, 1, "a next() already settled keeps its record");
  await assert.rejects(tail.next(), (e) => e === reason);
  assert.equal(socket.closedByClient, 1000);
  await assert.rejects(tail.next(), (e) => e === reason);
});

Deno.test("`tail()` rejects a pending next() with the reason when the signal aborts", async () => {
  const { log } = client();
  const controller = new AbortController();
  const tail = log.tail(0, { ...fast, signal: controller.signal });
  const pending = tail.next();
  const socket = await sockets(1);
  socket.open();
  controller.abort();
  await assert.rejects(pending, (e) => e === controller.signal.reason);
  assert.equal(socket.closedByClient, 1000);
});

Deno.test("`tail()` with bad arguments never throws: next() rejects", async () => {
  const { log } = client();
  const reason = new Error("Already");
  const cases: [() => AsyncIterator<LogRecord>, (e: unknown) => boolean][] = [
    [() => log.tail(-1), (e) => e instanceof OutOfRangeError && e.offset === -1],
    [() => log.tail(1.5), (e) => e instanceof RangeError],
    [() => log.tail("1" as unknown as number), (e) => e instanceof TypeError],
    [() => log.tail(0, { minDelay: 0 }), (e) => e instanceof RangeError],
    [() => log.tail(0, { signal: AbortSignal.abort(reason) }), (e) => e === reason],
    [() => log.tail(0, { signal: {} as AbortSignal }), (e) => e instanceof TypeError],
  ];
  for (const [make, check] of cases) {
    const tail = make();
    await assert.rejects(tail.next(), check);
  }
  assert.equal(FakeSocket.all.length, 0);
});

Deno.test("`tail()` rejects next() with TypeError when there is no WebSocket", async () => {
  const log = new LogClient(BASE, "a", { fetch: () => Promise.resolve(new Response()) });
  const saved = globalThis.WebSocket;
  // @ts-ignore: removing the global to act as Node 20, which has none
  delete globalThis.WebSocket;
  try {
    await assert.rejects(log.tail(0).next(), TypeError);
  } finally {
    globalThis.WebSocket = saved;
  }
});

Deno.test("`tail()` rejects HttpError UNEXPECTED_RESPONSE when the server skips offsets", async () => {
  const { log } = client();
  const tail = log.tail(0, fast);
  const next = tail.next();
  const socket = await sockets(1);
  socket.open();
  socket.records(record(0), record(2));
  assert.equal((await next).value?.offset, 0);
  const error = await tail.next().catch((e: unknown) => e);
  assert(error instanceof HttpError);
  assert.equal(error.code, "UNEXPECTED_RESPONSE");
});

Deno.test("`tail()` pings on a heartbeat and reconnects when a ping goes unanswered", async () => {
  const { log } = client();
  const events: ReconnectEvent[] = [];
  const tail = log.tail(0, {
    minDelay: 1,
    maxDelay: 2,
    heartbeat: 40,
    onReconnect: (e) => events.push(e),
  });
  void tail.next();
  const socket = await sockets(1);
  socket.open();
  await until(() => socket.sent.length === 1, "the first ping");
  assert.deepEqual(socket.sent, ["ping"]);
  socket.text("pong"); // Answered: the next beat pings again instead of dropping.
  await until(() => socket.sent.length === 2, "the second ping");
  assert.equal(FakeSocket.all.length, 1);
  assert.equal(socket.closedByClient, undefined);
  await sockets(2); // Unanswered: the next beat drops the connection.
  assert.equal(socket.closedByClient, 1000);
  assert.deepEqual(socket.sent, ["ping", "ping"]);
  assert.match(events[0]!.reason, /ping/);
  await tail.return!();
});

Deno.test("`tail()` closes the connection past highWaterMark and resumes once read", async () => {
  const { log } = client();
  const tail = log.tail(0, { ...fast, highWaterMark: 1000 });
  const first = tail.next();
  const socket = await sockets(1);
  socket.open();
  const big = (offset: number) => ({ ...record(offset), data: new Uint8Array(300) });
  socket.records(big(0), big(1), big(2), big(3));
  assert.equal((await first).value?.offset, 0);
  assert.equal(socket.closedByClient, 1000, "paused past the high-water mark");
  await turn(10);
  assert.equal(FakeSocket.all.length, 1, "no reconnect while the buffer is full");
  assert.deepEqual(await take(tail, 2), [1, 2]);
  const resumed = await sockets(2);
  assert.equal(resumed.from, 4);
  resumed.open();
  resumed.records(record(4));
  assert.deepEqual(await take(tail, 2), [3, 4]);
  await tail.return!();
});

Deno.test("`tail()` keeps trying while the log's end cannot be learnt, then starts there", async () => {
  let up = false;
  const { log } = client(() =>
    up ? Response.json({ begin: 0, end: 12 }) : new Response("down", { status: 502 })
  );
  const events: ReconnectEvent[] = [];
  const tail = log.tail(undefined, { ...fast, onReconnect: (e) => events.push(e) });
  const next = tail.next();
  await turn(10);
  assert.equal(FakeSocket.all.length, 0);
  assert(events.length >= 1);
  assert.equal(events[0]!.from, undefined);
  up = true;
  const socket = await sockets(1);
  assert.equal(socket.from, 12);
  socket.open();
  socket.records(record(12));
  assert.equal((await next).value?.offset, 12);
  await tail.return!();
});
