/**
 * End to end: appends over HTTP (single records and batches) and over an append session (a
 * `LogClient.writer()` in a Deno child process, test/e2e/session_writer_child.ts) while a
 * WebSocket client tails, the server is killed with SIGKILL mid-load and started again on the
 * same storage; then every acknowledged append must be there with its offset and bytes, no batch
 * may be half written, the session's writer must have resent what had no answer without storing
 * anything twice, and the tail must resume from `last + 1` with no gap and no duplicate.
 *
 * @module
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { DevServer, sleep } from "./server.mjs";
import { append, appendBatch, bounds, openTail, readAll } from "./client.mjs";
import { startSessionWriter } from "./session_child.mjs";

const WRITERS = 4;
const LOAD_MS = 2500;

/** @type {DevServer} */
let server;
after(async () => {
  await server?.dispose();
});

/**
 * A unique, binary payload: a text tag followed by bytes that are not valid UTF-8.
 * @param {string} tag
 * @returns {Uint8Array}
 */
function payload(tag) {
  const head = new TextEncoder().encode(tag);
  const out = new Uint8Array(head.length + 4);
  out.set(head);
  out.set([0, 0xff, 0xfe, 0x80], head.length);
  return out;
}

/** @param {Uint8Array} a @returns {string} */
const key = (a) => Buffer.from(a).toString("hex");

test("every acknowledged append survives SIGKILL mid-load, and the tail resumes without gap", {
  timeout: 90_000,
}, async () => {
  server = new DevServer();
  await server.start();
  const name = `e2e/kill-${Date.now().toString(36)}`;

  // A tail from the start, collecting what it is sent.
  /** @type {Map<number, Uint8Array>} */
  const tailed = new Map();
  let tailDuplicates = 0;
  let tailOutOfOrder = 0;
  let tailLast = -1;
  const tail1 = await openTail(server.wsUrl, name, 0, (r) => {
    if (tailed.has(r.offset)) tailDuplicates++;
    if (r.offset !== tailLast + 1) tailOutOfOrder++;
    tailLast = r.offset;
    tailed.set(r.offset, r.data);
  });

  /** Acknowledged records: offset -> bytes. @type {Map<number, Uint8Array>} */
  const acked = new Map();
  /** Every batch sent, acknowledged or not. @type {{ records: Uint8Array[], first: number | null }[]} */
  const batches = [];
  let singles = 0;
  let batchedRecords = 0;
  let failures = 0;
  let killed = false;

  /** @param {number} w */
  async function writer(w) {
    for (let i = 0; !killed; i++) {
      try {
        if (i % 3 === 2) {
          const n = 2 + ((w * 7 + i) % 19);
          const records = Array.from({ length: n }, (_, j) => payload(`w${w}-${i}-${j}`));
          const batch = { records, first: /** @type {number | null} */ (null) };
          batches.push(batch);
          const first = await appendBatch(server.url, name, records);
          batch.first = first;
          records.forEach((r, j) => acked.set(first + j, r));
          batchedRecords += n;
        } else {
          const data = payload(`w${w}-${i}`);
          const offset = await append(server.url, name, data);
          acked.set(offset, data);
          singles++;
        }
      } catch {
        failures++;
        if (!killed) await sleep(20);
      }
    }
  }

  const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
  const session = startSessionWriter(server.url, name, "load");
  // The tail leaves half way, so that the resumed tail has records to catch up.
  await sleep(LOAD_MS / 2);
  tail1.close();
  await sleep(LOAD_MS / 2);
  const ackedBeforeKill = acked.size;
  await server.kill();
  killed = true;
  await Promise.all(writers);
  await tail1.closed;
  assert.ok(ackedBeforeKill > 50, `only ${ackedBeforeKill} appends acknowledged before the kill`);

  await server.start();
  // The session's writer reconnects to the new server, resends what had no answer, and
  // goes on for a moment; then it stops and waits for its last answers.
  const sessionAckedAtRestart = session.acked.size;
  const until = Date.now() + 20_000;
  while (session.acked.size < sessionAckedAtRestart + 200 && Date.now() < until) await sleep(50);
  await session.stop();
  const sessionFailures = session.failures.length;
  const all = await readAll(server.url, name);
  const { begin, end } = await bounds(server.url, name);

  // Offsets: contiguous from begin, no duplicate payloads.
  /** @type {Map<number, Uint8Array>} */
  const stored = new Map();
  /** @type {Map<string, number>} */
  const where = new Map();
  let duplicates = 0;
  let gaps = 0;
  let expect = begin;
  for (const r of all) {
    if (r.offset !== expect) gaps++;
    expect = r.offset + 1;
    stored.set(r.offset, r.data);
    if (where.has(key(r.data))) duplicates++;
    where.set(key(r.data), r.offset);
  }
  assert.equal(expect, end, "the read ends at bounds.end");

  let found = 0;
  let wrong = 0;
  for (const [offset, data] of session.acked) {
    if (acked.has(offset)) wrong++; // Two appends answered with one offset.
    acked.set(offset, data);
  }
  for (const [offset, data] of acked) {
    const got = stored.get(offset);
    if (got && key(got) === key(data)) found++;
    else wrong++;
  }

  let halfWritten = 0;
  let unackedBatchesKept = 0;
  for (const b of batches) {
    const offsets = b.records.map((r) => where.get(key(r)));
    const present = offsets.filter((o) => o !== undefined).length;
    if (present !== 0 && present !== b.records.length) halfWritten++;
    if (present === b.records.length) {
      const first = /** @type {number} */ (offsets[0]);
      offsets.forEach((o, j) => {
        if (o !== first + j) halfWritten++;
      });
      if (b.first === null) unackedBatchesKept++;
    }
  }

  // The tail resumes from last + 1 and gets exactly the rest.
  const resumeFrom = tailLast + 1;
  /** @type {number[]} */
  const resumed = [];
  /** @type {Map<number, Uint8Array>} */
  const resumedData = new Map();
  const tail2 = await openTail(server.wsUrl, name, resumeFrom, (r) => {
    resumed.push(r.offset);
    resumedData.set(r.offset, r.data);
  });
  const deadline = Date.now() + 15_000;
  while (resumed.length < end - resumeFrom && Date.now() < deadline) await sleep(50);
  // One live record after the catch-up.
  const liveData = payload("live-after-restart");
  const liveOffset = await append(server.url, name, liveData);
  while (!resumed.includes(liveOffset) && Date.now() < deadline) await sleep(50);
  tail2.close();
  await tail2.closed;

  stored.set(liveOffset, liveData);
  let resumeMismatch = 0;
  for (const [offset, data] of resumedData) {
    const want = stored.get(offset);
    if (!want || key(want) !== key(data)) resumeMismatch++;
  }
  const expected = Array.from({ length: liveOffset + 1 - resumeFrom }, (_, i) => resumeFrom + i);
  const resumeDuplicates = resumed.length - new Set(resumed).size;

  console.log(
    [
      `kill test: acknowledged ${acked.size} records (${singles} single appends, ` +
      `${batchedRecords} records in ${batches.filter((b) => b.first !== null).length} batches, ` +
      `${session.acked.size} over the session: ${sessionAckedAtRestart} before the restart), ` +
      `${failures} requests failed at the kill, ${sessionFailures} session appends failed`,
      `after restart: log [${begin}, ${end}) holds ${all.length} records; acknowledged found ` +
      `${found}/${acked.size}, wrong or missing ${wrong}, duplicates ${duplicates}, gaps ${gaps}`,
      `batches: ${batches.length} sent, half written ${halfWritten}, unacknowledged but ` +
      `fully kept ${unackedBatchesKept}`,
      `tail before kill: ${tailed.size} records (last ${tailLast}), duplicates ${tailDuplicates}, ` +
      `out of order ${tailOutOfOrder}`,
      `tail resumed from ${resumeFrom}: ${resumed.length} records (expected ${expected.length}), ` +
      `duplicates ${resumeDuplicates}, bytes mismatched ${resumeMismatch}`,
    ].join("\n"),
  );

  assert.equal(wrong, 0, "every acknowledged append is stored at its offset with its bytes");
  assert.ok(sessionAckedAtRestart > 50, "appends were acknowledged over the session");
  assert.ok(session.acked.size > sessionAckedAtRestart, "the session went on after the restart");
  assert.equal(sessionFailures, 0, "no session append failed: the writer resent them");
  assert.equal(found, acked.size);
  assert.equal(duplicates, 0, "no record stored twice");
  assert.equal(gaps, 0, "offsets are contiguous");
  assert.equal(halfWritten, 0, "no batch is half written");
  assert.equal(tailDuplicates, 0);
  assert.equal(tailOutOfOrder, 0);
  for (const [offset, data] of tailed) {
    assert.equal(key(data), key(stored.get(offset) ?? new Uint8Array()), `tailed ${offset}`);
  }
  assert.deepEqual(resumed, expected, "the resumed tail yields exactly the missing records");
  assert.equal(resumeMismatch, 0);
});
