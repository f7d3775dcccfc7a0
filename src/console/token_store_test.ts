// The console's token: per tab (sessionStorage), trimmed, and forgotten on request.
import assert from "node:assert/strict";
import { TOKEN_KEY, TokenStore } from "./token_store.ts";

Deno.test("`TokenStore` keeps the token in the storage it is given, and only there", () => {
  const items = new Map<string, string>();
  const storage = {
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    removeItem: (key: string) => void items.delete(key),
  };
  const tokens = new TokenStore(storage);
  assert.equal(tokens.get(), undefined);
  tokens.set(" a.b.c\n");
  assert.deepEqual([...items], [[TOKEN_KEY, "a.b.c"]]);
  assert.equal(new TokenStore(storage).get(), "a.b.c", "another store over the same storage");
  assert.throws(() => tokens.set("  "), RangeError);
  assert.equal(tokens.get(), "a.b.c", "a refused token changes nothing");
  tokens.clear();
  assert.equal(items.size, 0);
  assert.equal(tokens.get(), undefined);
});
