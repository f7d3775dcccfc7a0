/**
 * Live reads held by the Worker: a long-poll at the tail is answered by the next append, and
 * by the stream's close (the object closes the Worker's waiting sockets), not by its timeout.
 */
import { describe, expect, it } from "vitest";
import { call, uniqueName } from "../helpers.ts";

async function createdAtTail(name: string): Promise<string> {
  const res = await call(`/v1/stream/${name}`, {
    method: "PUT",
    headers: { "content-type": "text/plain" },
    body: "first",
  });
  expect(res.status).toBe(201);
  return res.headers.get("stream-next-offset")!;
}

describe("long-poll at the tail", () => {
  it("is answered 200 with the next append, its offset after it, and a cursor", async () => {
    const name = uniqueName("lp");
    const tail = await createdAtTail(name);
    const waiting = call(`/v1/stream/${name}?offset=${tail}&live=long-poll`);
    await new Promise((r) => setTimeout(r, 200));
    const posted = await call(`/v1/stream/${name}`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "second",
    });
    expect(posted.status).toBe(204);
    const res = await waiting;
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("second");
    expect(res.headers.get("stream-next-offset")).toBe(posted.headers.get("stream-next-offset"));
    expect(res.headers.get("stream-cursor")).toMatch(/^\d+$/);
  });

  it("is answered 204 with Stream-Closed when the stream is closed meanwhile", async () => {
    const name = uniqueName("lp-close");
    const tail = await createdAtTail(name);
    const waiting = call(`/v1/stream/${name}?offset=${tail}&live=long-poll`);
    await new Promise((r) => setTimeout(r, 200));
    const closed = await call(`/v1/stream/${name}`, {
      method: "POST",
      headers: { "stream-closed": "true" },
    });
    expect(closed.status).toBe(204);
    const res = await waiting;
    expect(res.status).toBe(204);
    expect(res.headers.get("stream-closed")).toBe("true");
    expect(res.headers.get("stream-next-offset")).toBe(tail);
  });
});
