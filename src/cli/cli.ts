/**
 * The edgelog command line: append, read, follow, truncate, configure and delete the logs
 * of an edgelog server, and mint tokens for it. Human output by default, `--json` for
 * scripts; the server's URL and the token come from flags or from `EDGELOG_URL` and
 * `EDGELOG_TOKEN`. Every kind of error has its own exit code (see `--help`).
 *
 * ```sh
 * deno run -A jsr:@edgelog/edgelog/cli append acme/demo < lines.txt
 * deno run -A jsr:@edgelog/edgelog/cli tail acme/demo --from 0
 * ```
 *
 * In this repository: `npx deno task cli <command> ...`.
 *
 * @example Running a command in-process
 * ```ts
 * import { EXIT_CODES, main } from "@edgelog/edgelog/cli";
 * import assert from "node:assert/strict";
 *
 * let out = "";
 * const code = await main(["--help"], { stdout: (text) => void (out += text) });
 * assert.equal(code, EXIT_CODES.OK);
 * assert.match(out, /^Usage: edgelog <command>/);
 * ```
 *
 * @module
 */
import process from "node:process";
import { readFile } from "node:fs/promises";
import { parseArgs, parseEnv } from "node:util";
import { FutureOffsetError, LogError } from "../core/errors.ts";
import type { LogRecord } from "../core/log.ts";
import { assertProducer } from "../core/producer.ts";
import { HttpError } from "../client/http_error.ts";
import { isTransient } from "../client/retry.ts";
import { LogClient, type LogClientOptions } from "../client/log_client.ts";
import type { LogWriter } from "../client/writer.ts";
import { concatBytes } from "../protocol/bytes.ts";
import { type ErrorFields, logErrorFields } from "../protocol/errors.ts";
import { MAX_BATCH_BYTES, MAX_BATCH_RECORDS, MAX_READ_LIMIT } from "../protocol/limits.ts";
import { DEFAULT_TOKEN_TTL, mintToken, type Right, RIGHTS, tenantOf } from "../protocol/token.ts";
import { encodeRecordLine, toBase64 } from "../protocol/wire.ts";
import { runAsProcess } from "./run_as_process.ts";

/**
 * The exit codes of the command line, one per kind of error:
 *
 * | code | name | meaning |
 * | --- | --- | --- |
 * | 0 | OK | done |
 * | 1 | INTERNAL | an unexpected failure (a bug) |
 * | 2 | USAGE | a bad command, flag or value (a TypeError or RangeError) |
 * | 3 | NETWORK | the server could not be reached |
 * | 4 | UNAUTHORIZED | no token, or an invalid or expired one |
 * | 5 | FORBIDDEN | the token does not allow this log or operation |
 * | 6 | HTTP | any other refusal or unreadable answer of the server (`HttpError`) |
 * | 10 | CONFLICT | the expected offset is taken (`ConflictError`) |
 * | 11 | FUTURE_OFFSET | the offset has not been written yet (`FutureOffsetError`) |
 * | 12 | OUT_OF_RANGE | the offset was purged (`OutOfRangeError`) |
 * | 13 | NOT_FOUND | no record at a position (`NotFoundError`) |
 * | 14 | RECORD_TOO_LARGE | a record is over the log's maximum (`RecordTooLargeError`) |
 * | 15 | CLOSED | the log was closed under the request (`ClosedError`) |
 * | 16 | LOG_DELETED | the log followed by `tail` was deleted |
 * | 17 | PRODUCER_SEQ_GAP | the producer skipped writes (`ProducerSeqGapError`) |
 * | 18 | STALE_EPOCH | a newer writer took over the producer (`StaleEpochError`) |
 * | 130 | INTERRUPTED | stopped by Ctrl-C |
 */
export const EXIT_CODES = {
  OK: 0,
  INTERNAL: 1,
  USAGE: 2,
  NETWORK: 3,
  UNAUTHORIZED: 4,
  FORBIDDEN: 5,
  HTTP: 6,
  CONFLICT: 10,
  FUTURE_OFFSET: 11,
  OUT_OF_RANGE: 12,
  NOT_FOUND: 13,
  RECORD_TOO_LARGE: 14,
  CLOSED: 15,
  LOG_DELETED: 16,
  PRODUCER_SEQ_GAP: 17,
  STALE_EPOCH: 18,
  INTERRUPTED: 130,
} as const;

/** Where the command line reads and writes; {@linkcode main} defaults each to the process's. */
export interface CliIo {
  /** Reads an environment variable. */
  env: (name: string) => string | undefined;
  /** Standard input, as chunks of bytes. */
  stdin: () => AsyncIterable<Uint8Array>;
  /** Writes to standard output. */
  stdout: (data: string | Uint8Array) => void | Promise<void>;
  /** Writes to standard error. */
  stderr: (text: string) => void | Promise<void>;
  /** Whether standard error is a terminal (progress lines then redraw in place). */
  stderrIsTerminal: boolean;
  /** Reads a whole file. */
  readFile: (path: string) => Promise<Uint8Array>;
  /** Aborted to stop a command (Ctrl-C). */
  signal?: AbortSignal;
  /** The `fetch` of every request; default: the global one. */
  fetch?: LogClientOptions["fetch"];
  /**
   * The `WebSocket` of `tail` and of `append`'s session; default: the global one. With a
   * `fetch` of its own and no `WebSocket`, `append` sends its batches over HTTP only.
   */
  WebSocket?: LogClientOptions["WebSocket"];
  /** Mints a token for the `token` command; default: {@linkcode mintToken}. */
  mintToken?: typeof mintToken;
}

/** How many batches `append` has in flight over a session. */
const SESSION_WINDOW = 8;

/** The server the command line talks to when neither `--url` nor `EDGELOG_URL` is given. */
export const DEFAULT_URL = "http://127.0.0.1:8787";

const HELP = `Usage: edgelog <command> [arguments] [flags]

Commands:
  append <log> [file...]    Append each line of standard input as a record, or each
                            file as one record (--lines: each line of the files), in
                            batches of up to 1000 records, pipelined over an append
                            session when there is more than one record. A batch whose
                            answer is lost is sent again, and stored once.
      --expected <offset>   The offset the first record must get; every batch then
                            expects its own first offset (exit 10 if taken).
      --producer <name>     Name the input: batch n is write n of producer <name>, so
                            that the same command run again on the same input (after a
                            crash) appends only the batches not yet in the log, and
                            says how many it skipped. Without it, a re-run appends
                            every record again.
      --epoch <n>           The producer's epoch (default 0); a higher one starts the
                            name over, and fences off runs with a lower one (exit 18).
      --progress            Show progress on standard error even when it is no terminal.
      --quiet               Show no progress.
  tail <log>                Print the records of the log as they arrive; reconnects
                            after a dropped connection without losing or repeating one.
      --from <offset>       The first offset to print (default: only new records).
      --since <time>        Start at the first record created at or after a time:
                            ago (30s, 10m, 2h, 7d) or a date (2026-12-01T10:00:00Z).
      --limit <count>       Stop after this many records.
  read <log> [offset]       Print one record, or the records from --from to the end.
      --from <offset>       The first offset (default: the oldest record).
      --since <time>        From the first record created at or after a time (as tail).
      --limit <count>       Print at most this many records.
      --raw                 Write the record's bytes as they are (with an offset only).
  bounds <log>              Print the offsets held: [begin, end).
  truncate <log>            Remove the oldest records.
      --before <offset>     The first offset to keep (required).
  config <log>              Print the log's configuration, or change it:
      --max-segment-size <n|none>   Retention: keep two segments of n records.
      --max-age <age|none>          Retention by age: ms, or 30s, 10m, 2h, 7d.
      --max-record-size <bytes>     The largest record accepted.
  delete <log> --yes        Delete the log and everything in it.
  token                     Mint a token for the server's secret.
      --secret <secret>     The signing secret (default: AUTH_SECRET of the
                            environment, else of ./.dev.vars).
      --tenant <tenant>     The tenant the token is for: the first segment of the
                            names of its logs (default: that of the first --log).
      --log <name>          A log the token allows, by its exact name (repeatable):
                            --log demo allows demo only, not demo2 or demo/x.
      --logs <prefix>       The log names the token allows, by a plain string prefix:
                            acme/demo also allows acme/demo2 (end it with / for one
                            folder). Default: the tenant's every log (<tenant>/),
                            unless --log is given.
      --rights <list>       Comma-separated: read, append, admin (required).
      --ttl <seconds>       How long the token is valid.
  help                      Print this help.

Flags of every command:
  --url <url>      The server (default: EDGELOG_URL, else ${DEFAULT_URL}).
  --token <jwt>    The token to send (default: EDGELOG_TOKEN; none for an open server).
  --json           Machine-readable output: one JSON value per line; errors as
                   {"error":{"code","message",...}} on standard error.
  -h, --help       Print this help.

Human output prints a record as: offset, creation time, the data as text (as a JSON
string when it holds control characters, as base64:... when it is not UTF-8). With
--json a record is {"offset":N,"created":ms,"data":"base64"}, as the server's batch reads.

Exit codes:
  0 done, 1 unexpected failure, 2 bad command, flag or value, 3 server not reachable,
  4 unauthorized (no or invalid token), 5 forbidden, 6 other server error,
  10 conflict (expected offset taken), 11 offset not written yet, 12 offset purged,
  13 no record at a position, 14 record too large, 15 log closed,
  16 the log being tailed was deleted, 17 producer sequence gap (writes skipped),
  18 producer fenced (a newer epoch took over), 130 interrupted (Ctrl-C).
`;

/** Records read per request by `read`. */
const READ_PAGE = MAX_READ_LIMIT;

/** A failure of the command line's own, with the exit code it ends with. */
class ExitError extends Error {
  readonly exitCode: number;
  constructor(exitCode: number, message: string) {
    super(message);
    this.exitCode = exitCode;
  }
}

type Flags = Record<string, string | boolean | (string | boolean)[] | undefined>;

interface Context {
  io: CliIo;
  json: boolean;
  flags: Flags;
  positionals: string[];
  client: (name: string | undefined) => LogClient;
  /** Whether `append` may use an append session (a WebSocket to the server). */
  sessions: boolean;
}

const GLOBAL_OPTIONS = {
  url: { type: "string" },
  token: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

type OptionSpec = Record<
  string,
  { type: "string" | "boolean"; short?: string; multiple?: boolean }
>;

const COMMANDS: Record<string, { options: OptionSpec; run: (ctx: Context) => Promise<number> }> = {
  append: {
    options: {
      expected: { type: "string" },
      producer: { type: "string" },
      epoch: { type: "string" },
      lines: { type: "boolean" },
      progress: { type: "boolean" },
      quiet: { type: "boolean" },
    },
    run: appendCommand,
  },
  tail: {
    options: { from: { type: "string" }, since: { type: "string" }, limit: { type: "string" } },
    run: tailCommand,
  },
  read: {
    options: {
      from: { type: "string" },
      since: { type: "string" },
      limit: { type: "string" },
      raw: { type: "boolean" },
    },
    run: readCommand,
  },
  bounds: { options: {}, run: boundsCommand },
  truncate: { options: { before: { type: "string" } }, run: truncateCommand },
  config: {
    options: {
      "max-segment-size": { type: "string" },
      "max-record-size": { type: "string" },
      "max-age": { type: "string" },
    },
    run: configCommand,
  },
  delete: { options: { yes: { type: "boolean" } }, run: deleteCommand },
  token: {
    options: {
      secret: { type: "string" },
      tenant: { type: "string" },
      log: { type: "string", multiple: true },
      logs: { type: "string" },
      rights: { type: "string" },
      ttl: { type: "string" },
    },
    run: tokenCommand,
  },
};

/**
 * Runs the command line with `args` (without the program name) and resolves its exit code;
 * it never throws and never exits the process.
 *
 * @param args The arguments, e.g. `["tail", "acme/demo", "--from", "0"]`.
 * @param io Where to read and write; each field defaults to the process's.
 * @returns The exit code (see {@linkcode EXIT_CODES}).
 *
 * @example Printing the bounds of a log as JSON (needs a server: `npm start`)
 * ```ts ignore
 * import { main } from "@edgelog/edgelog/cli";
 *
 * const code = await main(["bounds", "acme/demo", "--json"]); // prints {"begin":0,"end":2}
 * ```
 */
export async function main(args: string[], io: Partial<CliIo> = {}): Promise<number> {
  const full: CliIo = { ...processIo(), ...io };
  const json = args.includes("--json");
  try {
    const [name, ...rest] = args;
    if (name === undefined || name === "help" || name === "--help" || name === "-h") {
      await full.stdout(HELP);
      return name === undefined ? EXIT_CODES.USAGE : EXIT_CODES.OK;
    }
    const command = COMMANDS[name];
    if (command === undefined) {
      throw new ExitError(EXIT_CODES.USAGE, `Unknown command "${name}": see edgelog --help`);
    }
    let parsed: { values: Flags; positionals: string[] };
    try {
      parsed = parseArgs({
        args: rest,
        options: { ...GLOBAL_OPTIONS, ...command.options },
        allowPositionals: true,
        strict: true,
      });
    } catch (error) {
      throw new ExitError(
        EXIT_CODES.USAGE,
        `${
          flagProblem(rest, { ...GLOBAL_OPTIONS, ...command.options }, name, error)
        }: see edgelog --help`,
      );
    }
    const flags = parsed.values;
    if (flags.help === true) {
      await full.stdout(HELP);
      return EXIT_CODES.OK;
    }
    const url = stringFlag(flags, "url") ?? full.env("EDGELOG_URL") ?? DEFAULT_URL;
    const token = stringFlag(flags, "token") ?? full.env("EDGELOG_TOKEN");
    const client = (log: string | undefined) => {
      if (log === undefined) {
        throw new ExitError(EXIT_CODES.USAGE, `Name the log: edgelog ${name} <log>`);
      }
      return new LogClient(url, log, {
        ...(token === undefined || token === "" ? {} : { token }),
        ...(full.fetch === undefined ? {} : { fetch: full.fetch }),
        ...(full.WebSocket === undefined ? {} : { WebSocket: full.WebSocket }),
      });
    };
    return await command.run({
      io: full,
      json,
      flags,
      positionals: parsed.positionals,
      client,
      // A `fetch` of the caller's own (a stand-in, a service binding) may not reach the server
      // a WebSocket would: sessions only with a `WebSocket` given beside it.
      sessions: full.fetch === undefined || full.WebSocket !== undefined,
    });
  } catch (error) {
    return await report(full, json, error);
  }
}

async function appendCommand(ctx: Context): Promise<number> {
  const { io, flags } = ctx;
  const [log, ...files] = ctx.positionals;
  const client = ctx.client(log);
  let expected = integerFlag(flags, "expected");
  const producer = producerFlags(flags);
  const started = Date.now();
  const progress = new Progress(
    io,
    flags.quiet === true ? "off" : flags.progress === true ? "on" : "auto",
    started,
  );
  const source = files.length === 0
    ? splitLines(io.stdin())
    : flags.lines === true
    ? splitLines(readAll(io, files))
    : wholeFiles(io, files);
  let first: number | undefined;
  let last: number | undefined;
  let count = 0;
  let skipped = 0;
  const duplicates = { batches: 0, records: 0 };
  let batches = 0;
  let inFlight: Promise<void> | undefined;
  /** Over a session: its writer, and the batches sent and not yet answered, in order. */
  let writer: LogWriter | undefined;
  const answers: Promise<void>[] = [];
  const send = async (records: Uint8Array[], seq: number) => {
    const options = {
      ...(expected === undefined ? {} : { expectedOffset: expected }),
      ...(io.signal === undefined ? {} : { signal: io.signal }),
    };
    const { offset, duplicate } = producer === undefined
      ? { offset: await client.appendBatch(records, options), duplicate: false }
      : await client.appendBatch(records, { ...options, producer: { ...producer, seq } });
    // A batch of an earlier run: -1 when it is older than that run's last.
    if (expected !== undefined && offset >= 0) expected = offset + records.length;
    if (duplicate) {
      duplicates.batches++;
      duplicates.records += records.length;
      return;
    }
    first ??= offset;
    last = offset + records.length - 1;
    count += records.length;
    await progress.update(count);
  };
  // Over a session, batches are pipelined: up to SESSION_WINDOW in flight, answered in order.
  const pipeline = async (records: Uint8Array[]) => {
    writer ??= client.writer(io.signal === undefined ? {} : { signal: io.signal });
    const answered = writer.appendBatch(records).then(async (offset) => {
      first ??= offset;
      last = offset + records.length - 1;
      count += records.length;
      await progress.update(count);
    });
    answered.catch(() => {});
    answers.push(answered);
    if (answers.length >= SESSION_WINDOW) await answers.shift();
  };
  // Over HTTP, one batch is in flight while the next is gathered: input and network overlap,
  // and batches still commit in input order (and take their seqs in it). A session carries
  // neither expected offsets nor the producer of the input's batches, and costs a handshake:
  // it is for more than one record without those flags.
  const plain = expected === undefined && producer === undefined && ctx.sessions;
  const dispatch = async (records: Uint8Array[], more: boolean) => {
    if (plain && (writer !== undefined || more || records.length > 1)) {
      return await pipeline(records);
    }
    await inFlight;
    inFlight = send(records, batches++);
    inFlight.catch(() => {});
  };
  try {
    let batch: Uint8Array[] = [];
    let bytes = 0;
    for await (const record of source) {
      if (record.byteLength === 0) {
        skipped++;
        continue;
      }
      if (batch.length === MAX_BATCH_RECORDS || bytes + 4 + record.byteLength > MAX_BATCH_BYTES) {
        await dispatch(batch, true);
        batch = [];
        bytes = 0;
      }
      batch.push(record);
      bytes += 4 + record.byteLength;
    }
    if (batch.length > 0) await dispatch(batch, false);
    await inFlight;
    for (const answered of answers) await answered;
    await writer?.close();
  } catch (error) {
    // Batches sent after the one that failed may still be stored: count them too.
    await Promise.allSettled(answers);
    await writer?.close();
    await progress.done();
    if (count > 0) await io.stderr(`edgelog: ${count} records were appended before the error\n`);
    if (producer !== undefined && isTransient(error)) {
      await io.stderr(
        "edgelog: run the same command on the same input again to append the rest\n",
      );
    }
    throw error;
  }
  await progress.done();
  const seconds = (Date.now() - started) / 1000;
  if (ctx.json) {
    await io.stdout(
      JSON.stringify({
        log: client.name,
        count,
        first: first ?? null,
        last: last ?? null,
        ...(producer === undefined
          ? {}
          : { duplicateBatches: duplicates.batches, duplicateRecords: duplicates.records }),
      }) + "\n",
    );
  } else {
    const where = count === 0
      ? ""
      : count === 1
      ? ` at offset ${first}`
      : ` at offsets ${first} to ${last}`;
    // A rate over less than a second says more about start-up than about throughput.
    const rate = seconds >= 1 ? `, ${Math.round(count / seconds)} records/s` : "";
    const empty = skipped > 0 ? `; skipped ${skipped} empty line${skipped === 1 ? "" : "s"}` : "";
    const { batches, records } = duplicates;
    const already = producer === undefined || batches === 0
      ? ""
      : `; skipped ${batches} batch${batches === 1 ? "" : "es"} (${records} record${
        records === 1 ? "" : "s"
      }) already in the log`;
    await io.stdout(
      `Appended ${count} record${count === 1 ? "" : "s"} to ${client.name}${where} in ${
        seconds.toFixed(2)
      } s${rate}${already}${empty}\n`,
    );
  }
  return EXIT_CODES.OK;
}

async function tailCommand(ctx: Context): Promise<number> {
  const { io, flags } = ctx;
  const [log, ...extra] = ctx.positionals;
  noExtra(extra);
  const client = ctx.client(log);
  const from = integerFlag(flags, "from");
  const since = sinceFlag(flags, from);
  const limit = integerFlag(flags, "limit");
  if (limit === 0) return EXIT_CODES.OK;
  const tail = client.tail(from, {
    ...(since === undefined ? {} : { since }),
    ...(io.signal === undefined ? {} : { signal: io.signal }),
    onReconnect: ({ attempt, delay, from, reason }) => {
      const at = from === undefined ? "" : ` from offset ${from}`;
      void io.stderr(
        `edgelog: ${reason}; reconnecting${at} in ${
          (delay / 1000).toFixed(1)
        } s (attempt ${attempt})\n`,
      );
    },
  });
  let printed = 0;
  for await (const record of tail) {
    await io.stdout(formatRecord(record, ctx.json));
    if (++printed === limit) {
      await tail.return?.();
      return EXIT_CODES.OK;
    }
  }
  throw new ExitError(EXIT_CODES.LOG_DELETED, `The log "${client.name}" was deleted`);
}

async function readCommand(ctx: Context): Promise<number> {
  const { io, flags } = ctx;
  const [log, offsetText, ...extra] = ctx.positionals;
  noExtra(extra);
  const client = ctx.client(log);
  const signal = io.signal === undefined ? {} : { signal: io.signal };
  if (offsetText !== undefined) {
    if (flags.from !== undefined || flags.limit !== undefined || flags.since !== undefined) {
      throw new ExitError(
        EXIT_CODES.USAGE,
        "Give an offset or --from (or --since) and --limit, not both",
      );
    }
    const record = await client.read(parseInteger("offset", offsetText), signal);
    await io.stdout(flags.raw === true ? record.data : formatRecord(record, ctx.json));
    return EXIT_CODES.OK;
  }
  if (flags.raw === true) {
    throw new ExitError(EXIT_CODES.USAGE, "Give the offset of the record to write with --raw");
  }
  const limit = integerFlag(flags, "limit") ?? Infinity;
  let from = integerFlag(flags, "from");
  const since = sinceFlag(flags, from);
  if (from === undefined && since === undefined) {
    const bounds = await client.bounds(signal);
    if (bounds.begin === bounds.end) return EXIT_CODES.OK;
    from = bounds.begin;
  }
  let printed = 0;
  while (printed < limit) {
    const batch = new Array<LogRecord>(Math.min(READ_PAGE, limit - printed));
    let count: number;
    try {
      // The first page by time (the server finds its offset), the next ones by offset.
      count = from === undefined
        ? await client.readSince(since!, batch, signal)
        : await client.readBatch(from, batch, signal);
    } catch (error) {
      // The previous page ended exactly at the end of the log.
      if (printed > 0 && error instanceof FutureOffsetError) break;
      throw error;
    }
    await io.stdout(batch.slice(0, count).map((r) => formatRecord(r, ctx.json)).join(""));
    printed += count;
    if (count === 0) break;
    from = batch[count - 1]!.offset + 1;
    if (count < batch.length) break;
  }
  return EXIT_CODES.OK;
}

async function boundsCommand(ctx: Context): Promise<number> {
  const [log, ...extra] = ctx.positionals;
  noExtra(extra);
  const client = ctx.client(log);
  const { begin, end } = await client.bounds(signalOf(ctx.io));
  await ctx.io.stdout(
    ctx.json
      ? JSON.stringify({ begin, end }) + "\n"
      : `begin ${begin}, end ${end} (${end - begin} record${end - begin === 1 ? "" : "s"})\n`,
  );
  return EXIT_CODES.OK;
}

async function truncateCommand(ctx: Context): Promise<number> {
  const [log, ...extra] = ctx.positionals;
  noExtra(extra);
  const client = ctx.client(log);
  const before = integerFlag(ctx.flags, "before");
  if (before === undefined) {
    throw new ExitError(EXIT_CODES.USAGE, "Give the first offset to keep: --before <offset>");
  }
  const { begin, end } = await client.truncate(before, signalOf(ctx.io));
  await ctx.io.stdout(
    ctx.json
      ? JSON.stringify({ begin, end }) + "\n"
      : `Truncated ${client.name} below offset ${before}: begin ${begin}, end ${end}\n`,
  );
  return EXIT_CODES.OK;
}

async function configCommand(ctx: Context): Promise<number> {
  const [log, ...extra] = ctx.positionals;
  noExtra(extra);
  const client = ctx.client(log);
  const segment = stringFlag(ctx.flags, "max-segment-size");
  const record = integerFlag(ctx.flags, "max-record-size");
  const age = stringFlag(ctx.flags, "max-age");
  const changes = {
    ...(segment === undefined ? {} : {
      maxSegmentSize: segment === "none" ? null : parseInteger("--max-segment-size", segment),
    }),
    ...(record === undefined ? {} : { maxRecordSize: record }),
    ...(age === undefined ? {} : { maxAge: age === "none" ? null : parseAge("--max-age", age) }),
  };
  const config = Object.keys(changes).length === 0
    ? await client.config(signalOf(ctx.io))
    : await client.configure(changes, signalOf(ctx.io));
  await ctx.io.stdout(
    ctx.json
      ? JSON.stringify(config) + "\n"
      : `maxSegmentSize: ${
        config.maxSegmentSize === null
          ? "none (keeps every record)"
          : `${config.maxSegmentSize} records`
      }\nmaxRecordSize: ${config.maxRecordSize} bytes\nmaxAge: ${
        config.maxAge === null ? "none (keeps records whatever their age)" : `${config.maxAge} ms`
      }\n`,
  );
  return EXIT_CODES.OK;
}

async function deleteCommand(ctx: Context): Promise<number> {
  const [log, ...extra] = ctx.positionals;
  noExtra(extra);
  const client = ctx.client(log);
  if (ctx.flags.yes !== true) {
    throw new ExitError(
      EXIT_CODES.USAGE,
      `Deleting "${client.name}" cannot be undone: add --yes to delete it`,
    );
  }
  await client.delete(signalOf(ctx.io));
  await ctx.io.stdout(
    ctx.json ? JSON.stringify({ deleted: client.name }) + "\n" : `Deleted ${client.name}\n`,
  );
  return EXIT_CODES.OK;
}

async function tokenCommand(ctx: Context): Promise<number> {
  const { io, flags } = ctx;
  noExtra(ctx.positionals);
  const secret = stringFlag(flags, "secret") ?? nonEmpty(io.env("AUTH_SECRET")) ??
    await secretFromDevVars(io);
  if (secret === undefined || secret === "") {
    throw new ExitError(
      EXIT_CODES.USAGE,
      "Give the signing secret: --secret, AUTH_SECRET, or AUTH_SECRET in ./.dev.vars",
    );
  }
  const names = (flags.log as string[] | undefined) ?? [];
  // A log's tenant is the first segment of its name: `--log demo` is tenant "demo"'s.
  const tenant = stringFlag(flags, "tenant") ??
    (names[0] === undefined ? undefined : tenantOf(names[0]));
  if (tenant === undefined || tenant === "") {
    throw new ExitError(EXIT_CODES.USAGE, "Give the tenant: --tenant <tenant>, or --log <name>");
  }
  const rightsText = stringFlag(flags, "rights");
  if (rightsText === undefined) {
    throw new ExitError(EXIT_CODES.USAGE, "Give the rights: --rights read,append,admin");
  }
  const rights = rightsText.split(",").map((right) => right.trim()).filter((r) => r !== "");
  for (const right of rights) {
    if (!(RIGHTS as readonly string[]).includes(right)) {
      throw new ExitError(EXIT_CODES.USAGE, `Unknown right "${right}": use ${RIGHTS.join(", ")}`);
    }
  }
  if (rights.length === 0) {
    throw new ExitError(EXIT_CODES.USAGE, "Give at least one right: --rights read,append,admin");
  }
  const logs = stringFlag(flags, "logs");
  const ttl = integerFlag(flags, "ttl") ?? DEFAULT_TOKEN_TTL;
  const mint = io.mintToken ?? mintToken;
  let token: string;
  try {
    token = await mint(
      secret,
      {
        tenant,
        rights: rights as Right[],
        ...(logs === undefined ? {} : { logs }),
        ...(names.length === 0 ? {} : { names }),
      },
      { ttl },
    );
  } catch (error) {
    // mintToken checks the grant and the secret (RangeError): a bad flag, not a crash.
    if (error instanceof RangeError) throw new ExitError(EXIT_CODES.USAGE, error.message);
    throw error;
  }
  if (ctx.json) {
    await io.stdout(JSON.stringify({ token }) + "\n");
  } else {
    // The token alone on standard output, for TOKEN=$(...); what it grants on standard error.
    await io.stdout(`${token}\n`);
    const prefix = logs ?? (names.length === 0 ? `${tenant}/` : undefined);
    const allowed = [
      ...names.map((name) => `"${name}"`),
      ...(prefix === undefined ? [] : [`names starting with "${prefix}"`]),
    ];
    await io.stderr(
      `# tenant "${tenant}", logs ${allowed.join(" and ")}, rights ${rights.join(",")}, ` +
        `valid ${ttl} s\n`,
    );
  }
  return EXIT_CODES.OK;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === "" ? undefined : value;
}

/** `AUTH_SECRET` of `./.dev.vars`, the file `wrangler dev` (and `npm start`) read it from. */
async function secretFromDevVars(io: CliIo): Promise<string | undefined> {
  let text: string;
  try {
    text = new TextDecoder().decode(await io.readFile(".dev.vars"));
  } catch {
    return undefined;
  }
  // A dotenv file, read as wrangler reads it: the last assignment wins.
  return nonEmpty(parseEnv(text).AUTH_SECRET);
}

/** Prints an error and resolves the exit code of its kind. */
async function report(io: CliIo, json: boolean, error: unknown): Promise<number> {
  const { exitCode, code, message, fields } = classify(io, error);
  if (exitCode === EXIT_CODES.OK) return exitCode;
  const text = json
    ? JSON.stringify({ error: { code, message, ...fields } }) + "\n"
    : `edgelog: ${message}${hint(error)}\n`;
  try {
    await io.stderr(text);
  } catch {
    // Standard error is gone too: the exit code still tells.
  }
  return exitCode;
}

interface Classified {
  exitCode: number;
  code: string;
  message: string;
  fields: ErrorFields & { status?: number };
}

function classify(io: CliIo, error: unknown): Classified {
  const message = messageOf(error);
  if (error instanceof ExitError) {
    const code = Object.entries(EXIT_CODES).find(([, n]) => n === error.exitCode)?.[0];
    return { exitCode: error.exitCode, code: code ?? "INTERNAL", message, fields: {} };
  }
  if (io.signal?.aborted === true && error === io.signal.reason) {
    return { exitCode: EXIT_CODES.INTERRUPTED, code: "INTERRUPTED", message, fields: {} };
  }
  if (error instanceof LogError) {
    // The fields of the server's error body for the same error (PROTOCOL.md, Errors).
    return {
      exitCode: EXIT_CODES[error.code],
      code: error.code,
      message,
      fields: logErrorFields(error),
    };
  }
  if (error instanceof HttpError) {
    const exitCode = error.code === "NETWORK"
      ? EXIT_CODES.NETWORK
      : error.code === "UNAUTHORIZED"
      ? EXIT_CODES.UNAUTHORIZED
      : error.code === "FORBIDDEN"
      ? EXIT_CODES.FORBIDDEN
      : EXIT_CODES.HTTP;
    return { exitCode, code: error.code, message, fields: { status: error.status } };
  }
  if (error instanceof TypeError || error instanceof RangeError) {
    return { exitCode: EXIT_CODES.USAGE, code: "USAGE", message, fields: {} };
  }
  return { exitCode: EXIT_CODES.INTERNAL, code: "INTERNAL", message, fields: {} };
}

function hint(error: unknown): string {
  if (!(error instanceof HttpError)) return "";
  if (error.code === "NETWORK") {
    return "\n  Is the server running? Set its URL with --url or EDGELOG_URL";
  }
  if (error.code === "UNAUTHORIZED") return "\n  Give a valid token with --token or EDGELOG_TOKEN";
  return "";
}

/** One record as a line of output. */
function formatRecord(record: LogRecord, json: boolean): string {
  if (json) {
    return encodeRecordLine({
      offset: record.offset,
      created: record.created.getTime(),
      data: record.data,
    });
  }
  return `${record.offset}\t${record.created.toISOString()}\t${renderData(record.data)}\n`;
}

const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

/** Record data for humans: text as is, text with control characters quoted, else base64. */
function renderData(data: Uint8Array): string {
  let text: string;
  try {
    text = STRICT_UTF8.decode(data);
  } catch {
    return `base64:${toBase64(data)}`;
  }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return JSON.stringify(text);
  }
  return text;
}

/** Shows how an append is going on standard error. */
class Progress {
  readonly #io: CliIo;
  readonly #enabled: boolean;
  readonly #forced: boolean;
  readonly #started: number;
  #last = 0;
  #count = 0;
  #shown = false;

  constructor(io: CliIo, mode: "on" | "off" | "auto", started: number) {
    this.#io = io;
    this.#forced = mode === "on";
    this.#enabled = this.#forced || (mode === "auto" && io.stderrIsTerminal);
    this.#started = started;
  }

  async update(count: number): Promise<void> {
    this.#count = count;
    if (!this.#enabled) return;
    const now = Date.now();
    // Short inputs get no progress line; a terminal's is redrawn more often.
    if (now - this.#started < 1000) return;
    if (now - this.#last < (this.#io.stderrIsTerminal ? 250 : 1000)) return;
    this.#last = now;
    await this.#write();
  }

  async done(): Promise<void> {
    if (this.#forced && !this.#io.stderrIsTerminal) await this.#write();
    if (this.#shown && this.#io.stderrIsTerminal) await this.#io.stderr("\n");
  }

  async #write(): Promise<void> {
    const seconds = Math.max((Date.now() - this.#started) / 1000, 0.001);
    const text = `Appended ${this.#count} records, ${Math.round(this.#count / seconds)} records/s`;
    this.#shown = true;
    await this.#io.stderr(this.#io.stderrIsTerminal ? `\r\x1b[K${text}` : `${text}\n`);
  }
}

/** Splits chunks of bytes into lines (without the newline byte), binary-safe. */
async function* splitLines(chunks: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  let carry: Uint8Array | undefined;
  for await (const chunk of chunks) {
    let start = 0;
    for (let end = chunk.indexOf(10); end !== -1; end = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, end);
      yield carry === undefined ? piece : concatBytes([carry, piece]);
      carry = undefined;
      start = end + 1;
    }
    if (start < chunk.byteLength) {
      const rest = chunk.subarray(start);
      carry = carry === undefined ? rest.slice() : concatBytes([carry, rest]);
    }
  }
  if (carry !== undefined) yield carry;
}

async function* readAll(io: CliIo, files: string[]): AsyncIterable<Uint8Array> {
  for (const file of files) {
    yield await readFileOf(io, file);
    // A file without a final newline must not run into the next file's first line.
    yield new Uint8Array([10]);
  }
}

async function* wholeFiles(io: CliIo, files: string[]): AsyncIterable<Uint8Array> {
  for (const file of files) yield await readFileOf(io, file);
}

async function readFileOf(io: CliIo, file: string): Promise<Uint8Array> {
  if (file === "-") {
    const chunks: Uint8Array[] = [];
    for await (const chunk of io.stdin()) chunks.push(chunk);
    return concatBytes(chunks);
  }
  try {
    return await io.readFile(file);
  } catch (error) {
    throw new ExitError(EXIT_CODES.USAGE, `Cannot read "${file}": ${messageOf(error)}`);
  }
}

function parseInteger(name: string, text: string): number {
  const value = Number(text);
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(value)) {
    throw new ExitError(
      EXIT_CODES.USAGE,
      `Expected ${name} to be a non-negative integer, got "${text}"`,
    );
  }
  return value;
}

/** The producer of `append --producer <name> [--epoch <n>]`, without its seq. */
function producerFlags(flags: Flags): { id: string; epoch: number } | undefined {
  const id = stringFlag(flags, "producer");
  const epoch = integerFlag(flags, "epoch");
  if (id === undefined) {
    if (epoch !== undefined) {
      throw new ExitError(EXIT_CODES.USAGE, "Give --epoch with --producer <name> only");
    }
    return undefined;
  }
  try {
    assertProducer({ id, epoch: epoch ?? 0, seq: 0 });
  } catch (error) {
    throw new ExitError(EXIT_CODES.USAGE, `Bad --producer: ${messageOf(error)}`);
  }
  return { id, epoch: epoch ?? 0 };
}

/** Milliseconds per unit of an age such as `10m`. */
const AGE_UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * An age: milliseconds as digits, or digits and a unit (`ms`, `s`, `m`, `h`, `d`).
 *
 * @throws {ExitError} USAGE for anything else, or an age of 0.
 */
function parseAge(name: string, text: string): number {
  const match = /^([0-9]+)(ms|s|m|h|d)?$/.exec(text);
  const ms = match === null ? NaN : Number(match[1]) * AGE_UNITS[match[2] ?? "ms"]!;
  if (!(Number.isSafeInteger(ms) && ms > 0)) {
    throw new ExitError(
      EXIT_CODES.USAGE,
      `Expected ${name} to be a positive age such as 90000, 30s, 10m, 2h or 7d, got "${text}"`,
    );
  }
  return ms;
}

/**
 * The time of `--since`: an age with a unit before now (`10m`), or a date and time
 * (`2026-12-01T10:00:00Z`, `2026-12-01`); not together with `--from`.
 */
function sinceFlag(flags: Flags, from: number | undefined): number | undefined {
  const text = stringFlag(flags, "since");
  if (text === undefined) return undefined;
  if (from !== undefined) throw new ExitError(EXIT_CODES.USAGE, "Give --from or --since, not both");
  if (/^[0-9]+(ms|s|m|h|d)$/.test(text)) return Date.now() - parseAge("--since", text);
  const time = /^[0-9]{4}-[0-9]{2}-[0-9]{2}/.test(text) ? Date.parse(text) : NaN;
  if (!Number.isFinite(time)) {
    throw new ExitError(
      EXIT_CODES.USAGE,
      `Expected --since to be an age such as 10m, 2h or 7d, or a date such as 2026-12-01T10:00:00Z, got "${text}"`,
    );
  }
  return time;
}

/**
 * What is wrong with the flags of `args`, in our words: node:util's parseArgs says it with
 * unpaired quotes (`as in '-- "--fron"`). The arguments are parsed again, leniently, to
 * find the flag at fault; an error of another kind keeps its message, single quotes made
 * double.
 */
function flagProblem(args: string[], options: OptionSpec, command: string, error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  let tokens: ReturnType<typeof parseArgs>["tokens"] = [];
  try {
    tokens = parseArgs({ args, options, allowPositionals: true, strict: false, tokens: true })
      .tokens;
  } catch {
    // Nothing better to say than the original message.
  }
  for (const token of tokens ?? []) {
    if (token.kind !== "option") continue;
    const spec = options[token.name];
    const flag = token.rawName;
    if (spec === undefined && code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      const near = nearestFlag(token.name, Object.keys(options));
      return near === undefined
        ? `Unknown flag "${flag}" for "${command}"; an argument that starts with "-" goes after "--"`
        : `Unknown flag "${flag}" for "${command}" (did you mean "--${near}"?)`;
    }
    if (spec?.type === "string" && token.value === undefined) {
      return `The flag "${flag}" needs a value`;
    }
    if (spec?.type === "boolean" && token.inlineValue === true) {
      return `The flag "${flag}" takes no value`;
    }
  }
  return messageOf(error).replace(/'([^']*)'/g, '"$1"');
}

/** The flag of `names` one or two edits from `name` (a typo), if there is one. */
function nearestFlag(name: string, names: string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of names) {
    const distance = editDistance(name, candidate);
    if (distance <= 2 && (best === undefined || distance < best.distance)) {
      best = { name: candidate, distance };
    }
  }
  return best?.name;
}

/** The Levenshtein distance of two short strings. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(
        row[j]! + 1,
        next[j - 1]! + 1,
        row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    row = next;
  }
  return row[b.length]!;
}

function integerFlag(flags: Flags, name: string): number | undefined {
  const text = stringFlag(flags, name);
  return text === undefined ? undefined : parseInteger(`--${name}`, text);
}

function stringFlag(flags: Flags, name: string): string | undefined {
  const value = flags[name];
  return typeof value === "string" ? value : undefined;
}

function noExtra(extra: string[]): void {
  if (extra.length > 0) {
    throw new ExitError(EXIT_CODES.USAGE, `Unexpected argument "${extra[0]}": see edgelog --help`);
  }
}

function signalOf(io: CliIo): { signal?: AbortSignal } {
  return io.signal === undefined ? {} : { signal: io.signal };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Writes to a Node stream and waits until the data was handed over. */
function write(stream: NodeJS.WriteStream, data: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(data, (error) => {
      if (error === null || error === undefined) resolve();
      // A reader that went away (`edgelog tail ... | head`) ends the command quietly.
      else if ((error as { code?: string }).code === "EPIPE") {
        reject(new ExitError(EXIT_CODES.OK, "Standard output was closed"));
      } else reject(error);
    });
  });
}

function processIo(): CliIo {
  return {
    env: (name) => process.env[name],
    stdin: () => process.stdin,
    stdout: (data) => write(process.stdout, data),
    stderr: (text) => write(process.stderr, text),
    stderrIsTerminal: process.stderr.isTTY === true,
    readFile: async (path) => new Uint8Array(await readFile(path)),
  };
}

// `deno run src/cli/cli.ts` (and `node` 24+ on the compiled file); the npm package's `edgelog`
// command is src/node/bin.ts.
if (import.meta.main) await runAsProcess(main, EXIT_CODES.INTERRUPTED);
