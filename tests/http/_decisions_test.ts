// The decision events of bearerAuth and withBearerAuth
// (src/http/_decisions.ts): exactly one per request, on every answer (2xx
// included, 400, 401, 403 and 503), with the status and never the token.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  type AccessToken,
  AuthorizationError,
  bearerAuth,
  type BearerAuthOptions,
  type DecisionDetails,
  type DecisionEvent,
  dpopScheme,
  InsufficientScopeError,
  InvalidTokenError,
  type TokenVerifier,
  withBearerAuth,
} from "../../mod.ts";

const URL_ = "https://mcp.example.com/mcp";
const RAW = "r4w-T0ken.value";
const NOW = 1_800_000_000_000;

function req(authorization?: string, url = URL_): Request {
  return new Request(url, {
    headers: authorization === undefined ? {} : { authorization },
  });
}

function tokenFor(raw: string, extra: Partial<AccessToken> = {}): AccessToken {
  return {
    token: raw,
    clientId: "app",
    scopes: ["mcp"],
    claims: { sub: "ann" },
    ...extra,
  };
}

function verifier(answer: (raw: string) => unknown): TokenVerifier {
  return { verifyToken: (raw) => answer(raw) as Promise<AccessToken> };
}

const accepting = verifier((raw) => Promise.resolve(tokenFor(raw)));

type Options = Partial<BearerAuthOptions> & { verifier: TokenVerifier };

/** `bearerAuth` with its events recorded. */
function watchedBearer(options: Options) {
  const events: DecisionEvent[] = [];
  const auth = bearerAuth({
    now: () => NOW,
    onError: () => {},
    ...options,
    onDecision: (event) => void events.push(event),
  });
  return { auth, events };
}

const who = { clientId: "app", subject: "ann" };

describe("bearerAuth() decision events", () => {
  const cases: {
    title: string;
    options: Options;
    request: Request;
    status: number | undefined;
    expected: DecisionEvent;
  }[] = [
    {
      title: "a valid token",
      options: { verifier: accepting },
      request: req(`Bearer ${RAW}`),
      status: undefined,
      expected: { operation: "http", outcome: "allow", ...who },
    },
    {
      title: "no token, optional",
      options: { verifier: accepting, optional: true },
      request: req(),
      status: undefined,
      expected: { operation: "http", outcome: "allow", reason: "no_token" },
    },
    {
      title: "no token (401)",
      options: { verifier: accepting },
      request: req(),
      status: 401,
      expected: {
        operation: "http",
        outcome: "deny",
        reason: "no_token",
        status: 401,
      },
    },
    {
      title: "a malformed header (400)",
      options: { verifier: accepting },
      request: req("Bearer a b"),
      status: 400,
      expected: {
        operation: "http",
        outcome: "deny",
        reason: "invalid_token",
        status: 400,
      },
    },
    {
      title: "a token in the query (400)",
      options: { verifier: accepting },
      request: req(undefined, `${URL_}?access_token=${RAW}`),
      status: 400,
      expected: {
        operation: "http",
        outcome: "deny",
        reason: "invalid_token",
        status: 400,
      },
    },
    {
      title: "a refused token (401)",
      options: {
        verifier: verifier(() =>
          Promise.reject(new InvalidTokenError(`bad signature on ${RAW}`))
        ),
      },
      request: req(`Bearer ${RAW}`),
      status: 401,
      expected: {
        operation: "http",
        outcome: "deny",
        reason: "invalid_token",
        status: 401,
      },
    },
    {
      title: "an expired token (401)",
      options: {
        verifier: verifier((raw) =>
          Promise.resolve(tokenFor(raw, { expiresAt: NOW / 1000 - 60 }))
        ),
      },
      request: req(`Bearer ${RAW}`),
      status: 401,
      expected: {
        operation: "http",
        outcome: "deny",
        reason: "invalid_token",
        status: 401,
      },
    },
    {
      title: "a Bearer token where DPoP is required (401)",
      options: { verifier: accepting, dpop: dpopScheme({ required: true }) },
      request: req(`Bearer ${RAW}`),
      status: 401,
      expected: {
        operation: "http",
        outcome: "deny",
        reason: "invalid_token",
        status: 401,
      },
    },
    {
      title: "a token without a required scope (403)",
      options: { verifier: accepting, requiredScopes: ["mcp", "files:read"] },
      request: req(`Bearer ${RAW}`),
      status: 403,
      expected: {
        operation: "http",
        outcome: "step-up",
        reason: "insufficient_scope",
        missingScopes: ["files:read", "mcp"],
        status: 403,
      },
    },
    {
      title: "a verifier's InsufficientScopeError (403)",
      options: {
        verifier: verifier(() =>
          Promise.reject(new InsufficientScopeError(["admin"]))
        ),
      },
      request: req(`Bearer ${RAW}`),
      status: 403,
      expected: {
        operation: "http",
        outcome: "step-up",
        reason: "insufficient_scope",
        missingScopes: ["admin"],
        status: 403,
      },
    },
    {
      title: "a verifier's AuthorizationError (403)",
      options: {
        verifier: verifier(() =>
          Promise.reject(new AuthorizationError("client suspended"))
        ),
      },
      request: req(`Bearer ${RAW}`),
      status: 403,
      expected: {
        operation: "http",
        outcome: "deny",
        reason: "opaque_denial",
        status: 403,
      },
    },
    {
      title: "a verifier that fails (503)",
      options: {
        verifier: verifier(() => Promise.reject(new Error("JWKS down"))),
      },
      request: req(`Bearer ${RAW}`),
      status: 503,
      expected: {
        operation: "http",
        outcome: "unavailable",
        reason: "unavailable",
        status: 503,
      },
    },
    {
      title: "a verifier that answers nonsense (503)",
      options: { verifier: verifier(() => Promise.resolve({ token: RAW })) },
      request: req(`Bearer ${RAW}`),
      status: 503,
      expected: {
        operation: "http",
        outcome: "unavailable",
        reason: "unavailable",
        status: 503,
      },
    },
  ];

  for (const { title, options, request, status, expected } of cases) {
    it(`emits exactly one event for ${title}`, async () => {
      const { auth, events } = watchedBearer(options);
      const answer = await auth(request);
      assert.equal(
        answer instanceof Response ? answer.status : undefined,
        status,
      );
      assert.deepEqual(events, [expected]);
      assert.ok(!JSON.stringify(events).includes(RAW));
    });
  }

  it("answers the same when the listener throws", async () => {
    const auth = bearerAuth({
      verifier: accepting,
      onDecision: () => {
        throw new Error("logger down");
      },
    });
    assert.equal(((await auth(req())) as Response).status, 401);
    assert.equal((await auth(req(`Bearer ${RAW}`)) as AccessToken).token, RAW);
  });

  it("hands redactDecision the request and the verified token", async () => {
    const details: DecisionDetails[] = [];
    const events: DecisionEvent[] = [];
    const auth = bearerAuth({
      verifier: accepting,
      onDecision: (event) => void events.push(event),
      redactDecision: (event, withheld) => {
        details.push(withheld);
        return {
          ...event,
          requestId: withheld.request?.headers.get("x-request-id") ??
            undefined,
        };
      },
    });
    const request = new Request(URL_, {
      headers: { authorization: `Bearer ${RAW}`, "x-request-id": "r-7" },
    });
    await auth(request);
    assert.equal(details[0]!.request, request);
    assert.equal(details[0]!.token?.token, RAW);
    assert.equal(events[0]!.requestId, "r-7");
  });

  it("refuses listDecisions, which has no list to apply to", () => {
    assert.throws(
      () =>
        bearerAuth({
          verifier: accepting,
          onDecision: () => {},
          listDecisions: "each",
        } as never),
      /^TypeError: Unknown bearerAuth option "listDecisions"/,
    );
    assert.throws(
      () => bearerAuth({ verifier: accepting, onDecision: 1 } as never),
      /^TypeError: bearerAuth option "onDecision" must be a function, got "1"$/,
    );
  });
});

/** `withBearerAuth` around `handler`, its events recorded. */
function watchedHandler(
  handler: (request: Request, token: AccessToken | undefined) => Response,
  options: Partial<Options> = {},
) {
  const events: DecisionEvent[] = [];
  let ran = 0;
  const wrapped = withBearerAuth((request, token) => {
    ran++;
    return handler(request, token);
  }, {
    verifier: accepting,
    now: () => NOW,
    ...options,
    onDecision: (event) => void events.push(event),
  });
  return { wrapped, events, ran: () => ran };
}

describe("withBearerAuth() decision events", () => {
  it("emits allow once the handler has answered, whatever its status", async () => {
    const { wrapped, events } = watchedHandler(() =>
      new Response("nope", { status: 404 })
    );
    assert.equal((await wrapped(req(`Bearer ${RAW}`))).status, 404);
    assert.deepEqual(events, [{ operation: "http", outcome: "allow", ...who }]);
  });

  it("emits the refusal, and runs no handler, before it", async () => {
    const { wrapped, events, ran } = watchedHandler(() => new Response("ok"));
    assert.equal((await wrapped(req())).status, 401);
    assert.equal(ran(), 0);
    assert.deepEqual(events, [{
      operation: "http",
      outcome: "deny",
      reason: "no_token",
      status: 401,
    }]);
  });

  it("emits the handler's scope shortfall as a step-up, with who asked", async () => {
    const { wrapped, events } = watchedHandler(() => {
      throw new InsufficientScopeError(["files:write"]);
    });
    assert.equal((await wrapped(req(`Bearer ${RAW}`))).status, 403);
    assert.deepEqual(events, [{
      operation: "http",
      outcome: "step-up",
      reason: "insufficient_scope",
      missingScopes: ["files:write"],
      status: 403,
      ...who,
    }]);
  });

  it("emits the handler's other denial as a 403 deny", async () => {
    const { wrapped, events } = watchedHandler(() => {
      throw new AuthorizationError(`not for ${RAW}`);
    });
    assert.equal((await wrapped(req(`Bearer ${RAW}`))).status, 403);
    assert.deepEqual(events, [{
      operation: "http",
      outcome: "deny",
      reason: "opaque_denial",
      status: 403,
      ...who,
    }]);
  });

  it("emits a handler's denial of an anonymous request as a 401", async () => {
    const { wrapped, events } = watchedHandler(() => {
      throw new AuthorizationError("sign in");
    }, { optional: true });
    assert.equal((await wrapped(req())).status, 401);
    assert.deepEqual(events, [{
      operation: "http",
      outcome: "deny",
      reason: "no_token",
      status: 401,
    }]);
  });

  it("emits allow when the handler throws its own error, which propagates", async () => {
    const failure = new TypeError("handler bug");
    const { wrapped, events } = watchedHandler(() => {
      throw failure;
    });
    await assert.rejects(wrapped(req(`Bearer ${RAW}`)), failure);
    assert.deepEqual(events, [{ operation: "http", outcome: "allow", ...who }]);
  });
});
