// GET /logs/{name}/tail without a WebSocket upgrade: the 426 as the Worker hands it on, with the
// Upgrade header PROTOCOL.md names. On the wire workerd's HTTP server drops that header
// (test/e2e/raw_socket.test.mjs).
import { describe, expect, it } from "vitest";
import { call, expectError, uniqueName } from "./helpers.ts";

describe("GET /logs/{name}/tail without an upgrade, inside workerd", () => {
  it("is 426 UPGRADE_REQUIRED with Upgrade: websocket", async () => {
    const res = await call(`/logs/${uniqueName()}/tail`);
    expect(res.headers.get("upgrade")).toBe("websocket");
    await expectError(res, 426, "UPGRADE_REQUIRED");
  });

  it("is 426 with Upgrade: websocket whatever the query, and for HEAD", async () => {
    const cases: Array<[string, string]> = [["GET", "?from=abc"], ["GET", "?nope=1"], ["HEAD", ""]];
    for (const [method, query] of cases) {
      const res = await call(`/logs/${uniqueName()}/tail${query}`, { method });
      expect([method, query, res.status]).toEqual([method, query, 426]);
      expect(res.headers.get("upgrade")).toBe("websocket");
    }
  });
});
