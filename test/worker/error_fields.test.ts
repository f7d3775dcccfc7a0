// The fields each core error carries in its JSON body (PROTOCOL.md, Errors), which the client
// uses to rebuild the core's error classes.
import { describe, expect, it } from "vitest";
import { NotFoundError } from "../../src/core/errors.ts";
import { BATCH_CONTENT_TYPE } from "../../src/protocol/headers.ts";
import { encodeBatch } from "../../src/protocol/wire.ts";
import { errorResponse } from "../../worker/http.ts";
import { append, appendBatch, bytes, call, expectError, uniqueName } from "./helpers.ts";

describe("error bodies carry the fields of the core's error classes", () => {
  it("FUTURE_OFFSET carries the offset asked for, by single and by batch read", async () => {
    const name = uniqueName();
    await append(name, "a");
    const single = await expectError(await call(`/logs/${name}/records/7`), 404, "FUTURE_OFFSET");
    expect(single.offset).toBe(7);
    const batch = await expectError(
      await call(`/logs/${name}/records?from=1`),
      404,
      "FUTURE_OFFSET",
    );
    expect(batch.offset).toBe(1);
  });

  it("OUT_OF_RANGE carries the purged offset asked for", async () => {
    const name = uniqueName();
    await appendBatch(name, ["a", "b", "c"]);
    await call(`/logs/${name}/truncate?before=2`, { method: "POST" });
    const single = await expectError(await call(`/logs/${name}/records/1`), 410, "OUT_OF_RANGE");
    expect(single.offset).toBe(1);
    const batch = await expectError(
      await call(`/logs/${name}/records?from=0`),
      410,
      "OUT_OF_RANGE",
    );
    expect(batch.offset).toBe(0);
  });

  it("CONFLICT carries the expected offset as position beside the end", async () => {
    const name = uniqueName();
    await appendBatch(name, ["a", "b", "c"]);
    const single = await expectError(
      await call(`/logs/${name}/records?expected=1`, { method: "POST", body: "x" }),
      409,
      "CONFLICT",
    );
    expect(single.position).toBe(1);
    expect(single.end).toBe(3);
    const batch = await expectError(
      await call(`/logs/${name}/batch`, {
        method: "POST",
        headers: { "content-type": BATCH_CONTENT_TYPE, "edgelog-expected-offset": "0" },
        body: encodeBatch([bytes("x")]),
      }),
      409,
      "CONFLICT",
    );
    expect(batch.position).toBe(0);
    expect(batch.end).toBe(3);
  });

  it("RECORD_TOO_LARGE carries the record's size and the limit, single and in a batch", async () => {
    const name = uniqueName();
    await call(`/logs/${name}/config`, {
      method: "PUT",
      body: JSON.stringify({ maxRecordSize: 8 }),
    });
    const single = await expectError(
      await call(`/logs/${name}/records`, { method: "POST", body: new Uint8Array(9) }),
      413,
      "RECORD_TOO_LARGE",
    );
    expect(single.size).toBe(9);
    expect(single.limit).toBe(8);
    const batch = await expectError(
      await call(`/logs/${name}/batch`, {
        method: "POST",
        headers: { "content-type": BATCH_CONTENT_TYPE },
        body: encodeBatch([new Uint8Array(2), new Uint8Array(12)]),
      }),
      413,
      "RECORD_TOO_LARGE",
    );
    expect(batch.size).toBe(12);
    expect(batch.limit).toBe(8);
  });

  it("NOT_FOUND carries the position (no route reports it today: errorResponse itself)", async () => {
    const res = errorResponse(new NotFoundError(12));
    const error = await expectError(res, 404, "NOT_FOUND");
    expect(error.position).toBe(12);
  });

  it("HTTP-layer errors carry none of those fields", async () => {
    const error = await expectError(
      await call(`/logs/${uniqueName()}/records/x`),
      400,
      "BAD_REQUEST",
    );
    expect(Object.keys(error).sort()).toEqual(["code", "message"]);
  });
});
