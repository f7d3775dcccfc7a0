// GET /logs/{name}/records/{offset}: one record's raw bytes.
import { describe, expect, it } from "vitest";
import { append, appendBatch, call, expectError, text, uniqueName } from "../helpers.ts";

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
