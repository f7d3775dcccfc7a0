// `LogClient.writer()` against the real Worker in Miniflare (startTestServer), through a TCP
// proxy that can swallow the server's answers and cut connections: pipelined appends resolve
// their offsets in order, and a writer whose answers were lost after the commit reconnects and
// resends without storing anything twice.
import assert from "node:assert/strict";
import { HttpError, LogClient, type WriterReconnectEvent } from "../../src/client/mod.ts";
import { type LogRecord, RecordTooLargeError } from "../../mod.ts";
import { startTestServer } from "../../testing/mod.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const unique = (prefix: string) =>
  `${prefix}/${Date.now().toString(36)}-${Math.random()}`.slice(0, 60);

/** A TCP proxy to `target` that can stop passing the server's bytes on and cut every connection. */
function proxy(target: URL) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const connections = new Set<Deno.Conn>();
  let muted = false;
  const pipe = async (from: Deno.Conn, to: Deno.Conn, fromServer: boolean) => {
    const buffer = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const n = await from.read(buffer);
        if (n === null) break;
        if (fromServer && muted) continue;
        let at = 0;
        while (at < n) at += await to.write(buffer.subarray(at, n));
      }
    } catch {
      // Cut.
    }
    for (const conn of [from, to]) {
      try {
        conn.close();
      } catch {
        // Already closed.
      }
      connections.delete(conn);
    }
  };
  const accepting = (async () => {
    for await (const client of listener) {
      const server = await Deno.connect({ hostname: target.hostname, port: Number(target.port) });
      connections.add(client);
      connections.add(server);
      void pipe(client, server, false);
      void pipe(server, client, true);
    }
  })();
  return {
    url: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    /** From now on the server's bytes are dropped (until `cut`). */
    mute: () => muted = true,
    /** Closes every connection; new ones pass everything again. */
    cut: () => {
      muted = false;
      for (const conn of [...connections]) {
        try {
          conn.close();
        } catch {
          // Already closed.
        }
      }
      connections.clear();
    },
    close: async () => {
      listener.close();
      await accepting.catch(() => {});
    },
  };
}

/** Every record of a log, read over HTTP. */
async function readAll(log: LogClient): Promise<string[]> {
  const out: string[] = [];
  const { begin, end } = await log.bounds();
  const batch: LogRecord[] = new Array(1000);
  for (let from = begin; from < end;) {
    const count = await log.readBatch(from, batch);
    for (let i = 0; i < count; i++) out.push(text(batch[i]!.data));
    from += count;
  }
  return out;
}

Deno.test("`LogClient.writer()` against the Worker in Miniflare", async (t) => {
  const server = await startTestServer();
  try {
    await cases(server.url, t);
  } finally {
    await server.close();
  }
});

async function cases(url: string, t: Deno.TestContext): Promise<void> {
  const server = { url };
  await t.step(
    "`writer()` pipelines appends and resolves each offset in order; `close()` waits for them",
    async () => {
      const log = new LogClient(server.url, unique("writer"));
      const writer = log.writer();
      const singles = Array.from({ length: 500 }, (_, i) => writer.append(bytes(`r${i}`)));
      const batch = writer.appendBatch([bytes("b0"), bytes("b1")]);
      const last = writer.append(bytes("last"));
      const closed = writer.close();
      assert.deepEqual(await Promise.all(singles), Array.from({ length: 500 }, (_, i) => i));
      assert.equal(await batch, 500);
      assert.equal(await last, 502);
      await closed;
      await assert.rejects(writer.append(bytes("after")), (e: Error) => e.name === "ClosedError");
      const stored = await readAll(log);
      assert.deepEqual(stored, [
        ...Array.from({ length: 500 }, (_, i) => `r${i}`),
        "b0",
        "b1",
        "last",
      ]);
    },
  );

  await t.step(
    "a refused append rejects with the core's error; the appends around it are stored once",
    async () => {
      const log = new LogClient(server.url, unique("writer-refused"));
      await log.configure({ maxRecordSize: 8 });
      const writer = log.writer();
      const first = writer.append(bytes("a"));
      const large = writer.append(bytes("far too large")).catch((e) => e);
      const empty = writer.append(new Uint8Array(0)).catch((e) => e);
      const after = Array.from({ length: 20 }, (_, i) => writer.append(bytes(`b${i}`)));
      assert.equal(await first, 0);
      assert((await large) instanceof RecordTooLargeError);
      assert((await empty) instanceof RangeError);
      assert.deepEqual(await Promise.all(after), Array.from({ length: 20 }, (_, i) => i + 1));
      // The config shrinks under a connected writer: the server refuses, the writer renumbers.
      await log.configure({ maxRecordSize: 2 });
      const ok = writer.append(bytes("ok"));
      const refused = writer.append(bytes("abc")).catch((e) => e);
      const more = [writer.append(bytes("c1")), writer.append(bytes("c2"))];
      assert.equal(await ok, 21);
      assert((await refused) instanceof RecordTooLargeError);
      assert.deepEqual(await Promise.all(more), [22, 23]);
      await writer.close();
      assert.deepEqual(await readAll(log), [
        "a",
        ...Array.from({ length: 20 }, (_, i) => `b${i}`),
        "ok",
        "c1",
        "c2",
      ]);
    },
  );

  await t.step(
    "answers lost after the commit: the writer reconnects, resends, and nothing is stored twice",
    async () => {
      const tcp = proxy(new URL(server.url));
      try {
        const name = unique("writer-resend");
        const reconnects: WriterReconnectEvent[] = [];
        const writer = new LogClient(tcp.url, name).writer({
          minDelay: 20,
          onReconnect: (event) => reconnects.push(event),
        });
        const total = 3000;
        const data = (i: number) => bytes(`w${i}`);
        assert.equal(await writer.append(data(0)), 0);
        const offsets = [Promise.resolve(0)];
        let answered = 1;
        for (let i = 1; i < total; i++) {
          const offset = writer.append(data(i));
          void offset.then(() => answered++);
          offsets.push(offset);
          if (i === 1000) {
            // The server commits what it was sent, but its answers never arrive.
            tcp.mute();
            setTimeout(tcp.cut, 300);
          }
        }
        const resolved = await Promise.all(offsets);
        await writer.close();
        assert(reconnects.length >= 1, "the writer reconnected");
        assert(reconnects[0]!.pending > 0, "appends were waiting for answers when it did");
        // Each append at its own offset, in the order of the calls, and stored exactly once.
        assert.deepEqual(resolved, Array.from({ length: total }, (_, i) => i));
        const stored = await readAll(new LogClient(server.url, name));
        assert.equal(stored.length, total);
        stored.forEach((s, i) => assert.equal(s, `w${i}`));
      } finally {
        tcp.cut();
        await tcp.close();
      }
    },
  );

  await t.step(
    "more appends than the server takes in flight wait in the writer, not refused",
    async () => {
      const log = new LogClient(server.url, unique("writer-window"));
      const writer = log.writer();
      // Over the HELLO's maxInFlightAppends (8192): the server would end a session that sent them.
      const count = 10_000;
      const offsets = await Promise.all(
        Array.from({ length: count }, (_, i) => writer.append(bytes(`${i}`))),
      );
      assert.deepEqual(offsets, Array.from({ length: count }, (_, i) => i));
      await writer.close();
    },
  );

  await t.step("a writer whose log was deleted starts a new epoch and goes on", async () => {
    const log = new LogClient(server.url, unique("writer-deleted"));
    const writer = log.writer({ minDelay: 20 });
    assert.deepEqual(
      await Promise.all(["a", "b", "c"].map((s) => writer.append(bytes(s)))),
      [0, 1, 2],
    );
    const epoch = writer.producer.epoch;
    await log.delete();
    // The log forgot the producer: seq 3 is a gap, so the writer renumbers from seq 0.
    assert.deepEqual(await Promise.all(["d", "e"].map((s) => writer.append(bytes(s)))), [0, 1]);
    assert.equal(writer.producer.epoch, epoch + 1);
    await writer.close();
    assert.deepEqual(await readAll(log), ["d", "e"]);
  });

  await t.step("a refused connection ends the writer with the server's error", async () => {
    const secured = await startTestServer({ secret: "edgelog-writer-secret-0123456789abcdef" });
    try {
      const writer = new LogClient(secured.url, "acme/denied", { token: "not-a-jwt" }).writer();
      const error = await writer.append(bytes("x")).catch((e) => e);
      assert(error instanceof HttpError, String(error));
      assert.equal(error.code, "UNAUTHORIZED");
      await writer.close();
      // A token without the right to append.
      const reader = await secured.token({ tenant: "acme", rights: ["read"] });
      const denied = new LogClient(secured.url, "acme/denied", { token: reader }).writer();
      const forbidden = await denied.append(bytes("x")).catch((e) => e);
      assert(forbidden instanceof HttpError);
      assert.equal(forbidden.code, "FORBIDDEN");
      await denied.close();
      // And one with it.
      const appender = await secured.token({ tenant: "acme", rights: ["append"] });
      const allowed = new LogClient(secured.url, "acme/denied", { token: appender }).writer();
      assert.equal(await allowed.append(bytes("x")), 0);
      await allowed.close();
    } finally {
      await secured.close();
    }
  });
}
