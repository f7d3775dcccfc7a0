// POST /logs/{name}/truncate and DELETE /logs/{name}/records.
import { describe, expect, it } from "vitest";
import { append, appendBatch, call, expectError, uniqueName } from "../helpers.ts";

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
