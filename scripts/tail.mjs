#!/usr/bin/env node
// Tails a log over WebSocket and prints one line per record:
//   node scripts/tail.mjs http://127.0.0.1:8787 demo 0
// With EDGELOG_TOKEN set, the token rides in the subprotocol offer (as a browser must send it):
//   Sec-WebSocket-Protocol: edgelog, edgelog.bearer.<token>
// Binary frames are repeated [f64 offset][f64 created ms][u32 length][bytes], big-endian
// (PROTOCOL.md); text frames are JSON control messages, printed as they come.
import WebSocket from "ws";

const [base = "http://127.0.0.1:8787", name = "demo", from = "0"] = process.argv.slice(2);
const url = `${base.replace(/^http/, "ws")}/logs/${name}/tail?from=${from}`;
const token = process.env.EDGELOG_TOKEN;
const socket = new WebSocket(url, token ? ["edgelog", `edgelog.bearer.${token}`] : []);

socket.on("message", (data, isBinary) => {
  if (!isBinary) return console.log(String(data));
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let at = 0; at < view.byteLength;) {
    const offset = view.getFloat64(at);
    const created = new Date(view.getFloat64(at + 8)).toISOString();
    const length = view.getUint32(at + 16);
    const bytes = data.subarray(at + 20, at + 20 + length);
    console.log(`${offset}\t${created}\t${new TextDecoder().decode(bytes)}`);
    at += 20 + length;
  }
});
socket.on("close", (code, reason) => {
  console.error(`closed ${code} ${reason}`);
  process.exit(code === 1000 ? 0 : 1);
});
socket.on("unexpected-response", (_request, response) => {
  let body = "";
  response.on("data", (chunk) => (body += chunk));
  response.on("end", () => {
    console.error(`${response.statusCode} ${body}`);
    process.exit(1);
  });
});
socket.on("error", (error) => {
  console.error(error.message);
  process.exit(1);
});
