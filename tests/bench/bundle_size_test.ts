import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  BUNDLES,
  bytesPerSource,
  CORE_LIMIT,
  decodeVlq,
  DPOP_LITERAL,
  EDGE_ALLOWANCE,
  forbiddenModules,
  judge,
  kB,
  measureAll,
  type Measured,
  report,
} from "../../bench/bundle_size.ts";

const needsDeno = typeof Deno === "undefined" && "needs Deno.Command";

describe("decodeVlq()", () => {
  it("decodes base64 VLQ fields, signs and continuations", () => {
    assert.deepEqual(decodeVlq("AAAA"), [0, 0, 0, 0]);
    assert.deepEqual(decodeVlq("C"), [1]);
    assert.deepEqual(decodeVlq("D"), [-1]);
    assert.deepEqual(decodeVlq("gB"), [16]);
    assert.deepEqual(decodeVlq("GCAA"), [3, 1, 0, 0]);
  });

  it("refuses a character outside base64", () => {
    assert.throws(() => decodeVlq("A!"), SyntaxError);
  });
});

describe("bytesPerSource()", () => {
  it("credits each segment's text to its source, up to the next segment", () => {
    // Line 0: a.ts from column 0, b.ts from column 3. Line 1: a.ts from
    // column 0, then an unmapped segment from column 2.
    const bytes = bytesPerSource("abcdef\nxyz", {
      sources: ["a.ts", "b.ts"],
      mappings: "AAAA,GCAA;ADAA,E",
    });
    assert.deepEqual([...bytes].sort(), [["a.ts", 5], ["b.ts", 3]]);
  });

  it("credits the bundle's closing export statement to no source", () => {
    const bytes = bytesPerSource("var a=1;export{a as x};", {
      sources: ["a.ts"],
      mappings: "AAAA",
    });
    assert.deepEqual([...bytes], [["a.ts", "var a=1;".length]]);
  });
});

describe("forbiddenModules()", () => {
  it("finds DPoP and introspection modules, ours and jose's, and nothing else", () => {
    const found = forbiddenModules([
      "src/verify/jwt.ts",
      "src/dpop/scheme.ts",
      "src/verify/introspection.ts",
      "src/http/bearer_auth.ts",
      "jose/dist/webapi/jwt/verify.js",
      "jose/dist/webapi/jwk/thumbprint.js",
      "jose/dist/webapi/jwk/embedded.js",
    ]);
    assert.deepEqual(found, [
      { module: "src/dpop/scheme.ts", why: "DPoP" },
      { module: "src/verify/introspection.ts", why: "introspection" },
      { module: "jose/dist/webapi/jwk/thumbprint.js", why: "DPoP (jose)" },
      { module: "jose/dist/webapi/jwk/embedded.js", why: "DPoP (jose)" },
    ]);
  });
});

function measured(
  id: string,
  gzip: number,
  modules: Record<string, number> = {},
  code = "",
): Measured {
  return {
    spec: BUNDLES.find((b) => b.id === id)!,
    names: BUNDLES.find((b) => b.id === id)!.names,
    missing: [],
    minified: gzip * 3,
    gzip,
    modules: new Map(Object.entries(modules)),
    code,
  };
}

const set = (...all: Measured[]) => new Map(all.map((m) => [m.spec.id, m]));

describe("judge()", () => {
  it("passes bundles at their limits with no forbidden module", () => {
    const verdict = judge(set(
      measured("core", CORE_LIMIT),
      measured("jose", 7_000),
      measured("edge", 7_000 + EDGE_ALLOWANCE, { "src/verify/jwt.ts": 900 }),
    ));
    assert.deepEqual(verdict, {
      coreOk: true,
      edgeOk: true,
      edgeLimit: 13_000,
      forbidden: [],
      dpopLiteral: false,
      ruleOk: true,
    });
  });

  it("fails a byte over a limit, a DPoP module or the DPoP literal", () => {
    const over = judge(set(
      measured("core", CORE_LIMIT + 1),
      measured("jose", 7_000),
      measured("edge", 13_001, { "src/dpop/verifier.ts": 4_900 }),
    ));
    assert.equal(over.coreOk, false);
    assert.equal(over.edgeOk, false);
    assert.deepEqual(over.forbidden, [
      { module: "src/dpop/verifier.ts", why: "DPoP", bytes: 4_900 },
    ]);
    assert.equal(over.ruleOk, false);
    const literal = judge(set(
      measured("core", 1),
      measured("jose", 7_000),
      measured("edge", 8_000, {}, `if(h.typ!==${DPOP_LITERAL})throw 1`),
    ));
    assert.equal(literal.dpopLiteral, true);
    assert.equal(literal.ruleOk, false);
  });
});

describe("report()", () => {
  it("prints a markdown table with targets, verdicts and notes", () => {
    const all = set(
      measured("core", 3_430),
      measured("jose", 6_950),
      measured("edge", 23_740, { "src/dpop/scheme.ts": 5_092 }),
    );
    const lines = report(all, judge(all)).split("\n");
    assert.match(
      lines[0]!,
      /^\| bundle +\| exports +\| minified +\| gzip -9 +\| target +\| +\|$/,
    );
    const core = lines.find((l) => l.startsWith("| core "))!;
    assert.match(core, /\| 3\.43 kB +\| ≤ 3\.00 kB +\| OVER +\|$/);
    const edge = lines.find((l) => l.startsWith("| JWT edge path "))!;
    assert.match(
      edge,
      /\| 23\.74 kB +\| ≤ 12\.95 kB \(jose \+ 6\.00 kB\) +\| OVER +\|$/,
    );
    assert.ok(
      lines.some((l) => /^\| JWT edge path holds no .*\| BROKEN \|$/.test(l)),
    );
    assert.ok(lines.includes(
      "- JWT edge path holds src/dpop/scheme.ts (DPoP), 5092 minified bytes",
    ));
  });

  it("lists what the core holds outside core, helpers and errors", () => {
    const all = set(
      measured("core", 3_000, {
        "src/core/runner.ts": 900,
        "src/_internal/show.ts": 400,
        "src/errors.ts": 460,
        "src/dpop/verifier.ts": 129,
        "jose/dist/webapi/util/errors.js": 10,
      }),
      measured("jose", 6_950),
      measured("edge", 8_000),
    );
    const notes = report(all, judge(all)).split("\n").filter((l) =>
      l.startsWith("- core")
    );
    assert.deepEqual(notes, [
      "- core holds top-level code of src/dpop/verifier.ts, 129 minified bytes",
    ]);
  });

  it("writes kB as 1,000 bytes", () => {
    assert.equal(kB(6_967), "6.97 kB");
  });
});

describe("measureAll()", () => {
  // The core also holds a few top-level statements of verify/ and dpop/
  // today (frozen arrays, sizes): bench:size lists them under the table.
  it("builds every bundle; the core holds no HTTP or MCP code", {
    skip: needsDeno,
  }, async () => {
    const all = await measureAll();
    assert.deepEqual([...all.keys()], BUNDLES.map((b) => b.id));
    for (const m of all.values()) {
      assert.ok(m.gzip > 0 && m.gzip < m.minified, m.spec.label);
    }
    const core = [...all.get("core")!.modules.keys()];
    assert.ok(core.some((m) => m.startsWith("src/core/")));
    assert.deepEqual(
      core.filter((m) => /^src\/(http|mcp)\//.test(m)),
      [],
    );
    const jose = [...all.get("jose")!.modules.keys()];
    assert.ok(jose.length > 0 && jose.every((m) => m.startsWith("jose/")));
    const mcp = [...all.get("mcp")!.modules.keys()];
    assert.ok(mcp.some((m) => m.startsWith("src/mcp/")));
    assert.deepEqual(
      mcp.filter((m) => m.includes("@modelcontextprotocol")),
      [],
    );
  });
});
