/**
 * A raw HTTP/1.1 client over `node:net` for the end-to-end tests that must control exactly what
 * goes on the wire: the request head is written by hand (no `Expect: 100-continue`, no
 * buffering or retries of a library), the body follows at once as fast as the socket takes it,
 * and the answer is parsed from the bytes that come back. The socket stays open after the
 * answer, as a client still sending or keeping its connection alive would leave it, until the
 * caller ends it.
 *
 * @module
 */
import { connect } from "node:net";

/**
 * An answer read off the socket, or what happened instead.
 * @typedef {object} RawResponse
 * @property {number} status the status code; 0 when no status line arrived
 * @property {Record<string, string>} headers the headers, names in lower case
 * @property {string} body the body, decoded as UTF-8
 * @property {string | undefined} failure why no whole answer arrived (a socket error code,
 *   "closed" or "timeout"), or undefined
 * @property {number} ms milliseconds from connecting until the whole answer (or the failure)
 * @property {import("node:net").Socket} socket the connection, still open unless it failed
 */

/**
 * Sends one request on a new connection to 127.0.0.1 and reads one answer.
 *
 * @param {number} port the server's port
 * @param {string} method e.g. "POST"
 * @param {string} path e.g. "/logs/acme/x/records"
 * @param {{ headers?: Record<string, string>, body?: Uint8Array, timeoutMs?: number }} [options]
 *   headers beside `host` and `content-length` (set from the body); the body; how long to wait
 *   for the whole answer (default 30 s)
 * @returns {Promise<RawResponse>}
 */
export function rawRequest(port, method, path, options = {}) {
  const { body, timeoutMs = 30_000 } = options;
  const lines = [`${method} ${path} HTTP/1.1`, "host: 127.0.0.1"];
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    lines.push(`${name}: ${value}`);
  }
  if (body !== undefined) lines.push(`content-length: ${body.byteLength}`);
  const head = `${lines.join("\r\n")}\r\n\r\n`;
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    /** @type {Buffer[]} */
    const received = [];
    let settled = false;
    /** @param {Omit<RawResponse, "ms" | "socket">} result */
    const settle = (result) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (result.failure !== undefined) socket.destroy();
      resolve({ ...result, ms: performance.now() - started, socket });
    };
    /** @param {string} failure */
    const fail = (failure) => settle({ ...parse(Buffer.concat(received)), failure });
    const timer = setTimeout(() => fail("timeout"), timeoutMs);
    socket.on("data", (chunk) => {
      received.push(chunk);
      const answer = parse(Buffer.concat(received));
      if (answer.complete) settle({ ...answer, failure: undefined });
    });
    socket.on(
      "error",
      (error) => fail(/** @type {NodeJS.ErrnoException} */ (error).code ?? "error"),
    );
    socket.on("close", () => fail("closed"));
    socket.on("connect", () => {
      socket.write(head);
      if (body !== undefined) writeAll(socket, body);
    });
  });
}

/**
 * Writes `body` in 64 KiB pieces, each when the socket takes more.
 * @param {import("node:net").Socket} socket
 * @param {Uint8Array} body
 */
function writeAll(socket, body) {
  let at = 0;
  const more = () => {
    while (at < body.byteLength && !socket.destroyed) {
      const piece = body.subarray(at, at + 65536);
      at += piece.byteLength;
      if (!socket.write(piece)) {
        socket.once("drain", more);
        return;
      }
    }
  };
  more();
}

/**
 * Parses what arrived so far: complete once the head and `content-length` body bytes are there.
 * @param {Buffer} bytes
 * @returns {{ status: number, headers: Record<string, string>, body: string, complete: boolean }}
 */
function parse(bytes) {
  const end = bytes.indexOf("\r\n\r\n");
  if (end === -1) return { status: 0, headers: {}, body: "", complete: false };
  const [statusLine = "", ...fields] = bytes.subarray(0, end).toString("latin1").split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  /** @type {Record<string, string>} */
  const headers = {};
  for (const field of fields) {
    const colon = field.indexOf(":");
    headers[field.slice(0, colon).trim().toLowerCase()] = field.slice(colon + 1).trim();
  }
  const length = Number(headers["content-length"] ?? 0);
  const rest = bytes.subarray(end + 4);
  return {
    status,
    headers,
    body: rest.subarray(0, length).toString("utf8"),
    complete: rest.byteLength >= length,
  };
}
