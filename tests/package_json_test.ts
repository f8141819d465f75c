import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

/** Reads a JSON file of the repository. */
function read(name: string): Record<string, unknown> {
  return JSON.parse(
    readFileSync(new URL(`../${name}`, import.meta.url), "utf8"),
  );
}

/** `npm:name@range` (or `npm:/name@range/`) -> [name, range]. */
function npmSpecifier(specifier: string): [string, string] {
  const match = /^npm:\/?(@?[^@]+)@([^/]+)\/?$/.exec(specifier);
  assert.ok(match !== null, specifier);
  return [match[1]!, match[2]!];
}

/** The npm packages an import map names, by name, with their ranges. */
function npmImports(config: Record<string, unknown>): Map<string, string> {
  const imports = config.imports as Record<string, string>;
  return new Map(
    Object.values(imports)
      .filter((value) => value.startsWith("npm:"))
      .map(npmSpecifier),
  );
}

// package.json lets Node and Bun resolve "@mcp-authz/core" (and its
// subpaths) to this repository's files and install what they import;
// deno.json is the source of truth for names, exports and versions.
describe("package.json", () => {
  const deno = read("deno.json");
  const npm = read("package.json");

  it("has deno.json's name, version and exports", () => {
    assert.equal(npm.name, deno.name);
    assert.equal(npm.version, deno.version);
    assert.deepEqual(npm.exports, deno.exports);
  });

  it("declares jose as a dependency, the SDKs and OpenTelemetry's API as optional peers, at deno.json's ranges", () => {
    const ranges = npmImports(deno);
    assert.deepEqual(npm.dependencies, { jose: ranges.get("jose") });
    assert.deepEqual(npm.peerDependencies, {
      "@modelcontextprotocol/server": ranges.get(
        "@modelcontextprotocol/server",
      ),
      "@modelcontextprotocol/sdk": ranges.get("@modelcontextprotocol/sdk"),
      "@opentelemetry/api": ranges.get("@opentelemetry/api"),
    });
    assert.deepEqual(npm.peerDependenciesMeta, {
      "@modelcontextprotocol/server": { optional: true },
      "@modelcontextprotocol/sdk": { optional: true },
      "@opentelemetry/api": { optional: true },
    });
  });

  it("declares no devDependencies: npm and Bun would install them into a consumer linking a checkout", () => {
    assert.equal(npm.devDependencies, undefined);
  });
});

// The package's own import map is what a Deno consumer linking a checkout
// gets in its lockfile; test-only packages live in workspace members.
describe("deno.json", () => {
  const deno = read("deno.json");

  it("maps only what the package imports at run time", () => {
    assert.deepEqual([...npmImports(deno).keys()].sort(), [
      "@modelcontextprotocol/sdk",
      "@modelcontextprotocol/server",
      "@opentelemetry/api",
      "jose",
    ]);
  });

  it("keeps each npm package at one range across the workspace and the doc-test config", () => {
    const ranges = npmImports(deno);
    for (
      const name of [
        "tests/deno.json",
        "examples/deno.json",
        "bench/deno.json",
        "tests/doc/deno.json",
      ]
    ) {
      for (const [pkg, range] of npmImports(read(name))) {
        const known = ranges.get(pkg);
        if (known !== undefined) assert.equal(range, known, `${name}: ${pkg}`);
        ranges.set(pkg, range);
      }
    }
  });
});
