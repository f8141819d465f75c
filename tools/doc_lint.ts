/**
 * `deno doc --lint` over every entry point (deno.json `exports`), tolerating
 * one known false positive: `private-type-ref` for a type of an npm package
 * (the MCP SDKs, v2 and 1.x; Hono, for `./hono`; `@opentelemetry/api`, for
 * `./otel`).
 * With `nodeModulesDir` the SDK's declarations are `file:` modules, so Deno
 * 2.9 reports its public types as our private ones (denoland/deno#27364).
 * Every other diagnostic, and a private type of our own, fails.
 *
 * @module
 */

const SDK_TYPE_DIRS = [
  "../node_modules/@modelcontextprotocol/server/dist/",
  "../node_modules/@modelcontextprotocol/sdk/dist/esm/",
  "../node_modules/hono/dist/types/",
  "../node_modules/@opentelemetry/api/dist/",
].map((path) => new URL(path, import.meta.url));

async function readDeclarations(dir: URL): Promise<string> {
  let text = "";
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isDirectory) {
      text += await readDeclarations(new URL(`${entry.name}/`, dir));
    } else if (/\.d\.m?ts$/.test(entry.name)) {
      text += await Deno.readTextFile(new URL(entry.name, dir));
    }
  }
  return text;
}

async function sdkDeclarations(): Promise<string> {
  const texts = await Promise.all(SDK_TYPE_DIRS.map(readDeclarations));
  return texts.join("\n");
}

/** Every entry point of the package, as deno.json `exports` lists them. */
async function entryPoints(): Promise<string[]> {
  const config = JSON.parse(
    await Deno.readTextFile(new URL("../deno.json", import.meta.url)),
  ) as { exports: Record<string, string> };
  return Object.values(config.exports);
}

const output = await new Deno.Command(Deno.execPath(), {
  args: ["doc", "--lint", ...await entryPoints()],
  env: { NO_COLOR: "1" },
  stdout: "piped",
  stderr: "piped",
}).output();
const text = new TextDecoder().decode(output.stderr);
const declarations = await sdkDeclarations();
const diagnostics = text.split(/\n(?=error\[)/).filter((d) =>
  d.startsWith("error[")
);
const kept = diagnostics.filter((diagnostic) => {
  const match = diagnostic.match(
    /^error\[private-type-ref\]: public type '[^']+' references private type '([\w$]+)'/,
  );
  if (match === null) return true;
  const name = match[1]!;
  const declared = new RegExp(
    `(?:type|interface|class) ${name.replace("$", "\\$")}\\b`,
  );
  return !declared.test(declarations);
});
const summaryOnly = !output.success && diagnostics.length === 0;
if (kept.length > 0 || summaryOnly) {
  console.error(kept.length > 0 ? kept.join("\n") : text);
  Deno.exit(1);
}
console.log(
  `doc lint: clean (${diagnostics.length} SDK type references tolerated)`,
);
