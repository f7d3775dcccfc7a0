// The command line's time flags in-process, with a stand-in server: `read --since`,
// `tail --since` and `config --max-age`.
import assert from "node:assert/strict";
import { EXIT_CODES, main } from "./cli.ts";
import type { WebSocketLike } from "../client/mod.ts";
import { encodeRecordLine, encodeTailFrame, type WireRecord } from "../protocol/wire.ts";

const T0 = Date.UTC(2026, 11, 1, 10);

function wire(offset: number): WireRecord {
  return { offset, created: T0 + offset, data: new TextEncoder().encode(`r${offset}`) };
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  urls: URL[];
  bodies: string[];
}

/** Runs the command line against `answer`. */
async function run(
  args: string[],
  answer: (url: URL, body: string) => Response,
  WebSocket?: new (url: string) => WebSocketLike,
): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const urls: URL[] = [];
  const bodies: string[] = [];
  const code = await main(args, {
    env: () => undefined,
    stdout: (data) =>
      void (stdout += typeof data === "string" ? data : new TextDecoder().decode(data)),
    stderr: (text) => void (stderr += text),
    stderrIsTerminal: false,
    fetch: async (request) => {
      const url = new URL(request.url);
      const body = await request.text();
      urls.push(url);
      bodies.push(body);
      return answer(url, body);
    },
    ...(WebSocket === undefined ? {} : { WebSocket }),
  });
  return { code, stdout, stderr, urls, bodies };
}

/** A log of offsets 0 to 1499, created T0 + offset; `since` finds the first at or after. */
function log(url: URL): Response {
  const since = url.searchParams.get("since");
  const from = since === null ? Number(url.searchParams.get("from")) : Math.max(0, +since - T0);
  if (since === null && from >= 1500) {
    const error = { code: "FUTURE_OFFSET", message: "Not yet", offset: from };
    return Response.json({ error }, { status: 404 });
  }
  const to = Math.min(1500, from + Number(url.searchParams.get("limit")));
  let body = "";
  for (let offset = from; offset < to; offset++) body += encodeRecordLine(wire(offset));
  return new Response(body, { headers: { "edgelog-next-offset": String(Math.max(from, to)) } });
}

Deno.test("`read --since <date>` reads from the first record since then, by offset after", async () => {
  const result = await run(
    ["read", "acme/demo", "--since", "2026-12-01T10:00:00.400Z", "--json"],
    log,
  );
  assert.equal(result.code, EXIT_CODES.OK, result.stderr);
  assert.deepEqual(
    result.urls.map((url) => url.search),
    // The second batch of 1000 ends short at the end: its client reads on to be sure.
    [`?since=${T0 + 400}&limit=1000`, "?from=1400&limit=1000", "?from=1500&limit=900"],
  );
  const lines = result.stdout.trim().split("\n").map((line) => JSON.parse(line).offset);
  assert.deepEqual([lines.length, lines[0], lines.at(-1)], [1100, 400, 1499]);
});

Deno.test("`read --since <age>` asks for the records since that long ago", async () => {
  const before = Date.now();
  const result = await run(["read", "acme/demo", "--since", "10m", "--limit", "2"], log);
  assert.equal(result.code, EXIT_CODES.OK, result.stderr);
  const since = Number(result.urls[0]!.searchParams.get("since"));
  assert(since >= before - 600_000 && since <= Date.now() - 600_000, `since ${since}`);
});

Deno.test("`read --since` with no record since then prints nothing and exits 0", async () => {
  const result = await run(["read", "acme/demo", "--since", "2030-01-01"], log);
  assert.equal(result.code, EXIT_CODES.OK, result.stderr);
  assert.equal(result.stdout, "");
  assert.equal(result.urls.length, 1);
});

Deno.test("`read` and `tail` refuse a bad --since, or --since with --from or an offset", async () => {
  for (
    const args of [
      ["read", "acme/demo", "--since", "10"],
      ["read", "acme/demo", "--since", "yesterday"],
      ["read", "acme/demo", "--since", "0m"],
      ["read", "acme/demo", "--since", "2026-13-45"],
      ["read", "acme/demo", "--since", "10m", "--from", "3"],
      ["read", "acme/demo", "5", "--since", "10m"],
      ["tail", "acme/demo", "--since", "10m", "--from", "3"],
    ]
  ) {
    const result = await run(args, log);
    assert.equal(result.code, EXIT_CODES.USAGE, args.join(" "));
    assert.equal(result.urls.length, 0, args.join(" "));
  }
});

Deno.test("`tail --since <date>` connects by time", async () => {
  const opened: string[] = [];
  class Socket implements WebSocketLike {
    binaryType = "blob";
    readonly #listeners = new Map<string, ((event: never) => void)[]>();
    constructor(url: string) {
      opened.push(url);
      setTimeout(() => {
        this.#emit("open", {});
        this.#emit("message", { data: encodeTailFrame([wire(7)]).buffer });
      }, 0);
    }
    send(): void {}
    close(): void {}
    addEventListener(type: string, listener: (event: never) => void): void {
      this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
    }
    #emit(type: string, event: unknown): void {
      for (const listener of this.#listeners.get(type) ?? []) {
        (listener as (e: unknown) => void)(event);
      }
    }
  }
  const result = await run(
    ["tail", "acme/demo", "--since", "2026-12-01T10:00:00Z", "--limit", "1", "--json"],
    log,
    Socket,
  );
  assert.equal(result.code, EXIT_CODES.OK, result.stderr);
  assert.deepEqual(opened, [`ws://127.0.0.1:8787/logs/acme/demo/tail?since=${T0}`]);
  assert.equal(JSON.parse(result.stdout).offset, 7);
});

Deno.test("`config --max-age` sets retention by age and prints it", async () => {
  const config = (_url: URL, body: string) =>
    Response.json({
      maxSegmentSize: null,
      maxRecordSize: 1048576,
      maxAge: body === "" ? null : JSON.parse(body).maxAge,
    });
  const week = await run(["config", "acme/demo", "--max-age", "7d"], config);
  assert.equal(week.code, EXIT_CODES.OK, week.stderr);
  assert.deepEqual(JSON.parse(week.bodies[0]!), { maxAge: 604_800_000 });
  assert.match(week.stdout, /^maxAge: 604800000 ms$/m);
  const ms = await run(["config", "acme/demo", "--max-age", "90000"], config);
  assert.deepEqual(JSON.parse(ms.bodies[0]!), { maxAge: 90_000 });
  const none = await run(["config", "acme/demo", "--max-age", "none"], config);
  assert.deepEqual(JSON.parse(none.bodies[0]!), { maxAge: null });
  assert.match(none.stdout, /^maxAge: none \(keeps records whatever their age\)$/m);
  for (const bad of ["0", "-1", "1.5h", "week"]) {
    const result = await run(["config", "acme/demo", "--max-age", bad], config);
    assert.equal(result.code, EXIT_CODES.USAGE, bad);
  }
});
