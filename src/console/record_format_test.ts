// How the console shows records: the format chosen by content, and each format's text.
import assert from "node:assert/strict";
import {
  detectFormat,
  formatRecord,
  hexDump,
  jsonOf,
  MAX_HEX_BYTES,
  MAX_SHOWN_BYTES,
  textOf,
} from "./record_format.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("`detectFormat()` picks JSON for objects and arrays, text for other UTF-8, hex for binary", () => {
  assert.equal(detectFormat(bytes('{"order": 17, "items": ["a"]}')), "json");
  assert.equal(detectFormat(bytes("  [1, 2, 3]\n")), "json");
  assert.equal(detectFormat(bytes("order 17 placed")), "text");
  assert.equal(detectFormat(bytes("42")), "text", "a bare number reads better as text");
  assert.equal(detectFormat(bytes('"quoted"')), "text");
  assert.equal(detectFormat(bytes("{not json}")), "text");
  assert.equal(detectFormat(bytes("line 1\r\n\tline 2")), "text");
  assert.equal(detectFormat(new Uint8Array([0x00, 0x01, 0x02, 0xff])), "hex");
  assert.equal(detectFormat(new Uint8Array([0xc3])), "hex", "a cut UTF-8 sequence");
  assert.equal(detectFormat(bytes("bell\x07")), "hex", "a control character");
});

Deno.test("`textOf()` and `jsonOf()` refuse what they cannot show faithfully", () => {
  assert.equal(textOf(bytes("héllo ✓")), "héllo ✓");
  assert.equal(textOf(new Uint8Array([0x68, 0x00])), undefined);
  assert.equal(jsonOf(bytes("{}")) !== undefined, true);
  assert.equal(jsonOf(bytes("true")), undefined);
  assert.equal(jsonOf(new Uint8Array([0x7b, 0xff, 0x7d])), undefined);
});

Deno.test("`formatRecord()` pretty-prints JSON, says when data is not JSON, dumps hex", () => {
  assert.equal(
    formatRecord(bytes('{"a":[1,{"b":null}]}'), "json"),
    `{
  "a": [
    1,
    {
      "b": null
    }
  ]
}`,
  );
  assert.equal(formatRecord(bytes("plain"), "json"), "(not JSON)\nplain");
  assert.equal(formatRecord(bytes('{"a":1}'), "text"), '{"a":1}');
  assert.equal(
    formatRecord(new Uint8Array([0x68, 0x69, 0x00, 0xff]), "hex"),
    "00000000  68 69 00 ff  |hi..|",
  );
  assert.equal(formatRecord(new Uint8Array([0xff, 0x41]), "text"), "\ufffdA");
});

Deno.test("`hexDump()` writes 16 bytes per line with their offset", () => {
  const dump = hexDump(Uint8Array.from({ length: 20 }, (_, i) => 0x41 + i)).split("\n");
  assert.equal(dump.length, 2);
  assert.equal(
    dump[0],
    "00000000  41 42 43 44 45 46 47 48 49 4a 4b 4c 4d 4e 4f 50  |ABCDEFGHIJKLMNOP|",
  );
  assert.equal(dump[1], `00000010  51 52 53 54${" ".repeat(36)}  |QRST|`);
});

Deno.test("`formatRecord()` shows a bounded part of a large record and counts the rest", () => {
  const big = new Uint8Array(MAX_SHOWN_BYTES + 10).fill(0x61);
  const text = formatRecord(big, "text");
  assert(text.endsWith("\n… 10 more bytes not shown"));
  assert.equal(text.length, MAX_SHOWN_BYTES + "\n… 10 more bytes not shown".length);
  assert.equal(detectFormat(big), "text");
  const hex = formatRecord(big, "hex").split("\n");
  assert.equal(hex.length, MAX_HEX_BYTES / 16 + 1);
  assert.equal(hex.at(-1), `… ${big.byteLength - MAX_HEX_BYTES} more bytes not shown`);
});
