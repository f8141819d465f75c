/**
 * `deno task check:arch`: the dependency rule of ARCHITECTURE.md, enforced.
 * Reads every module under `src/` (and the root `mod.ts`), follows each
 * relative `import` / `export ... from` (type-only ones included), and fails
 * on an import cycle, on an import that goes against the layer order, on a
 * module outside an area folder, on a module over {@linkcode MAX_LINES}
 * lines, and on a deno.json `exports` entry that is not the root `mod.ts` or
 * an area's `mod.ts` / `mod_<name>.ts`.
 *
 * @module
 */

/** What each area of `src/` may import, besides itself. */
export const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  _internal: [],
  errors: ["_internal"],
  core: ["_internal", "errors"],
  verify: ["_internal", "errors", "core"],
  http: ["_internal", "errors", "core", "verify"],
  dpop: ["_internal", "errors", "core", "verify", "http"],
  mcp: ["_internal", "errors", "core", "verify", "http"],
  authzen: ["_internal", "errors", "core"],
  stores: ["_internal", "errors", "core", "verify", "dpop"],
  dev: ["_internal", "errors", "core", "verify", "http"],
  otel: ["_internal", "errors", "core", "verify", "http", "dpop", "mcp"],
  adapters: ["_internal", "errors", "core", "verify", "http", "dpop", "mcp"],
};

/** The most lines a module of `src/` may have (issue 8): split it by concern. */
export const MAX_LINES = 450;

const ROOT = new URL("../", import.meta.url);
const SPECIFIER =
  /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?["'](\.{1,2}\/[^"']+)["']/g;
const DYNAMIC = /\bimport\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g;

/** The area a repository path belongs to: `core`, `errors`, `root` ... */
export function areaOf(path: string): string | undefined {
  if (path === "mod.ts") return "root";
  if (path === "src/errors.ts") return "errors";
  const match = /^src\/([^/]+)\//.exec(path);
  return match?.[1];
}

/** The relative imports of a module's text, comments stripped. */
export function importsOf(text: string): string[] {
  const code = text
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
  const found: string[] = [];
  for (const pattern of [SPECIFIER, DYNAMIC]) {
    for (const match of code.matchAll(pattern)) found.push(match[1]!);
  }
  return found;
}

async function modules(dir: URL, prefix: string): Promise<string[]> {
  const paths: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = `${prefix}${entry.name}`;
    if (entry.isDirectory) {
      paths.push(...await modules(new URL(`${entry.name}/`, dir), `${path}/`));
    } else if (entry.name.endsWith(".ts")) {
      paths.push(path);
    }
  }
  return paths;
}

function resolve(from: string, specifier: string): string {
  const url = new URL(specifier, new URL(from, "file:///repo/"));
  return url.pathname.slice("/repo/".length);
}

/** The cycles of a graph (Tarjan's strongly connected components). */
export function cycles(graph: ReadonlyMap<string, string[]>): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    indexOf.set(node, index);
    low.set(node, index);
    index++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indexOf.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, indexOf.get(next)!));
      }
    }
    if (low.get(node) === indexOf.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      const selfLoop = (graph.get(node) ?? []).includes(node);
      if (component.length > 1 || selfLoop) found.push(component.reverse());
    }
  };
  for (const node of graph.keys()) if (!indexOf.has(node)) visit(node);
  return found;
}

/**
 * Every violation of the dependency rule among `sources` (repository path
 * to module text; `mod.ts` and the files under `src/`), as messages.
 */
export function problemsOf(sources: ReadonlyMap<string, string>): string[] {
  const graph = new Map<string, string[]>();
  const problems: string[] = [];
  for (const [path, text] of sources) {
    const targets = importsOf(text).map((spec) => resolve(path, spec));
    graph.set(path, targets.filter((target) => sources.has(target)));
    const lines = text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
    if (lines > MAX_LINES) {
      problems.push(
        `${path} has ${lines} lines, over ${MAX_LINES}: split it by concern (ARCHITECTURE.md, "Folders")`,
      );
    }
    const from = areaOf(path);
    if (from === undefined) {
      problems.push(
        `${path} is in no area: put it in a folder of src/ (ARCHITECTURE.md, "Folders")`,
      );
    }
    for (const target of targets) {
      const to = areaOf(target);
      if (to === undefined) {
        problems.push(`${path} imports ${target}, outside src/`);
        continue;
      }
      if (from === "root") {
        if (to === "root") problems.push(`${path} imports itself`);
        continue;
      }
      if (from === undefined || from === to) continue;
      const allowed = ALLOWED[from];
      if (allowed === undefined) {
        problems.push(
          `${path} is in an area that ARCHITECTURE.md (and ALLOWED in tools/check_arch.ts) does not list: add it`,
        );
      } else if (!allowed.includes(to)) {
        problems.push(
          `${path} imports ${target}: ${from}/ may import only ${
            allowed.length === 0 ? "nothing" : allowed.join(", ")
          } (ARCHITECTURE.md, "The dependency rule")`,
        );
      }
    }
  }
  for (const cycle of cycles(graph)) {
    problems.push(`import cycle: ${[...cycle, cycle[0]].join(" -> ")}`);
  }
  return problems;
}

const ENTRY_MODULE = /^\.\/src\/([a-z][a-z0-9_]*)\/mod(?:_[a-z0-9_]+)?\.ts$/;

/**
 * The problems of deno.json `exports`: every entry point is the root
 * `mod.ts`, or `mod.ts` (`mod_<name>.ts` for a second entry) directly in a
 * folder of an area that `ALLOWED` lists, and that file exists.
 */
export function entryPointProblems(
  exports: Readonly<Record<string, string>>,
  exists: (path: string) => boolean,
): string[] {
  const problems: string[] = [];
  for (const [entry, target] of Object.entries(exports)) {
    const area = ENTRY_MODULE.exec(target)?.[1];
    if (target !== "./mod.ts" && (area === undefined || !(area in ALLOWED))) {
      problems.push(
        `deno.json exports "${entry}" points at ${target}: an entry point is ./mod.ts or ./src/<area>/mod.ts (./src/<area>/mod_<name>.ts for a second one), <area> one of ${
          Object.keys(ALLOWED).filter((a) =>
            !["_internal", "errors"].includes(a)
          )
            .join(", ")
        } (ARCHITECTURE.md, "Entry points")`,
      );
    } else if (!exists(target.slice(2))) {
      problems.push(
        `deno.json exports "${entry}" points at ${target}, which does not exist`,
      );
    }
  }
  return problems;
}

/** Every violation of the dependency rule in the repository, as messages. */
export async function violations(): Promise<string[]> {
  const paths = ["mod.ts", ...await modules(new URL("src/", ROOT), "src/")];
  const sources = new Map<string, string>();
  for (const path of paths) {
    sources.set(path, await Deno.readTextFile(new URL(path, ROOT)));
  }
  const config = JSON.parse(
    await Deno.readTextFile(new URL("deno.json", ROOT)),
  ) as { exports?: Record<string, string> };
  return [
    ...problemsOf(sources),
    ...entryPointProblems(config.exports ?? {}, (path) => sources.has(path)),
  ];
}

if (import.meta.main) {
  const problems = await violations();
  for (const problem of problems) console.error(`check:arch: ${problem}`);
  if (problems.length > 0) Deno.exit(1);
  console.log(
    `check:arch: no cycle, every import follows the layer order, no module over ${MAX_LINES} lines, every entry point is an area's mod.ts`,
  );
}
