// GET /logs/{name}/records?from&limit: a page of records as NDJSON.
import { describe, expect, it } from "vitest";
import { bodyText, decodeBatchHelper } from "../ndjson.ts";
import { append, appendBatch, call, expectError, text, uniqueName } from "../helpers.ts";

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
