// The client runs under Node, the oldest runtime it supports: compiled to JavaScript by the
// TypeScript compiler of package.json, run by `node` against a real local server
// (wrangler dev, one for this file).
import assert from "node:assert/strict";
import { fileURLToPath, pathToFileURL } from "node:url";
import { DevServer } from "./server.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const server = new DevServer();
await server.start();

async function run(command: string, args: string[]): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(command, { args, cwd: root }).output();
  const out = new TextDecoder().decode(stdout);
  assert.equal(code, 0, `${command} ${args.join(" ")}\n${out}${new TextDecoder().decode(stderr)}`);
  return out;
}

Deno.test("The client works under Node with fetch, the ws package's WebSocket and the core's errors", async () => {
  const out = await Deno.makeTempDir();
  try {
    await run(`${root}node_modules/.bin/tsc`, [
      "--noCheck",
      "--rewriteRelativeImportExtensions",
      "--allowImportingTsExtensions",
      "--outDir",
      out,
      "--module",
      "es2022",
      "--target",
      "es2022",
      "--moduleResolution",
      "bundler",
      "--skipLibCheck",
      "src/client/mod.ts",
    ]);
    const name = `node/${Date.now().toString(36)}`;
    const line = await run("node", [
      "test/e2e/client_node_smoke.mjs",
      pathToFileURL(`${out}/client/mod.js`).href,
      pathToFileURL(`${out}/core/errors.js`).href,
      server.url,
      name,
    ]);
    const result = JSON.parse(line);
    assert.match(result.node, /^v\d+\./);
    assert.deepEqual(
      { ...result, node: undefined, globalWebSocket: undefined },
      {
        node: undefined,
        globalWebSocket: undefined,
        offsets: [0, 1],
        read: "from node",
        readBatch: "3:from node,a,b",
        bounds: { begin: 0, end: 3 },
        conflict: 0,
        future: 99,
        notFound: 99,
        network: "NETWORK",
        tail: ["0:from node", "1:a", "2:b", "3:live"],
        writer: [4, 5, 7],
        tailWithoutWebSocket: result.globalWebSocket === "undefined"
          ? true
          : "has a global WebSocket",
      },
    );
    console.log(`node ${result.node}, global WebSocket: ${result.globalWebSocket}`);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("The server stops", async () => {
  await server.dispose();
});
