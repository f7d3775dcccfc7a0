// POST /logs/{name}/batch: many records in one atomic append.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { bodyText, decodeBatchHelper } from "../ndjson.ts";
import { encodeBatch } from "../../../src/protocol/wire.ts";
import {
  append,
  appendBatch,
  BASE,
  BATCH,
  boundsOf,
  bytes,
  call,
  expectError,
  sameBytes,
  uniqueName,
} from "../helpers.ts";

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
