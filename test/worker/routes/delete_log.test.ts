// DELETE /logs/{name}: the records and the config go, the log starts afresh.
import { describe, expect, it } from "vitest";
import { bodyText, decodeBatchHelper } from "../ndjson.ts";
import {
  append,
  appendBatch,
  boundsOf,
  bytes,
  call,
  expectError,
  text,
  uniqueName,
} from "../helpers.ts";

describe("DELETE /logs/{name}", () => {
  it("deletes the records and the config; the log starts afresh", async () => {
    const name = uniqueName();
    await appendBatch(name, ["a", "b"]);
    await call(`/logs/${name}/config`, {
      method: "PUT",
      body: JSON.stringify({ maxSegmentSize: 5, maxAge: 60_000 }),
    });
    const res = await call(`/logs/${name}`, { method: "DELETE" });
    expect(res.status).toBe(204);
    expect(await (await call(`/logs/${name}/bounds`)).json()).toEqual({ begin: 0, end: 0 });
    expect(await (await call(`/logs/${name}/config`)).json()).toEqual({
      maxSegmentSize: null,
      maxRecordSize: 1048576,
      maxAge: null,
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
