// GET /logs/{name}/tail without a WebSocket upgrade.
import { describe, it } from "vitest";
import { call, expectError, uniqueName } from "../helpers.ts";

describe("GET /logs/{name}/tail without an upgrade", () => {
  it("is 426 UPGRADE_REQUIRED", async () => {
    await expectError(await call(`/logs/${uniqueName()}/tail`), 426, "UPGRADE_REQUIRED");
  });
});
