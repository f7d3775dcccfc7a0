/**
 * What arrives on the wire, end to end over raw sockets (`raw_http.mjs`), against the real local
 * server.
 *
 * Refused bodies: a client that sends an oversized body whole, without `Expect: 100-continue`,
 * gets the JSON 413 that PROTOCOL.md names (not a reset connection, not `wrangler dev`'s 503
 * "Your worker restarted mid-request"); an unrelated request on a new connection is answered
 * meanwhile, while the refused upload's connection is still open; the runtime reports no
 * uncaught exception; and a record acknowledged before is still there. Each oversized case is
 * tried several times: what it guards against was intermittent.
 *
 * The tail's 426: its JSON error, without the `Upgrade` header workerd drops. A tail's socket
 * has no permessage-deflate, though the client offers it.
 *
 * @module
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { openTail } from "./client.mjs";
import { rawRequest } from "./raw_http.mjs";
import { DevServer } from "./server.mjs";

const TRIES = 5;
/** An unrelated request must be answered within this (generous) bound. */
const STALL_MS = 5_000;
// PROTOCOL.md, Limits: the default maxRecordSize, the batch body's limit, the largest
// maxRecordSize.
const DEFAULT_MAX_RECORD_SIZE = 1_048_576;
const MAX_BATCH_BYTES = 8 * 1024 * 1024;
const MAX_RECORD_SIZE_LIMIT = 1_999_000;

const run = Date.now().toString(36);
/** A log with the default record size, holding one record acknowledged before the 413s. */
const kept = `e2e/bodies-${run}`;
/** A log whose maxRecordSize is the largest allowed. */
const large = `e2e/bodies-large-${run}`;
const KEPT_RECORD = new TextEncoder().encode("acknowledged before the oversized bodies");

/** @type {DevServer} */
let server;
before(async () => {
  server = new DevServer();
  await server.start();
  const put = await rawRequest(server.port, "PUT", `/logs/${large}/config`, {
    body: new TextEncoder().encode(JSON.stringify({ maxRecordSize: MAX_RECORD_SIZE_LIMIT })),
  });
  put.socket.destroy();
  assert.equal(put.status, 200, put.body);
  const append = await rawRequest(server.port, "POST", `/logs/${kept}/records`, {
    body: KEPT_RECORD,
  });
  append.socket.destroy();
  assert.equal(append.status, 200, append.body);
  assert.deepEqual(JSON.parse(append.body), { offset: 0 });
});
after(async () => {
  await server?.dispose();
});

/**
 * Asserts a JSON error answer of PROTOCOL.md: the status, `application/json`, and a body
 * `{"error": {"code", "message"}}` with the code.
 * @param {import("./raw_http.mjs").RawResponse} res
 * @param {number} status
 * @param {string} code
 * @param {string} what
 */
function assertError(res, status, code, what) {
  assert.equal(
    res.failure,
    undefined,
    `${what}: no whole answer (${res.failure}) after ${Math.round(res.ms)} ms; got ` +
      `${res.status} ${res.body.slice(0, 120)}; server: ${server.output.slice(-4).join(" | ")}`,
  );
  assert.equal(res.status, status, `${what}: ${res.status} ${res.body.slice(0, 200)}`);
  assert.match(res.headers["content-type"] ?? "", /^application\/json/, what);
  const body = JSON.parse(res.body);
  assert.equal(body.error?.code, code, `${what}: ${res.body}`);
  assert.equal(typeof body.error.message, "string", what);
  assert.notEqual(body.error.message, "", what);
}

/** Asserts that `GET /healthz`, on a new connection, is answered within {@link STALL_MS}. */
async function assertHealthy(/** @type {string} */ what) {
  const res = await rawRequest(server.port, "GET", "/healthz", { timeoutMs: STALL_MS });
  res.socket.destroy();
  assert.equal(
    res.failure,
    undefined,
    `GET /healthz after ${what}: ${res.failure} after ${Math.round(res.ms)} ms`,
  );
  assert.equal(res.status, 200, res.body);
  assert.deepEqual(JSON.parse(res.body), { ok: true });
}

describe("an oversized body sent whole, without Expect", () => {
  const cases = [
    {
      what: "POST /records of 5,000,000 bytes (maxRecordSize 1 MiB)",
      path: `/logs/${kept}/records`,
      size: 5_000_000,
      code: "RECORD_TOO_LARGE",
      headers: {},
    },
    {
      // Larger than any route accepts: refused from its Content-Length, never read.
      what: "POST /records of 20,000,000 bytes (maxRecordSize 1 MiB)",
      path: `/logs/${kept}/records`,
      size: 20_000_000,
      code: "RECORD_TOO_LARGE",
      headers: {},
    },
    {
      what: "POST /records of 3,000,000 bytes (maxRecordSize 1 MiB)",
      path: `/logs/${kept}/records`,
      size: 3_000_000,
      code: "RECORD_TOO_LARGE",
      headers: {},
    },
    {
      what: "POST /records of 1 MiB + 1 byte (maxRecordSize 1 MiB)",
      path: `/logs/${kept}/records`,
      size: DEFAULT_MAX_RECORD_SIZE + 1,
      code: "RECORD_TOO_LARGE",
      headers: {},
    },
    {
      what: "POST /records of 1,999,001 bytes (maxRecordSize 1,999,000)",
      path: `/logs/${large}/records`,
      size: MAX_RECORD_SIZE_LIMIT + 1,
      code: "RECORD_TOO_LARGE",
      headers: {},
    },
    {
      what: "POST /batch of 8 MiB + 1 byte",
      path: `/logs/${kept}/batch`,
      size: MAX_BATCH_BYTES + 1,
      code: "REQUEST_TOO_LARGE",
      headers: { "content-type": "application/vnd.edgelog.batch" },
    },
    {
      // Refused by the Worker itself, not by a log's object.
      what: "POST /healthz of 5,000,000 bytes",
      path: "/healthz",
      size: 5_000_000,
      status: 405,
      code: "METHOD_NOT_ALLOWED",
      headers: {},
    },
  ];
  for (const { what, path, size, status = 413, code, headers } of cases) {
    it(`${what}: ${status} ${code} every time; /healthz answered meanwhile`, async () => {
      const body = new Uint8Array(size).fill(0x61);
      for (let i = 1; i <= TRIES; i++) {
        const res = await rawRequest(server.port, "POST", path, { headers, body });
        try {
          assertError(res, status, code, `${what}, try ${i}`);
          // The refused upload's connection is left open, as a client would leave it.
          await assertHealthy(`${what}, try ${i}`);
        } finally {
          res.socket.destroy();
        }
      }
    });
  }

  it("left no uncaught exception in the runtime's log", () => {
    const uncaught = server.output.filter((line) => /Uncaught|Can't read from request/.test(line));
    assert.deepEqual(uncaught, []);
  });

  it("lost nothing acknowledged before, and appended nothing", async () => {
    const bounds = await rawRequest(server.port, "GET", `/logs/${kept}/bounds`);
    bounds.socket.destroy();
    assert.deepEqual(JSON.parse(bounds.body), { begin: 0, end: 1 });
    const read = await rawRequest(server.port, "GET", `/logs/${kept}/records/0`);
    read.socket.destroy();
    assert.equal(read.status, 200);
    assert.equal(read.body, new TextDecoder().decode(KEPT_RECORD));
    const other = await rawRequest(server.port, "GET", `/logs/${large}/bounds`);
    other.socket.destroy();
    assert.deepEqual(JSON.parse(other.body), { begin: 0, end: 0 });
  });
});

describe("GET /tail without an upgrade, on the wire", () => {
  it("is 426 UPGRADE_REQUIRED in JSON; workerd drops the Upgrade header the object sets", async () => {
    const res = await rawRequest(server.port, "GET", `/logs/${kept}/tail`);
    res.socket.destroy();
    assertError(res, 426, "UPGRADE_REQUIRED", "GET /tail");
    // PROTOCOL.md (Live tail): workerd's HTTP server writes Upgrade (and Connection) itself
    // and drops the application's on any answer but a 101; test/worker/ sees the header the
    // object sets. Should this start to arrive, PROTOCOL.md's note is out of date.
    assert.equal(res.headers.upgrade, undefined, "Upgrade arrives now: update PROTOCOL.md");
  });
});

describe("GET /tail with an upgrade, on the wire", () => {
  it("answers without permessage-deflate though the client offers it, and delivers", async () => {
    /** @type {string[]} */
    const got = [];
    const tail = await openTail(
      server.wsUrl,
      kept,
      0,
      (r) => {
        got.push(new TextDecoder().decode(r.data));
      },
      undefined,
      { perMessageDeflate: true },
    );
    try {
      // PROTOCOL.md (Live tail): no compression. The tail's 101 names an extension that is
      // not permessage-deflate, and workerd then negotiates none and sends no header at all.
      assert.equal(tail.ws.extensions, "", "the tail negotiated an extension");
      const deadline = Date.now() + 5_000;
      while (got.length === 0 && Date.now() < deadline) {
        await new Promise((ok) => setTimeout(ok, 10));
      }
      assert.deepEqual(got, [new TextDecoder().decode(KEPT_RECORD)]);
    } finally {
      tail.close();
      await tail.closed;
    }
  });
});
