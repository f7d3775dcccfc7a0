// Runs the client, compiled to JavaScript, under Node (20 has global fetch but no global
// WebSocket: the tail and the writer get the ws package's) against a server, and prints what it saw as
// one JSON line. Started by test/e2e/client_node_test.ts:
//   node test/e2e/client_node_smoke.mjs <compiled client/mod.js> <errors.js> <server url> <log>
import WebSocket from "ws";

const [clientModule, errorsModule, url, name] = process.argv.slice(2);
const { LogClient, HttpError, RemoteJournal } = await import(clientModule);
const { ConflictError, FutureOffsetError, NotFoundError } = await import(errorsModule);

const bytes = (s) => new TextEncoder().encode(s);
const text = (b) => new TextDecoder().decode(b);
const log = new LogClient(url, name, { WebSocket });
const result = { node: process.version, globalWebSocket: typeof globalThis.WebSocket };

result.offsets = [
  await log.append(bytes("from node")),
  await log.appendBatch([bytes("a"), bytes("b")]),
];
result.read = text((await log.read(0)).data);
const batch = new Array(10);
result.readBatch = (await log.readBatch(0, batch)) + ":" +
  batch.slice(0, 3).map((r) => text(r.data)).join(",");
result.bounds = await log.bounds();
result.conflict = await log.append(bytes("x"), { expectedOffset: 0 }).catch((e) =>
  e instanceof ConflictError && e.position
);
result.future = await log.read(99).catch((e) => e instanceof FutureOffsetError && e.offset);
result.notFound = await new RemoteJournal(log).get(99).catch((e) =>
  e instanceof NotFoundError && e.position
);
result.network = await new LogClient("http://127.0.0.1:9", name).bounds()
  .catch((e) => e instanceof HttpError && e.code);

const controller = new AbortController();
const tail = log.tail(0, { signal: controller.signal });
const tailed = [];
for await (const record of tail) {
  tailed.push(`${record.offset}:${text(record.data)}`);
  if (tailed.length === 3) void log.append(bytes("live"));
  if (tailed.length === 4) break;
}
result.tail = tailed;
// The writer over an append session, with the ws package's WebSocket.
const writer = log.writer();
result.writer = await Promise.all([
  writer.append(bytes("w1")),
  writer.appendBatch([bytes("w2"), bytes("w3")]),
  writer.append(bytes("w4")),
]);
await writer.close();
// Only where there is no global WebSocket (Node 20): a tail without the option says so.
result.tailWithoutWebSocket = typeof globalThis.WebSocket === "undefined"
  ? await new LogClient(url, name).tail(0).next().catch((e) => e instanceof TypeError)
  : "has a global WebSocket";
console.log(JSON.stringify(result));
