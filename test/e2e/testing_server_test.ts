// `@edgelog/edgelog/testing` from its TypeScript source under Deno: startTestServer runs the
// Worker in Miniflare in this process, and LogClient talks to it over real HTTP and WebSockets.
// (test/e2e/testing_server.test.mjs runs the compiled module under Node.)
import assert from "node:assert/strict";
import { HttpError, LogClient } from "../../src/client/mod.ts";
import { RecordTooLargeError } from "../../mod.ts";
import { startTestServer, type TestServerOptions } from "../../testing/mod.ts";

const SECRET = "edgelog-testing-secret-0123456789abcdef";
const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("startTestServer() serves appends, reads and a WebSocket tail in open mode", async () => {
  const server = await startTestServer();
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const log = new LogClient(server.url, "acme/orders");
    assert.equal(await log.append(bytes("one")), 0);
    assert.equal(await log.append(bytes("two")), 1);
    assert.equal(text((await log.read(1)).data), "two");

    const controller = new AbortController();
    const seen: string[] = [];
    let live: Promise<number> | undefined;
    for await (const record of log.tail(0, { signal: controller.signal })) {
      seen.push(`${record.offset}:${text(record.data)}`);
      // The frame may come before the append's answer: it is awaited before the server stops.
      if (seen.length === 2) live = log.append(bytes("live"));
      if (seen.length === 3) break;
    }
    assert.deepEqual(seen, ["0:one", "1:two", "2:live"]);
    assert.equal(await live, 2);
    // Open mode: no token needed, and none to mint.
    await assert.rejects(
      server.token({ tenant: "acme", rights: ["read"] }),
      /open development mode and needs no token/,
    );
  } finally {
    await server.close();
  }
});

Deno.test("close() twice is harmless, and the server stops answering", async () => {
  const server = await startTestServer();
  const res = await fetch(`${server.url}/logs/acme/a/bounds`);
  assert.equal(res.status, 200);
  await res.body?.cancel();
  await server.close();
  await server.close();
  await assert.rejects(fetch(`${server.url}/logs/acme/a/bounds`));
});

Deno.test("persist keeps the logs for the next server on the same folder; memory does not", async () => {
  const dir = await Deno.makeTempDir({ prefix: "edgelog-testing-" });
  try {
    const first = await startTestServer({ persist: dir });
    await new LogClient(first.url, "acme/kept").appendBatch([bytes("a"), bytes("b")]);
    await first.close();
    const second = await startTestServer({ persist: dir });
    try {
      const log = new LogClient(second.url, "acme/kept");
      assert.deepEqual(await log.bounds(), { begin: 0, end: 2 });
      assert.equal(text((await log.read(1)).data), "b");
    } finally {
      await second.close();
    }

    const memory = await startTestServer();
    await new LogClient(memory.url, "acme/gone").append(bytes("x"));
    await memory.close();
    const fresh = await startTestServer();
    try {
      assert.deepEqual(await new LogClient(fresh.url, "acme/gone").bounds(), {
        begin: 0,
        end: 0,
      });
    } finally {
      await fresh.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("persist opens the Durable Object state of wrangler dev --persist-to (DIR/v3/do)", async () => {
  const fixtures = new URL("../fixtures/", import.meta.url);
  const manifest = JSON.parse(await Deno.readTextFile(new URL("do_6c31caf.json", fixtures)));
  const { name, bounds } = manifest.logs[0] as { name: string; bounds: unknown };
  const dir = await Deno.makeTempDir({ prefix: "edgelog-testing-" });
  try {
    // A copy: the server may migrate the databases it opens.
    await new Deno.Command("cp", {
      args: ["-R", new URL("do_6c31caf/v3", fixtures).pathname, dir],
    }).output();
    const server = await startTestServer({ persist: `${dir}/v3/do` });
    try {
      assert.deepEqual(await new LogClient(server.url, name).bounds(), bounds);
    } finally {
      await server.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("With a secret, requests without a token get 401 and token() mints one the server takes", async () => {
  const server = await startTestServer({ secret: SECRET });
  try {
    const res = await fetch(`${server.url}/logs/acme/orders/bounds`);
    assert.equal(res.status, 401);
    await res.body?.cancel();
    await assert.rejects(
      new LogClient(server.url, "acme/orders").bounds(),
      (e) => e instanceof HttpError && e.status === 401,
    );

    const token = await server.token({ tenant: "acme", rights: ["read", "append"] });
    const log = new LogClient(server.url, "acme/orders", { token });
    assert.equal(await log.append(bytes("signed")), 0);
    assert.equal(text((await log.read(0)).data), "signed");
    // The token covers its tenant only.
    await assert.rejects(
      new LogClient(server.url, "globex/orders", { token }).bounds(),
      (e) => e instanceof HttpError && e.status === 403,
    );
    // A token minted with another secret is refused.
    const other = await startTestServer({ secret: `${SECRET}-other` });
    try {
      const foreign = await other.token({ tenant: "acme", rights: ["read"] });
      await assert.rejects(
        new LogClient(server.url, "acme/orders", { token: foreign }).bounds(),
        (e) => e instanceof HttpError && e.status === 401,
      );
    } finally {
      await other.close();
    }
  } finally {
    await server.close();
  }
});

Deno.test("The defaults and corsOrigins options take effect", async () => {
  const server = await startTestServer({
    defaults: { maxRecordSize: 8, maxSegmentSize: 2 },
    corsOrigins: ["https://app.example.com"],
  });
  try {
    const log = new LogClient(server.url, "acme/small");
    assert.equal(await log.append(bytes("12345678")), 0);
    await assert.rejects(
      log.append(bytes("123456789")),
      (e) => e instanceof RecordTooLargeError && e.code === "RECORD_TOO_LARGE" && e.limit === 8,
    );
    for (let i = 1; i < 5; i++) await log.append(bytes(`r${i}`));
    // Five records in segments of two: the oldest segment is dropped (DESIGN.md, Retention).
    assert.deepEqual(await log.bounds(), { begin: 2, end: 5 });

    const preflight = (origin: string) =>
      fetch(`${server.url}/logs/acme/small/records`, {
        method: "OPTIONS",
        headers: { Origin: origin, "Access-Control-Request-Method": "POST" },
      }).then(async (res) => {
        await res.body?.cancel();
        return res.headers.get("access-control-allow-origin");
      });
    assert.equal(await preflight("https://app.example.com"), "https://app.example.com");
    assert.equal(await preflight("https://evil.example.com"), null);
  } finally {
    await server.close();
  }

  // The deployment's defaults otherwise: 1 MiB records, every record kept.
  const plain = await startTestServer();
  try {
    const log = new LogClient(plain.url, "acme/plain");
    assert.equal(await log.append(new Uint8Array(1024 * 1024)), 0);
    await assert.rejects(log.append(new Uint8Array(1024 * 1024 + 1)), RecordTooLargeError);
  } finally {
    await plain.close();
  }
});

Deno.test("maxTails limits the tails of one log, and miniflare.dispatchFetch reaches the server", async () => {
  const server = await startTestServer({ maxTails: 1 });
  try {
    const first = new WebSocket(`${server.url.replace("http", "ws")}/logs/acme/t/tail`, [
      "edgelog",
    ]);
    await new Promise((ok, fail) => {
      first.onopen = ok;
      first.onerror = fail;
    });
    const closed = new Promise((ok) => (first.onclose = ok));
    try {
      const res = await server.miniflare.dispatchFetch(`${server.url}/logs/acme/t/tail`, {
        headers: { Upgrade: "websocket" },
      });
      assert.equal(res.status, 429);
      assert.equal(
        ((await res.json()) as { error: { code: string } }).error.code,
        "TOO_MANY_TAILS",
      );
    } finally {
      first.close();
      await closed;
    }
  } finally {
    await server.close();
  }
});

Deno.test("Bad options are refused with a typed error naming the option", async () => {
  const cases: [unknown, ErrorConstructor, RegExp][] = [
    [{ defaults: { maxRecordSize: 0 } }, RangeError, /defaults\.maxRecordSize/],
    [{ defaults: { maxRecordSize: 1.5 } }, RangeError, /defaults\.maxRecordSize/],
    [{ defaults: { maxSegmentSize: -1 } }, RangeError, /defaults\.maxSegmentSize.*Infinity/],
    [{ defaults: { maxAge: "1000" } }, TypeError, /defaults\.maxAge to be a number/],
    [{ defaults: { maxrecordSize: 1 } }, TypeError, /Unknown option "defaults\.maxrecordSize"/],
    [{ maxTails: 0 }, RangeError, /maxTails/],
    [{ port: 70000 }, RangeError, /port/],
    [{ secret: "short" }, RangeError, /secret to hold at least 32 bytes, got "5"/],
    [{ secret: 42 }, TypeError, /secret to be a string/],
    [{ persist: "" }, TypeError, /persist to be a folder path/],
    [{ corsOrigins: "https://a.example" }, TypeError, /corsOrigins/],
    [{ corsOrigins: ["https://a.example/path"] }, RangeError, /corsOrigins/],
    [{ presist: "/tmp" }, TypeError, /Unknown option "presist"/],
  ];
  for (const [options, type, message] of cases) {
    await assert.rejects(
      startTestServer(options as TestServerOptions),
      (e) => e instanceof type && message.test((e as Error).message),
      JSON.stringify(options),
    );
  }
});
