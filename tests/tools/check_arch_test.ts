import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  ALLOWED,
  areaOf,
  cycles,
  entryPointProblems,
  importsOf,
  MAX_LINES,
  problemsOf,
  violations,
} from "../../tools/check_arch.ts";

const needsDeno = typeof Deno === "undefined" && "needs Deno.readDir";

/** A repository of `path: text` for problemsOf. */
const repo = (files: Record<string, string>) => new Map(Object.entries(files));

describe("areaOf()", () => {
  it("names the root, the errors file and each folder of src/", () => {
    assert.equal(areaOf("mod.ts"), "root");
    assert.equal(areaOf("src/errors.ts"), "errors");
    assert.equal(areaOf("src/core/runner.ts"), "core");
    assert.equal(areaOf("src/_internal/show.ts"), "_internal");
    assert.equal(areaOf("src/mcp/mod_v1.ts"), "mcp");
  });

  it("gives no area to files outside an area folder", () => {
    assert.equal(areaOf("src/stray.ts"), undefined);
    assert.equal(areaOf("tests/core/runner_test.ts"), undefined);
    assert.equal(areaOf("core/runner.ts"), undefined);
  });
});

describe("importsOf()", () => {
  it("finds static, type-only, re-export, side-effect and dynamic imports", () => {
    const text = [
      `import { a } from "./a.ts";`,
      `import type { B } from "../core/b.ts";`,
      `import { type C, d as e } from "./c.ts";`,
      `export * from "./d.ts";`,
      `export type { F } from "./f.ts";`,
      `import "./side_effect.ts";`,
      `const lazy = await import("./lazy.ts");`,
      `import {\n  g,\n  h,\n} from "./multi_line.ts";`,
    ].join("\n");
    assert.deepEqual(importsOf(text).sort(), [
      "../core/b.ts",
      "./a.ts",
      "./c.ts",
      "./d.ts",
      "./f.ts",
      "./lazy.ts",
      "./multi_line.ts",
      "./side_effect.ts",
    ]);
  });

  it("ignores bare and remote specifiers", () => {
    const text = `import { jwtVerify } from "jose";\n` +
      `import { z } from "npm:zod";\n` +
      `import { x } from "https://example.com/x.ts";`;
    assert.deepEqual(importsOf(text), []);
  });

  it("ignores imports in line comments, block comments and JSDoc examples", () => {
    const text = [
      `// import { a } from "./line_comment.ts";`,
      `/* import { b } from "./block_comment.ts"; */`,
      `/**`,
      ` * @example`,
      ` * \`\`\`ts`,
      ` * import { c } from "./jsdoc_example.ts";`,
      ` * \`\`\``,
      ` */`,
      `import { real } from "./real.ts"; // import "./trailing.ts"`,
    ].join("\n");
    assert.deepEqual(importsOf(text), ["./real.ts"]);
  });

  it("keeps code after a URL in a string (// in a string is no comment)", () => {
    const text =
      `const url = "https://example.com/"; import { a } from "./a.ts";`;
    assert.deepEqual(importsOf(text), ["./a.ts"]);
  });
});

describe("cycles()", () => {
  it("finds none in a one-way graph", () => {
    const graph = new Map([["a", ["b", "c"]], ["b", ["c"]], ["c", []]]);
    assert.deepEqual(cycles(graph), []);
  });

  it("finds a two-module cycle, a longer one and a self-import", () => {
    const graph = new Map([
      ["a", ["b"]],
      ["b", ["a"]],
      ["c", ["d"]],
      ["d", ["e"]],
      ["e", ["c"]],
      ["f", ["f"]],
      ["g", ["a"]],
    ]);
    const found = cycles(graph).map((cycle) => [...cycle].sort());
    assert.deepEqual(found.sort(), [["a", "b"], ["c", "d", "e"], ["f"]]);
  });

  it("ALLOWED itself is a one-way order: no area may reach back to itself", () => {
    const graph = new Map(
      Object.entries(ALLOWED).map(([area, uses]) => [area, [...uses]]),
    );
    assert.deepEqual(cycles(graph), []);
    for (const [area, uses] of Object.entries(ALLOWED)) {
      for (const use of uses) {
        assert.ok(use in ALLOWED, `${area} may use "${use}", not an area`);
        assert.notEqual(use, area);
      }
    }
  });
});

describe("problemsOf()", () => {
  it("reports a cycle made of type-only imports", () => {
    const problems = problemsOf(repo({
      "src/core/a.ts": `import type { B } from "./b.ts";\nexport type A = B;`,
      "src/core/b.ts": `import type { A } from "./a.ts";\nexport type B = A;`,
    }));
    assert.deepEqual(problems, [
      "import cycle: src/core/a.ts -> src/core/b.ts -> src/core/a.ts",
    ]);
  });

  it("reports an import against the layer order, with the rule", () => {
    const problems = problemsOf(repo({
      "src/core/runner.ts":
        `import { bearerAuth } from "../http/bearer_auth.ts";`,
      "src/http/bearer_auth.ts": `export const bearerAuth = 1;`,
    }));
    assert.deepEqual(problems, [
      `src/core/runner.ts imports src/http/bearer_auth.ts: core/ may import only _internal, errors (ARCHITECTURE.md, "The dependency rule")`,
    ]);
  });

  it("says _internal may import nothing", () => {
    const [problem] = problemsOf(repo({
      "src/_internal/show.ts":
        `import type { AuthContext } from "../core/context.ts";`,
      "src/core/context.ts": ``,
    }));
    assert.match(problem!, /_internal\/ may import only nothing/);
  });

  it("accepts imports down the layer order, inside an area and from the root", () => {
    const problems = problemsOf(repo({
      "mod.ts":
        `export * from "./src/http/mod.ts";\nexport * from "./src/errors.ts";`,
      "src/http/mod.ts": `export * from "./bearer_auth.ts";`,
      "src/http/bearer_auth.ts": [
        `import { JwtVerifier } from "../verify/jwt.ts";`,
        `import { InvalidTokenError } from "../errors.ts";`,
      ].join("\n"),
      "src/verify/jwt.ts": `import { show } from "../_internal/show.ts";`,
      "src/errors.ts": `import { show } from "./_internal/show.ts";`,
      "src/_internal/show.ts": ``,
    }));
    assert.deepEqual(problems, []);
  });

  it("reports a module over MAX_LINES lines, and accepts one at the limit", () => {
    const at = "x;\n".repeat(MAX_LINES);
    const over = at + "y;\n";
    assert.deepEqual(
      problemsOf(new Map([["src/core/a.ts", at], ["src/core/b.ts", over]])),
      [
        `src/core/b.ts has ${
          MAX_LINES + 1
        } lines, over ${MAX_LINES}: split it by concern (ARCHITECTURE.md, "Folders")`,
      ],
    );
  });

  it("reports an unlisted area, a module outside any area and an import outside src/", () => {
    const problems = problemsOf(repo({
      "src/billing/plan.ts": `import { a } from "../core/a.ts";`,
      "src/stray.ts": ``,
      "src/core/a.ts": `import { fixture } from "../../tests/_helpers.ts";`,
    }));
    assert.deepEqual(problems, [
      `src/billing/plan.ts is in an area that ARCHITECTURE.md (and ALLOWED in tools/check_arch.ts) does not list: add it`,
      `src/stray.ts is in no area: put it in a folder of src/ (ARCHITECTURE.md, "Folders")`,
      "src/core/a.ts imports tests/_helpers.ts, outside src/",
    ]);
  });
});

describe("entryPointProblems()", () => {
  const everything = () => true;

  it("accepts the root mod.ts and an area's mod.ts or mod_<name>.ts", () => {
    assert.deepEqual(
      entryPointProblems({
        ".": "./mod.ts",
        "./mcp": "./src/mcp/mod.ts",
        "./mcp/v1": "./src/mcp/mod_v1.ts",
        "./dev": "./src/dev/mod.ts",
      }, everything),
      [],
    );
  });

  it("refuses an internal file, a file that is not a mod.ts and an unlisted area", () => {
    const problems = entryPointProblems({
      "./evaluate": "./src/core/_evaluate.ts",
      "./runner": "./src/core/runner.ts",
      "./billing": "./src/billing/mod.ts",
      "./helpers": "./src/_internal/mod.ts",
    }, everything);
    assert.equal(problems.length, 4);
    assert.match(
      problems[0]!,
      /^deno\.json exports "\.\/evaluate" points at \.\/src\/core\/_evaluate\.ts: an entry point is \.\/mod\.ts or \.\/src\/<area>\/mod\.ts/,
    );
    for (const problem of problems) assert.match(problem, /"Entry points"/);
  });

  it("refuses an entry point whose file does not exist", () => {
    assert.deepEqual(
      entryPointProblems(
        { "./otel": "./src/otel/mod.ts" },
        (path) => path !== "src/otel/mod.ts",
      ),
      [`deno.json exports "./otel" points at ./src/otel/mod.ts, which does not exist`],
    );
  });
});

describe("violations()", () => {
  it("finds every deno.json entry point of this repository well placed", {
    skip: needsDeno,
  }, async () => {
    const problems = await violations();
    assert.deepEqual(
      problems.filter((problem) => problem.startsWith("deno.json")),
      [],
    );
  });
});

describe("ARCHITECTURE.md", () => {
  it("its dependency table is ALLOWED, area by area", () => {
    const text = readFileSync(
      new URL("../../ARCHITECTURE.md", import.meta.url),
      "utf8",
    );
    const table = new Map<string, string[]>();
    for (
      const [, area, uses] of text.matchAll(/^\| `(\w+)` +\| (.+?) +\|$/gm)
    ) {
      table.set(
        area!,
        uses === "nothing" ? [] : uses!.split(", ").map((u) => u.slice(1, -1)),
      );
    }
    assert.deepEqual(
      Object.fromEntries(table),
      Object.fromEntries(Object.entries(ALLOWED).map(([a, u]) => [a, [...u]])),
    );
  });
});
