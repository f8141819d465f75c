/**
 * What checks may say about a listed tool: a check with an
 * `advertise(component)` method returns JSON Schema extension keywords
 * (`x-...`) for the tool's `inputSchema` in `tools/list`, such as the
 * AuthZEN check's declared mapping (COAZ-MCP `x-authzen-mapping`). The
 * checks asked are the tool's own `auth` and the server's layers, in that
 * order, as they decide; a check inside `anyOf`/`allOf` is not asked.
 * Internal.
 *
 * @module
 */

import { isRecord } from "../_internal/options.ts";
import { type Authorizer, layerChecks } from "../core/authorizer.ts";
import { toCheckList } from "../core/_evaluate.ts";
import type { AuthCheck, Component } from "../core/context.ts";

/** A check with an `advertise` method, as far as the guard knows it. */
type Advertiser = AuthCheck & {
  advertise(component: Component): unknown;
};

/** An extension keyword of JSON Schema: what a check may add, and only that. */
const EXTENSION = /^x-/;

function isAdvertiser(check: unknown): check is Advertiser {
  try {
    return typeof check === "function" &&
      typeof (check as { advertise?: unknown }).advertise === "function";
  } catch {
    return false; // A hostile check: it advertises nothing.
  }
}

/**
 * Adds what `advertisers` say about `component` to `schema` (a copy), never
 * replacing a keyword the schema already has or an earlier check gave.
 * A check that throws, or answers anything but an object of JSON values,
 * adds nothing: advertising never changes a decision.
 */
function extend(
  schema: Record<string, unknown>,
  advertisers: readonly Advertiser[],
  component: Component,
): Record<string, unknown> {
  let extended: Record<string, unknown> | undefined;
  for (const check of advertisers) {
    try {
      const said: unknown = check.advertise(component);
      if (!isRecord(said)) continue;
      for (const key of Object.keys(said)) {
        if (!EXTENSION.test(key) || Object.hasOwn(extended ?? schema, key)) {
          continue;
        }
        // Plain JSON, detached from the check's own objects.
        const value: unknown = JSON.parse(JSON.stringify(said[key]) ?? "null");
        extended ??= { ...schema };
        extended[key] = value;
      }
    } catch {
      // Not JSON, or a throwing check: nothing from it.
    }
  }
  return extended ?? schema;
}

/**
 * The `tools/list` item decorator of one listing: each kept tool's
 * `inputSchema` with what its checks advertise. Layers are read once per
 * listing; a server whose checks advertise nothing gets its items as the
 * SDK made them.
 */
export function advertisedTools(
  authorizer: Authorizer,
): (item: unknown, component: Component) => unknown {
  const layers = authorizer[layerChecks].filter(isAdvertiser);
  return (item, component) => {
    if (!isRecord(item) || !isRecord(item.inputSchema)) return item;
    const own = component.auth === undefined
      ? []
      : toCheckList(component.auth).filter(isAdvertiser);
    if (own.length === 0 && layers.length === 0) return item;
    const schema = extend(item.inputSchema, [...own, ...layers], component);
    return schema === item.inputSchema
      ? item
      : { ...item, inputSchema: schema };
  };
}
