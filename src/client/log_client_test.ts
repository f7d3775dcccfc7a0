// LogClient without a server: a stand-in `fetch` answers as PROTOCOL.md says, so that the
// mapping of every answer to the core's errors and HttpError is checked exactly.
import assert from "node:assert/strict";
import {
  ClosedError,
  ConflictError,
  FutureOffsetError,
  LogError,
  type LogRecord,
  NotFoundError,
  OutOfRangeError,
  RecordTooLargeError,
} from "../../mod.ts";
import { HttpError, type HttpErrorCode, LogClient, RemoteJournal } from "./mod.ts";
import { encodeRecordLine } from "../protocol/wire.ts";

const BASE = "http://127.0.0.1:8787";
const bytes = (s: string) => new TextEncoder().encode(s);

/** A stand-in server: answers each request with `answer` and keeps the requests. */
function stub(answer: (request: Request) => Response | Promise<Response>) {
  const requests: { request: Request; body: Uint8Array }[] = [];
  const fetch = async (request: Request) => {
    requests.push({ request, body: new Uint8Array(await request.arrayBuffer()) });
    return answer(request);
  };
  return { fetch, requests };
}

function errorAnswer(status: number, error: Record<string, unknown>): Response {
  return Response.json({ error }, { status });
}

Deno.test("`new LogClient()` builds the log's URL and keeps a path prefix", () => {
  assert.equal(new LogClient(BASE, "acme/demo").url.href, `${BASE}/logs/acme/demo`);
  assert.equal(
    new LogClient("https://h.example/x/y/", "a").url.href,
    "https://h.example/x/y/logs/a",
  );
  assert.equal(new LogClient(new URL("https://h.example"), "a.b_c~d-e").name, "a.b_c~d-e");
});

Deno.test("`new LogClient()` throws TypeError for a bad URL or option, RangeError for a bad name", () => {
  for (const url of ["not a url", "ws://h.example", "file:///tmp/x", 42]) {
    assert.throws(() => new LogClient(url as string, "a"), TypeError, String(url));
  }
  for (
    const name of ["", "a//b", "/a", "a/", "a/./b", "..", "a b", "a%20b", "x".repeat(201), "a/tail"]
  ) {
    assert.throws(() => new LogClient(BASE, name), RangeError, name);
  }
  assert.throws(() => new LogClient(BASE, 7 as unknown as string), TypeError);
  assert.throws(() => new LogClient(BASE, "a", { token: 7 as unknown as string }), TypeError);
  assert.throws(
    () => new LogClient(BASE, "a", { fetch: {} as unknown as typeof fetch }),
    TypeError,
  );
  assert.equal(new LogClient(BASE, "x".repeat(200)).name.length, 200);
});

Deno.test("`append()` posts the bytes to /records and resolves the offset", async () => {
  const server = stub(() => Response.json({ offset: 41 }));
  const log = new LogClient(BASE, "acme/demo", { fetch: server.fetch });
  const data = bytes("hello");
  const pending = log.append(data, { expectedOffset: 41 });
  data.fill(0); // Changing the input after the call must not change what is sent.
  assert.equal(await pending, 41);
  const { request, body } = server.requests[0]!;
  assert.equal(request.method, "POST");
  assert.equal(request.url, `${BASE}/logs/acme/demo/records?expected=41`);
  assert.deepEqual(body, bytes("hello"));
  assert.equal(request.headers.get("authorization"), null);
});

Deno.test("`appendBatch()` posts a batch body and resolves the first offset", async () => {
  const server = stub(() => Response.json({ first: 7, last: 8, count: 2 }));
  const log = new LogClient(BASE, "a", { fetch: server.fetch });
  assert.equal(await log.appendBatch([bytes("x"), bytes("yz")]), 7);
  const { request, body } = server.requests[0]!;
  assert.equal(request.url, `${BASE}/logs/a/batch`);
  assert.equal(request.headers.get("content-type"), "application/vnd.edgelog.batch");
  assert.deepEqual(body, new Uint8Array([0, 0, 0, 1, 120, 0, 0, 0, 2, 121, 122]));
});

Deno.test("A token is sent as a Bearer header, and a token function is called per request", async () => {
  const server = stub(() => Response.json({ begin: 0, end: 0 }));
  let calls = 0;
  const log = new LogClient(BASE, "a", {
    fetch: server.fetch,
    token: async () => `jwt-${++calls}`,
  });
  await log.bounds();
  await log.bounds();
  assert.deepEqual(
    server.requests.map(({ request }) => request.headers.get("authorization")),
    ["Bearer jwt-1", "Bearer jwt-2"],
  );
  const fixed = new LogClient(BASE, "a", { fetch: server.fetch, token: "abc" });
  await fixed.range().catch(() => {});
  assert.equal(server.requests[2]!.request.headers.get("authorization"), "Bearer abc");
});

/** Each core error the server sends, with the class and fields the client rebuilds. */
const CORE_ERRORS: [number, Record<string, unknown>, new (...args: never[]) => LogError, object][] =
  [
    [
      409,
      { code: "CONFLICT", message: "Taken", position: 3, end: 5 },
      ConflictError,
      { position: 3 },
    ],
    [404, { code: "FUTURE_OFFSET", message: "Future", offset: 9 }, FutureOffsetError, {
      offset: 9,
    }],
    [410, { code: "OUT_OF_RANGE", message: "Purged", offset: 2 }, OutOfRangeError, { offset: 2 }],
    [404, { code: "NOT_FOUND", message: "None", position: 4 }, NotFoundError, { position: 4 }],
    [
      413,
      { code: "RECORD_TOO_LARGE", message: "Big", size: 12, limit: 10 },
      RecordTooLargeError,
      { size: 12, limit: 10 },
    ],
    [503, { code: "CLOSED", message: "Closed" }, ClosedError, {}],
  ];

Deno.test("Error bodies of the core's codes reject the core's classes with their fields", async () => {
  for (const [status, body, type, fields] of CORE_ERRORS) {
    const server = stub(() => errorAnswer(status, body));
    // One attempt: a 503 CLOSED would be retried (producer_session_test.ts).
    const log = new LogClient(BASE, "a", { fetch: server.fetch, retry: false });
    const error = await log.append(bytes("x")).catch((e: unknown) => e);
    assert(error instanceof type, `${body.code}: got ${String(error)}`);
    assert.equal(error.code, body.code);
    for (const [key, value] of Object.entries(fields)) {
      assert.equal((error as unknown as Record<string, unknown>)[key], value, `${key}`);
    }
  }
});

Deno.test("Fields an error body lacks come from the request", async () => {
  const answer = (error: Record<string, unknown>, status: number) =>
    new LogClient(BASE, "a", { fetch: stub(() => errorAnswer(status, error)).fetch });
  const conflict = await answer({ code: "CONFLICT", message: "Taken" }, 409)
    .append(bytes("x"), { expectedOffset: 6 }).catch((e: unknown) => e);
  assert(conflict instanceof ConflictError);
  assert.equal(conflict.position, 6);
  const future = await answer({ code: "FUTURE_OFFSET", message: "Future" }, 404)
    .read(11).catch((e: unknown) => e);
  assert(future instanceof FutureOffsetError);
  assert.equal(future.offset, 11);
  const large = await answer({ code: "RECORD_TOO_LARGE", message: "Big", limit: 2 }, 413)
    .append(bytes("abc")).catch((e: unknown) => e);
  assert(large instanceof RecordTooLargeError);
  assert.deepEqual([large.size, large.limit], [3, 2]);
  const lacking = await answer({ code: "RECORD_TOO_LARGE", message: "Big" }, 413)
    .append(bytes("abc")).catch((e: unknown) => e);
  assert(lacking instanceof HttpError);
  assert.equal(lacking.code, "UNEXPECTED_RESPONSE");
});

Deno.test("HTTP-layer codes reject HttpError carrying the code and status", async () => {
  const codes: [HttpErrorCode, number][] = [
    ["BAD_REQUEST", 400],
    ["UNAUTHORIZED", 401],
    ["FORBIDDEN", 403],
    ["ROUTE_NOT_FOUND", 404],
    ["METHOD_NOT_ALLOWED", 405],
    ["REQUEST_TOO_LARGE", 413],
    ["UNSUPPORTED_MEDIA_TYPE", 415],
    ["UPGRADE_REQUIRED", 426],
    ["TOO_MANY_TAILS", 429],
    ["INTERNAL", 500],
    ["AUTH_NOT_CONFIGURED", 503],
  ];
  for (const [code, status] of codes) {
    const server = stub(() => errorAnswer(status, { code, message: `The server said ${code}` }));
    const error = await new LogClient(BASE, "a", { fetch: server.fetch }).bounds()
      .catch((e: unknown) => e);
    assert(error instanceof HttpError, code);
    assert(!(error instanceof LogError), "an HttpError is no LogError");
    assert.equal(error.name, "HttpError");
    assert.equal(error.code, code);
    assert.equal(error.status, status);
    assert.equal(error.message, `The server said ${code}`);
  }
});

Deno.test("Unreadable answers reject HttpError UNEXPECTED_RESPONSE with the status", async () => {
  const answers: [() => Response, number][] = [
    [() => new Response("<html>Bad gateway</html>", { status: 502 }), 502],
    [() => errorAnswer(418, { code: "TEAPOT", message: "Short and stout" }), 418],
    [() => Response.json({ error: { code: "CONFLICT" } }, { status: 409 }), 409],
    [() => Response.json({ begin: "0", end: 1 }), 200],
    [() => new Response("not json"), 200],
  ];
  for (const [answer, status] of answers) {
    const log = new LogClient(BASE, "a", { fetch: stub(answer).fetch });
    const error = await log.bounds().catch((e: unknown) => e);
    assert(error instanceof HttpError);
    assert.equal(error.code, "UNEXPECTED_RESPONSE");
    assert.equal(error.status, status);
    assert.match(error.message, /^[A-Z]/);
  }
});

Deno.test("A 400 to an append at an expected offset, a truncation or a config is a RangeError", async () => {
  const server = stub(() => errorAnswer(400, { code: "BAD_REQUEST", message: "Past the end" }));
  const log = new LogClient(BASE, "a", { fetch: server.fetch });
  for (
    const call of [
      () => log.append(bytes("x"), { expectedOffset: 9 }),
      () => log.appendBatch([bytes("x")], { expectedOffset: 9 }),
      () => log.truncate(9),
      () => log.configure({ maxRecordSize: 5_000_000 }),
    ]
  ) {
    const error = await call().catch((e: unknown) => e);
    assert.equal(Object.getPrototypeOf(error), RangeError.prototype);
    assert.equal((error as Error).message, "Past the end");
  }
  // Without an expected offset a 400 is the server's refusal, not the log's state.
  const plain = await log.append(bytes("x")).catch((e: unknown) => e);
  assert(plain instanceof HttpError);
  assert.equal(plain.code, "BAD_REQUEST");
});

Deno.test("A request that gets no answer rejects HttpError NETWORK with the cause", async () => {
  const cause = new TypeError("connection refused");
  const log = new LogClient(BASE, "a", { fetch: () => Promise.reject(cause) });
  const error = await log.bounds().catch((e: unknown) => e);
  assert(error instanceof HttpError);
  assert.equal(error.code, "NETWORK");
  assert.equal(error.status, 0);
  assert.equal(error.cause, cause);
});

Deno.test("An aborted signal rejects with its reason and sends nothing", async () => {
  const server = stub(() => Response.json({ offset: 0 }));
  const log = new LogClient(BASE, "a", { fetch: server.fetch });
  const reason = new Error("stop");
  const signal = AbortSignal.abort(reason);
  const calls = [
    () => log.append(bytes("x"), { signal }),
    () => log.append(new Uint8Array(0), { signal }),
    () => log.appendBatch([], { signal }),
    () => log.read(-1, { signal }),
    () => log.readBatch(0, [], { signal }),
    () => log.bounds({ signal }),
    () => log.range({ signal }),
    () => log.truncate(1.5, { signal }),
    () => log.config({ signal }),
    () => log.configure({}, { signal }),
    () => log.delete({ signal }),
  ];
  for (const call of calls) await assert.rejects(call(), (e) => e === reason);
  assert.equal(server.requests.length, 0);
});

Deno.test("A signal aborted while a request is in flight rejects with its reason", async () => {
  const controller = new AbortController();
  const reason = new Error("stop now");
  const log = new LogClient(BASE, "a", {
    fetch: (request) =>
      new Promise((_, reject) => {
        request.signal.addEventListener("abort", () => reject(new DOMException("x", "AbortError")));
      }),
  });
  const pending = log.bounds({ signal: controller.signal });
  controller.abort(reason);
  await assert.rejects(pending, (e) => e === reason);
});

Deno.test("Argument errors reject TypeError or RangeError before anything is sent", async () => {
  const server = stub(() => Response.json({}));
  const log = new LogClient(BASE, "a", { fetch: server.fetch });
  const cases: [() => Promise<unknown>, ErrorConstructor][] = [
    [() => log.append("x" as unknown as Uint8Array), TypeError],
    [() => log.append(new Uint8Array(0)), RangeError],
    [() => log.append(bytes("x"), { expectedOffset: -1 }), RangeError],
    [() => log.append(bytes("x"), { expectedOffset: 1.5 }), RangeError],
    [() => log.append(bytes("x"), { signal: "no" as unknown as AbortSignal }), TypeError],
    [() => log.appendBatch([]), RangeError],
    [() => log.appendBatch([bytes("a"), new Uint8Array(0)]), RangeError],
    [() => log.appendBatch("ab" as unknown as Uint8Array[]), TypeError],
    [() => log.read(1.5), RangeError],
    [() => log.read("1" as unknown as number), TypeError],
    [() => log.readBatch(0, null as unknown as LogRecord[]), TypeError],
    [() => log.readBatch(NaN, new Array(2)), RangeError],
    [() => log.truncate(-1), RangeError],
    [() => log.configure({ maxSegmentSize: 0 }), RangeError],
    [() => log.configure({ maxRecordSize: 1.5 }), RangeError],
    [() => log.configure({ retention: 5 } as unknown as object), TypeError],
    [() => log.configure(null as unknown as object), TypeError],
  ];
  for (const [call, type] of cases) {
    let promise: Promise<unknown>;
    try {
      promise = call();
    } catch (error) {
      assert.fail(`${call}: threw synchronously ${String(error)}`);
    }
    await assert.rejects(promise, (e) => Object.getPrototypeOf(e) === type.prototype, String(call));
  }
  assert.equal(server.requests.length, 0);
});

Deno.test("`read()` of a negative offset rejects OutOfRangeError, as the core's Log does", async () => {
  const log = new LogClient(BASE, "a", { fetch: stub(() => Response.json({})).fetch });
  const error = await log.read(-3).catch((e: unknown) => e);
  assert(error instanceof OutOfRangeError);
  assert.equal(error.offset, -3);
});

Deno.test("`read()` resolves the record with its offset, created time and bytes", async () => {
  const server = stub(() =>
    new Response(bytes("hi"), {
      headers: { "edgelog-offset": "3", "edgelog-created": "1767225600000" },
    })
  );
  const record = await new LogClient(BASE, "a", { fetch: server.fetch }).read(3);
  assert.deepEqual(record, {
    offset: 3,
    created: new Date("2026-01-01T00:00:00Z"),
    data: bytes("hi"),
  });
  assert.equal(server.requests[0]!.request.url, `${BASE}/logs/a/records/3`);
});

/** A stand-in for the batch read route over `records` from offset 0, `pageLimit` per answer. */
function pagedServer(records: Uint8Array[], pageLimit: number) {
  return stub((request) => {
    const url = new URL(request.url);
    const from = Number(url.searchParams.get("from"));
    const limit = Math.min(Number(url.searchParams.get("limit")), pageLimit);
    if (from >= records.length) {
      return errorAnswer(404, { code: "FUTURE_OFFSET", message: "Future", offset: from });
    }
    const lines = records.slice(from, from + limit).map((data, i) =>
      encodeRecordLine({ offset: from + i, created: 1000 + from + i, data })
    );
    return new Response(lines.join(""), {
      headers: { "edgelog-next-offset": String(from + lines.length) },
    });
  });
}

Deno.test("`readBatch()` reads on past short pages and stops at the end of the log", async () => {
  const records = Array.from({ length: 7 }, (_, i) => bytes(`r${i}`));
  const server = pagedServer(records, 3);
  const log = new LogClient(BASE, "a", { fetch: server.fetch });
  const sentinel = { offset: -9, created: new Date(0), data: new Uint8Array(0) };
  const batch: LogRecord[] = new Array(10).fill(sentinel);
  assert.equal(await log.readBatch(1, batch), 6);
  assert.deepEqual(batch.slice(0, 6).map((r) => r.offset), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(batch[5]!.data, bytes("r6"));
  assert.equal(batch[5]!.created.getTime(), 1006);
  assert.equal(batch[6], sentinel, "slots past count are untouched");
  // Pages of 3 from offset 1, then one answer that the end was reached.
  assert.deepEqual(
    server.requests.map(({ request }) => new URL(request.url).search),
    ["?from=1&limit=10", "?from=4&limit=7", "?from=7&limit=4"],
  );
  assert.equal(await log.readBatch(0, new Array(3)), 3);
  await assert.rejects(log.readBatch(7, new Array(3)), FutureOffsetError);
});

Deno.test("`readBatch()` asks for at most 1000 records per request", async () => {
  const records = Array.from({ length: 2500 }, (_, i) => bytes(`${i}`));
  const server = pagedServer(records, 1000);
  const batch = new Array<LogRecord>(2500);
  assert.equal(await new LogClient(BASE, "a", { fetch: server.fetch }).readBatch(0, batch), 2500);
  assert.deepEqual(
    server.requests.map(({ request }) => new URL(request.url).searchParams.get("limit")),
    ["1000", "1000", "500"],
  );
});

Deno.test("`readBatch()` rejects an answer whose offsets skip", async () => {
  const server = stub(() =>
    new Response(encodeRecordLine({ offset: 5, created: 1, data: bytes("x") }))
  );
  const error = await new LogClient(BASE, "a", { fetch: server.fetch }).readBatch(4, new Array(2))
    .catch((e: unknown) => e);
  assert(error instanceof HttpError);
  assert.equal(error.code, "UNEXPECTED_RESPONSE");
});

Deno.test("`configure()` sends null for Infinity and resolves the new config", async () => {
  const server = stub(() => Response.json({ maxSegmentSize: null, maxRecordSize: 64 }));
  const log = new LogClient(BASE, "a", { fetch: server.fetch });
  // An answer without maxAge (a server older than retention by age) reads as null.
  assert.deepEqual(await log.configure({ maxSegmentSize: Infinity, maxRecordSize: 64 }), {
    maxSegmentSize: null,
    maxRecordSize: 64,
    maxAge: null,
  });
  const { request, body } = server.requests[0]!;
  assert.equal(request.method, "PUT");
  assert.deepEqual(JSON.parse(new TextDecoder().decode(body)), {
    maxSegmentSize: null,
    maxRecordSize: 64,
  });
});

Deno.test("`delete()` sends DELETE to the log itself and resolves on 204", async () => {
  const server = stub(() => new Response(null, { status: 204 }));
  assert.equal(await new LogClient(BASE, "acme/x", { fetch: server.fetch }).delete(), undefined);
  assert.equal(server.requests[0]!.request.method, "DELETE");
  assert.equal(server.requests[0]!.request.url, `${BASE}/logs/acme/x`);
});

Deno.test("`RemoteJournal` maps future and purged reads to NotFoundError carrying the position", async () => {
  for (
    const body of [
      { code: "FUTURE_OFFSET", message: "Future", offset: 5 },
      { code: "OUT_OF_RANGE", message: "Purged", offset: 5 },
    ]
  ) {
    const server = stub(() => errorAnswer(body.code === "FUTURE_OFFSET" ? 404 : 410, body));
    const journal = new RemoteJournal(new LogClient(BASE, "a", { fetch: server.fetch }));
    for (const call of [() => journal.get(5), () => journal.range(5, () => {})]) {
      const error = await call().catch((e: unknown) => e);
      assert(error instanceof NotFoundError, body.code);
      assert.equal(error.position, 5);
    }
  }
});

Deno.test("`RemoteJournal.append()` appends at the expected offset and rejects empty records", async () => {
  const server = stub(() => Response.json({ offset: 3 }));
  const journal = new RemoteJournal(new LogClient(BASE, "a", { fetch: server.fetch }));
  await journal.append(3, bytes("x"));
  assert.equal(new URL(server.requests[0]!.request.url).search, "?expected=3");
  await assert.rejects(journal.append(4, new Uint8Array(0)), RangeError);
  assert.equal(server.requests.length, 1);
  assert.throws(() => new RemoteJournal({} as LogClient), TypeError);
});
