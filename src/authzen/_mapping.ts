/**
 * The COAZ-MCP default mapping (openid/authzen,
 * `profiles/authzen-coaz-mcp-binding-1_0.md`, § "Default Mappings"), the
 * checks every mapped request passes before it is sent (§ "PEP Behavior"),
 * and the subject anchoring of § "The Subject-Identity Claim". Internal.
 *
 * @module
 */

import { isRecord } from "../_internal/options.ts";
import type { AuthContext, ComponentKind } from "../core/context.ts";

/** One Access Evaluation request (AuthZEN 1.0 § "Access Evaluation API"). */
export interface Evaluation {
  subject: Record<string, unknown>;
  action: Record<string, unknown>;
  resource: Record<string, unknown>;
  context?: Record<string, unknown>;
}

/**
 * A request that cannot be built (COAZ "mapping error"): the PDP is not
 * asked and the component is denied. Its message names the field, never a
 * value.
 */
export class MappingError extends Error {
  /** A mapping error saying which field is wrong. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(`AuthZEN mapping error: ${message}`, options);
    this.name = "AuthzenMappingError";
  }
}

/**
 * No token, so no subject: an ordinary denial, not reported (an
 * unauthenticated caller is not a fault).
 */
export class NoSubjectError extends MappingError {
  /** The denial of a request without a token. */
  constructor() {
    super("no token, so no subject");
    this.name = "AuthzenNoSubjectError";
  }
}

/**
 * The action of each kind: the MCP method that uses the component. A list
 * asks the same question as a call ("may this token use it?"), so what is
 * listed is what may be called.
 */
const ACTIONS: Readonly<Record<ComponentKind, string>> = Object.freeze({
  tool: "tools/call",
  resource: "resources/read",
  resourceTemplate: "resources/read",
  prompt: "prompts/get",
});

/**
 * The resource type of each kind. A template has no concrete URI before a
 * read, so it is its own type, identified by the URI template.
 */
const RESOURCE_TYPES: Readonly<Record<ComponentKind, string>> = Object.freeze(
  {
    tool: "tool",
    resource: "resource",
    resourceTemplate: "resource_template",
    prompt: "prompt",
  },
);

function kindOf(ctx: AuthContext): ComponentKind {
  const kind = ctx.component.kind;
  if (!Object.hasOwn(ACTIONS, kind)) {
    throw new MappingError("the component kind has no default mapping");
  }
  return kind;
}

/** The subject-identity claim of the token (COAZ: `$token.sub`). */
export function subjectIdOf(ctx: AuthContext, claim: string): string {
  if (ctx.token === undefined) throw new NoSubjectError();
  const claims = ctx.token.claims;
  const id = isRecord(claims) && Object.hasOwn(claims, claim)
    ? claims[claim]
    : undefined;
  if (typeof id !== "string" || id === "") {
    throw new MappingError(`the token has no "${claim}" claim`);
  }
  return id;
}

/** `{ type: "identity", id: $token.sub }`. */
export function defaultSubject(
  ctx: AuthContext,
  claim: string,
): Record<string, unknown> {
  return { type: "identity", id: subjectIdOf(ctx, claim) };
}

/** `{ name: <the MCP method> }`. */
export function defaultAction(ctx: AuthContext): Record<string, unknown> {
  return { name: ACTIONS[kindOf(ctx)] };
}

/** `{ type: "tool" | "resource" | "resource_template" | "prompt", id: <name or URI> }`. */
export function defaultResource(ctx: AuthContext): Record<string, unknown> {
  const kind = kindOf(ctx);
  const { name, uri } = ctx.component;
  const id = kind === "resource" || kind === "resourceTemplate"
    ? uri ?? name
    : name;
  if (typeof id !== "string" || id === "") {
    throw new MappingError("the component has no name or URI");
  }
  return { type: RESOURCE_TYPES[kind], id };
}

/** `{ agent: <client id> }` (COAZ: `$token.?client_id`). */
export function defaultContext(
  ctx: AuthContext,
): Record<string, unknown> | undefined {
  const agent = ctx.token?.clientId;
  return typeof agent === "string" && agent !== "" ? { agent } : undefined;
}

function nonEmpty(value: unknown, where: string): string {
  if (typeof value !== "string" || value === "") {
    throw new MappingError(`${where} must be a non-empty string`);
  }
  return value;
}

function properties(
  value: unknown,
  where: string,
): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) {
    throw new MappingError(`${where}.properties must be an object`);
  }
  return value;
}

/**
 * A Subject or Resource (`type`, `id`, optional `properties`), keeping only
 * those keys (AuthZEN 1.0 § "Information Model").
 */
export function entityOf(
  value: unknown,
  where: "subject" | "resource",
): Record<string, unknown> {
  if (!isRecord(value)) throw new MappingError(`${where} must be an object`);
  const entity: Record<string, unknown> = {
    type: nonEmpty(value.type, `${where}.type`),
    id: nonEmpty(value.id, `${where}.id`),
  };
  const props = properties(value.properties, where);
  if (props !== undefined) entity.properties = props;
  return entity;
}

/** An Action (`name`, optional `properties`). */
export function actionOf(value: unknown): Record<string, unknown> {
  if (!isRecord(value)) throw new MappingError("action must be an object");
  const action: Record<string, unknown> = {
    name: nonEmpty(value.name, "action.name"),
  };
  const props = properties(value.properties, "action");
  if (props !== undefined) action.properties = props;
  return action;
}

/** A Context: an object, or nothing. */
export function contextOf(
  value: unknown,
): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) throw new MappingError("context must be an object");
  return value;
}

/**
 * COAZ § "PEP Behavior" step 5: the `subject.id` sent MUST equal the
 * subject-identity claim of the validated token; a mismatch is a mapping
 * error and the PDP is not asked.
 */
export function verifySubject(
  evaluation: Evaluation,
  ctx: AuthContext,
  claim: string | false,
): void {
  if (claim === false) return;
  if (evaluation.subject.id !== subjectIdOf(ctx, claim)) {
    throw new MappingError(
      `subject.id is not the token's "${claim}" claim (set subjectClaim: false to send another subject)`,
    );
  }
}

/** The evaluation's JSON, which is also its cache key. */
export function serialize(evaluation: Evaluation): string {
  try {
    return JSON.stringify(evaluation);
  } catch (error) {
    throw new MappingError("the request is not JSON", { cause: error });
  }
}
