/**
 * A minimal client of the worker's HTTP API and WebSocket tail (see PROTOCOL.md), for the
 * end-to-end tests and the load script. Binary framings as in src/protocol/wire.ts:
 * batch bodies are repeated `[u32 length][bytes]`; reads are NDJSON with base64 data; tail
 * frames are repeated
 * `[f64 offset][f64 created ms][u32 length][bytes]`, big-endian.
 *
 * @module
 */
import WebSocket from "ws";

/** The content type of a batch request body. */
export const BATCH_CONTENT_TYPE = "application/vnd.edgelog.batch";

/** The header of the answer to a producer's retry (`Edgelog-Duplicate: true`). */
export const DUPLICATE_HEADER = "Edgelog-Duplicate";

/**
 * The request headers that name a producer (PROTOCOL.md, Exactly once), as
 * src/protocol/producer.ts's `producerHeaders` writes them: Node 20 cannot load that module.
 * @param {{ id: string, epoch: number, seq: number }} producer
 * @returns {Record<string, string>}
 */
export function producerHeaders(producer) {
  return {
    "Producer-Id": producer.id,
    "Producer-Epoch": String(producer.epoch),
    "Producer-Seq": String(producer.seq),
  };
}

/** @typedef {{ offset: number, created: number, data: Uint8Array }} TailRecord */

/**
 * The path of a log: each name segment URL-encoded, `/` kept.
 * @param {string} base
 * @param {string} name
 * @returns {string}
 */
export function logUrl(base, name) {
  return `${base}/logs/${name.split("/").map(encodeURIComponent).join("/")}`;
}

/**
 * The request that appends one record (for load generators).
 * @param {string} base
 * @param {string} name
 * @returns {{ url: string, headers: Record<string, string> }}
 */
export function recordsUrl(base, name) {
  return {
    url: `${logUrl(base, name)}/records`,
    headers: { "content-type": "application/octet-stream" },
  };
}

/**
 * Throws an Error carrying the JSON error of a failed response.
 * @param {Response} res
 * @returns {Promise<never>}
 */
async function fail(res) {
  const text = await res.text();
  throw new Error(`HTTP ${res.status}: ${text}`);
}

/**
 * Appends one record.
 * @param {string} base
 * @param {string} name
 * @param {Uint8Array} data
 * @returns {Promise<{ offset: number, instance: string | null }>}
 */
export async function appendWithInstance(base, name, data) {
  const { url, headers } = recordsUrl(base, name);
  const res = await fetch(url, { method: "POST", body: data, headers });
  if (!res.ok) return fail(res);
  const body = await res.json();
  return { offset: body.offset, instance: res.headers.get("edgelog-instance") };
}

/**
 * Appends one record and resolves its offset.
 * @param {string} base
 * @param {string} name
 * @param {Uint8Array} data
 * @returns {Promise<number>}
 */
export async function append(base, name, data) {
  return (await appendWithInstance(base, name, data)).offset;
}

/**
 * Encodes a batch body.
 * @param {readonly Uint8Array[]} records
 * @returns {Uint8Array}
 */
export function encodeBatch(records) {
  let size = 0;
  for (const r of records) size += 4 + r.byteLength;
  const body = new Uint8Array(size);
  const view = new DataView(body.buffer);
  let at = 0;
  for (const r of records) {
    view.setUint32(at, r.byteLength);
    body.set(r, at + 4);
    at += 4 + r.byteLength;
  }
  return body;
}

/**
 * The request that appends a batch (for load generators).
 * @param {string} base
 * @param {string} name
 * @param {readonly Uint8Array[]} records
 * @returns {{ url: string, headers: Record<string, string>, body: Uint8Array }}
 */
export function batchRequest(base, name, records) {
  return {
    url: `${logUrl(base, name)}/batch`,
    headers: { "content-type": BATCH_CONTENT_TYPE },
    body: encodeBatch(records),
  };
}

/**
 * Appends records atomically and resolves the first one's offset.
 * @param {string} base
 * @param {string} name
 * @param {readonly Uint8Array[]} records
 * @returns {Promise<number>}
 */
export async function appendBatch(base, name, records) {
  const { url, headers, body } = batchRequest(base, name, records);
  const res = await fetch(url, { method: "POST", body, headers });
  if (!res.ok) return fail(res);
  const json = await res.json();
  return json.first ?? json.offset;
}

/**
 * The log's half-open bounds.
 * @param {string} base
 * @param {string} name
 * @returns {Promise<{ begin: number, end: number }>}
 */
export async function bounds(base, name) {
  const res = await fetch(`${logUrl(base, name)}/bounds`);
  if (!res.ok) return fail(res);
  const json = await res.json();
  return { begin: json.begin, end: json.end };
}

/**
 * The metrics of the log's Durable Object (`GET /logs/{name}/metrics`, PROTOCOL.md).
 * @param {string} base
 * @param {string} name
 * @param {Record<string, string>} [headers] e.g. an admin token's Authorization
 * @returns {Promise<import("../../src/protocol/metrics.ts").MetricsSnapshot>}
 */
export async function metrics(base, name, headers = {}) {
  const res = await fetch(`${logUrl(base, name)}/metrics`, { headers });
  if (!res.ok) return fail(res);
  return await res.json();
}

/**
 * Decodes a binary tail frame.
 * @param {Uint8Array} frame
 * @returns {TailRecord[]}
 */
export function decodeTailFrame(frame) {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  /** @type {TailRecord[]} */
  const records = [];
  let at = 0;
  while (at < frame.byteLength) {
    const offset = view.getFloat64(at);
    const created = view.getFloat64(at + 8);
    const length = view.getUint32(at + 16);
    records.push({ offset, created, data: frame.slice(at + 20, at + 20 + length) });
    at += 20 + length;
  }
  return records;
}

/**
 * Reads every record of the log from its beginning, in pages of NDJSON lines
 * `{ offset, created, data: base64 }`.
 * @param {string} base
 * @param {string} name
 * @returns {Promise<TailRecord[]>}
 */
export async function readAll(base, name) {
  const { begin, end } = await bounds(base, name);
  /** @type {TailRecord[]} */
  const out = [];
  let from = begin;
  while (from < end) {
    const res = await fetch(`${logUrl(base, name)}/records?from=${from}&limit=1000`);
    if (!res.ok) return fail(res);
    const lines = (await res.text()).split("\n").filter((l) => l !== "");
    if (lines.length === 0) break;
    for (const line of lines) {
      const r = JSON.parse(line);
      out.push({ offset: r.offset, created: r.created, data: Buffer.from(r.data, "base64") });
    }
    from = /** @type {TailRecord} */ (out.at(-1)).offset + 1;
  }
  return out;
}

/**
 * Opens a tail from `from` and calls `onRecord` for each record, in order. Resolves once the
 * socket is open. `closed` resolves when the socket is closed (by either side, or broken).
 * Text frames (errors) are passed to `onText`.
 * @param {string} wsBase e.g. `ws://127.0.0.1:8787`
 * @param {string} name
 * @param {number} from
 * @param {(record: TailRecord) => void} onRecord
 * @param {(text: string) => void} [onText]
 * @param {{ perMessageDeflate?: boolean }} [options] `perMessageDeflate: false` does not offer
 *   compression (`ws` offers it by default, as browsers do)
 * @returns {Promise<{ ws: WebSocket, close(): void, closed: Promise<void> }>}
 */
export function openTail(wsBase, name, from, onRecord, onText = () => {}, options = {}) {
  const ws = new WebSocket(`${logUrl(wsBase, name)}/tail?from=${from}`, {
    perMessageDeflate: options.perMessageDeflate ?? true,
  });
  ws.binaryType = "nodebuffer";
  const closed = new Promise((ok) => {
    ws.once("close", () => ok(undefined));
  });
  ws.on("error", () => {});
  ws.on("message", (data, isBinary) => {
    const buf = /** @type {Buffer} */ (data);
    if (!isBinary) {
      onText(buf.toString());
      return;
    }
    for (const r of decodeTailFrame(new Uint8Array(buf.buffer, buf.byteOffset, buf.length))) {
      onRecord(r);
    }
  });
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => {
      ws.terminate();
      fail(new Error("Tail did not open within 10 s"));
    }, 10_000);
    ws.once("open", () => {
      clearTimeout(timer);
      ok({
        ws,
        close() {
          if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) {
            ws.close(1000);
            setTimeout(() => ws.terminate(), 2_000).unref();
          }
        },
        closed: /** @type {Promise<void>} */ (closed),
      });
    });
    ws.once("unexpected-response", (_req, res) => {
      clearTimeout(timer);
      fail(new Error(`Tail upgrade refused: HTTP ${res.statusCode}`));
    });
    ws.once("error", (e) => {
      clearTimeout(timer);
      fail(e);
    });
  });
}
