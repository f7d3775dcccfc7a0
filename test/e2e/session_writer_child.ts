// A writer over an append session for test/e2e/kill.test.mjs (Node cannot load the TypeScript
// client): appends unique binary records to a log through `LogClient.writer()`, a few hundred
// in flight, and prints `<offset> <hex bytes>` for each acknowledged one. It keeps going across
// the server's death and restart (the writer reconnects and resends), and on a line `stop` on
// standard input it stops appending, waits for every answer, prints `done` and exits.
//   deno run -A test/e2e/session_writer_child.ts <server url> <log name>
import { LogClient } from "../../src/client/mod.ts";

const IN_FLIGHT = 200;

if (import.meta.main) {
  const [url, name] = Deno.args;
  if (url === undefined || name === undefined) throw new Error("Usage: <url> <log name>");
  const writer = new LogClient(url, name).writer({ minDelay: 50, maxDelay: 500 });
  const encoder = new TextEncoder();
  const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  let stopping = false;
  let open = 0;
  let failures = 0;
  const lines: string[] = [];
  const flush = () => {
    if (lines.length > 0) Deno.stdout.writeSync(encoder.encode(lines.splice(0).join("")));
  };
  let i = 0;
  const fill = () => {
    while (!stopping && open < IN_FLIGHT) {
      open++;
      const head = encoder.encode(`s-${i++}`);
      const data = new Uint8Array(head.length + 4);
      data.set(head);
      data.set([0, 0xff, 0xfe, 0x80], head.length);
      writer.append(data).then(
        (offset) => lines.push(`${offset} ${hex(data)}\n`),
        (error) => {
          failures++;
          lines.push(`error ${String(error).replaceAll("\n", " ")}\n`);
        },
      ).finally(() => {
        open--;
        queueMicrotask(flush);
        setTimeout(fill, 0);
      });
    }
  };
  fill();
  for await (const chunk of Deno.stdin.readable) {
    if (new TextDecoder().decode(chunk).includes("stop")) break;
  }
  stopping = true;
  await writer.close();
  flush();
  Deno.stdout.writeSync(encoder.encode(`done ${failures}\n`));
  Deno.exit(0);
}
