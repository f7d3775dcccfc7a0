// The client side of the append-session load phase (bench/session_load.mjs runs it under Deno):
// one LogWriter, one log, single records pipelined with a fixed number in flight, for a fixed
// time. Prints one JSON line: acknowledged appends/s and the p50/p99 ack latency (from the call
// of `append` to its offset), and checks that the offsets came back consecutive, in order.
//   deno run -A bench/session_writer.ts <server url> <seconds> <in flight> <record bytes> [log]
// SESSION_WS=deno uses Deno's own WebSocket instead of the `ws` package's.
import { LogClient, type WebSocketConstructor } from "../src/client/mod.ts";

if (import.meta.main) {
  const [url, secondsText = "5", inFlightText = "1000", sizeText = "64", name] = Deno.args;
  if (url === undefined) throw new Error("Usage: session_writer.ts <url> [seconds] [in flight]");
  const seconds = Number(secondsText);
  const inFlight = Number(inFlightText);
  const record = new Uint8Array(Number(sizeText)).map((_, i) => (i * 37) & 0xff);
  // The `ws` package's WebSocket, as the client uses in Node 20, unless SESSION_WS=deno asks
  // for Deno's own (which leaves Nagle's algorithm on: with few appends in flight, answers
  // then wait for TCP's delayed acknowledgements, about 40 ms).
  const WebSocket = Deno.env.get("SESSION_WS") === "deno"
    ? undefined
    : (await import("ws")).default as unknown as WebSocketConstructor;
  const log = new LogClient(
    url,
    name ?? `bench/session-${Date.now().toString(36)}`,
    WebSocket === undefined ? {} : { WebSocket },
  );
  const writer = log.writer();
  await writer.append(record); // connect and warm up
  const latencies: number[] = [];
  let expected: number | undefined;
  let outOfOrder = 0;
  let acked = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await new Promise<void>((done, fail) => {
    let open = 0;
    const next = () => {
      while (open < inFlight && performance.now() < deadline) {
        open++;
        const sent = performance.now();
        writer.append(record).then((offset) => {
          latencies.push(performance.now() - sent);
          if (expected !== undefined && offset !== expected) outOfOrder++;
          expected = offset + 1;
          acked++;
          open--;
          if (open === 0 && performance.now() >= deadline) done();
          else if (open < inFlight / 2) next();
        }, fail);
      }
    };
    next();
  });
  const elapsed = (performance.now() - started) / 1000;
  await writer.close();
  latencies.sort((a, b) => a - b);
  const at = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  console.log(JSON.stringify({
    acked,
    rate: acked / elapsed,
    p50: at(0.5),
    p99: at(0.99),
    outOfOrder,
  }));
}
