// Durable Streams routes (/v1/stream/{name}) under the same tokens, rights and tenants as
// /logs/{name}: PUT and DELETE need admin, POST append, GET and HEAD read (and live reads).
import { beforeAll, describe, expect, it } from "vitest";
import type { Right } from "../../../src/protocol/routes.ts";
import { uniqueName } from "../helpers.ts";
import { bearer, fetchWorker, token } from "./tokens.ts";

let admin: string;

beforeAll(async () => {
  admin = await token({ tenant: "acme", rights: ["admin", "append", "read"] });
});

async function created(): Promise<string> {
  const name = `acme/${uniqueName("ds")}`;
  const res = await fetchWorker(`/v1/stream/${name}`, {
    method: "PUT",
    headers: { ...bearer(admin), "content-type": "text/plain" },
    body: "first",
  });
  expect(res.status).toBe(201);
  return name;
}

const CASES: Array<[string, Right, (name: string) => [string, RequestInit]]> = [
  // The same settings again: 200.
  ["PUT", "admin", (n) => [`/v1/stream/${n}`, {
    method: "PUT",
    headers: { "content-type": "text/plain" },
  }]],
  ["DELETE", "admin", (n) => [`/v1/stream/${n}`, { method: "DELETE" }]],
  ["POST", "append", (n) => [`/v1/stream/${n}`, {
    method: "POST",
    headers: { "content-type": "text/plain" },
    body: "x",
  }]],
  ["GET", "read", (n) => [`/v1/stream/${n}?offset=-1`, {}]],
  ["HEAD", "read", (n) => [`/v1/stream/${n}`, { method: "HEAD" }]],
  ["GET long-poll", "read", (n) => [`/v1/stream/${n}?offset=-1&live=long-poll`, {}]],
  ["GET sse", "read", (n) => [`/v1/stream/${n}?offset=-1&live=sse`, {}]],
];

describe("/v1/stream/ rights", () => {
  for (const [what, right, request] of CASES) {
    it(`${what} needs "${right}": refused 403 without it, served with it`, async () => {
      const name = await created();
      const others = (["read", "append", "admin"] as Right[]).filter((r) => r !== right);
      const without = await token({ tenant: "acme", rights: others });
      const [path, init] = request(name);
      const refused = await fetchWorker(path, {
        ...init,
        headers: { ...init.headers as Record<string, string>, ...bearer(without) },
      });
      expect(refused.status).toBe(403);
      const only = await token({ tenant: "acme", rights: [right] });
      const served = await fetchWorker(path, {
        ...init,
        headers: { ...init.headers as Record<string, string>, ...bearer(only) },
      });
      expect(served.status).toBeLessThan(300);
      await served.body?.cancel();
    });
  }

  it("refuses a request without a token (401) and another tenant's stream (403)", async () => {
    const name = await created();
    expect((await fetchWorker(`/v1/stream/${name}`)).status).toBe(401);
    const globex = await token({ tenant: "globex", rights: ["admin", "append", "read"] });
    const res = await fetchWorker(`/v1/stream/${name}`, { headers: bearer(globex) });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("FORBIDDEN");
  });

  it("a waiting reader is a tail: past MAX_TAILS_PER_LOG (3 here) a long-poll is refused 429", async () => {
    const name = await created();
    const sockets: WebSocket[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetchWorker(`/logs/${name}/tail`, {
        headers: { upgrade: "websocket", ...bearer(admin) },
      });
      expect(res.status).toBe(101);
      res.webSocket!.accept();
      sockets.push(res.webSocket!);
    }
    const tail = (await fetchWorker(`/v1/stream/${name}`, {
      method: "HEAD",
      headers: bearer(admin),
    })).headers.get("stream-next-offset");
    const res = await fetchWorker(`/v1/stream/${name}?offset=${tail}&live=long-poll`, {
      headers: bearer(admin),
    });
    expect(res.status).toBe(429);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("TOO_MANY_TAILS");
    for (const ws of sockets) ws.close(1000);
  });
});
