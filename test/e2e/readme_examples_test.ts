// The README's TypeScript examples run as a reader would run them: each saved as the file
// the README names, run with exactly the permissions its run line states, printing what it
// did; the client demo against a running server and against none (a clear message, no
// uncaught error).
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { DevServer, freePort } from "./server.mjs";

const ROOT = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
const README = await Deno.readTextFile(`${ROOT}/README.md`);

/** The example saved as `file`, and the flags of its `deno run ... <file>` run line. */
function example(file: string): { code: string; flags: string[] } {
  const blocks = [...README.matchAll(/```ts(?: ignore)?\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const code = blocks.find((b) => b.includes(`// ${file}`) || nearby(b).includes(`\`${file}\``));
  assert(code !== undefined, `README has no example saved as ${file}`);
  const run = new RegExp(`deno run ((?:--allow-[a-z]+(?:=[^ \`]+)? )*)${file.replace(".", "\\.")}`)
    .exec(README);
  assert(run !== null, `README states no run line for ${file}`);
  return { code, flags: run[1]!.trim().split(/ +/).filter((f) => f !== "") };
}

/** The paragraph before a block: where the README says what file the block is saved as. */
function nearby(block: string): string {
  const at = README.indexOf(block);
  return README.slice(README.lastIndexOf("```", at - 10) + 3, at);
}

/** Runs `code` saved in the repository (so that @edgelog/edgelog resolves), in `cwd`. */
async function runExample(code: string, flags: string[], cwd: string) {
  const file = await Deno.makeTempFile({ dir: ROOT, prefix: ".readme_example_", suffix: ".ts" });
  try {
    await Deno.writeTextFile(file, code);
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", "--config", `${ROOT}/deno.json`, ...flags, file],
      cwd,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decode = (b: Uint8Array) => new TextDecoder().decode(b);
    return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
  } finally {
    await Deno.remove(file);
  }
}

Deno.test("README: the Log example needs no permission and prints what it did", async () => {
  const { code, flags } = example("log_demo.ts");
  assert.deepEqual(flags, []);
  const cwd = await Deno.makeTempDir();
  const result = await runExample(code, flags, cwd);
  await Deno.remove(cwd, { recursive: true });
  assert.equal(result.code, 0, result.stderr);
  // The output the example states in its closing comments.
  const stated = [...code.matchAll(/^\/\/ (.+)$/gm)].map((m) => m[1]).join("\n");
  assert.equal(result.stdout.trim(), stated);
});

Deno.test("README: the SQLite example runs with its stated permissions and prints", async () => {
  const { code, flags } = example("sqlite_demo.ts");
  assert.deepEqual(flags, ["--allow-read=.", "--allow-write=."]);
  const cwd = await Deno.makeTempDir();
  try {
    const first = await runExample(code, flags, cwd);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(
      first.stdout,
      'Appended "order placed" to the journal "orders" at position 0\n' +
        'A second append at position 0 fails: Position "0" is already taken; the end is "1"\n' +
        'Wrote 2 records to the log "events" from offset 0\n',
    );
    const again = await runExample(code, flags, cwd);
    assert.match(again.stdout, /at position 1\n/);
    // Without them it stops at the first file access: the run line says what it needs.
    const bare = await runExample(code, [], cwd);
    assert.notEqual(bare.code, 0);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("README: the client demo prints what it did, and says when no server answers", async () => {
  const { code, flags } = example("client_demo.ts");
  assert.deepEqual(flags, ["--allow-net"]);
  const cwd = await Deno.makeTempDir();
  const server = new DevServer();
  try {
    const closed = await freePort();
    const none = await runExample(code.replace("8787", String(closed)), flags, cwd);
    assert.equal(none.code, 0, none.stderr);
    assert.equal(none.stdout, "");
    assert.match(
      none.stderr,
      new RegExp(
        `^No server answers at http://127\\.0\\.0\\.1:${closed}: start one with npm start \\(`,
      ),
    );
    assert.doesNotMatch(none.stderr, /Uncaught/);

    await server.start();
    const running = await runExample(code.replace("8787", String(server.port)), flags, cwd);
    assert.equal(running.code, 0, running.stderr);
    assert.equal(
      running.stdout,
      [
        "acme/demo holds offsets [0, 0)",
        'Appended "from the client" at offset 0',
        "An append expecting offset 0 fails: ConflictError true",
        'Tailed offset 0: "from the client"',
        "As a journal: positions [0, 1)",
        "",
      ].join("\n"),
    );
  } finally {
    await server.dispose();
    await Deno.remove(cwd, { recursive: true });
  }
});
