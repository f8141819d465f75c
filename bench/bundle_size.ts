/**
 * `deno task bench:size`: what an edge user pays, in bytes. Bundles a few
 * sets of exports with `deno bundle --minify`, gzips each at level 9 and
 * prints a markdown table (kB = 1,000 bytes):
 *
 * - the core (`Authorizer`, `requireScopes`, `restrictTag`,
 *   `runAuthChecks`), target ≤ 3.0 kB;
 * - jose's floor (`jwtVerify` + `createRemoteJWKSet` alone), the reference;
 * - the JWT edge path (`withBearerAuth`, `JwtVerifier`,
 *   `protectedResourceMetadata`, `Authorizer`), target ≤ jose's floor +
 *   6 kB, and the rule that it holds no DPoP or introspection module;
 * - for information: the DPoP path and the MCP guard entry (the MCP SDK
 *   left external: its user has it already).
 *
 * Which modules a bundle holds is read from its source map: a module is in
 * when some output byte maps to it (tree-shaken modules map to none). The
 * literal `"dpop+jwt"` (the proof `typ`, RFC 9449 §4.2) is checked too, in
 * case a source map ever loses a module.
 *
 * `--check` exits 1 when a target or the rule is broken (for CI); without
 * it, the table is printed and the exit code is 0 unless a build fails.
 *
 * @module
 */
import { gzipSync } from "node:zlib";
import { fileURLToPath, pathToFileURL } from "node:url";

/** One bundle to measure: which exports of which entry point. */
export interface BundleSpec {
  id: string;
  label: string;
  /** A key of deno.json `exports` (".", "./mcp"), or a bare package name. */
  entry: string;
  names: readonly string[];
  /** Names used only when the entry exports them (an API still arriving). */
  optionalNames?: readonly string[];
  /** Packages left out of the bundle. */
  external?: readonly string[];
}

/** The bundles of the table, in its order. */
export const BUNDLES: readonly BundleSpec[] = [
  {
    id: "core",
    label: "core",
    entry: ".",
    names: ["Authorizer", "requireScopes", "restrictTag", "runAuthChecks"],
  },
  {
    id: "jose",
    label: "jose's floor",
    entry: "jose",
    names: ["jwtVerify", "createRemoteJWKSet"],
  },
  {
    id: "edge",
    label: "JWT edge path",
    entry: ".",
    names: [
      "withBearerAuth",
      "JwtVerifier",
      "protectedResourceMetadata",
      "Authorizer",
    ],
  },
  {
    id: "dpop",
    label: "DPoP path",
    entry: ".",
    names: [
      "withBearerAuth",
      "JwtVerifier",
      "protectedResourceMetadata",
      "Authorizer",
    ],
    optionalNames: ["dpopScheme"],
  },
  {
    id: "mcp",
    label: "MCP guard (SDK external)",
    entry: "./mcp",
    names: ["guardServer"],
    external: ["@modelcontextprotocol/*", "npm:@modelcontextprotocol/*"],
  },
];

/** Core: at most this many gzip bytes. */
export const CORE_LIMIT = 3_000;
/** JWT edge path: at most jose's floor plus this many gzip bytes. */
export const EDGE_ALLOWANCE = 6_000;

/** A module the JWT edge path must not hold, by the path that names it. */
export const FORBIDDEN_IN_EDGE: readonly { pattern: RegExp; why: string }[] = [
  { pattern: /(^|\/)src\/dpop\//, why: "DPoP" },
  { pattern: /(^|\/)src\/verify\/_?introspection[^/]*$/, why: "introspection" },
  // jose's code for proofs: the embedded public key and its thumbprint.
  {
    pattern: /(^|\/)jose\/.*\/jwk\/(embedded|thumbprint)\.js$/,
    why: "DPoP (jose)",
  },
];

/** What the core bundle may hold of ours: core, its helpers, the errors. */
const CORE_AREAS = /^src\/(core\/|_internal\/|errors\.ts$)/;

/** A literal only the DPoP proof verifier contains. */
export const DPOP_LITERAL = '"dpop+jwt"';

/** A built bundle: its sizes and the modules its bytes come from. */
export interface Measured {
  spec: BundleSpec;
  names: readonly string[];
  missing: readonly string[];
  minified: number;
  gzip: number;
  /** Minified bytes per source module, repository-relative where possible. */
  modules: ReadonlyMap<string, number>;
  code: string;
}

const BASE64 =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Decodes one source-map segment (base64 VLQ) into its fields. */
export function decodeVlq(segment: string): number[] {
  const fields: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = BASE64.indexOf(char);
    if (digit < 0) throw new SyntaxError(`Bad VLQ character "${char}"`);
    value += (digit & 31) * 2 ** shift;
    if (digit & 32) {
      shift += 5;
    } else {
      fields.push(value % 2 === 1 ? -(value - 1) / 2 : value / 2);
      value = 0;
      shift = 0;
    }
  }
  return fields;
}

/**
 * Output bytes per source of a source map: each mapped segment owns the
 * generated text up to the next segment of its line. Unmapped text, and
 * the bundle's closing `export { ... }` (the bundler's glue), belong to no
 * source.
 */
export function bytesPerSource(
  code: string,
  map: { sources: readonly string[]; mappings: string },
): Map<string, number> {
  const lines = code.split("\n");
  const glue = /export\s*\{[^}]*\};?\s*$/.exec(code)?.index ?? code.length;
  const glueRow = code.slice(0, glue).split("\n").length - 1;
  const glueColumn = glue - (code.lastIndexOf("\n", glue - 1) + 1);
  const bytes = new Map<string, number>();
  let source = 0;
  for (const [row, line] of map.mappings.split(";").entries()) {
    const text = lines[row] ?? "";
    let column = 0;
    let owner: string | undefined;
    const credit = (to: number) => {
      const end = row === glueRow ? Math.min(to, glueColumn) : to;
      if (owner !== undefined && end > column) {
        bytes.set(owner, (bytes.get(owner) ?? 0) + end - column);
      }
    };
    for (const segment of line.split(",")) {
      if (segment === "") continue;
      const fields = decodeVlq(segment);
      const next = column + fields[0]!;
      credit(next);
      column = next;
      if (fields.length > 1) {
        source += fields[1]!;
        owner = map.sources[source];
      } else {
        owner = undefined;
      }
    }
    credit(text.length);
  }
  return bytes;
}

/** The modules of a bundle the JWT edge path must not hold. */
export function forbiddenModules(
  modules: Iterable<string>,
): { module: string; why: string }[] {
  const found: { module: string; why: string }[] = [];
  for (const module of modules) {
    const rule = FORBIDDEN_IN_EDGE.find(({ pattern }) => pattern.test(module));
    if (rule !== undefined) found.push({ module, why: rule.why });
  }
  return found;
}

/** Bytes as kB with two decimals, kB = 1,000 bytes. */
export function kB(bytes: number): string {
  return `${(bytes / 1_000).toFixed(2)} kB`;
}

/** The Deno that bundles (the report is also read under Node and Bun). */
function denoVersion(): string {
  return (globalThis as { Deno?: typeof Deno }).Deno?.version.deno ?? "?";
}

const REPO = fileURLToPath(new URL("../", import.meta.url));

function entrySpecifier(
  entry: string,
  exportsMap: Readonly<Record<string, string>>,
): string {
  if (!entry.startsWith(".")) return entry;
  const target = exportsMap[entry];
  if (target === undefined) {
    throw new Error(`deno.json exports has no "${entry}" entry point`);
  }
  return new URL(target, new URL("../", import.meta.url)).href;
}

/**
 * A source map entry as a path inside this repository (`src/core/x.ts`)
 * or an npm package (`jose/dist/...`). Sources are relative to the map
 * (§ "sources" of the source map format), so they are resolved against it:
 * stripping `../` would misread a clone that sits beside the temp folder.
 */
function relative(source: string, mapUrl: URL): string {
  const path = fileURLToPath(new URL(source, mapUrl));
  const modules = path.lastIndexOf("/node_modules/");
  if (modules >= 0) return path.slice(modules + "/node_modules/".length);
  return path.startsWith(REPO) ? path.slice(REPO.length) : path;
}

async function build(
  spec: BundleSpec,
  dir: string,
  exportsMap: Readonly<Record<string, string>>,
): Promise<Measured> {
  const specifier = entrySpecifier(spec.entry, exportsMap);
  const exported = spec.optionalNames === undefined
    ? new Set<string>()
    : new Set(Object.keys(await import(specifier)));
  const present = (spec.optionalNames ?? []).filter((n) => exported.has(n));
  const names = [...spec.names, ...present];
  const missing = (spec.optionalNames ?? []).filter((n) => !exported.has(n));
  const input = `${dir}/${spec.id}.ts`;
  const output = `${dir}/${spec.id}.js`;
  await Deno.writeTextFile(
    input,
    `export { ${names.join(", ")} } from ${JSON.stringify(specifier)};\n`,
  );
  const args = [
    "bundle",
    "--quiet",
    "--config",
    `${REPO}deno.json`,
    "--minify",
    "--sourcemap=external",
    ...(spec.external ?? []).flatMap((name) => ["--external", name]),
    "--output",
    output,
    input,
  ];
  const result = await new Deno.Command(Deno.execPath(), {
    args,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  if (result.code !== 0) {
    throw new Error(
      `deno bundle of ${spec.label} failed:\n${
        new TextDecoder().decode(result.stderr)
      }`,
    );
  }
  const bytes = await Deno.readFile(output);
  const code = new TextDecoder().decode(bytes);
  const map = JSON.parse(await Deno.readTextFile(`${output}.map`));
  const mapUrl = pathToFileURL(`${output}.map`);
  const modules = new Map<string, number>();
  for (const [source, size] of bytesPerSource(code, map)) {
    const key = relative(source, mapUrl);
    modules.set(key, (modules.get(key) ?? 0) + size);
  }
  return {
    spec,
    names,
    missing,
    minified: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    modules,
    code,
  };
}

/** The verdicts of a set of measured bundles (by id). */
export interface Verdict {
  coreOk: boolean;
  edgeOk: boolean;
  edgeLimit: number;
  forbidden: { module: string; why: string; bytes: number }[];
  dpopLiteral: boolean;
  ruleOk: boolean;
}

/** Judges the targets and the rule. */
export function judge(measured: ReadonlyMap<string, Measured>): Verdict {
  const core = measured.get("core")!;
  const jose = measured.get("jose")!;
  const edge = measured.get("edge")!;
  const edgeLimit = jose.gzip + EDGE_ALLOWANCE;
  const forbidden = forbiddenModules(edge.modules.keys()).map((found) => ({
    ...found,
    bytes: edge.modules.get(found.module)!,
  }));
  const dpopLiteral = edge.code.includes(DPOP_LITERAL);
  return {
    coreOk: core.gzip <= CORE_LIMIT,
    edgeOk: edge.gzip <= edgeLimit,
    edgeLimit,
    forbidden,
    dpopLiteral,
    ruleOk: forbidden.length === 0 && !dpopLiteral,
  };
}

/** The markdown table and the notes under it. */
export function report(
  measured: ReadonlyMap<string, Measured>,
  verdict: Verdict,
): string {
  const status = (ok: boolean) => ok ? "ok" : "OVER";
  const target = (id: string): [string, string] => {
    if (id === "core") {
      return [`≤ ${kB(CORE_LIMIT)}`, status(verdict.coreOk)];
    }
    if (id === "edge") {
      return [
        `≤ ${kB(verdict.edgeLimit)} (jose + ${kB(EDGE_ALLOWANCE)})`,
        status(verdict.edgeOk),
      ];
    }
    return id === "jose" ? ["reference", ""] : ["information", ""];
  };
  const rows = [...measured.values()].map((m) => [
    m.spec.label,
    m.names.map((n) => `\`${n}\``).join(", "),
    kB(m.minified),
    kB(m.gzip),
    ...target(m.spec.id),
  ]);
  rows.push([
    "JWT edge path holds no DPoP or introspection module",
    verdict.forbidden.length === 0
      ? "none"
      : `${verdict.forbidden.length} (listed below)`,
    "",
    "",
    "none",
    verdict.ruleOk ? "ok" : "BROKEN",
  ]);
  const header = ["bundle", "exports", "minified", "gzip -9", "target", ""];
  const widths = header.map((cell, i) =>
    Math.max(cell.length, ...rows.map((row) => row[i]!.length))
  );
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`;
  const notes: string[] = [];
  for (const m of measured.values()) {
    if (m.missing.length > 0) {
      notes.push(
        `${m.spec.label}: ${
          m.missing.map((n) => `\`${n}\``).join(", ")
        } not exported yet, measured without it`,
      );
    }
  }
  const core = measured.get("core")!;
  const strays = [...core.modules].filter(([module]) =>
    module.startsWith("src/") && !CORE_AREAS.test(module)
  );
  for (const [module, bytes] of strays) {
    notes.push(
      `core holds top-level code of ${module}, ${bytes} minified bytes`,
    );
  }
  for (const f of verdict.forbidden) {
    notes.push(
      `JWT edge path holds ${f.module} (${f.why}), ${f.bytes} minified bytes`,
    );
  }
  if (verdict.dpopLiteral) {
    notes.push(`JWT edge path contains the DPoP literal ${DPOP_LITERAL}`);
  }
  const edge = measured.get("edge")!;
  const jose = measured.get("jose")!;
  notes.push(
    `JWT edge path: ${kB(edge.gzip - jose.gzip)} gzip over jose's floor`,
    `deno bundle --minify (Deno ${denoVersion()}), gzip -9, kB = 1,000 bytes`,
  );
  return [
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
    "",
    ...notes.map((note) => `- ${note}`),
  ].join("\n");
}

/** Builds every bundle of `BUNDLES` in a temporary directory. */
export async function measureAll(): Promise<Map<string, Measured>> {
  const config = JSON.parse(await Deno.readTextFile(`${REPO}deno.json`)) as {
    exports: Record<string, string>;
  };
  const dir = await Deno.makeTempDir({ prefix: "mcp-authz-size-" });
  try {
    const measured = new Map<string, Measured>();
    for (const spec of BUNDLES) {
      measured.set(spec.id, await build(spec, dir, config.exports));
    }
    return measured;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const unknown = Deno.args.filter((arg) => arg !== "--check");
  if (unknown.length > 0) {
    console.error(`Unknown argument "${unknown[0]}": use --check or nothing`);
    Deno.exit(2);
  }
  const measured = await measureAll();
  const verdict = judge(measured);
  console.log(report(measured, verdict));
  const ok = verdict.coreOk && verdict.edgeOk && verdict.ruleOk;
  if (Deno.args.includes("--check") && !ok) {
    console.error("bench:size: a size target or the no-DPoP rule is broken");
    Deno.exit(1);
  }
}
