import { env, runInDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { bodyText, decodeBatchHelper } from "./ndjson.ts";
import { encodeBatch } from "../../worker/frames.ts";
import { splitLogPath } from "../../worker/log_name.ts";
import { LogObject } from "../../worker/log_object.ts";
import {
  append,
  appendBatch,
  BASE,
  boundsOf,
  bytes,
  call,
  expectError,
  sameBytes,
  text,
  uniqueName,
} from "./helpers.ts";

const BATCH = { "content-type": "application/vnd.edgelog.batch" };

describe("Worker entry", () => {
  it("GET /healthz answers ok", async () => {
    const res = await call("/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  it("POST /healthz is 405 with Allow", async () => {
    const res = await call("/healthz", { method: "POST", body: "x" });
    expect(res.headers.get("allow")).toBe("GET");
    await expectError(res, 405, "METHOD_NOT_ALLOWED");
  });

  it("GET /healthz ignores its query (PROTOCOL.md: the one route that does)", async () => {
    for (const query of ["?x=1", "?ok=1&ok=2", "?from=-1"]) {
      const res = await call(`/healthz${query}`);
      expect([query, res.status]).toEqual([query, 200]);
      expect(await res.json()).toEqual({ ok: true });
    }
  });

  it("an unknown route is a JSON 404", async () => {
    await expectError(await call("/nope"), 404, "ROUTE_NOT_FOUND");
    await expectError(await call("/logs"), 404, "ROUTE_NOT_FOUND");
  });

  it("an unknown route inside a log is a JSON 404", async () => {
    await expectError(await call(`/logs/${uniqueName()}/records/1/x`), 404, "ROUTE_NOT_FOUND");
  });

  it("names may hold / segments, and tenants' logs are separate", async () => {
    const a = `tenant-a/${uniqueName()}`;
    const b = `tenant-b/${a.split("/")[1]}`;
    expect(await append(a, "a")).toBe(0);
    expect(await append(a, "a")).toBe(1);
    expect(await append(b, "b")).toBe(0);
    const res = await call(`/logs/${a}/bounds`);
    expect(await res.json()).toEqual({ begin: 0, end: 2 });
  });

  it("a name of 200 characters is accepted", async () => {
    const name = uniqueName().padEnd(200, "x");
    expect(await append(name, "x")).toBe(0);
  });

  for (
    const [label, name] of [
      ["too long", "x".repeat(201)],
      ["an empty segment", "a//b"],
      ["a percent-encoded character", "a%20b"],
      ["a forbidden character", "a:b"],
      ["a leading slash", "/a"],
    ] as const
  ) {
    it(`a name with ${label} is 400`, async () => {
      const res = await call(`/logs/${name}/bounds`);
      await expectError(res, 400, "BAD_REQUEST");
    });
  }

  it("dot segments are refused (clients' URL parsers already remove them)", () => {
    for (const rest of ["a/./b/bounds", "a/../bounds", "./bounds", "a/.."]) {
      expect(() => splitLogPath(rest)).toThrow(RangeError);
    }
    expect(splitLogPath("a/b.c/records/5")).toEqual({ name: "a/b.c", route: "/records/5" });
    expect(splitLogPath("a/b/")).toEqual({ name: "a/b", route: "/" });
  });

  it("an empty name is 400", async () => {
    await expectError(await call("/logs/"), 400, "BAD_REQUEST");
    await expectError(await call("/logs/records"), 400, "BAD_REQUEST");
  });
});

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
    // Three chunks of 400 bytes, then the end: each chunk is under the limit, their sum is
    // not. The body ends with the chunk that passes the limit: bytes still unsent when the
    // server stops reading make workerd report the aborted pipe as an uncaught exception.
    let chunks = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (chunks === 3) {
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
    // The bytes counted when the count passed the limit: all 1200 here.
    expect(error.size).toBe(1200);
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

  // Not "abc": the server cancels a body whose Content-Length is not a number at all
  // (discardBody), and workerd then logs an uncaught exception in CI.
  for (const bad of ["+1", "0x1", "1e0", "1.0", "+5"]) {
    it(`Content-Length ${JSON.stringify(bad)} (not decimal digits) is 400`, async () => {
      const name = uniqueName();
      // The body is one byte: all but "+5" read as the number 1, so only the digit check
      // refuses them. SELF.fetch hands the header to the server as given.
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

describe("POST /logs/{name}/batch", () => {
  it("appends records atomically at consecutive offsets", async () => {
    const name = uniqueName();
    await append(name, "before");
    const result = await appendBatch(name, ["a", "b", new Uint8Array([0, 255, 10])]);
    expect(result).toEqual({ first: 1, last: 3, count: 3 });
    const res = await call(`/logs/${name}/records/3`);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(new Uint8Array([0, 255, 10]));
  });

  it("takes 1000 records", async () => {
    const name = uniqueName();
    // Records of different lengths and bytes, so that a wrong order, a lost or a repeated
    // record, or a cut-off one shows.
    const records = Array.from(
      { length: 1000 },
      (_, i) => new Uint8Array(1 + (i % 37)).map((_, j) => (i * 31 + j * 7) & 255),
    );
    expect(await appendBatch(name, records)).toEqual({ first: 0, last: 999, count: 1000 });
    const res = await call(`/logs/${name}/records?from=0&limit=1000`);
    expect(res.headers.get("edgelog-next-offset")).toBe("1000");
    const lines = decodeBatchHelper(await bodyText(res));
    expect(lines.map((l) => l.offset)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    const different = lines.filter((l, i) => !sameBytes(l.data, records[i]!)).map((l) => l.offset);
    expect(different).toEqual([]);
  });

  it("a success carries Edgelog-Offset: the first offset", async () => {
    const name = uniqueName();
    await append(name, "before");
    const res = await call(`/logs/${name}/batch`, {
      method: "POST",
      headers: BATCH,
      body: encodeBatch(["a", "b", "c"].map(bytes)),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("edgelog-offset")).toBe("1");
    expect(await res.json()).toEqual({ first: 1, last: 3, count: 3 });
  });

  it("Edgelog-Expected-Offset: the right one appends, a taken one is 409 with Edgelog-End", async () => {
    const name = uniqueName();
    await append(name, "a");
    const post = () =>
      call(`/logs/${name}/batch`, {
        method: "POST",
        headers: { ...BATCH, "edgelog-expected-offset": "1" },
        body: encodeBatch([bytes("x"), bytes("y")]),
      });
    const ok = await post();
    expect(ok.status).toBe(200);
    expect(ok.headers.get("edgelog-offset")).toBe("1");
    expect(await ok.json()).toEqual({ first: 1, last: 2, count: 2 });
    const taken = await post();
    expect(taken.headers.get("edgelog-end")).toBe("3");
    const error = await expectError(taken, 409, "CONFLICT");
    expect(error.position).toBe(1);
    expect(error.end).toBe(3);
    expect(await boundsOf(name)).toEqual({ begin: 0, end: 3 });
  });

  it("1001 records is 413 and nothing is written", async () => {
    const name = uniqueName();
    const res = await call(`/logs/${name}/batch`, {
      method: "POST",
      headers: BATCH,
      body: encodeBatch(Array.from({ length: 1001 }, () => bytes("x"))),
    });
    await expectError(res, 413, "REQUEST_TOO_LARGE");
    expect(await (await call(`/logs/${name}/bounds`)).json()).toEqual({ begin: 0, end: 0 });
  });

  it("a body over 8 MiB is 413", async () => {
    const res = await call(`/logs/${uniqueName()}/batch`, {
      method: "POST",
      headers: BATCH,
      body: encodeBatch(Array.from({ length: 9 }, () => new Uint8Array(1000000))),
    });
    await expectError(res, 413, "REQUEST_TOO_LARGE");
  });

  it("an oversize record fails the whole batch with 413 RECORD_TOO_LARGE", async () => {
    const name = uniqueName();
    await call(`/logs/${name}/config`, {
      method: "PUT",
      body: JSON.stringify({ maxRecordSize: 4 }),
    });
    const res = await call(`/logs/${name}/batch`, {
      method: "POST",
      headers: BATCH,
      body: encodeBatch([bytes("ok"), bytes("too long")]),
    });
    await expectError(res, 413, "RECORD_TOO_LARGE");
    expect(await (await call(`/logs/${name}/bounds`)).json()).toEqual({ begin: 0, end: 0 });
  });

  it("an empty record fails the whole batch with 400", async () => {
    const name = uniqueName();
    const res = await call(`/logs/${name}/batch`, {
      method: "POST",
      headers: BATCH,
      body: encodeBatch([bytes("ok"), new Uint8Array(0)]),
    });
    await expectError(res, 400, "BAD_REQUEST");
    expect(await (await call(`/logs/${name}/bounds`)).json()).toEqual({ begin: 0, end: 0 });
  });

  it("an empty batch is 400", async () => {
    const res = await call(`/logs/${uniqueName()}/batch`, { method: "POST", headers: BATCH });
    await expectError(res, 400, "BAD_REQUEST");
  });

  it("broken framing is 400", async () => {
    for (const body of [new Uint8Array([0, 0]), new Uint8Array([0, 0, 0, 5, 1, 2])]) {
      const res = await call(`/logs/${uniqueName()}/batch`, {
        method: "POST",
        headers: BATCH,
        body,
      });
      await expectError(res, 400, "BAD_REQUEST");
    }
  });

  it("another content type is 415", async () => {
    const res = await call(`/logs/${uniqueName()}/batch`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: encodeBatch([bytes("x")]),
    });
    await expectError(res, 415, "UNSUPPORTED_MEDIA_TYPE");
  });

  it("no Content-Type at all is 415 and nothing is written", async () => {
    const name = uniqueName();
    // A Uint8Array body gets no Content-Type of its own (a string body would get text/plain).
    const request = new Request(`${BASE}/logs/${name}/batch`, {
      method: "POST",
      body: encodeBatch([bytes("x"), bytes("y")]),
    });
    expect(request.headers.get("content-type")).toBeNull();
    await expectError(await SELF.fetch(request), 415, "UNSUPPORTED_MEDIA_TYPE");
    expect(await boundsOf(name)).toEqual({ begin: 0, end: 0 });
  });

  it("?expected=N: a taken offset is 409, the right one appends", async () => {
    const name = uniqueName();
    await append(name, "a");
    const conflict = await call(`/logs/${name}/batch?expected=0`, {
      method: "POST",
      headers: BATCH,
      body: encodeBatch([bytes("x"), bytes("y")]),
    });
    const error = await expectError(conflict, 409, "CONFLICT");
    expect(error.end).toBe(1);
    const ok = await call(`/logs/${name}/batch?expected=1`, {
      method: "POST",
      headers: BATCH,
      body: encodeBatch([bytes("x"), bytes("y")]),
    });
    expect(await ok.json()).toEqual({ first: 1, last: 2, count: 2 });
  });

  it("GET is 405", async () => {
    await expectError(await call(`/logs/${uniqueName()}/batch`), 405, "METHOD_NOT_ALLOWED");
  });
});

describe("GET /logs/{name}/records/{offset}", () => {
  it("returns the raw bytes with offset and created headers", async () => {
    const name = uniqueName();
    const before = Date.now();
    await append(name, "hello");
    const res = await call(`/logs/${name}/records/0`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    expect(res.headers.get("edgelog-offset")).toBe("0");
    const created = Number(res.headers.get("edgelog-created"));
    expect(created).toBeGreaterThanOrEqual(before - 1000);
    expect(text(new Uint8Array(await res.arrayBuffer()))).toBe("hello");
  });

  it("a future offset is 404 FUTURE_OFFSET", async () => {
    const name = uniqueName();
    await append(name, "a");
    await expectError(await call(`/logs/${name}/records/1`), 404, "FUTURE_OFFSET");
  });

  it("a purged offset is 410 OUT_OF_RANGE", async () => {
    const name = uniqueName();
    await appendBatch(name, ["a", "b", "c"]);
    await call(`/logs/${name}/truncate?before=2`, { method: "POST" });
    await expectError(await call(`/logs/${name}/records/1`), 410, "OUT_OF_RANGE");
  });

  it("a non-decimal offset is 400", async () => {
    for (const bad of ["-1", "1.0", "0x1", "99999999999999999"]) {
      await expectError(await call(`/logs/${uniqueName()}/records/${bad}`), 400, "BAD_REQUEST");
    }
  });

  it("POST is 405", async () => {
    const res = await call(`/logs/${uniqueName()}/records/0`, { method: "POST", body: "x" });
    await expectError(res, 405, "METHOD_NOT_ALLOWED");
  });
});

describe("GET /logs/{name}/records?from&limit", () => {
  it("returns NDJSON records with base64 data and the next offset", async () => {
    const name = uniqueName();
    await appendBatch(name, ["a", "b", new Uint8Array([0, 200])]);
    const res = await call(`/logs/${name}/records?from=1&limit=10`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-ndjson");
    expect(res.headers.get("edgelog-next-offset")).toBe("3");
    const lines = decodeBatchHelper(await bodyText(res));
    expect(lines.map((l) => l.offset)).toEqual([1, 2]);
    expect(text(lines[0]!.data)).toBe("b");
    expect(lines[1]!.data).toEqual(new Uint8Array([0, 200]));
    expect(typeof lines[0]!.created).toBe("number");
  });

  it("honours limit and defaults from to the oldest record", async () => {
    const name = uniqueName();
    await appendBatch(name, Array.from({ length: 40 }, (_, i) => `r${i}`));
    await call(`/logs/${name}/truncate?before=5`, { method: "POST" });
    const res = await call(`/logs/${name}/records?limit=30`);
    const lines = decodeBatchHelper(await bodyText(res));
    expect(lines.map((l) => l.offset)).toEqual(Array.from({ length: 30 }, (_, i) => i + 5));
    expect(res.headers.get("edgelog-next-offset")).toBe("35");
  });

  it("without limit returns at most 100 records", async () => {
    const name = uniqueName();
    await appendBatch(name, Array.from({ length: 150 }, (_, i) => `r${i}`));
    for (const query of ["", "?from=0"]) {
      const res = await call(`/logs/${name}/records${query}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("edgelog-next-offset")).toBe("100");
      const lines = decodeBatchHelper(await bodyText(res));
      expect(lines.map((l) => l.offset)).toEqual(Array.from({ length: 100 }, (_, i) => i));
      expect(text(lines[99]!.data)).toBe("r99");
    }
    // The next page holds the rest.
    const rest = decodeBatchHelper(await bodyText(await call(`/logs/${name}/records?from=100`)));
    expect(rest.map((l) => l.offset)).toEqual(Array.from({ length: 50 }, (_, i) => i + 100));
  });

  it("stops at 4 MiB of record bytes", async () => {
    const name = uniqueName();
    for (let i = 0; i < 5; i++) await append(name, new Uint8Array(1048576));
    const res = await call(`/logs/${name}/records?from=0&limit=10`);
    expect(decodeBatchHelper(await bodyText(res))).toHaveLength(4);
    expect(res.headers.get("edgelog-next-offset")).toBe("4");
  });

  it("from at the end is 404 FUTURE_OFFSET, purged is 410 OUT_OF_RANGE", async () => {
    const name = uniqueName();
    await appendBatch(name, ["a", "b"]);
    await expectError(await call(`/logs/${name}/records?from=2`), 404, "FUTURE_OFFSET");
    await call(`/logs/${name}/truncate?before=1`, { method: "POST" });
    await expectError(await call(`/logs/${name}/records?from=0`), 410, "OUT_OF_RANGE");
  });

  it("bad from or limit is 400", async () => {
    const name = uniqueName();
    await append(name, "a");
    for (const q of ["from=-1", "from=a", "limit=0", "limit=1001", "limit=1.5", "from=0&from=0"]) {
      await expectError(await call(`/logs/${name}/records?${q}`), 400, "BAD_REQUEST");
    }
  });
});

describe("GET /logs/{name}/bounds and /range", () => {
  it("an empty log", async () => {
    const name = uniqueName();
    expect(await (await call(`/logs/${name}/bounds`)).json()).toEqual({ begin: 0, end: 0 });
    expect(await (await call(`/logs/${name}/range`)).json()).toEqual({
      earliest: -1,
      latest: -1,
    });
  });

  it("after appends and truncation", async () => {
    const name = uniqueName();
    await appendBatch(name, ["a", "b", "c", "d"]);
    await call(`/logs/${name}/truncate?before=1`, { method: "POST" });
    expect(await (await call(`/logs/${name}/bounds`)).json()).toEqual({ begin: 1, end: 4 });
    expect(await (await call(`/logs/${name}/range`)).json()).toEqual({ earliest: 1, latest: 3 });
  });

  it("wrong methods are 405, query parameters 400", async () => {
    const name = uniqueName();
    await expectError(
      await call(`/logs/${name}/bounds`, { method: "POST" }),
      405,
      "METHOD_NOT_ALLOWED",
    );
    await expectError(
      await call(`/logs/${name}/range`, { method: "DELETE" }),
      405,
      "METHOD_NOT_ALLOWED",
    );
    await expectError(await call(`/logs/${name}/bounds?x=1`), 400, "BAD_REQUEST");
  });
});

describe("GET/PUT /logs/{name}/config", () => {
  it("defaults come from wrangler.toml vars", async () => {
    const res = await call(`/logs/${uniqueName()}/config`);
    expect(await res.json()).toEqual({ maxSegmentSize: null, maxRecordSize: 1048576 });
  });

  it('PUT changes and persists fields, null and "Infinity" turn retention off', async () => {
    const name = uniqueName();
    const put = await call(`/logs/${name}/config`, {
      method: "PUT",
      body: JSON.stringify({ maxSegmentSize: 10 }),
    });
    expect(await put.json()).toEqual({ maxSegmentSize: 10, maxRecordSize: 1048576 });
    expect(await (await call(`/logs/${name}/config`)).json()).toEqual({
      maxSegmentSize: 10,
      maxRecordSize: 1048576,
    });
    for (const none of [null, "Infinity"]) {
      await call(`/logs/${name}/config`, {
        method: "PUT",
        body: JSON.stringify({ maxSegmentSize: 10 }),
      });
      const res = await call(`/logs/${name}/config`, {
        method: "PUT",
        body: JSON.stringify({ maxSegmentSize: none }),
      });
      expect(((await res.json()) as { maxSegmentSize: unknown }).maxSegmentSize).toBeNull();
    }
  });

  it("the config is stored with the log: a new instance over the same storage reads it", async () => {
    const name = uniqueName();
    const put = await call(`/logs/${name}/config`, {
      method: "PUT",
      body: JSON.stringify({ maxSegmentSize: 7, maxRecordSize: 123 }),
    });
    expect(await put.json()).toEqual({ maxSegmentSize: 7, maxRecordSize: 123 });
    const before = put.headers.get("edgelog-instance");
    // As after an eviction: a new LogObject over the same state, its memory empty.
    const stub = env.LOGS.get(env.LOGS.idFromName(name));
    await runInDurableObject(stub, async (_instance, state) => {
      const fresh = new LogObject(state, env);
      // The runtime holds events back until the constructor's blockConcurrencyWhile is done;
      // a direct call is not held back, so wait for it here.
      await state.blockConcurrencyWhile(async () => {});
      const res = await fresh.fetch(new Request(`${BASE}/logs/${name}/config`));
      expect(res.status).toBe(200);
      expect(res.headers.get("edgelog-instance")).not.toBe(before);
      expect(await res.json()).toEqual({ maxSegmentSize: 7, maxRecordSize: 123 });
      // And it enforces it.
      const large = await fresh.fetch(
        new Request(`${BASE}/logs/${name}/records`, { method: "POST", body: new Uint8Array(124) }),
      );
      const error = await expectError(large, 413, "RECORD_TOO_LARGE");
      expect(error.limit).toBe(123);
    });
  });

  it("retention by segment size applies to later appends", async () => {
    const name = uniqueName();
    await call(`/logs/${name}/config`, {
      method: "PUT",
      body: JSON.stringify({ maxSegmentSize: 2 }),
    });
    await appendBatch(name, ["a", "b", "c", "d", "e"]);
    expect(await (await call(`/logs/${name}/range`)).json()).toEqual({ earliest: 2, latest: 4 });
  });

  it("invalid configs are 400", async () => {
    const name = uniqueName();
    for (
      const body of [
        "not json",
        "[]",
        JSON.stringify({ maxSegmentSize: 0 }),
        JSON.stringify({ maxSegmentSize: 1.5 }),
        JSON.stringify({ maxSegmentSize: "10" }),
        JSON.stringify({ maxRecordSize: 0 }),
        JSON.stringify({ maxRecordSize: 1999001 }),
        JSON.stringify({ maxRecordSize: null }),
        JSON.stringify({ other: 1 }),
      ]
    ) {
      const res = await call(`/logs/${name}/config`, { method: "PUT", body });
      await expectError(res, 400, "BAD_REQUEST");
    }
    expect(await (await call(`/logs/${name}/config`)).json()).toEqual({
      maxSegmentSize: null,
      maxRecordSize: 1048576,
    });
  });

  it("a config body over 4096 bytes is 413", async () => {
    const res = await call(`/logs/${uniqueName()}/config`, {
      method: "PUT",
      body: " ".repeat(5000),
    });
    await expectError(res, 413, "REQUEST_TOO_LARGE");
  });

  it("POST is 405", async () => {
    const res = await call(`/logs/${uniqueName()}/config`, { method: "POST", body: "{}" });
    expect(res.headers.get("allow")).toBe("GET, PUT");
    await expectError(res, 405, "METHOD_NOT_ALLOWED");
  });
});

describe("truncate: POST /logs/{name}/truncate and DELETE /logs/{name}/records", () => {
  it("removes the oldest records and returns the bounds", async () => {
    const name = uniqueName();
    await appendBatch(name, ["a", "b", "c", "d"]);
    const res = await call(`/logs/${name}/truncate?before=2`, { method: "POST" });
    expect(await res.json()).toEqual({ begin: 2, end: 4 });
    const del = await call(`/logs/${name}/records?before=3`, { method: "DELETE" });
    expect(await del.json()).toEqual({ begin: 3, end: 4 });
    const noop = await call(`/logs/${name}/records?before=1`, { method: "DELETE" });
    expect(await noop.json()).toEqual({ begin: 3, end: 4 });
    expect(await append(name, "e")).toBe(4);
  });

  it("before past the end is 400, missing or malformed before is 400", async () => {
    const name = uniqueName();
    await append(name, "a");
    await expectError(
      await call(`/logs/${name}/truncate?before=5`, { method: "POST" }),
      400,
      "BAD_REQUEST",
    );
    await expectError(await call(`/logs/${name}/truncate`, { method: "POST" }), 400, "BAD_REQUEST");
    await expectError(
      await call(`/logs/${name}/records?before=x`, { method: "DELETE" }),
      400,
      "BAD_REQUEST",
    );
  });

  it("GET is 405", async () => {
    await expectError(
      await call(`/logs/${uniqueName()}/truncate?before=0`),
      405,
      "METHOD_NOT_ALLOWED",
    );
  });
});

describe("DELETE /logs/{name}", () => {
  it("deletes the records and the config; the log starts afresh", async () => {
    const name = uniqueName();
    await appendBatch(name, ["a", "b"]);
    await call(`/logs/${name}/config`, {
      method: "PUT",
      body: JSON.stringify({ maxSegmentSize: 5 }),
    });
    const res = await call(`/logs/${name}`, { method: "DELETE" });
    expect(res.status).toBe(204);
    expect(await (await call(`/logs/${name}/bounds`)).json()).toEqual({ begin: 0, end: 0 });
    expect(await (await call(`/logs/${name}/config`)).json()).toEqual({
      maxSegmentSize: null,
      maxRecordSize: 1048576,
    });
    await expectError(await call(`/logs/${name}/records/0`), 404, "FUTURE_OFFSET");
    expect(await append(name, "again")).toBe(0);
  });

  it("appends racing the delete leave the new log whole: from 0, no gap", async () => {
    const name = uniqueName();
    await appendBatch(name, ["a", "b", "c"]);
    // Some appends wait for their group commit while the delete runs; others reach the
    // object after it and belong to the new log.
    const appends = Array.from(
      { length: 5 },
      (_, i) => call(`/logs/${name}/records`, { method: "POST", body: bytes(`racing${i}`) }),
    );
    const deleted = call(`/logs/${name}`, { method: "DELETE" });
    expect((await deleted).status).toBe(204);
    // Each is answered: those gathered before the delete are committed before it.
    for (const res of await Promise.all(appends)) {
      expect(res.status).toBe(200);
      await res.body?.cancel();
    }
    const { begin, end } = (await (await call(`/logs/${name}/bounds`)).json()) as {
      begin: number;
      end: number;
    };
    expect(begin).toBe(0);
    if (end > 0) {
      const res = await call(`/logs/${name}/records?from=0&limit=1000`);
      const records = decodeBatchHelper(await bodyText(res));
      expect(records.map((r) => r.offset)).toEqual(Array.from({ length: end }, (_, i) => i));
      const texts = records.map((r) => text(r.data));
      expect(new Set(texts).size).toBe(end);
      for (const t of texts) expect(t).toMatch(/^racing[0-9]+$/);
    }
    expect(await append(name, "fresh")).toBe(end);
  });

  it("a trailing / after the name is ignored: DELETE /logs/{name}/ deletes {name}", async () => {
    for (const name of [uniqueName(), `tenant/${uniqueName()}`]) {
      const other = `${name}-other`;
      await append(name, "a");
      await append(name, "b");
      await append(other, "kept");
      const get = await call(`/logs/${name}/`);
      expect(get.headers.get("allow")).toBe("DELETE");
      await expectError(get, 405, "METHOD_NOT_ALLOWED");
      const res = await call(`/logs/${name}/`, { method: "DELETE" });
      expect(res.status).toBe(204);
      expect(await boundsOf(name)).toEqual({ begin: 0, end: 0 });
      expect(await boundsOf(other)).toEqual({ begin: 0, end: 1 });
      expect(await append(name, "again")).toBe(0);
    }
  });

  it("GET /logs/{name} is 405", async () => {
    const res = await call(`/logs/${uniqueName()}`);
    expect(res.headers.get("allow")).toBe("DELETE");
    await expectError(res, 405, "METHOD_NOT_ALLOWED");
  });
});

describe("GET /logs/{name}/tail without an upgrade", () => {
  it("is 426 UPGRADE_REQUIRED", async () => {
    await expectError(await call(`/logs/${uniqueName()}/tail`), 426, "UPGRADE_REQUIRED");
  });
});

describe("HEAD wherever GET is", () => {
  it("HEAD answers as GET does, without the body", async () => {
    const name = uniqueName();
    await appendBatch(name, ["a", "bc"]);
    for (
      const path of [
        `/logs/${name}/records`,
        `/logs/${name}/records?from=1&limit=1`,
        `/logs/${name}/records/1`,
        `/logs/${name}/bounds`,
        `/logs/${name}/range`,
        `/logs/${name}/config`,
        "/healthz",
      ]
    ) {
      const get = await call(path);
      const head = await call(path, { method: "HEAD" });
      expect([path, get.status, head.status]).toEqual([path, 200, 200]);
      expect((await get.arrayBuffer()).byteLength, path).toBeGreaterThan(0);
      expect((await head.arrayBuffer()).byteLength, path).toBe(0);
      expect(head.headers.get("content-type"), path).toBe(get.headers.get("content-type"));
      expect(get.headers.get("content-type"), path).not.toBeNull();
      for (const header of ["edgelog-offset", "edgelog-created", "edgelog-next-offset"]) {
        expect(head.headers.get(header), `${path} ${header}`).toBe(get.headers.get(header));
      }
    }
  });
});

describe("Edgelog-Instance", () => {
  it("is on every response from a log, errors and 204 included, the same id each time", async () => {
    const name = uniqueName();
    const responses: Array<[string, Response]> = [
      ["append", await call(`/logs/${name}/records`, { method: "POST", body: "a" })],
      ["404 FUTURE_OFFSET", await call(`/logs/${name}/records/5`)],
      ["405", await call(`/logs/${name}/bounds`, { method: "POST" })],
      ["NDJSON read", await call(`/logs/${name}/records?from=0`)],
      ["DELETE", await call(`/logs/${name}`, { method: "DELETE" })],
      ["bounds after DELETE", await call(`/logs/${name}/bounds`)],
    ];
    expect(responses.map(([label, res]) => [label, res.status])).toEqual([
      ["append", 200],
      ["404 FUTURE_OFFSET", 404],
      ["405", 405],
      ["NDJSON read", 200],
      ["DELETE", 204],
      ["bounds after DELETE", 200],
    ]);
    const first = responses[0]![1].headers.get("edgelog-instance");
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    for (const [label, res] of responses) {
      expect(res.headers.get("edgelog-instance"), label).toBe(first);
      await res.body?.cancel();
    }
    // An id of the instance, not a constant: another log's object has its own.
    const other = await call(`/logs/${uniqueName()}/bounds`);
    expect(other.headers.get("edgelog-instance")).toMatch(/^[0-9a-f-]{36}$/);
    expect(other.headers.get("edgelog-instance")).not.toBe(first);
  });
});
