// A writer over an append session for the Node e2e tests (Node cannot load the TypeScript
// client), printing `<offset> <hex bytes>` for each acknowledged append, `error <message>` for
// each failed one and `reconnect <reason>` when the writer reconnects.
//
// - `load` (test/e2e/kill.test.mjs): appends unique binary records, a few hundred in flight,
//   across the server's death and restart; on a line `stop` on standard input it stops
//   appending, waits for every answer, prints `done` and exits.
// - `manual` (test/e2e/hibernation.test.mjs): appends the text of each `append <text>` line of
//   standard input; `stop` closes the writer, prints `done` and exits.
//
//   deno run -A test/e2e/session_writer_child.ts <server url> <log name> <load | manual>
import { LogClient } from "../../src/client/mod.ts";

const IN_FLIGHT = 200;

if (import.meta.main) {
  const [url, name, mode = "load"] = Deno.args;
  if (url === undefined || name === undefined) throw new Error("Usage: <url> <log name> [mode]");
  const encoder = new TextEncoder();
  const lines: string[] = [];
  const flush = () => {
    if (lines.length > 0) Deno.stdout.writeSync(encoder.encode(lines.splice(0).join("")));
  };
  const writer = new LogClient(url, name).writer({
    minDelay: 50,
    maxDelay: 500,
    onReconnect: ({ reason }) => {
      lines.push(`reconnect ${reason}\n`);
      flush();
    },
  });
  const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  let stopping = false;
  let open = 0;
  let failures = 0;
  const append = (data: Uint8Array) => {
    open++;
    return writer.append(data).then(
      (offset) => lines.push(`${offset} ${hex(data)}\n`),
      (error) => {
        failures++;
        lines.push(`error ${String(error).replaceAll("\n", " ")}\n`);
      },
    ).finally(() => {
      open--;
      queueMicrotask(flush);
    });
  };
  let i = 0;
  const fill = () => {
    while (!stopping && open < IN_FLIGHT) {
      const head = encoder.encode(`s-${i++}`);
      const data = new Uint8Array(head.length + 4);
      data.set(head);
      data.set([0, 0xff, 0xfe, 0x80], head.length);
      void append(data).finally(() => setTimeout(fill, 0));
    }
  };
  if (mode === "load") fill();
  const decoder = new TextDecoder();
  let carry = "";
  reading: for await (const chunk of Deno.stdin.readable) {
    carry += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = carry.indexOf("\n")) !== -1) {
      const line = carry.slice(0, newline);
      carry = carry.slice(newline + 1);
      if (line === "stop") break reading;
      if (mode === "manual" && line.startsWith("append ")) {
        void append(encoder.encode(line.slice(7)));
      }
    }
  }
  stopping = true;
  await writer.close();
  flush();
  Deno.stdout.writeSync(encoder.encode(`done ${failures}\n`));
  Deno.exit(0);
}
