// The command line's append throughput: 100,000 lines through `edgelog append` (a `deno run`
// process, start-up included) into a log on a local server, then checks the log holds them.
//   deno run -A bench/cli_append.ts              # starts wrangler dev for the run
//   EDGELOG_URL=http://127.0.0.1:8787 deno run -A bench/cli_append.ts   # a running server
// Set LINES for another count. Not a Deno.bench file: one process-level measurement.
import { fileURLToPath } from "node:url";
import { LogClient } from "../src/client/mod.ts";
import { DevServer } from "../test/e2e/server.mjs";

if (import.meta.main) {
  const lines = Number(Deno.env.get("LINES") ?? 100_000);
  const given = Deno.env.get("EDGELOG_URL");
  const server = given === undefined ? new DevServer() : undefined;
  if (server !== undefined) await server.start();
  const url = given ?? server!.url;
  try {
    const name = `bench/cli-append-${Date.now().toString(36)}`;
    const input = new TextEncoder().encode(
      Array.from({ length: lines }, (_, i) => `line ${i} of the append benchmark`).join("\n") +
        "\n",
    );
    const cli = fileURLToPath(new URL("../src/cli/cli.ts", import.meta.url));
    const started = performance.now();
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", cli, "append", name, "--json"],
      env: { EDGELOG_URL: url },
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(input);
    await writer.close();
    const { code, stdout } = await child.output();
    const seconds = (performance.now() - started) / 1000;
    if (code !== 0) throw new Error(`edgelog append exited ${code}`);
    const result = JSON.parse(new TextDecoder().decode(stdout));
    const { end } = await new LogClient(url, name).bounds();
    if (result.count !== lines || end !== lines) {
      throw new Error(`Expected ${lines} records, got ${result.count} (bounds end ${end})`);
    }
    console.log(
      `${lines} lines (${input.byteLength} bytes) appended by the CLI in ${
        seconds.toFixed(2)
      } s: ` +
        `${Math.round(lines / seconds)} lines/s (process start-up included; server ${url})`,
    );
  } finally {
    await server?.dispose();
  }
}
