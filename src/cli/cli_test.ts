// The command line in-process with a stand-in server: batching, flags, environment
// variables, output formats and exit codes. test/e2e/cli_process_test.ts runs it as a process
// against wrangler dev.
import assert from "node:assert/strict";
import { Log, LogError, type LogRecord } from "../../mod.ts";
import { type CliIo, DEFAULT_URL, EXIT_CODES, main } from "./cli.ts";
import { encodeErrorBody, logErrorFields, STATUS_BY_CODE } from "../protocol/errors.ts";
import { producerAnswerHeaders, readProducerHeaders } from "../protocol/producer.ts";
import { DEFAULT_TOKEN_TTL, type mintToken, verifyToken } from "../protocol/token.ts";
import { decodeBatch, encodeRecordLine } from "../protocol/wire.ts";

const encoder = new TextEncoder();

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  requests: Request[];
  bodies: Uint8Array[];
}

/** Runs the command line against `answer`, with `stdin` as its standard input. */
async function run(
  args: string[],
  answer: (request: Request, body: Uint8Array) => Response | Promise<Response>,
  io: Partial<CliIo> & { input?: string | Uint8Array[] } = {},
): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const requests: Request[] = [];
  const bodies: Uint8Array[] = [];
  const input = io.input ?? "";
  const chunks = typeof input === "string" ? [encoder.encode(input)] : input;
  const code = await main(args, {
    env: () => undefined,
    stdin: async function* () {
      yield* chunks;
    },
    stdout: (data) =>
      void (stdout += typeof data === "string" ? data : new TextDecoder().decode(data)),
    stderr: (text) => void (stderr += text),
    stderrIsTerminal: false,
    readFile: () => Promise.reject(new Error("No files here")),
    fetch: async (request) => {
      const body = new Uint8Array(await request.arrayBuffer());
      requests.push(request);
      bodies.push(body);
      return answer(request, body);
    },
    ...io,
  });
  return { code, stdout, stderr, requests, bodies };
}

/** A stand-in log that accepts batches at its end and honours `expected`. */
function batchLog(start = 0) {
  let end = start;
  return (request: Request, body: Uint8Array) => {
    const url = new URL(request.url);
    const expected = url.searchParams.get("expected");
    if (expected !== null && Number(expected) !== end) {
      return Response.json(
        { error: { code: "CONFLICT", message: "Taken", position: Number(expected), end } },
        { status: 409 },
      );
    }
    const count = decodeBatch(body, 1000).length;
    end += count;
    return Response.json({ first: end - count, last: end - 1, count });
  };
}

Deno.test("`append` sends stdin lines in batches of at most 1000, in order, skipping empty lines", async () => {
  const lines = Array.from({ length: 2500 }, (_, i) => `line ${i}`);
  // Chunks that split lines anywhere, as a pipe does.
  const text = lines.join("\n") + "\n\n";
  const input = [text.slice(0, 7), text.slice(7, 9000), text.slice(9000)].map((t) =>
    encoder.encode(t)
  );
  const result = await run(["append", "acme/demo"], batchLog(), { input });
  assert.equal(result.code, EXIT_CODES.OK, result.stderr);
  const batches = result.bodies.map((body) => decodeBatch(body, 1000));
  assert.deepEqual(batches.map((b) => b.length), [1000, 1000, 500]);
  const sent = batches.flat().map((r) => new TextDecoder().decode(r));
  assert.deepEqual(sent, lines);
  assert.equal(result.requests[0]!.url, `${DEFAULT_URL}/logs/acme/demo/batch`);
  assert.match(result.stdout, /^Appended 2500 records to acme\/demo at offsets 0 to 2499 in /);
  assert.match(result.stdout, /skipped 1 empty line\n$/);
});

Deno.test("`append` keeps bytes as they are: no decoding, CR kept, last line without newline", async () => {
  const input = [new Uint8Array([0xff, 0x00, 10, 0x61, 13, 10, 0x62])];
  const result = await run(["append", "a", "--json"], batchLog(7), { input });
  assert.equal(result.code, EXIT_CODES.OK, result.stderr);
  assert.deepEqual(decodeBatch(result.bodies[0]!, 10), [
    new Uint8Array([0xff, 0x00]),
    new Uint8Array([0x61, 13]),
    new Uint8Array([0x62]),
  ]);
  assert.deepEqual(JSON.parse(result.stdout), { log: "a", count: 3, first: 7, last: 9 });
});

Deno.test("`append --expected` chains each batch's expected offset and stops at a conflict", async () => {
  const input = Array.from({ length: 1500 }, (_, i) => `${i}\n`).join("");
  const ok = await run(["append", "a", "--expected", "4"], batchLog(4), { input });
  assert.equal(ok.code, EXIT_CODES.OK, ok.stderr);
  assert.deepEqual(
    ok.requests.map((r) => new URL(r.url).searchParams.get("expected")),
    ["4", "1004"],
  );
  const taken = await run(["append", "a", "--expected", "3", "--json"], batchLog(4), { input });
  assert.equal(taken.code, EXIT_CODES.CONFLICT);
  assert.equal(taken.stdout, "");
  assert.deepEqual(JSON.parse(taken.stderr), {
    error: {
      code: "CONFLICT",
      message: 'Position "3" is already taken; the end is "4"',
      position: 3,
      end: 4,
    },
  });
});

/**
 * A stand-in log over the core's Log that honours the producer headers, as the server does;
 * `hold(n)` makes the n-th request commit and then never answer (until it is aborted).
 */
function producerLog() {
  const log = new Log({ maxSegmentSize: Infinity });
  let requests = 0;
  let held = -1;
  const answer = async (request: Request, body: Uint8Array): Promise<Response> => {
    const producer = readProducerHeaders(request.headers);
    const records = decodeBatch(body, 1000);
    try {
      const { offset, count, duplicate } = producer === undefined
        ? { offset: await log.writeBatch(records), count: records.length, duplicate: false }
        : await log.writeBatch(records, { producer });
      if (requests++ === held) {
        return await new Promise<never>((_, reject) =>
          request.signal.addEventListener("abort", () => reject(request.signal.reason))
        );
      }
      return Response.json(
        { first: offset, last: count === 0 ? -1 : offset + count - 1, count },
        { headers: producer === undefined ? {} : producerAnswerHeaders(producer, duplicate) },
      );
    } catch (error) {
      if (!(error instanceof LogError)) throw error;
      const body = encodeErrorBody(error.code, error.message, logErrorFields(error));
      return new Response(body, { status: STATUS_BY_CODE[error.code] ?? 500 });
    }
  };
  const stored = async () => {
    const { end } = await log.bounds();
    const batch = new Array<LogRecord>(end);
    const count = end === 0 ? 0 : await log.readBatch(0, batch);
    return batch.slice(0, count).map((r) => new TextDecoder().decode(r.data));
  };
  return { answer, stored, hold: (n: number) => void (held = n) };
}

Deno.test("`append --producer` sends batch n as seq n of the producer, epoch 0 or --epoch", async () => {
  const input = Array.from({ length: 2500 }, (_, i) => `${i}\n`).join("");
  const server = producerLog();
  const result = await run(["append", "a", "--producer", "nightly import"], server.answer, {
    input,
  });
  assert.equal(result.code, EXIT_CODES.OK, result.stderr);
  assert.deepEqual(result.requests.map((r) => readProducerHeaders(r.headers)), [
    { id: "nightly import", epoch: 0, seq: 0 },
    { id: "nightly import", epoch: 0, seq: 1 },
    { id: "nightly import", epoch: 0, seq: 2 },
  ]);
  const epoch = await run(["append", "a", "--producer", "p", "--epoch", "3"], server.answer, {
    input: "x\n",
  });
  assert.deepEqual(readProducerHeaders(epoch.requests[0]!.headers), { id: "p", epoch: 3, seq: 0 });
  // Without --producer the client still names one of its own, new for every run.
  const plain = await run(["append", "a"], server.answer, { input: "y\n" });
  const own = readProducerHeaders(plain.requests[0]!.headers);
  assert.match(own?.id ?? "", /^[0-9a-f]{32}$/);
});

Deno.test("`append --producer` run again after a crash appends only what is missing, and says so", async () => {
  const lines = Array.from({ length: 3500 }, (_, i) => `line ${i}`);
  const input = lines.join("\n") + "\n";
  const server = producerLog();
  // The first run dies while batch 2 is in flight: it was committed, its answer never came.
  server.hold(2);
  const crash = new AbortController();
  const first = run(["append", "a", "--producer", "import"], server.answer, {
    input,
    signal: crash.signal,
  });
  const deadline = Date.now() + 5000;
  while ((await server.stored()).length < 3000 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1));
  }
  crash.abort(new Error("Killed"));
  assert.notEqual((await first).code, EXIT_CODES.OK);
  assert.equal((await server.stored()).length, 3000);
  const again = await run(["append", "a", "--producer", "import"], server.answer, { input });
  assert.equal(again.code, EXIT_CODES.OK, again.stderr);
  assert.match(
    again.stdout,
    /^Appended 500 records to a at offsets 3000 to 3499 in [\d.]+ s; skipped 3 batches \(3000 records\) already in the log\n$/,
  );
  assert.deepEqual(await server.stored(), lines, "every line once, in order");
  const json = await run(["append", "a", "--producer", "import", "--json"], server.answer, {
    input,
  });
  assert.deepEqual(JSON.parse(json.stdout), {
    log: "a",
    count: 0,
    first: null,
    last: null,
    duplicateBatches: 4,
    duplicateRecords: 3500,
  });
  assert.match(
    (await run(["append", "a", "--producer", "import"], server.answer, { input })).stdout,
    /^Appended 0 records to a in [\d.]+ s; skipped 4 batches \(3500 records\) already in the log\n$/,
  );
  assert.deepEqual(await server.stored(), lines);
});

Deno.test("`append --producer` with a lower epoch than the log knows exits 18", async () => {
  const server = producerLog();
  const args = ["append", "a", "--producer", "p"];
  assert.equal((await run([...args, "--epoch", "2"], server.answer, { input: "x\n" })).code, 0);
  const stale = await run([...args, "--epoch", "1", "--json"], server.answer, { input: "y\n" });
  assert.equal(stale.code, EXIT_CODES.STALE_EPOCH);
  assert.deepEqual(JSON.parse(stale.stderr).error, {
    code: "STALE_EPOCH",
    message: 'Producer epoch "1" is stale; the current epoch is "2"',
    currentEpoch: 2,
    epoch: 1,
  });
  assert.deepEqual(await server.stored(), ["x"]);
});

Deno.test("`append` of files sends each file as one record, or its lines with --lines", async () => {
  const files: Record<string, string> = { "a.txt": "one\ntwo", "b.bin": "three\n" };
  const readFile = (path: string) =>
    path in files ? Promise.resolve(encoder.encode(files[path])) : Promise.reject(new Error("No"));
  const whole = await run(["append", "x", "a.txt", "b.bin"], batchLog(), { readFile });
  assert.equal(whole.code, EXIT_CODES.OK, whole.stderr);
  assert.deepEqual(
    decodeBatch(whole.bodies[0]!, 10).map((r) => new TextDecoder().decode(r)),
    ["one\ntwo", "three\n"],
  );
  const lines = await run(["append", "x", "--lines", "a.txt", "b.bin"], batchLog(), { readFile });
  assert.deepEqual(
    decodeBatch(lines.bodies[0]!, 10).map((r) => new TextDecoder().decode(r)),
    ["one", "two", "three"],
  );
  const missing = await run(["append", "x", "nope.txt"], batchLog(), { readFile });
  assert.equal(missing.code, EXIT_CODES.USAGE);
  assert.match(missing.stderr, /^edgelog: Cannot read "nope.txt"/);
});

Deno.test("`append --progress` writes progress lines on standard error", async () => {
  const result = await run(["append", "a", "--progress"], batchLog(), { input: "x\ny\n" });
  assert.equal(result.code, EXIT_CODES.OK);
  assert.match(result.stderr, /^Appended 2 records, \d+ records\/s\n$/);
  const quiet = await run(["append", "a"], batchLog(), { input: "x\n" });
  assert.equal(quiet.stderr, "");
});

Deno.test("The server comes from --url, else EDGELOG_URL, else the local default", async () => {
  const bounds = () => Response.json({ begin: 0, end: 0 });
  const env = (name: string) => name === "EDGELOG_URL" ? "https://env.example" : undefined;
  const fromEnv = await run(["bounds", "a"], bounds, { env });
  assert.equal(fromEnv.requests[0]!.url, "https://env.example/logs/a/bounds");
  const fromFlag = await run(["bounds", "a", "--url", "https://flag.example/p"], bounds, { env });
  assert.equal(fromFlag.requests[0]!.url, "https://flag.example/p/logs/a/bounds");
  const fallback = await run(["bounds", "a"], bounds);
  assert.equal(fallback.requests[0]!.url, `${DEFAULT_URL}/logs/a/bounds`);
});

Deno.test("The token comes from --token, else EDGELOG_TOKEN; without one none is sent", async () => {
  const bounds = () => Response.json({ begin: 0, end: 0 });
  const env = (name: string) => name === "EDGELOG_TOKEN" ? "env-jwt" : undefined;
  const fromEnv = await run(["bounds", "a"], bounds, { env });
  assert.equal(fromEnv.requests[0]!.headers.get("authorization"), "Bearer env-jwt");
  const fromFlag = await run(["bounds", "a", "--token", "flag-jwt"], bounds, { env });
  assert.equal(fromFlag.requests[0]!.headers.get("authorization"), "Bearer flag-jwt");
  const none = await run(["bounds", "a"], bounds);
  assert.equal(none.requests[0]!.headers.get("authorization"), null);
});

Deno.test("`read` prints records as text, quoted text or base64, and --json as the server's lines", async () => {
  const records = [
    { offset: 0, created: Date.UTC(2026, 0, 1), data: encoder.encode("plain\ttext") },
    { offset: 1, created: Date.UTC(2026, 0, 1), data: encoder.encode("two\nlines") },
    { offset: 2, created: Date.UTC(2026, 0, 1), data: new Uint8Array([0xff, 0xfe]) },
  ];
  const answer = (request: Request) => {
    const url = new URL(request.url);
    if (url.pathname.endsWith("/bounds")) return Response.json({ begin: 0, end: 3 });
    const from = Number(url.searchParams.get("from"));
    if (from >= 3) {
      return Response.json({ error: { code: "FUTURE_OFFSET", message: "End", offset: from } }, {
        status: 404,
      });
    }
    return new Response(records.slice(from).map(encodeRecordLine).join(""));
  };
  const human = await run(["read", "a"], answer);
  assert.equal(human.code, EXIT_CODES.OK, human.stderr);
  assert.equal(
    human.stdout,
    "0\t2026-01-01T00:00:00.000Z\tplain\ttext\n" +
      '1\t2026-01-01T00:00:00.000Z\t"two\\nlines"\n' +
      "2\t2026-01-01T00:00:00.000Z\tbase64://4=\n",
  );
  const json = await run(["read", "a", "--json", "--from", "1"], answer);
  assert.equal(json.stdout, records.slice(1).map(encodeRecordLine).join(""));
});

Deno.test("Each kind of error ends with its own exit code", async () => {
  const error = (status: number, body: Record<string, unknown>) => () =>
    Response.json({ error: body }, { status });
  const cases: [number, () => Response, string[]][] = [
    [EXIT_CODES.CONFLICT, error(409, { code: "CONFLICT", message: "M", position: 1 }), []],
    [EXIT_CODES.FUTURE_OFFSET, error(404, { code: "FUTURE_OFFSET", message: "M", offset: 1 }), []],
    [EXIT_CODES.OUT_OF_RANGE, error(410, { code: "OUT_OF_RANGE", message: "M", offset: 1 }), []],
    [EXIT_CODES.NOT_FOUND, error(404, { code: "NOT_FOUND", message: "M", position: 1 }), []],
    [
      EXIT_CODES.RECORD_TOO_LARGE,
      error(413, { code: "RECORD_TOO_LARGE", message: "M", size: 2, limit: 1 }),
      [],
    ],
    [EXIT_CODES.CLOSED, error(503, { code: "CLOSED", message: "M" }), []],
    [EXIT_CODES.UNAUTHORIZED, error(401, { code: "UNAUTHORIZED", message: "M" }), [
      "Give a valid token",
    ]],
    [EXIT_CODES.FORBIDDEN, error(403, { code: "FORBIDDEN", message: "M" }), []],
    [EXIT_CODES.HTTP, error(500, { code: "INTERNAL", message: "M" }), []],
    [EXIT_CODES.HTTP, () => new Response("<html>", { status: 502 }), []],
  ];
  for (const [exitCode, answer, hints] of cases) {
    const result = await run(["read", "a", "1"], answer);
    assert.equal(result.code, exitCode, result.stderr);
    assert.match(result.stderr, /^edgelog: /);
    for (const hint of hints) assert(result.stderr.includes(hint), result.stderr);
  }
  const network = await run(["read", "a", "1"], () => Promise.reject(new TypeError("refused")));
  assert.equal(network.code, EXIT_CODES.NETWORK);
  assert.match(network.stderr, /Is the server running\?/);
  const codes = Object.values(EXIT_CODES);
  assert.equal(new Set(codes).size, codes.length, "exit codes are distinct");
});

Deno.test("Usage errors end with exit code 2 and send nothing", async () => {
  const never = () => {
    throw new Error("No request expected");
  };
  for (
    const args of [
      ["bogus"],
      ["read"],
      ["read", "a", "--from", "-1"],
      ["read", "a", "--from", "1.5"],
      ["read", "a", "x"],
      ["read", "a", "1", "--from", "2"],
      ["read", "a", "--raw"],
      ["bounds", "a", "extra"],
      ["bounds", "a//b"],
      ["truncate", "a"],
      ["delete", "a"],
      ["tail", "a", "--unknown"],
      ["append", "a", "--expected", "x"],
      ["append", "a", "--epoch", "1"],
      ["append", "a", "--producer", ""],
      ["append", "a", "--producer", "p", "--epoch", "-1"],
      ["config", "a", "--max-record-size", "big"],
      ["token", "--tenant", "t", "--rights", "read"],
      ["token", "--secret", "s", "--tenant", "t", "--rights", "write"],
    ]
  ) {
    const result = await run(args, never);
    assert.equal(result.code, EXIT_CODES.USAGE, `${args.join(" ")}: ${result.stderr}`);
    assert.equal(result.requests.length, 0);
    assert.match(result.stderr, /^edgelog: [A-Z"]/);
  }
  const none = await run([], never);
  assert.equal(none.code, EXIT_CODES.USAGE);
  assert.match(none.stdout, /^Usage: edgelog/);
});

/** Whether the double quotes of `text` pair up and no single quote is used as a quote. */
function quotesPaired(text: string): boolean {
  const doubles = text.match(/"/g)?.length ?? 0;
  // An apostrophe sits between letters (token's); any other single quote is a quote.
  return doubles % 2 === 0 && !/(?<![A-Za-z])'|'(?![A-Za-z])/.test(text);
}

Deno.test("mistyped flags get messages with paired quotes that name the flag", async () => {
  const never = () => {
    throw new Error("No request expected");
  };
  for (
    const [args, expected] of [
      [
        ["read", "acme/x", "--fron", "3"],
        'Unknown flag "--fron" for "read" (did you mean "--from"?)',
      ],
      [["tail", "acme/x", "-x"], 'Unknown flag "-x" for "tail"; an argument that starts with "-"'],
      [["read", "acme/x", "--from"], 'The flag "--from" needs a value'],
      [["read", "acme/x", "--raw=1"], 'The flag "--raw" takes no value'],
      [["bounds", "acme/x", "--jsn"], 'Unknown flag "--jsn" for "bounds" (did you mean "--json"?)'],
      [["token", "--tenant"], 'The flag "--tenant" needs a value'],
      [
        ["append", "acme/x", "--producr", "p"],
        'Unknown flag "--producr" for "append" (did you mean "--producer"?)',
      ],
      [["config", "acme/x", "--max-age"], 'The flag "--max-age" needs a value'],
      [["delete", "acme/x", "--yes=no"], 'The flag "--yes" takes no value'],
      [["truncate", "acme/x", "--before"], 'The flag "--before" needs a value'],
    ] as const
  ) {
    const result = await run([...args], never);
    assert.equal(result.code, EXIT_CODES.USAGE, args.join(" "));
    assert(quotesPaired(result.stderr), `${args.join(" ")}: ${result.stderr}`);
    assert(result.stderr.startsWith(`edgelog: ${expected}`), result.stderr);
    assert(result.stderr.endsWith(": see edgelog --help\n"), result.stderr);
  }
  // A run of usage errors of every kind: each message's quotes pair up.
  for (
    const args of [
      ["bogus"],
      ["read", "a", "--from", "-1"],
      ["read", "a", "x"],
      ["bounds", "a", "extra"],
      ["bounds", "a//b"],
      ["config", "a", "--max-age", "soon"],
      ["read", "a", "--since", "yesterday"],
      ["delete", "a"],
      ["token", "--secret", "s", "--tenant", "t", "--rights", "write"],
      ["token", "--secret", "s", "--log", "a/../b", "--rights", "read"],
    ]
  ) {
    const result = await run(args, never);
    assert.equal(result.code, EXIT_CODES.USAGE, args.join(" "));
    assert(quotesPaired(result.stderr), `${args.join(" ")}: ${result.stderr}`);
  }
});

Deno.test("`--help` prints every command and the exit codes", async () => {
  const result = await run(["--help"], () => new Response());
  assert.equal(result.code, EXIT_CODES.OK);
  for (
    const command of ["append", "tail", "read", "bounds", "truncate", "config", "delete", "token"]
  ) {
    assert.match(result.stdout, new RegExp(`^  ${command}\\b`, "m"), command);
  }
  for (const code of Object.values(EXIT_CODES)) {
    assert.match(result.stdout, new RegExp(`\\b${code} [a-z(]`), `exit code ${code}`);
  }
  assert.equal((await run(["tail", "--help"], () => new Response())).stdout, result.stdout);
});

Deno.test("`token` calls mintToken with the claims and prints the token", async () => {
  const calls: Parameters<typeof mintToken>[] = [];
  const stand: typeof mintToken = (...args) => {
    calls.push(args);
    return Promise.resolve("header.claims.signature");
  };
  const env = (name: string) => name === "AUTH_SECRET" ? "s3cret" : undefined;
  const args = ["token", "--tenant", "acme", "--rights", "read,append", "--logs", "acme/x/"];
  const human = await run([...args, "--ttl", "60"], () => new Response(), {
    env,
    mintToken: stand,
  });
  assert.equal(human.code, EXIT_CODES.OK, human.stderr);
  assert.equal(human.stdout, "header.claims.signature\n");
  assert.match(
    human.stderr,
    /tenant "acme", logs names starting with "acme\/x\/", rights read,append, valid 60 s/,
  );
  assert.deepEqual(calls[0], [
    "s3cret",
    { tenant: "acme", rights: ["read", "append"], logs: "acme/x/" },
    { ttl: 60 },
  ]);
  const json = await run(
    ["token", "--secret", "x", "--tenant", "t", "--rights", "admin", "--json"],
    () => new Response(),
    { mintToken: stand },
  );
  assert.deepEqual(JSON.parse(json.stdout), { token: "header.claims.signature" });
  assert.deepEqual(calls[1], ["x", { tenant: "t", rights: ["admin"] }, { ttl: DEFAULT_TOKEN_TTL }]);
});

Deno.test("`token` mints a token the server's verifyToken accepts, for the given ttl", async () => {
  const secret = "a secret of at least thirty-two bytes!";
  const env = (name: string) => name === "AUTH_SECRET" ? secret : undefined;
  const before = Math.floor(Date.now() / 1000);
  const result = await run(
    ["token", "--tenant", "acme", "--rights", "read", "--ttl", "120", "--json"],
    () => new Response(),
    { env },
  );
  assert.equal(result.code, EXIT_CODES.OK, result.stderr);
  const claims = await verifyToken(secret, JSON.parse(result.stdout).token);
  assert.equal(claims.tenant, "acme");
  assert.deepEqual(claims.rights, ["read"]);
  assert.ok(claims.exp >= before + 120 && claims.exp <= before + 121, `exp ${claims.exp}`);
});

Deno.test("`token --log` mints exact names, its tenant the first segment of the first", async () => {
  const secret = "a secret of at least thirty-two bytes!";
  const env = (name: string) => name === "AUTH_SECRET" ? secret : undefined;
  const exact = await run(["token", "--log", "demo", "--rights", "read"], () => new Response(), {
    env,
  });
  assert.equal(exact.code, EXIT_CODES.OK, exact.stderr);
  assert.equal(exact.stderr, '# tenant "demo", logs "demo", rights read, valid 3600 s\n');
  const claims = await verifyToken(secret, exact.stdout.trim());
  assert.deepEqual([claims.tenant, claims.names, claims.logs], ["demo", ["demo"], undefined]);

  const both = await run(
    [
      ...["token", "--log", "acme/demo", "--log", "acme/audit", "--logs", "acme/orders/"],
      ...["--rights", "append", "--json"],
    ],
    () => new Response(),
    { env },
  );
  assert.equal(both.code, EXIT_CODES.OK, both.stderr);
  const claims2 = await verifyToken(secret, JSON.parse(both.stdout).token);
  assert.deepEqual(
    [claims2.tenant, claims2.names, claims2.logs],
    ["acme", ["acme/demo", "acme/audit"], "acme/orders/"],
  );

  const crossing = await run(
    ["token", "--log", "acme/demo", "--log", "globex/demo", "--rights", "read"],
    () => new Response(),
    { env },
  );
  assert.equal(crossing.code, EXIT_CODES.USAGE);
  assert.equal(
    crossing.stderr,
    'edgelog: The name "globex/demo" is outside the tenant "acme": its first segment differs\n',
  );
});

Deno.test("`token` reads AUTH_SECRET from ./.dev.vars when the environment has none", async () => {
  const secret = "from the dev vars file, thirty-two bytes";
  const readFile = (path: string) =>
    path === ".dev.vars"
      ? Promise.resolve(new TextEncoder().encode(`OTHER=1\nAUTH_SECRET="${secret}"\n`))
      : Promise.reject(new Error("no such file"));
  const result = await run(
    ["token", "--tenant", "acme", "--rights", "append", "--json"],
    () => new Response(),
    { env: () => undefined, readFile },
  );
  assert.equal(result.code, EXIT_CODES.OK, result.stderr);
  const claims = await verifyToken(secret, JSON.parse(result.stdout).token);
  assert.deepEqual(claims.rights, ["append"]);
});

Deno.test("`token` without a secret, or with a bad grant, is a usage error", async () => {
  const none = await run(["token", "--tenant", "acme", "--rights", "read"], () => new Response(), {
    env: () => undefined,
    readFile: () => Promise.reject(new Error("no such file")),
  });
  assert.equal(none.code, EXIT_CODES.USAGE);
  assert.match(none.stderr, /AUTH_SECRET/);
  const short = await run(
    ["token", "--secret", "short", "--tenant", "acme", "--rights", "read"],
    () => new Response(),
  );
  assert.equal(short.code, EXIT_CODES.USAGE, short.stderr);
});
