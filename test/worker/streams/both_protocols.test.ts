/**
 * A Durable Streams stream is the edgelog log of the same name: what one protocol appends the
 * other reads, at the same positions, and a producer is one producer whichever protocol it
 * writes through.
 */
import { describe, expect, it } from "vitest";
import { encodeStreamOffset } from "../../../src/protocol/streams/offset.ts";
import { append, boundsOf, bytes, call, text, uniqueName } from "../helpers.ts";
import { bodyText, decodeBatchHelper } from "../ndjson.ts";

const NEXT = "Stream-Next-Offset";

async function create(name: string, contentType: string): Promise<Response> {
  const res = await call(`/v1/stream/${name}`, {
    method: "PUT",
    headers: { "content-type": contentType },
  });
  expect(res.status).toBe(201);
  return res;
}

describe("/v1/stream/{name} and /logs/{name}: one log", () => {
  it("reads through Durable Streams what the edgelog API appended, and back", async () => {
    const name = uniqueName("both");
    await create(name, "text/plain");
    expect(await append(name, "via edgelog")).toBe(0);

    const posted = await call(`/v1/stream/${name}`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: " via streams",
    });
    expect(posted.status).toBe(204);
    expect(posted.headers.get(NEXT)).toBe(encodeStreamOffset(2));

    const read = await call(`/v1/stream/${name}?offset=-1`);
    expect(read.status).toBe(200);
    expect(await read.text()).toBe("via edgelog via streams");
    expect(read.headers.get(NEXT)).toBe(encodeStreamOffset(2));
    expect(read.headers.get("Stream-Up-To-Date")).toBe("true");

    const records = await call(`/logs/${name}/records?from=0`);
    expect(records.status).toBe(200);
    const lines = decodeBatchHelper(await bodyText(records));
    expect(lines.map((l) => text(l.data))).toEqual(["via edgelog", " via streams"]);
    expect(await boundsOf(name)).toEqual({ begin: 0, end: 2 });
  });

  it("keeps JSON mode's items as records of the log", async () => {
    const name = uniqueName("json");
    await create(name, "application/json");
    const posted = await call(`/v1/stream/${name}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([{ a: 1 }, [2, 3], "four"]),
    });
    expect(posted.status).toBe(204);
    const lines = decodeBatchHelper(await bodyText(await call(`/logs/${name}/records?from=0`)));
    expect(lines.map((l) => text(l.data))).toEqual(['{"a":1}', "[2,3]", '"four"']);
    const read = await call(`/v1/stream/${name}?offset=${encodeStreamOffset(1)}`);
    expect(await read.json()).toEqual([[2, 3], "four"]);
  });

  it("answers a producer's retry through one protocol with the write made through the other", async () => {
    const name = uniqueName("producer");
    await create(name, "application/octet-stream");
    const producer = { "producer-id": "etl", "producer-epoch": "0", "producer-seq": "0" };
    const first = await call(`/logs/${name}/records`, {
      method: "POST",
      headers: producer,
      body: bytes("once"),
    });
    expect(first.status).toBe(200);
    const retry = await call(`/v1/stream/${name}`, {
      method: "POST",
      headers: { ...producer, "content-type": "application/octet-stream" },
      body: bytes("once"),
    });
    expect(retry.status).toBe(204);
    expect(retry.headers.get("Producer-Seq")).toBe("0");
    expect(await boundsOf(name)).toEqual({ begin: 0, end: 1 });
  });

  it("is no stream until created: a log that only the edgelog API wrote is 404 there", async () => {
    const name = uniqueName("plain");
    await append(name, "x");
    const res = await call(`/v1/stream/${name}`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
      "STREAM_NOT_FOUND",
    );
  });

  it("answers 410 for an offset behind the log's retention", async () => {
    const name = uniqueName("gone");
    await create(name, "text/plain");
    for (const r of ["a", "b", "c"]) await append(name, r);
    const truncated = await call(`/logs/${name}/truncate?before=2`, { method: "POST" });
    expect(truncated.status).toBe(200);
    const res = await call(`/v1/stream/${name}?offset=${encodeStreamOffset(1)}`);
    expect(res.status).toBe(410);
    expect(await (await call(`/v1/stream/${name}?offset=-1`)).text()).toBe("c");
  });

  it("deletes the log with the stream", async () => {
    const name = uniqueName("delete");
    await create(name, "text/plain");
    await append(name, "x");
    expect((await call(`/v1/stream/${name}`, { method: "DELETE" })).status).toBe(204);
    expect(await boundsOf(name)).toEqual({ begin: 0, end: 0 });
    expect((await call(`/v1/stream/${name}`, { method: "HEAD" })).status).toBe(404);
  });

  it("refuses a fork (no forks here) and creates nothing", async () => {
    const source = uniqueName("source");
    await create(source, "text/plain");
    const name = uniqueName("fork");
    const res = await call(`/v1/stream/${name}`, {
      method: "PUT",
      headers: { "content-type": "text/plain", "stream-forked-from": `/v1/stream/${source}` },
    });
    expect(res.status).toBe(400);
    expect((await call(`/v1/stream/${name}`, { method: "HEAD" })).status).toBe(404);
  });
});
