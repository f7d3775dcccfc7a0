// Refused request bodies (PROTOCOL.md, Errors): read to their end and dropped before the answer
// when they hold at most DRAIN_LIMIT bytes, never read when declared larger. The same over raw
// sockets against `wrangler dev`: test/e2e/raw_socket.test.mjs.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DRAIN_LIMIT } from "../../src/protocol/limits.ts";
import { BASE, BATCH, boundsOf, expectError, uniqueName } from "./helpers.ts";

const CHUNK = 64 * 1024;

/**
 * A body of `chunks` chunks of 64 KiB that counts the chunks the server pulls from it.
 * Nothing is pulled ahead of a read (high-water mark 0).
 */
function countedBody(chunks: number) {
  const seen = { pulled: 0 };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (seen.pulled === chunks) {
        controller.close();
        return;
      }
      seen.pulled++;
      controller.enqueue(new Uint8Array(CHUNK).fill(0x61));
    },
  }, { highWaterMark: 0 });
  return { stream, seen };
}

/**
 * A body of `chunks` chunks of 64 KiB that the test writes into a native stream (an
 * IdentityTransformStream, or a FixedLengthStream of `length` bytes), counting the chunks the
 * server took: for a body the server cuts off. The cut fails the writes here, where the test
 * catches it ("Network connection lost"); a JavaScript stream (`countedBody`) would be pumped
 * by the runtime, whose pump then rejects unhandled and workerd prints "uncaught exception
 * ... Network connection lost" on a passing run.
 */
function pushedBody(chunks: number, length?: number) {
  const { readable, writable } = length === undefined
    ? new IdentityTransformStream()
    : new FixedLengthStream(length);
  const writer = writable.getWriter();
  const seen = { pulled: 0, error: undefined as unknown };
  const written = (async () => {
    try {
      for (let i = 0; i < chunks; i++) {
        const size = length === undefined ? CHUNK : Math.min(CHUNK, length - i * CHUNK);
        // Resolves once the reader took the chunk: the stream holds none ahead.
        await writer.write(new Uint8Array(size).fill(0x61));
        seen.pulled++;
      }
      await writer.close();
    } catch (error) {
      seen.error = error;
    }
  })();
  return { stream: readable, seen, written };
}

/** A POST of a streamed body with the given headers. */
function post(path: string, body: ReadableStream<Uint8Array>, headers: Record<string, string>) {
  return SELF.fetch(
    new Request(BASE + path, {
      method: "POST",
      headers,
      body,
      // @ts-expect-error: workerd needs duplex for a stream body in some versions
      duplex: "half",
    }),
  );
}

describe("a refused request body", () => {
  it("streamed past maxRecordSize, is read to its end before the 413", async () => {
    const name = uniqueName();
    // 48 chunks: 3 MiB against the default 1 MiB.
    const { stream, seen } = countedBody(48);
    const res = await post(`/logs/${name}/records`, stream, {});
    const error = await expectError(res, 413, "RECORD_TOO_LARGE");
    // The size counted when the count passed the limit (the pipe into the object may cut the
    // body into other pieces).
    expect(error.size).toBeGreaterThan(1024 * 1024);
    expect(error.size).toBeLessThanOrEqual(1024 * 1024 + CHUNK);
    expect(seen.pulled).toBe(48);
    expect(await boundsOf(name)).toEqual({ begin: 0, end: 0 });
  });

  it("with a Content-Length over maxRecordSize, is read to its end before the 413", async () => {
    const name = uniqueName();
    const { stream, seen } = countedBody(48);
    const length = String(48 * CHUNK);
    const res = await post(`/logs/${name}/records`, stream, { "content-length": length });
    const error = await expectError(res, 413, "RECORD_TOO_LARGE");
    expect(error.size).toBe(48 * CHUNK);
    expect(seen.pulled).toBe(48);
  });

  it("streamed past DRAIN_LIMIT, is read that far and then cut off", async () => {
    const chunks = DRAIN_LIMIT / CHUNK + 32;
    const { stream, seen, written } = pushedBody(chunks);
    const res = await post(`/logs/${uniqueName()}/batch`, stream, BATCH);
    await expectError(res, 413, "REQUEST_TOO_LARGE");
    await written;
    expect(seen.pulled).toBeGreaterThanOrEqual(DRAIN_LIMIT / CHUNK);
    expect(seen.pulled).toBeLessThan(chunks);
    expect(String(seen.error)).toMatch(/Network connection lost/);
  });

  it("declared larger than any route accepts, is refused from its Content-Length unread", async () => {
    const name = uniqueName();
    const size = DRAIN_LIMIT + 1;
    const { stream, seen, written } = pushedBody(size / CHUNK + 1, size);
    const res = await post(`/logs/${name}/records`, stream, { "content-length": String(size) });
    const error = await expectError(res, 413, "RECORD_TOO_LARGE");
    expect(error.size).toBe(size);
    expect(error.limit).toBe(1024 * 1024);
    await written;
    // The runtime's pipe into the Worker takes the first piece of any body; nothing more.
    expect(seen.pulled).toBeLessThanOrEqual(1);
    expect(String(seen.error)).toMatch(/Network connection lost/);
    expect(await boundsOf(name)).toEqual({ begin: 0, end: 0 });
  });

  it("of another refusal (a 405 at the object) is read to its end before the answer", async () => {
    const { stream, seen } = countedBody(48);
    const res = await post(`/logs/${uniqueName()}/bounds`, stream, {});
    await expectError(res, 405, "METHOD_NOT_ALLOWED");
    expect(seen.pulled).toBe(48);
  });

  it("of a refusal at the Worker (a 405 of /healthz) is read to its end before the answer", async () => {
    const { stream, seen } = countedBody(48);
    const res = await post("/healthz", stream, {});
    await expectError(res, 405, "METHOD_NOT_ALLOWED");
    expect(seen.pulled).toBe(48);
  });
});
