/**
 * `deno doc --lint` over both entry points, tolerating one known false
 * positive: `private-type-ref` for a type of the MCP SDK (an npm package).
 * With `nodeModulesDir` the SDK's declarations are `file:` modules, so Deno
 * 2.9 reports its public types as our private ones (denoland/deno#27364).
 * Every other diagnostic, and a private type of our own, fails.
 *
 * @module
 */

const SDK_TYPES_DIR = new URL(
  "../node_modules/@modelcontextprotocol/server/dist/",
  import.meta.url,
);

async function sdkDeclarations(): Promise<string> {
  let text = "";
  for await (const entry of Deno.readDir(SDK_TYPES_DIR)) {
    if (entry.name.endsWith(".d.mts")) {
      text += await Deno.readTextFile(new URL(entry.name, SDK_TYPES_DIR));
    }
  }
  return text;
}

const output = await new Deno.Command(Deno.execPath(), {
  args: ["doc", "--lint", "mod.ts", "mcp.ts"],
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
