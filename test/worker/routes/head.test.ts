// HEAD on every route that answers GET.
import { describe, expect, it } from "vitest";
import { appendBatch, call, uniqueName } from "../helpers.ts";

describe("HEAD wherever GET is", () => {
  it("HEAD answers as GET does, without the body", async () => {
    const name = uniqueName();
    await appendBatch(name, ["a", "bc"]);
    for (
      const path of [
        `/logs/${name}/records`,
        `/logs/${name}/records?from=1&limit=1`,
        `/logs/${name}/records/1`,
        `/logs/${name}/bounds`,
        `/logs/${name}/range`,
        `/logs/${name}/config`,
        "/healthz",
      ]
    ) {
      const get = await call(path);
      const head = await call(path, { method: "HEAD" });
      expect([path, get.status, head.status]).toEqual([path, 200, 200]);
      expect((await get.arrayBuffer()).byteLength, path).toBeGreaterThan(0);
      expect((await head.arrayBuffer()).byteLength, path).toBe(0);
      expect(head.headers.get("content-type"), path).toBe(get.headers.get("content-type"));
      expect(get.headers.get("content-type"), path).not.toBeNull();
      for (const header of ["edgelog-offset", "edgelog-created", "edgelog-next-offset"]) {
        expect(head.headers.get(header), `${path} ${header}`).toBe(get.headers.get(header));
      }
    }
  });
});
