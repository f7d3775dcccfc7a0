import assert from "node:assert/strict";
import { checkImports, importsOf } from "./import_rules.ts";

const SCRIPT = new URL("./import_rules.ts", import.meta.url).pathname;
const ROOT = new URL("..", import.meta.url).pathname;

/** A tree that keeps every rule: one file per part, each importing what it may. */
const CLEAN: Record<string, string> = {
  "mod.ts": `export { x } from "./src/core/x.ts";\nexport type { J } from "./src/drivers/j.ts";\n`,
  "src/core/x.ts":
    `import type { J } from "../drivers/j.ts";\nexport const x = 1;\nexport type X = J;\n`,
  "src/drivers/j.ts": `import { x } from "../core/x.ts";\nexport type J = typeof x;\n`,
  "src/protocol/y.ts": `import { SignJWT } from "jose";\nimport { x } from "../core/x.ts";\n` +
    `export const y = [x, SignJWT];\n`,
  "src/client/b.ts": `import { y } from "../protocol/y.ts";\nimport { x } from "../../mod.ts";\n` +
    `export const b = [x, y];\n`,
  "src/cli/c.ts": `import { parseEnv } from "node:util";\nimport { b } from "../client/b.ts";\n` +
    `export const c = [b, parseEnv];\n`,
  "src/conformance/s.ts": `import fc from "fast-check";\nimport { x } from "../core/x.ts";\n` +
    `export const s = [fc, x];\n`,
  "src/node/n.ts": `import WebSocket from "ws";\nimport { c } from "../cli/c.ts";\n` +
    `export const n = [WebSocket, c];\n`,
  "worker/a.ts": `import { DurableObject } from "cloudflare:workers";\n` +
    `import { Hono } from "hono";\nimport { cors } from "hono/cors";\n` +
    `import { y } from "../src/protocol/y.ts";\nexport const a = [DurableObject, Hono, cors, y];\n`,
  "src/console/m.ts":
    `import { b } from "../client/b.ts";\nimport { y } from "../protocol/y.ts";\n` +
    `import { x } from "../core/x.ts";\nexport const m = [b, y, x];\n`,
  "testing/t.ts": `import { Miniflare } from "miniflare";\nimport { resolve } from "node:path";\n` +
    `import { b } from "../src/client/b.ts";\nimport { y } from "../src/protocol/y.ts";\n` +
    `export const t = [Miniflare, resolve, b, y];\n`,
  // Comments and strings are not imports.
  "src/core/z.ts": `// import { y } from "../protocol/y.ts";\n/** import "hono"; */\n` +
    `export const z = ["import 'node:fs'", /import "jose"/];\n`,
  // Tests, test/, bench/ and scripts/ are exempt.
  "src/core/x_test.ts": `import "../../worker/a.ts";\nimport "node:fs";\n`,
  "worker/a.test.ts": `import "../src/client/b.ts";\n`,
  "test/worker/t.test.ts": `import "../../src/cli/c.ts";\n`,
  "bench/b.ts": `import "../worker/a.ts";\n`,
  "scripts/s.ts": `import "node:fs";\n`,
  "node_modules/hono/index.ts": `import "node:fs";\n`,
};

/** The planted wrong imports, added to the clean tree. */
const PLANTED: Record<string, string> = {
  "src/core/x.ts": `import { y } from "../protocol/y.ts";\nexport const x = y;\n`,
  "worker/a.ts": `import { b } from "../src/client/b.ts";\nexport const a = b;\n`,
};

async function tree(files: Record<string, string>): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "import_rules_test_" });
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(`${root}/${path.split("/").slice(0, -1).join("/")}`, { recursive: true });
    await Deno.writeTextFile(`${root}/${path}`, text);
  }
  return root;
}

/** Runs the script as `npm test` does, over another tree. */
async function run(root: string): Promise<{ code: number; lines: string[] }> {
  const { code, stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-env", SCRIPT, root],
    cwd: ROOT,
    stderr: "inherit",
  }).output();
  return { code, lines: new TextDecoder().decode(stdout).trimEnd().split("\n") };
}

Deno.test("import_rules.ts fails on a planted wrong import, naming file, line, part and rule", async () => {
  const root = await tree({ ...CLEAN, ...PLANTED });
  try {
    assert.deepEqual(await run(root), {
      code: 1,
      lines: [
        "src/core/x.ts:1: core may not import src/protocol/y.ts (the core imports only the core)",
        "worker/a.ts:1: worker may not import src/client/b.ts " +
        "(the worker imports only the core, the protocol, hono and cloudflare:*)",
        "import rules: 2 violation(s) in 12 files",
      ],
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("import_rules.ts passes a tree that keeps every rule", async () => {
  const root = await tree(CLEAN);
  try {
    assert.deepEqual(await run(root), {
      code: 0,
      lines: ["import rules hold: 25 imports in 12 files"],
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("checkImports() refuses what each part may not import", async () => {
  const root = await tree({
    ...CLEAN,
    "src/core/x.ts": [
      `import type { B } from "../client/b.ts";`,
      `import { Hono } from "hono";`,
      `import { readFile } from "node:fs/promises";`,
      `import { assert } from "jsr:@std/assert";`,
      `import { SignJWT } from "npm:jose";`,
      `export { DurableObject } from "cloudflare:workers";`,
      `export type { W } from "../../worker/a.ts";`,
      `export const x = () => import("../cli/c.ts");`,
      `export type T = typeof import("../conformance/s.ts");`,
      `import {`,
      `  y,`,
      `} from "../protocol/y.ts";`,
    ].join("\n"),
    "src/core/z.ts": `/// <reference types="@cloudflare/workers-types" />\nexport const z = 1;\n`,
    "src/protocol/y.ts": `import { Hono } from "hono";\nexport * from "../client/b.ts";\n`,
    "src/client/b.ts":
      `import "../../worker/a.ts";\nimport "../cli/c.ts";\nimport "../conformance/s.ts";\n`,
    "src/cli/c.ts": `import "../../worker/a.ts";\nimport "jose";\nimport "../../testing/t.ts";\n`,
    "testing/t.ts": `import "../worker/a.ts";\nimport "../src/cli/c.ts";\nimport "hono";\n`,
    "src/conformance/s.ts": `import "../protocol/y.ts";\nimport "../../test/helpers.ts";\n`,
    "worker/a.ts": `import "../src/cli/c.ts";\nimport "../src/conformance/s.ts";\n` +
      `import "node:fs";\nconst name = "x";\nawait import(name);\n`,
    "src/new_part/n.ts": `export const n = 1;\n`,
    "src/node/n.ts": `import "../../worker/a.ts";\nimport "hono";\n`,
    "src/client/d.ts": `import "../node/n.ts";\nimport "ws";\nimport "../console/m.ts";\n`,
    "src/console/m.ts": `import "../../worker/a.ts";\nimport "../cli/c.ts";\nimport "node:fs";\n`,
  });
  try {
    const core = "(the core imports only the core)";
    const worker = "(the worker imports only the core, the protocol, hono and cloudflare:*)";
    const node = "(the npm package's Node entries import only the CLI, the client, the protocol, " +
      "the core, ws and node:*)";
    const testing =
      "(the test server imports only the core, the protocol, the client, miniflare and node:*)";
    const consoleRule = "(the console imports only the client, the protocol and the core)";
    assert.deepEqual((await checkImports(root)).violations, [
      `src/cli/c.ts:1: cli may not import worker/a.ts ` +
      `(the CLI imports only the client, the protocol, the core and node:*)`,
      `src/cli/c.ts:2: cli may not import jose ` +
      `(the CLI imports only the client, the protocol, the core and node:*)`,
      `src/cli/c.ts:3: cli may not import testing/t.ts ` +
      `(the CLI imports only the client, the protocol, the core and node:*)`,
      `src/client/b.ts:1: client may not import worker/a.ts (the client imports only the core and the protocol)`,
      `src/client/b.ts:2: client may not import src/cli/c.ts (the client imports only the core and the protocol)`,
      `src/client/b.ts:3: client may not import src/conformance/s.ts (the client imports only the core and the protocol)`,
      `src/client/d.ts:1: client may not import src/node/n.ts (the client imports only the core and the protocol)`,
      `src/client/d.ts:2: client may not import ws (the client imports only the core and the protocol)`,
      `src/client/d.ts:3: client may not import src/console/m.ts (the client imports only the core and the protocol)`,
      `src/conformance/s.ts:1: conformance may not import src/protocol/y.ts ` +
      `(the conformance suite imports only the core and fast-check)`,
      `src/conformance/s.ts:2: conformance may not import test/helpers.ts ` +
      `(the conformance suite imports only the core and fast-check)`,
      `src/console/m.ts:1: console may not import worker/a.ts ${consoleRule}`,
      `src/console/m.ts:2: console may not import src/cli/c.ts ${consoleRule}`,
      `src/console/m.ts:3: console may not import node:fs ${consoleRule}`,
      `src/core/x.ts:1: core may not import src/client/b.ts ${core}`,
      `src/core/x.ts:2: core may not import hono ${core}`,
      `src/core/x.ts:3: core may not import node:fs/promises ${core}`,
      `src/core/x.ts:4: core may not import jsr:@std/assert ${core}`,
      `src/core/x.ts:5: core may not import npm:jose ${core}`,
      `src/core/x.ts:6: core may not import cloudflare:workers ${core}`,
      `src/core/x.ts:7: core may not import worker/a.ts ${core}`,
      `src/core/x.ts:8: core may not import src/cli/c.ts ${core}`,
      `src/core/x.ts:9: core may not import src/conformance/s.ts ${core}`,
      `src/core/x.ts:12: core may not import src/protocol/y.ts ${core}`,
      `src/core/z.ts:1: core may not import @cloudflare/workers-types ${core}`,
      `src/new_part/n.ts:1: in no part of the import rules (give it one in scripts/import_rules.ts)`,
      `src/node/n.ts:1: node may not import worker/a.ts ${node}`,
      `src/node/n.ts:2: node may not import hono ${node}`,
      `src/protocol/y.ts:1: protocol may not import hono (the protocol imports only the core and jose)`,
      `src/protocol/y.ts:2: protocol may not import src/client/b.ts (the protocol imports only the core and jose)`,
      `testing/t.ts:1: testing may not import worker/a.ts ${testing}`,
      `testing/t.ts:2: testing may not import src/cli/c.ts ${testing}`,
      `testing/t.ts:3: testing may not import hono ${testing}`,
      `worker/a.ts:1: worker may not import src/cli/c.ts ${worker}`,
      `worker/a.ts:2: worker may not import src/conformance/s.ts ${worker}`,
      `worker/a.ts:3: worker may not import node:fs ${worker}`,
      `worker/a.ts:5: worker may not import import(name) ${worker}`,
    ]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("importsOf() finds imports by parsing, not by matching text", () => {
  const text = [
    `// import "a";`,
    `const s = "import 'b'";`,
    `const r = /import "c"/;`,
    `const t = \`\${s} import("d")\`;`,
    `import type { E } from "e";`,
    `export * from "f";`,
  ].join("\n");
  assert.deepEqual(importsOf("x.ts", text), [{ specifier: "e", line: 5 }, {
    specifier: "f",
    line: 6,
  }]);
});
