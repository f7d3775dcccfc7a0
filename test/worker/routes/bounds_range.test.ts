// GET /logs/{name}/bounds and /range.
import { describe, expect, it } from "vitest";
import { appendBatch, call, expectError, uniqueName } from "../helpers.ts";

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
