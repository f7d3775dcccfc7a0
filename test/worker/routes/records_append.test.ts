// POST /logs/{name}/records: one record per request, expected offsets.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  append,
  appendBatch,
  BASE,
  boundsOf,
  bytes,
  call,
  expectError,
  sameBytes,
  uniqueName,
} from "../helpers.ts";

describe("POST /logs/{name}/records", () => {
  it("appends the raw body and returns its offset", async () => {
    const name = uniqueName();
    const res = await call(`/logs/${name}/records`, { method: "POST", body: bytes("one") });
    expect(res.status).toBe(200);
    expect(res.headers.get("edgelog-offset")).toBe("0");
    expect(res.headers.get("edgelog-instance")).toMatch(/^[0-9a-f-]{36}$/);
    expect(await res.json()).toEqual({ offset: 0 });
    expect(await append(name, "two")).toBe(1);
  });

  it("keeps every byte value", async () => {
    const name = uniqueName();
    const all = new Uint8Array(256).map((_, i) => i);
    await append(name, all);
    const res = await call(`/logs/${name}/records/0`);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(all);
  });

  it("concurrent appends get consecutive offsets", async () => {
    const name = uniqueName();
    const offsets = await Promise.all(
      Array.from({ length: 50 }, (_, i) => append(name, `r${i}`)),
    );
    expect([...offsets].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it("an empty body is 400", async () => {
    const res = await call(`/logs/${uniqueName()}/records`, { method: "POST" });
    await expectError(res, 400, "BAD_REQUEST");
  });

  it("a record over maxRecordSize is 413 RECORD_TOO_LARGE", async () => {
    const name = uniqueName();
    await call(`/logs/${name}/config`, {
      method: "PUT",
      body: JSON.stringify({ maxRecordSize: 10 }),
    });
    const ok = await call(`/logs/${name}/records`, { method: "POST", body: new Uint8Array(10) });
    expect(ok.status).toBe(200);
    const res = await call(`/logs/${name}/records`, { method: "POST", body: new Uint8Array(11) });
    const error = await expectError(res, 413, "RECORD_TOO_LARGE");
    expect(error.limit).toBe(10);
  });

  it("a streamed body over the limit is 413 without a Content-Length", async () => {
    const name = uniqueName();
    await call(`/logs/${name}/config`, {
      method: "PUT",
      body: JSON.stringify({ maxRecordSize: 1000 }),
    });
    // Six chunks of 400 bytes, then the end: each chunk is under the limit, the third passes
    // it. The server stops counting there and reads the rest to drop it (discardBody).
    let chunks = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (chunks === 6) {
          controller.close();
          return;
        }
        chunks++;
        controller.enqueue(new Uint8Array(400).fill(chunks));
      },
    });
    const request = new Request(`${BASE}/logs/${name}/records`, {
      method: "POST",
      body,
      // @ts-expect-error: workerd needs duplex for a stream body in some versions
      duplex: "half",
    });
    expect(request.headers.get("content-length")).toBeNull();
    const error = await expectError(await SELF.fetch(request), 413, "RECORD_TOO_LARGE");
    // The bytes counted when the count passed the limit: three chunks.
    expect(error.size).toBe(1200);
    expect(chunks).toBe(6);
    expect(error.limit).toBe(1000);
    expect(await boundsOf(name)).toEqual({ begin: 0, end: 0 });
  });

  it("a record of 1 MiB (the default maximum) is accepted, 1 MiB + 1 is 413", async () => {
    const name = uniqueName();
    const max = new Uint8Array(1048576).fill(7);
    expect(await append(name, max)).toBe(0);
    const read = await call(`/logs/${name}/records/0`);
    expect(sameBytes(new Uint8Array(await read.arrayBuffer()), max)).toBe(true);
    const res = await call(`/logs/${name}/records`, {
      method: "POST",
      body: new Uint8Array(1048577),
    });
    await expectError(res, 413, "RECORD_TOO_LARGE");
  });

  it("a record at the SQLite row limit (maxRecordSize 1999000) is stored", async () => {
    const name = uniqueName();
    const put = await call(`/logs/${name}/config`, {
      method: "PUT",
      body: JSON.stringify({ maxRecordSize: 1999000 }),
    });
    expect(put.status).toBe(200);
    const big = new Uint8Array(1999000).fill(3);
    expect(await append(name, big)).toBe(0);
    const read = await call(`/logs/${name}/records/0`);
    expect((await read.arrayBuffer()).byteLength).toBe(1999000);
  });

  it("?expected=N appends at the expected offset", async () => {
    const name = uniqueName();
    const res = await call(`/logs/${name}/records?expected=0`, { method: "POST", body: "a" });
    expect(await res.json()).toEqual({ offset: 0 });
    const res2 = await call(`/logs/${name}/records`, {
      method: "POST",
      body: "b",
      headers: { "edgelog-expected-offset": "1" },
    });
    expect(await res2.json()).toEqual({ offset: 1 });
  });

  it("a taken expected offset is 409 CONFLICT with the current end", async () => {
    const name = uniqueName();
    await append(name, "a");
    await append(name, "b");
    const res = await call(`/logs/${name}/records?expected=1`, { method: "POST", body: "c" });
    expect(res.headers.get("edgelog-end")).toBe("2");
    const error = await expectError(res, 409, "CONFLICT");
    expect(error.end).toBe(2);
    const header = await call(`/logs/${name}/records`, {
      method: "POST",
      body: "c",
      headers: { "edgelog-expected-offset": "0" },
    });
    await expectError(header, 409, "CONFLICT");
  });

  it("only one of two racing appends at the same expected offset wins", async () => {
    const name = uniqueName();
    const results = await Promise.all(
      [0, 1, 2, 3].map(() =>
        call(`/logs/${name}/records?expected=0`, { method: "POST", body: "x" }).then((r) =>
          r.status
        )
      ),
    );
    expect(results.filter((s) => s === 200)).toHaveLength(1);
    expect(results.filter((s) => s === 409)).toHaveLength(3);
  });

  it("an expected offset past the end is 400", async () => {
    const res = await call(`/logs/${uniqueName()}/records?expected=5`, {
      method: "POST",
      body: "x",
    });
    await expectError(res, 400, "BAD_REQUEST");
  });

  for (const bad of ["-1", "1.5", "1e3", "+1", "abc", "", "9007199254740993", " 1"]) {
    it(`expected=${JSON.stringify(bad)} is 400`, async () => {
      const res = await call(
        `/logs/${uniqueName()}/records?expected=${encodeURIComponent(bad)}`,
        { method: "POST", body: "x" },
      );
      await expectError(res, 400, "BAD_REQUEST");
    });
  }

  it("expected both as header and query is 400", async () => {
    const res = await call(`/logs/${uniqueName()}/records?expected=0`, {
      method: "POST",
      body: "x",
      headers: { "edgelog-expected-offset": "0" },
    });
    await expectError(res, 400, "BAD_REQUEST");
  });

  it("an unknown query parameter is 400", async () => {
    const res = await call(`/logs/${uniqueName()}/records?foo=1`, { method: "POST", body: "x" });
    await expectError(res, 400, "BAD_REQUEST");
  });

  for (const bad of ["+1", "0x1", "1e0", "1.0", "+5", "abc"]) {
    it(`Content-Length ${JSON.stringify(bad)} (not decimal digits) is 400`, async () => {
      const name = uniqueName();
      // The body is one byte: all but "+5" and "abc" read as the number 1, so only the digit
      // check refuses them. SELF.fetch hands the header to the server as given.
      const request = new Request(`${BASE}/logs/${name}/records`, {
        method: "POST",
        headers: { "content-length": bad },
        body: bytes("x"),
      });
      expect(request.headers.get("content-length")).toBe(bad);
      const error = await expectError(await SELF.fetch(request), 400, "BAD_REQUEST");
      expect(error.message).toContain("Content-Length");
      expect(await boundsOf(name)).toEqual({ begin: 0, end: 0 });
    });
  }

  it("a Content-Length other than the body's length is 400", async () => {
    const name = uniqueName();
    for (const [length, body] of [["5", "x"], ["0", "x"], ["2", "xyz"]] as const) {
      const res = await call(`/logs/${name}/records`, {
        method: "POST",
        headers: { "content-length": length },
        body: bytes(body),
      });
      const error = await expectError(res, 400, "BAD_REQUEST");
      expect(error.message).toContain("Content-Length");
    }
    expect(await boundsOf(name)).toEqual({ begin: 0, end: 0 });
    // The same body with its own length is appended.
    const ok = await call(`/logs/${name}/records`, {
      method: "POST",
      headers: { "content-length": "3" },
      body: bytes("xyz"),
    });
    expect(await ok.json()).toEqual({ offset: 0 });
  });

  it("Edgelog-Expected-Offset: N appends at N; N again is 409", async () => {
    const name = uniqueName();
    await appendBatch(name, ["a", "b"]);
    const expected = { "edgelog-expected-offset": "2" };
    const res = await call(`/logs/${name}/records`, {
      method: "POST",
      body: "c",
      headers: expected,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("edgelog-offset")).toBe("2");
    expect(await res.json()).toEqual({ offset: 2 });
    // The header is honoured, not ignored: the same N is now taken.
    const again = await call(`/logs/${name}/records`, {
      method: "POST",
      body: "d",
      headers: expected,
    });
    expect(again.headers.get("edgelog-end")).toBe("3");
    const error = await expectError(again, 409, "CONFLICT");
    expect(error.position).toBe(2);
    expect(error.end).toBe(3);
    expect(await boundsOf(name)).toEqual({ begin: 0, end: 3 });
  });

  for (const bad of ["-1", "1.5", "0x1", "1e0", "+1", "abc"]) {
    it(`Edgelog-Expected-Offset ${JSON.stringify(bad)} is 400 and nothing is written`, async () => {
      const name = uniqueName();
      // The end is 1: a lax parse of "0x1", "1e0" or "+1" would append at offset 1.
      await append(name, "a");
      const res = await call(`/logs/${name}/records`, {
        method: "POST",
        body: "x",
        headers: { "edgelog-expected-offset": bad },
      });
      const error = await expectError(res, 400, "BAD_REQUEST");
      expect(error.message).toContain("Edgelog-Expected-Offset");
      expect(await boundsOf(name)).toEqual({ begin: 0, end: 1 });
    });
  }

  it("Edgelog-Expected-Offset past the end is 400 and nothing is written", async () => {
    const name = uniqueName();
    await append(name, "a");
    for (const past of ["2", "5"]) {
      const res = await call(`/logs/${name}/records`, {
        method: "POST",
        body: "x",
        headers: { "edgelog-expected-offset": past },
      });
      await expectError(res, 400, "BAD_REQUEST");
    }
    expect(await boundsOf(name)).toEqual({ begin: 0, end: 1 });
  });

  it("PUT is 405 with Allow", async () => {
    const res = await call(`/logs/${uniqueName()}/records`, { method: "PUT", body: "x" });
    expect(res.headers.get("allow")).toBe("GET, POST, DELETE");
    await expectError(res, 405, "METHOD_NOT_ALLOWED");
  });
});
