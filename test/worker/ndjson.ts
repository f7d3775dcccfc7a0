import { fromBase64 } from "../../src/protocol/wire.ts";

/**
 * The text of a response, decoded as UTF-8 by hand: workerd warns on `text()` of a body whose
 * type (`application/x-ndjson`) it does not know as text.
 */
export async function bodyText(res: Response): Promise<string> {
  return new TextDecoder().decode(await res.arrayBuffer());
}

/** Parses an NDJSON batch read. */
export function decodeBatchHelper(
  body: string,
): Array<{ offset: number; created: number; data: Uint8Array }> {
  return body.split("\n").filter((l) => l !== "").map((line) => {
    const r = JSON.parse(line) as { offset: number; created: number; data: string };
    return { offset: r.offset, created: r.created, data: fromBase64(r.data) };
  });
}
