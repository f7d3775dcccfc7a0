import { expect } from "vitest";
import type { Right } from "../../../src/protocol/token.ts";
import { encodeBatch } from "../../../src/protocol/wire.ts";
import { bytes, uniqueName } from "../helpers.ts";
import { bodyText } from "../ndjson.ts";
import { bearer, fetchWorker } from "./tokens.ts";

/** How a request carries its token. */
export type Carrier = "header" | "subprotocol";

/** One route of PROTOCOL.md, with a request that succeeds given the right. */
export interface RouteCase {
  label: string;
  method: string;
  path: (log: string) => string;
  right: Right;
  /** The status of a success. */
  ok: number;
  body?: () => BodyInit;
  headers?: Record<string, string>;
  /** A WebSocket upgrade. */
  tail?: boolean;
  /** The upgrade opens an append session (its first message is the `HELLO`). */
  session?: boolean;
  /** The log must be a Durable Streams stream first (`PUT /v1/stream/{name}`). */
  stream?: boolean;
}

/** Every route under /logs/{name} (PROTOCOL.md "Routes"), each with a valid request. */
export const ROUTES: readonly RouteCase[] = [
  {
    label: "POST /records",
    method: "POST",
    path: (l) => `/logs/${l}/records`,
    right: "append",
    ok: 200,
    body: () => bytes("intruder"),
  },
  {
    label: "POST /batch",
    method: "POST",
    path: (l) => `/logs/${l}/batch`,
    right: "append",
    ok: 200,
    headers: { "content-type": "application/vnd.edgelog.batch" },
    body: () => encodeBatch([bytes("intruder"), bytes("intruder")]),
  },
  {
    label: "GET /records/{offset}",
    method: "GET",
    path: (l) => `/logs/${l}/records/0`,
    right: "read",
    ok: 200,
  },
  {
    label: "GET /records?from",
    method: "GET",
    path: (l) => `/logs/${l}/records?from=0&limit=10`,
    right: "read",
    ok: 200,
  },
  { label: "GET /bounds", method: "GET", path: (l) => `/logs/${l}/bounds`, right: "read", ok: 200 },
  { label: "GET /range", method: "GET", path: (l) => `/logs/${l}/range`, right: "read", ok: 200 },
  {
    label: "GET /metrics",
    method: "GET",
    path: (l) => `/logs/${l}/metrics`,
    right: "admin",
    ok: 200,
  },
  { label: "GET /config", method: "GET", path: (l) => `/logs/${l}/config`, right: "read", ok: 200 },
  {
    label: "PUT /config",
    method: "PUT",
    path: (l) => `/logs/${l}/config`,
    right: "admin",
    ok: 200,
    body: () => JSON.stringify({ maxRecordSize: 1000, maxSegmentSize: 1 }),
  },
  {
    label: "POST /truncate",
    method: "POST",
    path: (l) => `/logs/${l}/truncate?before=2`,
    right: "admin",
    ok: 200,
  },
  {
    label: "DELETE /records?before",
    method: "DELETE",
    path: (l) => `/logs/${l}/records?before=2`,
    right: "admin",
    ok: 200,
  },
  {
    label: "DELETE /logs/{name}",
    method: "DELETE",
    path: (l) => `/logs/${l}`,
    right: "admin",
    ok: 204,
  },
  {
    label: "GET /tail (WebSocket)",
    method: "GET",
    path: (l) => `/logs/${l}/tail?from=0`,
    right: "read",
    ok: 101,
    tail: true,
  },
  {
    label: "GET /session (WebSocket)",
    method: "GET",
    path: (l) => `/logs/${l}/session`,
    right: "append",
    ok: 101,
    tail: true,
    session: true,
  },
  // The log as a Durable Streams stream (PUT creates it; the others need it created).
  {
    label: "PUT /stream",
    method: "PUT",
    path: (l) => `/logs/${l}/stream`,
    right: "admin",
    ok: 201,
    headers: { "content-type": "application/octet-stream" },
  },
  {
    label: "GET /stream",
    method: "GET",
    path: (l) => `/logs/${l}/stream?offset=-1`,
    right: "read",
    ok: 200,
    stream: true,
  },
  {
    label: "POST /stream",
    method: "POST",
    path: (l) => `/logs/${l}/stream`,
    right: "append",
    ok: 204,
    body: () => bytes("four"),
    headers: { "content-type": "application/octet-stream" },
    stream: true,
  },
  {
    label: "DELETE /stream",
    method: "DELETE",
    path: (l) => `/logs/${l}/stream`,
    right: "admin",
    ok: 204,
    stream: true,
  },
];

/** Makes `log` ready for `route`'s request to succeed: a stream first when it needs one. */
export async function prepare(route: RouteCase, log: string, adminJwt: string): Promise<void> {
  if (!route.stream) return;
  const created = await fetchWorker(`/v1/stream/${log}`, {
    method: "PUT",
    headers: { ...bearer(adminJwt), "content-type": "application/octet-stream" },
  });
  expect(created.status).toBe(201);
}

/** Sends `route`'s request to `log`, with `jwt` (if any) carried as `carrier` says. */
export function send(
  route: RouteCase,
  log: string,
  jwt: string | undefined,
  carrier: Carrier = "header",
): Promise<Response> {
  const headers: Record<string, string> = { ...route.headers };
  if (route.tail) headers.upgrade = "websocket";
  if (carrier === "subprotocol") {
    headers["sec-websocket-protocol"] = jwt === undefined
      ? "edgelog"
      : `edgelog, edgelog.bearer.${jwt}`;
  } else if (jwt !== undefined) Object.assign(headers, bearer(jwt));
  const init: RequestInit = { method: route.method, headers };
  if (route.body) init.body = route.body();
  return fetchWorker(route.path(log), init);
}

/** What a log holds: bounds, config and every record's bytes. */
export interface Snapshot {
  bounds: unknown;
  config: unknown;
  records: string;
}

/** Reads everything `log` holds with a token that may read it. */
export async function snapshot(log: string, readToken: string): Promise<Snapshot> {
  const get = async (path: string) => {
    const res = await fetchWorker(`/logs/${log}${path}`, { headers: bearer(readToken) });
    expect(res.status, `${path}: ${res.status}`).toBeLessThan(300);
    return res;
  };
  const bounds = await (await get("/bounds")).json() as { begin: number; end: number };
  const config = await (await get("/config")).json();
  const records = bounds.begin < bounds.end
    ? await bodyText(await get(`/records?from=${bounds.begin}&limit=1000`))
    : "";
  return { bounds, config, records };
}

/** Checks a refusal made by the Worker: status, code, and that no LogObject answered. */
export async function expectRefused(res: Response, status: number, code: string): Promise<void> {
  expect(res.webSocket ?? null).toBeNull();
  expect(res.headers.get("edgelog-instance")).toBeNull();
  expect(res.headers.get("content-type")).toBe("application/json");
  const body = await res.json() as { error?: { code?: unknown; message?: unknown } };
  expect({ status: res.status, code: body.error?.code }).toEqual({ status, code });
  expect(typeof body.error?.message).toBe("string");
}

/**
 * A new log of `acme` holding the records "one", "two" and "three", written with `admin`.
 *
 * @param admin A token of acme with the append right.
 * @param prefix The start of the log's own name segment.
 */
export async function prefilledLog(admin: string, prefix: string): Promise<string> {
  const log = `acme/${uniqueName(prefix)}`;
  for (const data of ["one", "two", "three"]) {
    const res = await fetchWorker(`/logs/${log}/records`, {
      method: "POST",
      headers: bearer(admin),
      body: data,
    });
    expect(res.status).toBe(200);
  }
  return log;
}
