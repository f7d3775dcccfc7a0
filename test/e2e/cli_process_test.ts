// The command line end to end: `deno run` of src/cli/cli.ts as a process against a real
// local server (wrangler dev, one for this file), checking stdout, stderr and exit codes.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { EXIT_CODES } from "../../src/cli/cli.ts";
import { LogClient } from "../../src/client/mod.ts";
import type { LogRecord } from "../../mod.ts";
import { DevServer, freePort, sleep } from "./server.mjs";

const CLI = fileURLToPath(new URL("../../src/cli/cli.ts", import.meta.url));
const server = new DevServer();
await server.start();

const unique = (prefix: string) => `cli/${prefix}-${Date.now().toString(36)}-${counter++}`;
let counter = 0;
const encoder = new TextEncoder();
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function spawn(args: string[], env: Record<string, string> = {}) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-env", "--allow-read", CLI, ...args],
    env: { EDGELOG_URL: server.url, EDGELOG_TOKEN: "", NO_COLOR: "1", ...env },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

async function cli(
  args: string[],
  input: string | Uint8Array = "",
  env: Record<string, string> = {},
): Promise<Result> {
  const child = spawn(args, env);
  const writer = child.stdin.getWriter();
  await writer.write(typeof input === "string" ? encoder.encode(input) : input);
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  return { code, stdout: text(stdout), stderr: text(stderr) };
}

async function records(name: string): Promise<LogRecord[]> {
  const client = new LogClient(server.url, name);
  const { begin, end } = await client.bounds();
  const batch = new Array<LogRecord>(end - begin);
  const count = batch.length === 0 ? 0 : await client.readBatch(begin, batch);
  return batch.slice(0, count);
}

Deno.test("`append` turns stdin lines into records and prints what it appended", async () => {
  const name = unique("append");
  const result = await cli(["append", name], "hello\nworld\n\nlast line");
  assert.equal(result.code, EXIT_CODES.OK, result.stderr);
  assert.match(
    result.stdout,
    new RegExp(`^Appended 3 records to ${name} at offsets 0 to 2 in .*; skipped 1 empty line\n$`),
  );
  assert.deepEqual((await records(name)).map((r) => text(r.data)), ["hello", "world", "last line"]);
  const json = await cli(["append", name, "--json"], "more\n");
  assert.equal(json.code, EXIT_CODES.OK, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), { log: name, count: 1, first: 3, last: 3 });
});

Deno.test("`append` of 2500 lines keeps their order, and --progress reports on stderr", async () => {
  const name = unique("many");
  const lines = Array.from({ length: 2500 }, (_, i) => `line ${i}`);
  const result = await cli(["append", name, "--progress"], lines.join("\n") + "\n");
  assert.equal(result.code, EXIT_CODES.OK, result.stderr);
  assert.match(result.stderr, /^Appended 2500 records, \d+ records\/s\n$/m);
  assert.deepEqual((await records(name)).map((r) => text(r.data)), lines);
});

Deno.test("`append` of files makes each file one record, binary-safe", async () => {
  const name = unique("files");
  const dir = await Deno.makeTempDir();
  try {
    const binary = Uint8Array.from({ length: 256 }, (_, i) => i);
    await Deno.writeFile(`${dir}/a.bin`, binary);
    await Deno.writeTextFile(`${dir}/b.txt`, "two\nlines\n");
    const result = await cli(["append", name, `${dir}/a.bin`, `${dir}/b.txt`]);
    assert.equal(result.code, EXIT_CODES.OK, result.stderr);
    const stored = await records(name);
    assert.deepEqual(stored.map((r) => r.data), [binary, encoder.encode("two\nlines\n")]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("`append --expected` at a taken offset ends with exit 10 and a JSON error", async () => {
  const name = unique("conflict");
  assert.equal((await cli(["append", name, "--expected", "0"], "a\nb\n")).code, EXIT_CODES.OK);
  const taken = await cli(["append", name, "--expected", "1", "--json"], "c\n");
  assert.equal(taken.code, EXIT_CODES.CONFLICT);
  assert.deepEqual(JSON.parse(taken.stderr), {
    error: {
      code: "CONFLICT",
      message: 'Position "1" is already taken; the end is "2"',
      position: 1,
      end: 2,
    },
  });
  const human = await cli(["append", name, "--expected", "0"], "c\n");
  assert.equal(human.code, EXIT_CODES.CONFLICT);
  assert.equal(human.stderr, 'edgelog: Position "0" is already taken; the end is "2"\n');
});

Deno.test("`read` prints one record, a range, raw bytes or JSON lines", async () => {
  const name = unique("read");
  const client = new LogClient(server.url, name);
  await client.appendBatch(["zero", "one", "two", "three"].map((s) => encoder.encode(s)));
  const created = (await client.read(1)).created.toISOString();
  const one = await cli(["read", name, "1"]);
  assert.equal(one.code, EXIT_CODES.OK, one.stderr);
  assert.equal(one.stdout, `1\t${created}\tone\n`);
  const range = await cli(["read", name, "--from", "1", "--limit", "2"]);
  assert.deepEqual(range.stdout.split("\n").map((l) => l.split("\t")[2]), [
    "one",
    "two",
    undefined,
  ]);
  const all = await cli(["read", name, "--json"]);
  const lines = all.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => [l.offset, atob(l.data)]), [
    [0, "zero"],
    [1, "one"],
    [2, "two"],
    [3, "three"],
  ]);
  const raw = await cli(["read", name, "3", "--raw"]);
  assert.equal(raw.stdout, "three");
  const future = await cli(["read", name, "4"]);
  assert.equal(future.code, EXIT_CODES.FUTURE_OFFSET);
  assert.equal(future.stderr, 'edgelog: Offset "4" has not been written yet\n');
});

Deno.test("`bounds`, `truncate` and a read of a purged offset", async () => {
  const name = unique("truncate");
  await cli(["append", name], "a\nb\nc\nd\n");
  assert.equal((await cli(["bounds", name])).stdout, "begin 0, end 4 (4 records)\n");
  const truncated = await cli(["truncate", name, "--before", "2", "--json"]);
  assert.equal(truncated.code, EXIT_CODES.OK, truncated.stderr);
  assert.deepEqual(JSON.parse(truncated.stdout), { begin: 2, end: 4 });
  assert.deepEqual(JSON.parse((await cli(["bounds", name, "--json"])).stdout), {
    begin: 2,
    end: 4,
  });
  const purged = await cli(["read", name, "1", "--json"]);
  assert.equal(purged.code, EXIT_CODES.OUT_OF_RANGE);
  assert.deepEqual(JSON.parse(purged.stderr).error.offset, 1);
  const past = await cli(["truncate", name, "--before", "9"]);
  assert.equal(past.code, EXIT_CODES.USAGE);
  assert.match(past.stderr, /^edgelog: Cannot truncate/);
});

Deno.test("`config` prints and changes the config; a record over the maximum exits 14", async () => {
  const name = unique("config");
  const shown = await cli(["config", name]);
  assert.equal(
    shown.stdout,
    "maxSegmentSize: none (keeps every record)\nmaxRecordSize: 1048576 bytes\n" +
      "maxAge: none (keeps records whatever their age)\n",
  );
  const changed = await cli(["config", name, "--max-record-size", "4", "--json"]);
  assert.deepEqual(JSON.parse(changed.stdout), {
    maxSegmentSize: null,
    maxRecordSize: 4,
    maxAge: null,
  });
  const large = await cli(["append", name, "--json"], "12345\n");
  assert.equal(large.code, EXIT_CODES.RECORD_TOO_LARGE);
  assert.deepEqual(JSON.parse(large.stderr).error, {
    code: "RECORD_TOO_LARGE",
    message: 'Record of "5" bytes exceeds the maximum record size of "4" bytes',
    size: 5,
    limit: 4,
  });
});

Deno.test("`tail --from --limit` prints the records and exits", async () => {
  const name = unique("tail");
  await cli(["append", name], "a\nb\nc\n");
  const result = await cli(["tail", name, "--from", "1", "--limit", "2", "--json"]);
  assert.equal(result.code, EXIT_CODES.OK, result.stderr);
  assert.deepEqual(result.stdout.trim().split("\n").map((l) => atob(JSON.parse(l).data)), [
    "b",
    "c",
  ]);
});

Deno.test("`read --since` and `tail --since` start at the first record created since a date", async () => {
  const name = unique("since");
  const client = new LogClient(server.url, name);
  await client.append(encoder.encode("a"));
  await new Promise((resolve) => setTimeout(resolve, 20));
  await client.appendBatch(["b", "c"].map((s) => encoder.encode(s)));
  const since = (await client.read(1)).created.toISOString();
  const read = await cli(["read", name, "--since", since, "--json"]);
  assert.equal(read.code, EXIT_CODES.OK, read.stderr);
  const texts = (out: string) => out.trim().split("\n").map((l) => atob(JSON.parse(l).data));
  assert.deepEqual(texts(read.stdout), ["b", "c"]);
  const tail = await cli(["tail", name, "--since", since, "--limit", "2", "--json"]);
  assert.equal(tail.code, EXIT_CODES.OK, tail.stderr);
  assert.deepEqual(texts(tail.stdout), ["b", "c"]);
});

Deno.test("`tail` follows live appends, ends with exit 16 when the log is deleted", async () => {
  const name = unique("follow");
  const child = spawn(["tail", name, "--from", "0"]);
  await child.stdin.close();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  const client = new LogClient(server.url, name);
  // One read stays pending across turns: a read given up on would swallow its chunk.
  let pending = reader.read();
  for (let i = 0; !seen.includes("\tthird\n") && i < 100; i++) {
    if (i === 0) await client.appendBatch(["first", "second"].map((s) => encoder.encode(s)));
    if (i === 5) await client.append(encoder.encode("third"));
    const chunk = await Promise.race([pending, sleep(200).then(() => undefined)]);
    if (chunk !== undefined) {
      seen += chunk.value ?? "";
      pending = reader.read();
    }
  }
  assert.deepEqual(seen.trim().split("\n").map((l) => l.split("\t")[2]), [
    "first",
    "second",
    "third",
  ]);
  await cli(["delete", name, "--yes"]);
  const stderr = await new Response(child.stderr).text();
  const { code } = await child.status;
  await reader.cancel();
  assert.equal(code, EXIT_CODES.LOG_DELETED);
  assert.equal(stderr, `edgelog: The log "${name}" was deleted\n`);
});

Deno.test("`tail` stops on SIGINT with exit 130", async () => {
  const child = spawn(["tail", unique("sigint")]);
  await child.stdin.close();
  await sleep(1500); // Connected, or still starting: either way it must stop.
  child.kill("SIGINT");
  const { code, stderr } = await child.output();
  assert.equal(code, EXIT_CODES.INTERRUPTED, text(stderr));
});

Deno.test("`delete` needs --yes, then deletes the log", async () => {
  const name = unique("delete");
  await cli(["append", name], "x\n");
  const refused = await cli(["delete", name]);
  assert.equal(refused.code, EXIT_CODES.USAGE);
  assert.equal((await records(name)).length, 1);
  const deleted = await cli(["delete", name, "--yes"]);
  assert.equal(deleted.stdout, `Deleted ${name}\n`);
  assert.equal((await records(name)).length, 0);
});

Deno.test("An unreachable server exits 3 with a hint; --url wins over EDGELOG_URL", async () => {
  const closed = `http://127.0.0.1:${await freePort()}`;
  const down = await cli(["bounds", "a"], "", { EDGELOG_URL: closed });
  assert.equal(down.code, EXIT_CODES.NETWORK);
  assert.match(down.stderr, /^edgelog: Cannot reach "http:\/\/127\.0\.0\.1:\d+"/);
  assert.match(down.stderr, /Is the server running\? Set its URL with --url or EDGELOG_URL/);
  const flag = await cli(["bounds", "a", "--url", server.url], "", { EDGELOG_URL: closed });
  assert.equal(flag.code, EXIT_CODES.OK, flag.stderr);
});

Deno.test("Usage errors exit 2; --help exits 0 and documents the exit codes", async () => {
  const bad = await cli(["read", "a", "--from", "x"]);
  assert.equal(bad.code, EXIT_CODES.USAGE);
  assert.equal(bad.stderr, 'edgelog: Expected --from to be a non-negative integer, got "x"\n');
  const help = await cli(["--help"]);
  assert.equal(help.code, EXIT_CODES.OK);
  assert.match(help.stdout, /Exit codes:\n {2}0 done, 1 unexpected failure, 2 bad command/);
});

Deno.test("The server stops", async () => {
  await server.dispose();
});
