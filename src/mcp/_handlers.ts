/**
 * The guarded handler of each request method, in front of the SDK's own:
 * lists filtered to what the token may use, calls, reads and gets
 * authorized before they run, completions answered only for usable prompts
 * and templates, per-token results marked `cacheScope: "private"`. (The v2
 * pre-dispatch hook that turns a scope shortfall into an HTTP 403 is in
 * `_hook.ts`.) Internal.
 *
 * @module
 */

import { isRecord } from "../_internal/options.ts";
import type { Authorizer } from "../core/authorizer.ts";
import type { AccessToken, Component } from "../core/context.ts";
import { advertisedTools } from "./_advertise.ts";
import type { Handler, SdkBinding } from "./_binding.ts";
import { denialOf, type GuardedKind, notFound } from "./_denial.ts";
import type { ComponentRegistry, Entry, MayList } from "./_registry.ts";
import { accessTokenOf } from "./_token.ts";
// preflight (issue 11): decisions made before dispatch, reused here.
import { recall } from "./_preflight.ts";
import type { DecisionSink } from "../core/_decision_sink.ts";
import { type Asking, listing } from "../core/_decision_watch.ts";
import {
  askingFor,
  askingShared,
  authorizeOptions,
  reportUnknown,
  UNHEARD,
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

type EntryOf = (item: Record<string, unknown>) => Entry | undefined;

/**
 * Makes, once per listing, what it sends for each kept item (`tools/list`:
 * the schemas with what the checks advertise, `_advertise.ts`).
 */
type Decorate = () => (item: unknown, component: Component) => unknown;

/**
 * Throws the SDK's not-found error unless the token may use `entry`. With
 * the handler's `ctx` and `method`, a decision the preflight made for this
 * very call is reused (its checks do not run again).
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
  ctx?: unknown,
  method?: string,
): Promise<void> {
  if (entry === undefined || entry.handle?.enabled !== true) {
    reportUnknown(asked, kind, entry, token);
    throw guard.binding.error(notFound(kind, uri));
  }
  try {
    // preflight (issue 11): the decision made before dispatch, if any.
    const early = method === undefined ? undefined : recall(
      guard,
      guard.binding.authInfo(ctx),
      method,
      guard.binding.requestId(ctx),
      entry,
      args,
    );
    if (early === undefined) {
      await guard.authorizer.authorize(
        token,
        entry.component,
        authorizeOptions(args, asked),
      );
    } else {
      // Dispatch answers with it: its event (held since) is this call's.
      early.held?.release();
      if (!early.allowed) throw early.error;
    }
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
  decorate: Decorate | undefined,
  shared: boolean,
): Promise<unknown[]> {
  if (!Array.isArray(items)) return [];
  // Each item's component as the index holds it (frozen, one per entry):
  // no copy per item. Only what was registered through the guard is ever
  // listed.
  // Sized once (a list can be long), trimmed to what the index knows.
  const listed: unknown[] = new Array(items.length);
  const components: Component[] = new Array(items.length);
  let n = 0;
  for (const item of items) {
    const entry = isRecord(item) ? entryOf(item) : undefined;
    if (entry === undefined) continue;
    listed[n] = item;
    components[n++] = entry.component;
  }
  listed.length = components.length = n;
  // Resources a template lists share its component: decided once.
  if (shared) {
    return await filterShared(guard, token, listed, components, asked);
  }
  // One entry per item (tools, prompts, templates are indexed by the name
  // the SDK lists them under): `filter` keeps a subsequence, in order.
  const kept = await guard.authorizer[listing](token, components, asked);
  const shown: unknown[] = [];
  const keptComponents: Component[] = [];
  for (let i = 0, j = 0; i < components.length && j < kept.length; i++) {
    if (components[i] === kept[j]) {
      shown.push(listed[i]);
      keptComponents.push(kept[j]!);
      j++;
    }
  }
  if (decorate === undefined) return shown;
  const send = decorate();
  for (let i = 0; i < shown.length; i++) {
    shown[i] = send(shown[i], keptComponents[i]!);
  }
  return shown;
}

/** {@linkcode filterItems} when items share components. */
async function filterShared(
  guard: GuardScope,
  token: AccessToken | undefined,
  listed: readonly unknown[],
  components: readonly Component[],
  asked: Asking | undefined,
): Promise<unknown[]> {
  // Decided per component; the list's event counts the items.
  const counted = askingShared(asked);
  const kept = new Set(
    await guard.authorizer[listing](token, new Set(components), counted.asked),
  );
  const shown = listed.filter((_, i) => kept.has(components[i]!));
  counted.count?.(shown.length, listed.length - shown.length);
  return shown;
}

function listHandler(
  guard: GuardScope,
  handler: Handler,
  key: string,
  entryOf: EntryOf,
  decorate?: Decorate,
  shared = false,
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
        shared,
      ),
    });
  };
}

/**
 * Whether the caller of a template's list callback (its `ctx`) may list the
 * template `entry`, as the list's filter will decide it, unheard (the
 * filter reports the list). Anything that fails is a no.
 */
export function listGate(guard: GuardScope, entry: Entry): MayList {
  return async (ctx) => {
    try {
      const token = accessTokenOf(guard.binding.authInfo(ctx));
      const kept = await guard.authorizer[listing](
        token,
        [entry.component],
        UNHEARD,
      );
      return kept.length === 1;
    } catch {
      return false;
    }
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
  method: string,
): Handler {
  return async (request, ctx) => {
    const params = request?.params;
    const args = isRecord(params?.arguments) ? params.arguments : undefined;
    const token = accessTokenOf(guard.binding.authInfo(ctx));
    const entry = entryOf(params?.name);
    const asked = askingFor(guard, request, ctx);
    await authorize(
      guard,
      token,
      entry,
      args,
      kind,
      asked,
      undefined,
      ctx,
      method,
    );
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
        undefined,
        true,
      );
    case "tools/call":
      return namedCallHandler(
        guard,
        handler,
        (n) => registry.tool(n),
        "Tool",
        method,
      );
    case "prompts/get":
      return namedCallHandler(
        guard,
        handler,
        (n) => registry.prompt(n),
        "Prompt",
        method,
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
          ctx,
          method,
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
