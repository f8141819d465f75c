import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

/** Reads a JSON file at the repository root. */
function root(name: string): Record<string, unknown> {
  return JSON.parse(
    readFileSync(new URL(`../${name}`, import.meta.url), "utf8"),
  );
}

// package.json exists so that Node and Bun resolve "@mcp-authz/core" (and its
// subpaths) to this repository's own files; deno.json is the source of truth.
describe("package.json", () => {
  it("has deno.json's name and exports", () => {
    const deno = root("deno.json");
    const npm = root("package.json");
    assert.equal(npm.name, deno.name);
    assert.deepEqual(npm.exports, deno.exports);
  });

  it("declares no dependencies: deno.json's imports map them", () => {
    const npm = root("package.json");
    for (
      const field of ["dependencies", "devDependencies", "peerDependencies"]
    ) {
      assert.equal(npm[field], undefined, field);
    }
  });
});
