/**
 * Declared mappings (COAZ-MCP § "Declared Mappings", a tool's
 * `x-authzen-mapping`): `compileMappings` turns them into what
 * `authzenCheck`'s `mappings` option takes. Their expressions are CEL,
 * evaluated with `@bufbuild/cel`, which is loaded here and only here: an
 * `authzenCheck` without declared mappings never needs it.
 *
 * @module
 */

import { isPlainObject, show } from "../_internal/options.ts";
import type { AuthContext } from "../core/context.ts";
import type { Evaluation } from "./_mapping.ts";

/**
 * A declared mapping (COAZ-MCP `x-authzen-mapping`): exactly one envelope,
 * `evaluation` (one decision) or `evaluations` (several, all of which must
 * allow). String values starting with `$` are CEL expressions over `params`
 * (`name`, and `arguments` when known) and `token` (the claims); `$$` is a
 * literal `$`. A trailing optional selection (`$token.?client_id`) leaves the
 * field out when it is missing.
 *
 * @example Usage
 * ```ts
 * import type { AuthzenMapping } from "@mcp-authz/core/authzen";
 * import assert from "node:assert/strict";
 *
 * const mapping: AuthzenMapping = {
 *   evaluation: {
 *     subject: { type: "identity", id: "$token.sub" },
 *     action: { name: "transfer" },
 *     resource: { type: "account", id: "$params.arguments.from" },
 *     context: { agent: "$token.?client_id" },
 *   },
 * };
 * assert.ok("evaluation" in mapping);
 * ```
 */
export type AuthzenMapping =
  | { evaluation: Readonly<Record<string, unknown>> }
  | { evaluations: Readonly<Record<string, unknown>> };

/** A compiled mapping and the text it was compiled from. Internal. */
export interface DeclaredMapping {
  /** The mapping as declared (a private copy), to advertise. */
  readonly declared: AuthzenMapping;
  /** The evaluations of one decision. */
  evaluations(ctx: AuthContext, subjectClaim: string | false): Evaluation[];
}

/** `mappings[lookup](tool)`: the compiled mapping of a tool. Internal. */
export const lookup: unique symbol = Symbol();
/** `AuthzenMappings[made](byTool)`: what `compileMappings` returns. Internal. */
export const made: unique symbol = Symbol();

/**
 * Declared mappings, compiled by {@linkcode compileMappings}, for the
 * `mappings` option of `authzenCheck`. Immutable.
 *
 * @example Usage
 * ```ts
 * import { compileMappings } from "@mcp-authz/core/authzen";
 * import assert from "node:assert/strict";
 *
 * const mappings = await compileMappings({
 *   transfer: {
 *     evaluation: {
 *       action: { name: "transfer" },
 *       resource: { type: "account", id: "$params.arguments.from" },
 *     },
 *   },
 * });
 * assert.deepEqual(mappings.tools, ["transfer"]);
 * ```
 */
export class AuthzenMappings {
  #byTool: ReadonlyMap<string, DeclaredMapping> = new Map();

  /** The tools that have a declared mapping. */
  get tools(): string[] {
    return [...this.#byTool.keys()];
  }

  /**
   * Internal. The compiled mapping of `tool`.
   *
   * @ignore
   */
  [lookup](tool: string): DeclaredMapping | undefined {
    return this.#byTool.get(tool);
  }

  /**
   * Internal. Mappings holding `byTool`.
   *
   * @ignore
   */
  static [made](byTool: ReadonlyMap<string, DeclaredMapping>): AuthzenMappings {
    const mappings = new AuthzenMappings();
    mappings.#byTool = byTool;
    Object.freeze(mappings);
    return mappings;
  }
}

/** The CEL compiler, loaded on first use (it imports `@bufbuild/cel`). */
async function loadCompiler(): Promise<typeof import("./_cel.ts")> {
  try {
    return await import("./_cel.ts");
  } catch (cause) {
    throw new Error(
      "compileMappings needs the @bufbuild/cel package (an optional peer dependency of @mcp-authz/core/authzen): install it, e.g. npm install @bufbuild/cel",
      { cause },
    );
  }
}

/**
 * Compiles declared mappings (COAZ-MCP `x-authzen-mapping`), by tool name,
 * for `authzenCheck({ mappings })`. Every CEL expression is parsed here, so
 * a bad one fails at startup, never on a call. Loads `@bufbuild/cel` (an
 * optional dependency: install it to use declared mappings).
 *
 * A tool with a declared mapping is decided by it instead of the default
 * mapping and the `subject`/`action`/`resource`/`context` functions; an
 * `evaluations` envelope allows only when every evaluation allows. A list
 * has no arguments: an expression reading `params.arguments` fails there,
 * which hides the tool (write `has(params.arguments) ? ... : ...` to list
 * it). The MCP guard advertises each mapping in its tool's `inputSchema`
 * as `x-authzen-mapping`.
 *
 * @param mappings Tool name -> mapping.
 * @returns The compiled mappings.
 * @throws {TypeError} When `mappings` is not an object of mappings, a
 * mapping has not exactly one envelope, an `evaluations` entry names its own
 * subject, a value is not JSON, or an expression does not parse.
 * @throws {Error} When `@bufbuild/cel` is not installed.
 *
 * @example Usage
 * ```ts
 * import { compileMappings } from "@mcp-authz/core/authzen";
 * import assert from "node:assert/strict";
 *
 * await assert.rejects(
 *   compileMappings({ transfer: { evaluation: { action: { name: "$1 +" } } } }),
 *   /not a valid CEL expression/,
 * );
 * ```
 */
export async function compileMappings(
  mappings: Readonly<Record<string, AuthzenMapping>>,
): Promise<AuthzenMappings> {
  if (!isPlainObject(mappings)) {
    throw new TypeError(
      `compileMappings expects an object of tool name -> mapping, got ${
        show(mappings)
      }`,
    );
  }
  const { compileMapping } = await loadCompiler();
  const byTool = new Map<string, DeclaredMapping>();
  for (const [tool, mapping] of Object.entries(mappings)) {
    // A private copy, compiled and advertised: what is advertised is what
    // decides, whatever the caller does to its object afterwards.
    let declared: AuthzenMapping;
    try {
      declared = structuredClone(mapping);
    } catch {
      throw new TypeError(
        `compileMappings: mappings[${
          show(tool)
        }] must be JSON (strings, numbers, booleans, null, arrays and objects)`,
      );
    }
    const compiled = compileMapping(tool, declared);
    byTool.set(tool, {
      declared,
      evaluations: (ctx, claim) => compiled.evaluations(ctx, claim),
    });
  }
  return AuthzenMappings[made](byTool);
}
