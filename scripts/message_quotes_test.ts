// The message scanner: it finds the messages of every kind of site, flags unpaired quotes,
// and finds none in the code base.
import assert from "node:assert/strict";
import { messagesOf, quotesPaired, scan } from "./message_quotes.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

Deno.test("every message of src/, worker/ and scripts/ has paired quotes", async () => {
  const messages = await scan(ROOT);
  assert(messages.length > 200, `only ${messages.length} messages found`);
  const unpaired = messages.filter((m) => !quotesPaired(m.text));
  assert.deepEqual(unpaired.map((m) => `${m.file}:${m.line}: ${m.text}`), []);
  // The CLI's flag messages are among them (they are returned, not thrown).
  assert(messages.some((m) => m.text.startsWith('Unknown flag "•" for "•"')));
});

Deno.test("`messagesOf()` finds errors, ApiError, throw, output and message makers", () => {
  const source = `
    throw new RangeError(\`Bad "\${x}\`);
    throw new ApiError("BAD_REQUEST", 'No "x');
    fail("The name '" + name + "' is bad");
    throw \`Thrown "text\`;
    io.stderr(\`edgelog: \${ok ? "fine" : 'as in \\'-- "--fron"'}\\n\`);
    console.log("banner: \\"open\\"");
    function flagProblem() { return \`Unknown option '\${flag}'\`; }
    function unrelated() { return 'not a "message'; }
    const n = JSON.stringify({ a: '"' });
  `;
  const texts = messagesOf("fixture.ts", source).map((m) => [m.line, m.text, quotesPaired(m.text)]);
  assert.deepEqual(texts, [
    [2, 'Bad "•', false],
    [3, "BAD_REQUEST", true],
    [3, 'No "x', false],
    [4, "The name '•' is bad", false],
    [5, 'Thrown "text', false],
    [6, "edgelog: •\n", true],
    [6, "fine", true],
    [6, `as in '-- "--fron"`, false],
    [7, 'banner: "open"', true],
    [8, "Unknown option '•'", false],
  ]);
});

Deno.test("`quotesPaired()` takes apostrophes, refuses single quotes used as quotes", () => {
  assert(quotesPaired('The token\'s "exp" claim is invalid'));
  assert(quotesPaired("No quotes at all"));
  assert(!quotesPaired('One " alone'));
  assert(!quotesPaired("Unknown option '--fron'"));
  assert(!quotesPaired("The tenants' logs"));
});
