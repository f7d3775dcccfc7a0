import { fromBase64 } from "../../worker/frames.ts";

/** Parses an NDJSON batch read. */
export function decodeBatchHelper(
  body: string,
): Array<{ offset: number; created: number; data: Uint8Array }> {
  return body.split("\n").filter((l) => l !== "").map((line) => {
    const r = JSON.parse(line) as { offset: number; created: number; data: string };
    return { offset: r.offset, created: r.created, data: fromBase64(r.data) };
  });
}
