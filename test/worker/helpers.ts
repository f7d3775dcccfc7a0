import { SELF } from "cloudflare:test";
import { encodeBatch } from "../../src/protocol/wire.ts";

export const BASE = "https://edgelog.test";

/** The Content-Type header of a batch body (POST /logs/{name}/batch). */
export const BATCH = { "content-type": "application/vnd.edgelog.batch" };
let counter = 0;

/** A log name no other test uses (storage is shared by every test of a file). */
export function uniqueName(prefix = "t"): string {
  return `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;
}

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: Uint8Array): string => new TextDecoder().decode(b);

export function call(path: string, init?: RequestInit): Promise<Response> {
  return SELF.fetch(BASE + path, init);
}

export async function append(name: string, data: Uint8Array | string): Promise<number> {
  const res = await call(`/logs/${name}/records`, {
    method: "POST",
    body: typeof data === "string" ? bytes(data) : data,
  });
  if (res.status !== 200) throw new Error(`append: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { offset: number }).offset;
}

export async function appendBatch(
  name: string,
  records: Array<Uint8Array | string>,
): Promise<{ first: number; last: number; count: number }> {
  const res = await call(`/logs/${name}/batch`, {
    method: "POST",
    headers: BATCH,
    body: encodeBatch(records.map((r) => typeof r === "string" ? bytes(r) : r)),
  });
  if (res.status !== 200) throw new Error(`batch: ${res.status} ${await res.text()}`);
  return (await res.json()) as { first: number; last: number; count: number };
}

export async function expectError(
  res: Response,
  status: number,
  code: string,
): Promise<{ code: string; message: string; [key: string]: unknown }> {
  const body = (await res.json()) as { error: { code: string; message: string } };
  if (res.status !== status || body.error?.code !== code) {
    throw new Error(`expected ${status} ${code}, got ${res.status} ${JSON.stringify(body)}`);
  }
  if (typeof body.error.message !== "string" || body.error.message === "") {
    throw new Error("error without message");
  }
  return body.error;
}

/**
 * Whether two byte arrays hold the same bytes. Vitest's `toEqual` walks a Uint8Array
 * element by element and takes seconds on a MiB; this takes a millisecond.
 */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) {
    if (a[i] !== b[i]) return false;
  }
  return true;
}

/** The bounds of a log, read over HTTP. */
export async function boundsOf(name: string): Promise<{ begin: number; end: number }> {
  const res = await call(`/logs/${name}/bounds`);
  if (res.status !== 200) throw new Error(`bounds: ${res.status} ${await res.text()}`);
  return (await res.json()) as { begin: number; end: number };
}
