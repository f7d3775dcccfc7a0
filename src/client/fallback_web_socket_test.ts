// The WebSocket a tail uses when its client was given none: the runtime's global one, else the
// fallback the npm package's Node entries set (ws), else none (TypeError).
import assert from "node:assert/strict";
import { LogClient } from "./mod.ts";
import { defaultWebSocket, setFallbackWebSocket } from "./fallback_web_socket.ts";
import type { WebSocketLike } from "./tail.ts";

/** Records the URL it was made with, and never connects. */
class Stand implements WebSocketLike {
  static urls: string[] = [];
  binaryType = "blob";
  constructor(url: string) {
    Stand.urls.push(url);
  }
  send(): void {}
  close(): void {}
  addEventListener(): void {}
}

/** Runs `fn` as in Node 20: no global WebSocket. */
async function withoutGlobal(fn: () => Promise<void>): Promise<void> {
  const saved = globalThis.WebSocket;
  // @ts-ignore: removing the global to act as Node 20, which has none
  delete globalThis.WebSocket;
  try {
    await fn();
  } finally {
    globalThis.WebSocket = saved;
    setFallbackWebSocket(undefined);
  }
}

Deno.test("`defaultWebSocket()` prefers the runtime's global WebSocket over the fallback", () => {
  setFallbackWebSocket(Stand);
  try {
    assert.equal(defaultWebSocket(), globalThis.WebSocket);
  } finally {
    setFallbackWebSocket(undefined);
  }
});

Deno.test("`tail()` without a WebSocket option uses the fallback when the runtime has none", async () => {
  await withoutGlobal(async () => {
    assert.equal(defaultWebSocket(), undefined);
    setFallbackWebSocket(Stand);
    Stand.urls = [];
    const log = new LogClient("http://127.0.0.1:8787", "acme/demo");
    const tail = log.tail(3, { heartbeat: 0 });
    void tail.next();
    for (let i = 0; i < 100 && Stand.urls.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    assert.deepEqual(Stand.urls, ["ws://127.0.0.1:8787/logs/acme/demo/tail?from=3"]);
    await tail.return!();
  });
});

Deno.test("`tail()` without a WebSocket option and no fallback rejects TypeError in Node 20", async () => {
  await withoutGlobal(async () => {
    const log = new LogClient("http://127.0.0.1:8787", "acme/demo");
    await assert.rejects(log.tail(0).next(), {
      name: "TypeError",
      message:
        "This runtime has no global WebSocket: pass the WebSocket option (e.g. the ws package's)",
    });
  });
});

Deno.test("`setFallbackWebSocket()` refuses what is not a constructor", () => {
  assert.throws(
    // @ts-expect-error: a string is no constructor
    () => setFallbackWebSocket("ws"),
    { name: "TypeError", message: 'Expected a WebSocket constructor, got string "ws"' },
  );
});
