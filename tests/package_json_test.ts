import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";

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

  it("declares jose as a dependency, and the SDKs, @bufbuild/cel, the adapters' frameworks and OpenTelemetry's API as optional peers, at deno.json's ranges", () => {
    const ranges = npmImports(deno);
    assert.deepEqual(npm.dependencies, { jose: ranges.get("jose") });
    assert.deepEqual(npm.peerDependencies, {
      "@modelcontextprotocol/server": ranges.get(
        "@modelcontextprotocol/server",
      ),
      "@modelcontextprotocol/sdk": ranges.get("@modelcontextprotocol/sdk"),
      "@bufbuild/cel": ranges.get("@bufbuild/cel"),
      hono: ranges.get("hono"),
      "@opentelemetry/api": ranges.get("@opentelemetry/api"),
    });
    assert.deepEqual(npm.peerDependenciesMeta, {
      "@modelcontextprotocol/server": { optional: true },
      "@modelcontextprotocol/sdk": { optional: true },
      "@bufbuild/cel": { optional: true },
      hono: { optional: true },
      "@opentelemetry/api": { optional: true },
    });
  });

  it("declares every package deno.json maps, as a dependency or as an optional peer, and nothing else", () => {
    const dependencies = Object.keys(npm.dependencies as object);
    const peers = Object.keys(npm.peerDependencies as object);
    const meta = npm.peerDependenciesMeta as Record<
      string,
      { optional?: boolean }
    >;
    // A required peer would be installed into every consumer (npm 7+).
    for (const peer of peers) assert.equal(meta[peer]?.optional, true, peer);
    assert.deepEqual(
      [...dependencies, ...peers].sort(),
      [...npmImports(deno).keys()].sort(),
    );
  });

  it("declares no devDependencies: npm and Bun would install them into a consumer linking a checkout", () => {
    assert.equal(npm.devDependencies, undefined);
  });
});

// The package's own import map is what a Deno consumer linking a checkout
// gets in its lockfile; test-only packages live in workspace members.
describe("deno.json", () => {
  const deno = read("deno.json");

  it("maps only what the package imports at run time (and hono for the types of ./hono)", () => {
    assert.deepEqual([...npmImports(deno).keys()].sort(), [
      "@bufbuild/cel",
      "@modelcontextprotocol/sdk",
      "@modelcontextprotocol/server",
      "@opentelemetry/api",
      "hono",
      "jose",
    ]);
  });

  it("loads @bufbuild/cel only from the CEL compiler, which only a dynamic import reaches", () => {
    const read = (path: string) =>
      readFileSync(new URL(`../${path}`, import.meta.url), "utf8");
    // The one static importer: src/authzen/_cel.ts; mappings.ts imports it
    // dynamically, so ./authzen without declared mappings never needs it.
    assert.match(read("src/authzen/_cel.ts"), /from "@bufbuild\/cel"/);
    assert.match(
      read("src/authzen/mappings.ts"),
      /await import\("\.\/_cel\.ts"\)/,
    );
    for (const path of ["check.ts", "_decider.ts", "_options.ts", "mod.ts"]) {
      const text = read(`src/authzen/${path}`);
      assert.doesNotMatch(text, /@bufbuild\/cel"/, path);
      assert.doesNotMatch(text, /from "\.\/_cel\.ts"/, path);
    }
  });

  it("imports hono for its types only: no runtime import of it in src/", () => {
    const src = new URL("../src/", import.meta.url);
    const imports = (readdirSync(src, { recursive: true }) as string[])
      .filter((path) => path.endsWith(".ts"))
      .flatMap((path) =>
        [
          ...readFileSync(new URL(path, src), "utf8")
            .matchAll(/^(?:import|export)\b[^;]*?from "hono(?:\/[^"]*)?";/gm),
        ].map((match) => match[0])
      );
    assert.ok(imports.length > 0, "no hono import found");
    for (const line of imports) assert.match(line, /^import type /);
  });

  it("keeps Express and node: modules out of ./node: it reads their objects structurally", () => {
    const dir = new URL("../src/adapters/", import.meta.url);
    const files = readdirSync(dir).filter((name) =>
      /^_?node.*\.ts$|^mod_node\.ts$/.test(name)
    );
    assert.ok(files.length >= 4, files.join());
    for (const name of files) {
      const text = readFileSync(new URL(name, dir), "utf8");
      // Imports of the code, not of its JSDoc examples.
      const imports = [
        ...text.replace(/^ \*.*$/gm, "").matchAll(/from "([^"]+)";/g),
      ].map((match) => match[1]!);
      for (const specifier of imports) {
        assert.match(specifier, /^\.\.?\//, `${name} imports ${specifier}`);
      }
    }
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
