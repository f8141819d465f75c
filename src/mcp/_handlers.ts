/**
 * The guarded handler of each request method, in front of the SDK's own:
 * lists filtered to what the token may use, calls, reads and gets
 * authorized before they run, completions answered only for usable prompts
 * and templates, per-token results marked `cacheScope: "private"`. Plus the
 * v2 pre-dispatch hook that turns a scope shortfall into an HTTP 403.
 * Internal.
 *
 * @module
 */

import { isRecord } from "../_internal/options.ts";
import type { Authorizer } from "../core/authorizer.ts";
import type { AccessToken, Component } from "../core/context.ts";
import { advertisedTools } from "./_advertise.ts";
import type { Handler, SdkBinding } from "./_binding.ts";
import {
  denialOf,
  type GuardedKind,
  notFound,
  scopeChallengeOf,
  type ScopeChallengeShape,
} from "./_denial.ts";
import type { ComponentRegistry, Entry } from "./_registry.ts";
import { accessTokenOf } from "./_token.ts";
import { reportStepUp } from "../http/_step_up.ts";
import type { DecisionSink } from "../core/_decision_sink.ts";
import { type Asking, listing } from "../core/_decision_watch.ts";
import {
  askingBeforeDispatch,
  askingFor,
  authorizeOptions,
  reportUnknown,
} from "./_decisions.ts";

/** What every guarded handler of one server reads. */
export interface GuardScope {
  /** The server-wide layers and scope hierarchy. */
  readonly authorizer: Authorizer;
  /** The SDK the server comes from. */
  readonly binding: SdkBinding;
  /** What was registered through the guard. */
  readonly registry: ComponentRegistry;
  /** Where decision events go; `undefined` when nobody listens. */
  readonly decisions?: DecisionSink | undefined;
}

/** The arguments checks see as `ctx.arguments`, from a request for `entry`. */
export type ArgumentsOf = (
  request: { params?: Record<string, unknown> },
  entry: Entry,
) => Record<string, unknown> | undefined;

/** An SDK list item, carried through `Authorizer.filter` beside its component. */
const ITEM: unique symbol = Symbol("mcp-authz.item");
type Listed = Component & { [ITEM]: unknown };

type EntryOf = (item: Record<string, unknown>) => Entry | undefined;

/**
 * Makes, once per listing, what it sends for each kept item (`tools/list`:
 * the schemas with what the checks advertise, `_advertise.ts`).
 */
type Decorate = () => (item: unknown, component: Component) => unknown;

/**
 * Throws the SDK's not-found error unless the token may use `entry`.
 *
 * @param uri For a `resources/read`, the URI the client sent, echoed in
 * the not-found error.
 */
async function authorize(
  guard: GuardScope,
  token: AccessToken | undefined,
  entry: Entry | undefined,
  args: Record<string, unknown> | undefined,
  kind: GuardedKind,
  asked: Asking | undefined,
  uri?: unknown,
): Promise<void> {
  if (entry === undefined || entry.handle?.enabled !== true) {
    reportUnknown(asked, kind, entry, token);
    throw guard.binding.error(notFound(kind, uri));
  }
  try {
    await guard.authorizer.authorize(
      token,
      entry.component,
      authorizeOptions(args, asked),
    );
  } catch (error) {
    throw guard.binding.error(denialOf(error, kind, uri));
  }
}

/**
 * A result that depends on the token must never sit in a shared cache,
 * whatever cache hint the server was configured with: a handler-returned
 * `cacheScope` wins over the configured one (protocol 2026-07-28).
 */
function markPrivate(guard: GuardScope, result: unknown): unknown {
  if (!guard.binding.cacheScope || !isRecord(result)) return result;
  // Only complete results are cacheable; leave input_required alone.
  if (result.resultType !== undefined && result.resultType !== "complete") {
    return result;
  }
  return { ...result, cacheScope: "private" };
}

/** The items of an SDK list the token may use, in the SDK's order. */
async function filterItems(
  guard: GuardScope,
  token: AccessToken | undefined,
  items: unknown,
  entryOf: EntryOf,
  asked: Asking | undefined,
  decorate?: Decorate,
): Promise<unknown[]> {
  if (!Array.isArray(items)) return [];
  const listed: Listed[] = [];
  for (const item of items) {
    const entry = isRecord(item) ? entryOf(item) : undefined;
    // Only what was registered through the guard is ever listed.
    if (entry !== undefined) {
      listed.push({ ...entry.component, [ITEM]: item });
    }
  }
  const kept = await guard.authorizer[listing](token, listed, asked);
  const send = decorate?.();
  return kept.map((component) =>
    send === undefined ? component[ITEM] : send(component[ITEM], component)
  );
}

function listHandler(
  guard: GuardScope,
  handler: Handler,
  key: string,
  entryOf: EntryOf,
  decorate?: Decorate,
): Handler {
  return async (request, ctx) => {
    const result = await handler(request, ctx);
    const record = isRecord(result) ? result : {};
    const token = accessTokenOf(guard.binding.authInfo(ctx));
    return markPrivate(guard, {
      ...record,
      [key]: await filterItems(
        guard,
        token,
        record[key],
        entryOf,
        askingFor(guard, request, ctx),
        decorate,
      ),
    });
  };
}

/**
 * `tools/call` and `prompts/get`: the component named `params.name`, its
 * checks seeing `params.arguments`.
 */
function namedCallHandler(
  guard: GuardScope,
  handler: Handler,
  entryOf: (name: unknown) => Entry | undefined,
  kind: GuardedKind,
): Handler {
  return async (request, ctx) => {
    const params = request?.params;
    const args = isRecord(params?.arguments) ? params.arguments : undefined;
    const token = accessTokenOf(guard.binding.authInfo(ctx));
    const asked = askingFor(guard, request, ctx);
    await authorize(guard, token, entryOf(params?.name), args, kind, asked);
    return handler(request, ctx);
  };
}

/**
 * The guarded handler of `method`, in front of the SDK's `handler`.
 *
 * @param method One of the guarded methods.
 * @param handler The SDK's handler.
 * @param guard The server's authorizer, SDK and index.
 */
export function guardedHandler(
  method: string,
  handler: Handler,
  guard: GuardScope,
): Handler {
  const { binding, registry } = guard;
  const tokenOf = (ctx: unknown) => accessTokenOf(binding.authInfo(ctx));
  switch (method) {
    case "tools/list":
      return listHandler(
        guard,
        handler,
        "tools",
        (item) => registry.tool(item.name),
        () => advertisedTools(guard.authorizer),
      );
    case "prompts/list":
      return listHandler(
        guard,
        handler,
        "prompts",
        (item) => registry.prompt(item.name),
      );
    case "resources/templates/list":
      return listHandler(
        guard,
        handler,
        "resourceTemplates",
        (item) => registry.template(item.name),
      );
    case "resources/list":
      // Each item under the checks of what produced it (a resource, or the
      // template whose list callback yielded it), never of whatever its URI
      // happens to match.
      return listHandler(
        guard,
        handler,
        "resources",
        (item) => registry.listed(item),
      );
    case "tools/call":
      return namedCallHandler(guard, handler, (n) => registry.tool(n), "Tool");
    case "prompts/get":
      return namedCallHandler(
        guard,
        handler,
        (n) => registry.prompt(n),
        "Prompt",
      );
    case "resources/read":
      return async (request, ctx) => {
        const uri = request?.params?.uri;
        const { entry, args } = registry.resolve(uri);
        const asked = askingFor(guard, request, ctx);
        await authorize(
          guard,
          tokenOf(ctx),
          entry,
          args,
          "Resource",
          asked,
          uri,
        );
        return markPrivate(guard, await handler(request, ctx));
      };
    case "completion/complete":
      // Completions name prompts and templates: answer only for usable ones.
      return async (request, ctx) => {
        const raw = request?.params?.ref;
        const ref = isRecord(raw) ? raw : undefined;
        const asked = askingFor(guard, request, ctx);
        if (ref?.type === "ref/prompt" && typeof ref.name === "string") {
          const entry = registry.prompt(ref.name);
          await authorize(
            guard,
            tokenOf(ctx),
            entry,
            undefined,
            "Prompt",
            asked,
          );
        } else {
          const uri = ref?.type === "ref/resource" ? ref.uri : undefined;
          const entry = registry.completionTarget(uri);
          await authorize(
            guard,
            tokenOf(ctx),
            entry,
            undefined,
            "Resource",
            asked,
          );
        }
        return handler(request, ctx);
      };
    default:
      // Unreachable: only the guarded methods are wrapped. Fail closed anyway.
      return () => Promise.reject(binding.error(notFound("Tool")));
  }
}

/**
 * Adds the v2 pre-dispatch hook to a registration's SDK configuration: the
 * transport calls it before dispatch, and a scope shortfall becomes an
 * HTTP 403 `insufficient_scope` challenge (RFC 6750 §3.1). Any other denial
 * returns nothing, so it is answered in dispatch with the not-found error.
 *
 * @param sdkConfig The configuration for the SDK.
 * @param entry The component, read when the hook runs (it may be renamed).
 * @param argumentsOf The arguments checks see, from the request.
 * @param guard The server's authorizer and SDK.
 * @returns `sdkConfig`, with the hook when the SDK takes one.
 */
export function withScopeChallenge(
  sdkConfig: Record<string, unknown>,
  entry: Entry,
  argumentsOf: ArgumentsOf,
  guard: GuardScope,
): Record<string, unknown> {
  if (!guard.binding.scopeChallenge) return sdkConfig;
  const scopeChallenge = async (
    context: { request?: unknown; authInfo?: unknown },
  ): Promise<ScopeChallengeShape | undefined> => {
    try {
      const request = isRecord(context?.request) ? context.request : {};
      await guard.authorizer.authorize(
        accessTokenOf(context?.authInfo),
        entry.component,
        authorizeOptions(
          argumentsOf(request, entry),
          askingBeforeDispatch(guard, context?.request),
        ),
      );
      return undefined;
    } catch (error) {
      // Only a shortfall challenges, and the hook never throws.
      const challenge = scopeChallengeOf(error);
      // withBearerAuth then answers the SDK's 403 in the client's scheme.
      if (challenge !== undefined) {
        reportStepUp(context?.authInfo, challenge.scopes);
      }
      return challenge;
    }
  };
  return { ...sdkConfig, scopeChallenge };
}
