/**
 * Declared mappings (COAZ-MCP § "Declared Mappings", the `x-authzen-mapping`
 * of a tool): a template of an Access Evaluation(s) request whose string
 * values starting with `$` are CEL expressions over `params` and `token`
 * (`$$` escapes a literal `$`). Compiled once, evaluated per request with
 * `@bufbuild/cel`. Internal, and loaded only by `compileMappings` (a dynamic
 * import): `@bufbuild/cel` is an optional dependency of `./authzen`.
 *
 * @module
 */

import {
  celEnv,
  type CelValue,
  isCelError,
  isCelList,
  isCelMap,
  isCelUint,
  parse,
  plan,
} from "@bufbuild/cel";
import { isRecord, show } from "../_internal/options.ts";
import type { AuthContext } from "../core/context.ts";
import {
  actionOf,
  contextOf,
  entityOf,
  type Evaluation,
  MappingError,
  subjectIdOf,
} from "./_mapping.ts";

type Bindings = Record<string, unknown>;

/** A field an optional selection (`.?`) left out. */
const ABSENT: unique symbol = Symbol("absent");
type Resolved = unknown | typeof ABSENT;

type Node =
  | { kind: "literal"; value: unknown }
  | {
    kind: "expression";
    source: string;
    run: (bindings: Bindings) => unknown;
    present?: (bindings: Bindings) => unknown;
  }
  | { kind: "list"; items: Node[] }
  | { kind: "map"; entries: [string, Node][] };

// One environment for the module: the standard library, no custom
// functions; nothing in it changes after this line.
const env = celEnv();

function compileExpression(
  source: string,
  where: string,
): (bindings: Bindings) => unknown {
  try {
    const run = plan(env, parse(source));
    return (bindings) => run(bindings as never);
  } catch {
    throw new TypeError(
      `compileMappings: ${where} is not a valid CEL expression: ${
        show(source)
      }`,
    );
  }
}

// `x.?y` at the end of an expression: the field is left out when `y` is missing.
const OPTIONAL_TAIL = /^(.*)\.\?([A-Za-z_][A-Za-z0-9_]*)\s*$/s;

function compileNode(value: unknown, where: string, depth: number): Node {
  if (depth > 16) {
    throw new TypeError(`compileMappings: ${where} is nested too deeply`);
  }
  if (typeof value === "string") {
    if (value.startsWith("$$")) {
      return { kind: "literal", value: value.slice(1) };
    }
    if (!value.startsWith("$")) return { kind: "literal", value };
    const source = value.slice(1);
    const tail = OPTIONAL_TAIL.exec(source);
    if (tail !== null && !tail[1]!.includes(".?")) {
      const selected = `${tail[1]}.${tail[2]}`;
      return {
        kind: "expression",
        source: value,
        run: compileExpression(selected, where),
        present: compileExpression(`has(${selected})`, where),
      };
    }
    if (source.includes(".?")) {
      throw new TypeError(
        `compileMappings: ${where} uses optional selection (.?) inside an expression; only a trailing "x.?field" is supported`,
      );
    }
    return {
      kind: "expression",
      source: value,
      run: compileExpression(source, where),
    };
  }
  if (
    value === null || typeof value === "boolean" ||
    (typeof value === "number" && Number.isFinite(value))
  ) {
    return { kind: "literal", value };
  }
  if (Array.isArray(value)) {
    return {
      kind: "list",
      items: value.map((item, i) =>
        compileNode(item, `${where}[${i}]`, depth + 1)
      ),
    };
  }
  if (isRecord(value)) {
    return {
      kind: "map",
      entries: Object.entries(value).map((
        [key, item],
      ) => [key, compileNode(item, `${where}.${key}`, depth + 1)]),
    };
  }
  throw new TypeError(
    `compileMappings: ${where} must be JSON (a string, number, boolean, null, array or object)`,
  );
}

/**
 * Sets an own property, whatever its name: a key `"__proto__"` (from a
 * call's arguments) stays a key, it never replaces the object's prototype.
 */
function setOwn(out: Record<string, unknown>, key: string, value: unknown) {
  Object.defineProperty(out, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/**
 * A CEL result as JSON; bytes, timestamps, types and huge ints are not.
 * `where` names the expression only: keys and items come from the call's
 * arguments, which never reach a log.
 */
function toJson(value: CelValue | unknown, where: string, depth = 0): unknown {
  if (depth > 32) throw new MappingError(`${where} is nested too deeply`);
  if (
    value === null || typeof value === "string" || typeof value === "boolean"
  ) {
    return value;
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      throw new MappingError(`${where} is not finite`);
    }
    return value;
  }
  if (typeof value === "bigint" || isCelUint(value)) {
    const big = typeof value === "bigint" ? value : value.value;
    if (
      big > BigInt(Number.MAX_SAFE_INTEGER) ||
      big < BigInt(Number.MIN_SAFE_INTEGER)
    ) {
      throw new MappingError(`${where} is an integer too large for JSON`);
    }
    return Number(big);
  }
  if (isCelList(value)) {
    return [...value].map((item) => toJson(item, where, depth + 1));
  }
  if (isCelMap(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of value) {
      if (typeof key !== "string") {
        throw new MappingError(`${where} has a key that is not a string`);
      }
      setOwn(out, key, toJson(item, where, depth + 1));
    }
    return out;
  }
  if (Array.isArray(value)) {
    return value.map((item) => toJson(item, where, depth + 1));
  }
  if (isRecord(value) && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      setOwn(out, key, toJson(item, where, depth + 1));
    }
    return out;
  }
  throw new MappingError(`${where} is not a JSON value`);
}

function resolve(node: Node, bindings: Bindings, where: string): Resolved {
  switch (node.kind) {
    case "literal":
      return node.value;
    case "expression": {
      let value: unknown;
      try {
        if (node.present !== undefined && node.present(bindings) !== true) {
          return ABSENT;
        }
        value = node.run(bindings);
      } catch {
        value = undefined;
      }
      if (value === undefined || isCelError(value)) {
        // The expression is the server's own text; the values are not logged.
        throw new MappingError(
          `expression ${JSON.stringify(node.source)} at ${where} failed`,
        );
      }
      return toJson(value, where);
    }
    case "list":
      return node.items.map((item, i) => {
        const value = resolve(item, bindings, `${where}[${i}]`);
        if (value === ABSENT) {
          throw new MappingError(`${where}[${i}] is absent`);
        }
        return value;
      });
    case "map": {
      const out: Record<string, unknown> = {};
      for (const [key, item] of node.entries) {
        const value = resolve(item, bindings, `${where}.${key}`);
        if (value !== ABSENT) setOwn(out, key, value);
      }
      return out;
    }
  }
}

/** A declared mapping, compiled: builds the evaluations of one tool call. */
export interface CompiledMapping {
  evaluations(ctx: AuthContext, subjectClaim: string | false): Evaluation[];
}

function topLevel(
  resolved: Record<string, unknown>,
  ctx: AuthContext,
  claim: string | false,
): Record<string, unknown> {
  // COAZ: an omitted subject.type is "identity", an omitted subject.id is
  // the subject-identity claim; either way it is verified afterwards.
  const declared = resolved.subject ?? {};
  if (!isRecord(declared)) throw new MappingError("subject must be an object");
  const subject: Record<string, unknown> = { ...declared };
  subject.type ??= "identity";
  if (subject.id === undefined && claim !== false) {
    subject.id = subjectIdOf(ctx, claim);
  }
  return entityOf(subject, "subject");
}

function bindingsOf(ctx: AuthContext): Bindings {
  const params: Record<string, unknown> = {};
  const { kind, name, uri } = ctx.component;
  if (kind === "resource" || kind === "resourceTemplate") params.uri = uri;
  else params.name = name;
  if (ctx.arguments !== undefined) params.arguments = ctx.arguments;
  const claims = ctx.token?.claims;
  return { params, token: isRecord(claims) ? claims : {} };
}

/**
 * Compiles a declared mapping: exactly one envelope, `evaluation` or
 * `evaluations` (COAZ § "Mapping Envelopes"), no `subject` inside an
 * `evaluations` entry (identity smuggling, § "Declared Mappings").
 *
 * @throws {TypeError} When the mapping is malformed or an expression does
 * not parse.
 */
export function compileMapping(
  tool: string,
  mapping: unknown,
): CompiledMapping {
  const where = `mappings[${JSON.stringify(tool)}]`;
  if (!isRecord(mapping)) {
    throw new TypeError(`compileMappings: ${where} must be an object`);
  }
  const keys = Object.keys(mapping);
  if (
    keys.length !== 1 ||
    (keys[0] !== "evaluation" && keys[0] !== "evaluations")
  ) {
    throw new TypeError(
      `compileMappings: ${where} must have exactly one key, "evaluation" or "evaluations"`,
    );
  }
  const envelope = keys[0];
  const body = mapping[envelope];
  if (!isRecord(body)) {
    throw new TypeError(
      `compileMappings: ${where}.${envelope} must be an object`,
    );
  }
  if (envelope === "evaluations") {
    const entries = body.evaluations;
    if (!Array.isArray(entries) || entries.length === 0) {
      throw new TypeError(
        `compileMappings: ${where}.evaluations.evaluations must be a non-empty array`,
      );
    }
    entries.forEach((entry, i) => {
      if (!isRecord(entry) || Object.hasOwn(entry, "subject")) {
        throw new TypeError(
          `compileMappings: ${where}.evaluations.evaluations[${i}] must be an object without a subject (the top-level subject applies to all)`,
        );
      }
    });
  }
  const node = compileNode(body, `${where}.${envelope}`, 0);
  return {
    evaluations(ctx, claim) {
      const resolved = resolve(node, bindingsOf(ctx), envelope);
      if (!isRecord(resolved)) throw new MappingError(`${envelope} is absent`);
      const subject = topLevel(resolved, ctx, claim);
      if (envelope === "evaluation") {
        const evaluation: Evaluation = {
          subject,
          action: actionOf(resolved.action),
          resource: entityOf(resolved.resource, "resource"),
        };
        const context = contextOf(resolved.context);
        if (context !== undefined) evaluation.context = context;
        return [evaluation];
      }
      const entries = resolved.evaluations;
      if (!Array.isArray(entries) || entries.length === 0) {
        throw new MappingError("evaluations.evaluations is absent");
      }
      // The top-level values are the defaults of every entry (AuthZEN 1.0
      // § "Default values"); the subject is never overridden.
      return entries.map((entry: Record<string, unknown>) => {
        const evaluation: Evaluation = {
          subject,
          action: actionOf(entry.action ?? resolved.action),
          resource: entityOf(entry.resource ?? resolved.resource, "resource"),
        };
        const context = contextOf(entry.context ?? resolved.context);
        if (context !== undefined) evaluation.context = context;
        return evaluation;
      });
    },
  };
}
