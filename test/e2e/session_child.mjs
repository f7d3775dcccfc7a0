/**
 * Runs test/e2e/session_writer_child.ts (a `LogClient.writer()` under Deno: Node cannot load the
 * TypeScript client) for the Node e2e tests, and collects what it prints.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/**
 * Starts a session writer on the log `name`.
 * @param {string} url the server's base URL
 * @param {string} name the log
 * @param {"load" | "manual"} mode `load` appends by itself; `manual` appends what `append` is given
 */
export function startSessionWriter(url, name, mode) {
  const deno = fileURLToPath(new URL("../../node_modules/.bin/deno", import.meta.url));
  const script = fileURLToPath(new URL("./session_writer_child.ts", import.meta.url));
  const child = spawn(deno, ["run", "-A", script, url, name, mode], {
    stdio: ["pipe", "pipe", "inherit"],
    env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" },
  });
  /** Acknowledged appends: offset -> bytes. @type {Map<number, Uint8Array>} */
  const acked = new Map();
  /** Acknowledged appends in the order of their answers. @type {number[]} */
  const order = [];
  /** Why the writer reconnected, each time. @type {string[]} */
  const reconnects = [];
  /** The failed appends' messages. @type {string[]} */
  const failures = [];
  /** @type {(value?: unknown) => void} */
  let onDone = () => {};
  const done = new Promise((resolve) => onDone = resolve);
  createInterface({ input: /** @type {import("node:stream").Readable} */ (child.stdout) }).on(
    "line",
    (line) => {
      const space = line.indexOf(" ");
      const [first, rest] = [line.slice(0, space), line.slice(space + 1)];
      if (first === "done") onDone();
      else if (first === "error") failures.push(rest);
      else if (first === "reconnect") reconnects.push(rest);
      else {
        acked.set(Number(first), Buffer.from(rest, "hex"));
        order.push(Number(first));
      }
    },
  );
  return {
    acked,
    order,
    reconnects,
    failures,
    /** Appends `text` (`manual` mode). @param {string} text */
    append: (text) => void child.stdin?.write(`append ${text}\n`),
    /** Stops appending and waits until every answer is in and the writer closed. */
    stop: async () => {
      child.stdin?.write("stop\n");
      await done;
    },
  };
}
