/**
 * The decision events of `bearerAuth` and `withBearerAuth`: one per request,
 * operation `"http"`, built from the refusal's outcome (never its
 * description, which may quote a verifier's message) or from the verified
 * token that goes on. Each helper returns what it was given unchanged when
 * nobody listens, so the hot path pays nothing. Internal.
 *
 * @module
 */

import type { AccessToken } from "../core/context.ts";
import {
  decisionEvent,
  type DecisionSink,
  type EventFields,
  identityOf,
  NO_DETAILS,
  scopeList,
} from "../core/_decision_sink.ts";
import { AuthorizationError } from "../errors.ts";
import type { Config } from "./_bearer_config.ts";
import type { Refusal } from "./_authenticate.ts";
import { fromHandlerDenial } from "./_denials.ts";
import type { Outcome } from "./challenge.ts";

/** The handler `withBearerAuth` wraps. */
type Handler = (
  request: Request,
  token: AccessToken | undefined,
) => Response | Promise<Response>;

/** What a refusal's outcome says, as event fields. */
export function refusalFields(outcome: Outcome): EventFields {
  switch (outcome.type) {
    case "missing_token":
      return {
        operation: "http",
        outcome: "deny",
        reason: "no_token",
        status: 401,
      };
    case "invalid_request":
      return {
        operation: "http",
        outcome: "deny",
        reason: "invalid_token",
        status: 400,
      };
    case "invalid_token":
    case "invalid_dpop_proof":
    case "use_dpop_nonce":
      return {
        operation: "http",
        outcome: "deny",
        reason: "invalid_token",
        status: 401,
      };
    case "insufficient_scope":
      return {
        operation: "http",
        outcome: "step-up",
        reason: "insufficient_scope",
        missingScopes: scopeList(outcome.scopes),
        status: 403,
      };
    case "forbidden":
      return {
        operation: "http",
        outcome: "deny",
        reason: "opaque_denial",
        status: 403,
      };
    case "unavailable":
      return {
        operation: "http",
        outcome: "unavailable",
        reason: "unavailable",
        status: 503,
      };
    default: {
      // A new outcome type must be mapped above (this fails to compile).
      const unmapped: never = outcome;
      void unmapped;
      return { operation: "http", outcome: "deny", status: 403 };
    }
  }
}

function emit(
  sink: DecisionSink,
  request: Request,
  fields: EventFields,
  token: AccessToken | undefined,
): void {
  try {
    const { clientId, subject } = identityOf(token);
    fields.clientId = clientId;
    fields.subject = subject;
    sink.emit(
      decisionEvent(fields),
      !sink.redacts
        ? NO_DETAILS
        : token === undefined
        ? { request }
        : { request, token },
    );
  } catch {
    // An event that cannot be built changes nothing.
  }
}

/** Emits the event of a request let through, with its token (or none). */
function emitAllowed(
  sink: DecisionSink,
  request: Request,
  token: AccessToken | undefined,
): void {
  emit(
    sink,
    request,
    token === undefined
      ? { operation: "http", outcome: "allow", reason: "no_token" }
      : { operation: "http", outcome: "allow" },
    token,
  );
}

/**
 * `respond` for one request of `bearerAuth`: the same `Response`, its
 * refusal reported once it is rendered (a refusal that fails to render is
 * answered again, as a 503, and reported as that).
 */
export function reporting(
  config: Config,
  request: Request,
  respond: (refusal: Refusal) => Response,
): (refusal: Refusal) => Response {
  const sink = config.decisions;
  if (sink === undefined) return respond;
  return (refusal) => {
    const response = respond(refusal);
    emit(sink, request, refusalFields(refusal.outcome), undefined);
    return response;
  };
}

/**
 * `bearerAuth`'s answer for one request, unchanged, having reported it
 * when it lets the request through (refusals are reported by
 * {@linkcode reporting}).
 */
export function admitting(
  config: Config,
  request: Request,
  answer: Promise<AccessToken | undefined | Response>,
): Promise<AccessToken | undefined | Response> {
  const sink = config.decisions;
  if (sink === undefined) return answer;
  return answer.then((result) => {
    if (!(result instanceof Response)) emitAllowed(sink, request, result);
    return result;
  });
}

/** `response`, having reported `refusal` (the request was refused before the handler). */
export function reported(
  config: Config,
  request: Request,
  refusal: Refusal,
  response: Response,
): Response {
  const sink = config.decisions;
  if (sink !== undefined) {
    emit(sink, request, refusalFields(refusal.outcome), undefined);
  }
  return response;
}

/**
 * `withBearerAuth`'s handler, reporting the request once the handler is
 * done: let through (whatever it answers, or throws that is not an
 * authorization error), or refused by the `AuthorizationError` it threw.
 */
export function observeHandler(config: Config, handler: Handler): Handler {
  const sink = config.decisions;
  if (sink === undefined) return handler;
  return async (request, token) => {
    let response: Response;
    try {
      response = await handler(request, token);
    } catch (error) {
      if (error instanceof AuthorizationError) {
        const denial = fromHandlerDenial(config, error, token);
        emit(sink, request, refusalFields(denial), token);
      } else {
        emitAllowed(sink, request, token);
      }
      throw error;
    }
    emitAllowed(sink, request, token);
    return response;
  };
}
