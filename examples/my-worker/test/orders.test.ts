// The Worker in workerd, with its LogObject bound: orders go in through the Worker's own
// route and come back through edgelog's API with LogClient.
import { SELF } from "cloudflare:test";
import { HttpError, LogClient } from "@edgelog/edgelog/client";
import { describe, expect, it } from "vitest";

const reader = (token?: string) =>
  new LogClient("https://my-worker.test/edgelog", "shop/orders", {
    fetch: (request) => SELF.fetch(request),
    ...(token === undefined ? {} : { token }),
  });

describe("my-worker", () => {
  it("writes orders to the log, and LogClient reads them back", async () => {
    for (const [i, item] of ["apples", "pears"].entries()) {
      const response = await SELF.fetch("https://my-worker.test/orders", {
        method: "POST",
        body: JSON.stringify({ item, quantity: i + 1 }),
      });
      expect(response.status).toBe(201);
      expect(await response.json()).toEqual({ offset: i });
    }
    const log = reader("test-key");
    expect(await log.bounds()).toEqual({ begin: 0, end: 2 });
    const record = await log.read(1);
    expect(JSON.parse(new TextDecoder().decode(record.data))).toEqual({
      item: "pears",
      quantity: 2,
    });
  });

  it("edgelog's API needs the Worker's key, and the key only reads", async () => {
    const refused = await reader().bounds().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(HttpError);
    expect((refused as HttpError).status).toBe(401);
    const readOnly = await reader("test-key").append(new Uint8Array([1])).catch((e: unknown) => e);
    expect((readOnly as HttpError).status).toBe(403);
  });
});
