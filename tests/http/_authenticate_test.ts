// src/http/_authenticate.ts: bearerAuth's pipeline on outcomes: credentials,
// verification, expiry, resource, binding, scopes, the scheme's confirmation.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  type AccessToken,
  InvalidDpopProofError,
  InvalidRequestError,
  InvalidTokenError,
  type TokenVerifier,
} from "../../mod.ts";
import {
  readCredentials,
  Refusal,
  SchemeCredentials,
  verifyCredentials,
} from "../../src/http/_authenticate.ts";
import { compileConfig, type Config } from "../../src/http/_bearer_config.ts";
import type { AuthScheme } from "../../src/http/scheme.ts";

const URL_ = "https://mcp.example.com/mcp";
const RAW = "r4w-T0ken";
const NOW = 1_800_000_000_000;

function tokenFor(raw: string, extra: Record<string, unknown> = {}) {
  return { token: raw, clientId: "app", scopes: ["mcp"], claims: {}, ...extra };
}

function answering(answer: (raw: string) => unknown): TokenVerifier {
  return { verifyToken: async (raw) => (await answer(raw)) as AccessToken };
}

/** A scheme of the tests' own: reads `X-Scheme`, confirms as told. */
function scheme(
  confirm: AuthScheme["confirm"] = (_request, token) => token,
  extra: Partial<AuthScheme> = {},
): AuthScheme {
  return {
    name: "DPoP",
    required: false,
    challengeParams: {},
    readToken: (request) => request.headers.get("x-scheme") ?? undefined,
    confirm,
    ...extra,
  };
}

function setup(options: Record<string, unknown> = {}) {
  const errors: unknown[] = [];
  const config: Config = compileConfig("bearerAuth", {
    verifier: answering((raw) => tokenFor(raw)),
    now: () => NOW,
    onError: (error: unknown) => errors.push(error),
    ...options,
  });
  return { config, errors };
}

function req(headers: Record<string, string> = {}, url = URL_): Request {
  return new Request(url, { headers });
}

const bearer = (raw = RAW) => req({ authorization: `Bearer ${raw}` });

/** The refusal `verifyCredentials` answers, or the token. */
function verify(
  config: Config,
  request: Request = bearer(),
  credentials: string | SchemeCredentials = RAW,
): Promise<AccessToken | Refusal> {
  return verifyCredentials(config, request, credentials, (refusal) => refusal);
}

async function refusal(
  config: Config,
  request?: Request,
  credentials?: string | SchemeCredentials,
): Promise<Refusal> {
  const result = await verify(config, request, credentials);
  assert.ok(result instanceof Refusal, "expected a refusal");
  return result;
}

describe("Refusal and SchemeCredentials", () => {
  it("hold what they are given", () => {
    const r = new Refusal({ type: "forbidden" }, "DPoP");
    assert.deepEqual([r.outcome, r.used], [{ type: "forbidden" }, "DPoP"]);
    const c = new SchemeCredentials("raw", "DPoP");
    assert.deepEqual([c.raw, c.used], ["raw", "DPoP"]);
  });
});

describe("readCredentials", () => {
  it("reads a Bearer token as its plain string, none as undefined", () => {
    const { config } = setup();
    assert.equal(readCredentials(config, bearer()), RAW);
    assert.equal(readCredentials(config, req()), undefined);
    assert.equal(
      readCredentials(config, req({ authorization: "Basic eA==" })),
      undefined,
    );
  });

  it("refuses malformed Bearer credentials and a token in the query with 400", () => {
    const { config } = setup();
    for (
      const request of [
        req({ authorization: "Bearer a b" }),
        req({ authorization: "Bearer" }),
        req({}, `${URL_}?access_token=x`),
      ]
    ) {
      const result = readCredentials(config, request);
      assert.ok(result instanceof Refusal);
      assert.equal(result.outcome.type, "invalid_request");
      assert.equal(result.used, "Bearer");
      assert.ok(
        "description" in result.outcome &&
          typeof result.outcome.description === "string",
      );
    }
  });

  it("takes the scheme's credentials first, and still refuses a query token", () => {
    const { config } = setup({ dpop: scheme() });
    const result = readCredentials(
      config,
      req({ "x-scheme": "bound", authorization: "Bearer other" }),
    );
    assert.ok(result instanceof SchemeCredentials);
    assert.deepEqual([result.raw, result.used], ["bound", "DPoP"]);
    assert.equal(readCredentials(config, bearer()), RAW);
    const query = readCredentials(
      config,
      req({ "x-scheme": "bound" }, `${URL_}?access_token=x`),
    );
    assert.ok(query instanceof Refusal);
    assert.equal(query.outcome.type, "invalid_request");
    assert.equal(query.used, "DPoP");
  });

  it("refuses a Bearer token when the scheme is required, before any verification", () => {
    const { config } = setup({ dpop: scheme(undefined, { required: true }) });
    const result = readCredentials(config, bearer());
    assert.ok(result instanceof Refusal);
    assert.deepEqual(result.outcome, {
      type: "invalid_token",
      description: "DPoP-bound token and proof required",
    });
    assert.equal(result.used, "DPoP");
    assert.equal(readCredentials(config, req()), undefined);
  });

  it("answers the scheme's malformed credentials 400 in its name, and its crash 503", () => {
    const bad = setup({
      dpop: scheme(undefined, {
        readToken: () => {
          throw new InvalidRequestError("Malformed DPoP header");
        },
      }),
    });
    const result = readCredentials(bad.config, req());
    assert.ok(result instanceof Refusal);
    assert.deepEqual(result.outcome, {
      type: "invalid_request",
      description: "Malformed DPoP header",
    });
    assert.equal(result.used, "DPoP");
    const crash = new Error("boom");
    const broken = setup({
      dpop: scheme(undefined, {
        readToken: () => {
          throw crash;
        },
      }),
    });
    const down = readCredentials(broken.config, req());
    assert.ok(down instanceof Refusal);
    assert.deepEqual(down.outcome, { type: "unavailable" });
    assert.deepEqual(broken.errors, [crash]);
  });
});

describe("verifyCredentials", () => {
  it("returns the verifier's token when every check passes", async () => {
    const { config } = setup({ requiredScopes: ["mcp"] });
    assert.deepEqual(await verify(config), tokenFor(RAW));
  });

  it("refuses a token also sent in a form body (RFC 6750 §3.1)", async () => {
    let called = false;
    const { config } = setup({
      verifier: answering((raw) => {
        called = true;
        return tokenFor(raw);
      }),
    });
    const request = new Request(URL_, {
      method: "POST",
      headers: {
        authorization: `Bearer ${RAW}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "access_token=other",
    });
    const result = await refusal(config, request);
    assert.deepEqual(result.outcome, {
      type: "invalid_request",
      description: "Access token sent by more than one method",
    });
    assert.equal(called, false);
    assert.equal(await request.text(), "access_token=other");
  });

  it("answers 503 for an answer that is not an AccessToken for the token", async () => {
    const answers: unknown[] = [
      undefined,
      null,
      [],
      "token",
      tokenFor("another"),
      tokenFor(RAW, { clientId: 1 }),
      tokenFor(RAW, { scopes: "mcp" }),
      tokenFor(RAW, { scopes: ["mcp", 1] }),
      tokenFor(RAW, { claims: null }),
      tokenFor(RAW, { claims: [] }),
      tokenFor(RAW, { expiresAt: "soon" }),
      tokenFor(RAW, { resource: URL_ }),
      tokenFor(RAW, { extra: [] }),
    ];
    for (const answer of answers) {
      const { config, errors } = setup({ verifier: answering(() => answer) });
      const result = await refusal(config);
      assert.deepEqual(result.outcome, { type: "unavailable" });
      assert.ok(errors[0] instanceof TypeError);
      assert.match((errors[0] as Error).message, /not an AccessToken/);
    }
  });

  it("refuses an expiry that names no instant, never treating it as eternal", async () => {
    for (const expiresAt of [NaN, Infinity, -Infinity, 1e300]) {
      const { config } = setup({
        verifier: answering((raw) => tokenFor(raw, { expiresAt })),
      });
      const result = await refusal(config);
      assert.equal(result.outcome.type, "invalid_token");
      assert.equal(
        "description" in result.outcome && result.outcome.description,
        "Token expiry invalid",
      );
    }
  });

  it("refuses an expired token, within the tolerance, and on a NaN clock", async () => {
    const exp = NOW / 1000;
    const verifier = answering((raw) => tokenFor(raw, { expiresAt: exp }));
    const expired = await refusal(setup({ verifier }).config);
    assert.deepEqual(expired.outcome, {
      type: "invalid_token",
      description: "Token expired",
      scopes: [],
    });
    assert.ok(
      !(await verify(setup({ verifier, clockTolerance: 1 }).config) instanceof
        Refusal),
    );
    const early = setup({ verifier, now: () => NOW - 1 }).config;
    assert.ok(!(await verify(early) instanceof Refusal));
    const nan = setup({ verifier, now: () => NaN }).config;
    assert.equal((await refusal(nan)).outcome.type, "invalid_token");
  });

  it("refuses a token issued for another resource, or for none", async () => {
    const resource = "https://mcp.example.com/mcp";
    for (const given of [undefined, new URL("https://other.example.com/mcp")]) {
      const { config } = setup({
        resource,
        verifier: answering((raw) => tokenFor(raw, { resource: given })),
      });
      const result = await refusal(config);
      assert.equal(
        "description" in result.outcome && result.outcome.description,
        "Token was not issued for this resource",
      );
    }
    // Scheme and host case and a default port do not matter.
    const { config } = setup({
      resource,
      verifier: answering((raw) =>
        tokenFor(raw, { resource: new URL("HTTPS://MCP.example.com:443/mcp") })
      ),
    });
    assert.ok(!(await verify(config) instanceof Refusal));
  });

  it("refuses a sender-constrained token as a Bearer token", async () => {
    const cases: [unknown, string][] = [
      [{ jkt: "abc" }, "DPoP-bound token requires the DPoP scheme"],
      [
        { "x5t#S256": "abc" },
        "Sender-constrained token cannot be used as a Bearer token",
      ],
      [null, "Sender-constrained token cannot be used as a Bearer token"],
      ["jkt", "Sender-constrained token cannot be used as a Bearer token"],
      [["jkt"], "Sender-constrained token cannot be used as a Bearer token"],
    ];
    for (const [cnf, description] of cases) {
      const { config } = setup({
        verifier: answering((raw) => tokenFor(raw, { claims: { cnf } })),
      });
      const result = await refusal(config);
      assert.equal(result.outcome.type, "invalid_token");
      assert.equal(
        "description" in result.outcome && result.outcome.description,
        description,
      );
    }
    // An empty cnf binds to nothing.
    const { config } = setup({
      verifier: answering((raw) => tokenFor(raw, { claims: { cnf: {} } })),
    });
    assert.ok(!(await verify(config) instanceof Refusal));
  });

  it("leaves a bound token to the scheme when it came with the scheme's credentials", async () => {
    const bound = tokenFor(RAW, { claims: { cnf: { jkt: "abc" } } });
    const seen: boolean[] = [];
    const { config } = setup({
      verifier: answering(() => bound),
      dpop: scheme((_request, token, viaScheme) => {
        seen.push(viaScheme);
        return { ...token, clientId: "confirmed" };
      }),
    });
    const result = await verify(
      config,
      req(),
      new SchemeCredentials(RAW, "DPoP"),
    );
    assert.equal((result as AccessToken).clientId, "confirmed");
    assert.deepEqual(seen, [true]);
  });

  it("answers a shortfall of the required scopes with every required scope", async () => {
    const { config } = setup({
      requiredScopes: ["mcp", "write"],
      verifier: answering((raw) => tokenFor(raw, { scopes: ["mcp"] })),
    });
    const result = await refusal(config);
    assert.deepEqual(result.outcome, {
      type: "insufficient_scope",
      scopes: ["mcp", "write"],
    });
    assert.equal(result.used, "Bearer");
  });

  it("maps what the verifier throws, a hostile value included, never a 500", async () => {
    const invalid = setup({
      verifier: answering(() => {
        throw new InvalidTokenError(`bad ${RAW}`);
      }),
    });
    assert.deepEqual((await refusal(invalid.config)).outcome, {
      type: "invalid_token",
      description: "Invalid token",
      scopes: [],
    });
    const hostile = new Proxy({}, {
      getPrototypeOf() {
        throw new Error("trap");
      },
      get() {
        throw new Error("trap");
      },
    });
    const broken = setup({
      verifier: {
        verifyToken: () => Promise.reject(hostile),
      },
    });
    assert.deepEqual((await refusal(broken.config)).outcome, {
      type: "unavailable",
    });
  });

  it("maps what the scheme's confirm throws, in the scheme used", async () => {
    const { config } = setup({
      dpop: scheme(() => {
        throw new InvalidDpopProofError("DPoP proof is missing");
      }),
    });
    const result = await refusal(
      config,
      req(),
      new SchemeCredentials(RAW, "DPoP"),
    );
    assert.deepEqual(result.outcome, {
      type: "invalid_dpop_proof",
      description: "DPoP proof is missing",
    });
    assert.equal(result.used, "DPoP");
    const crash = setup({
      dpop: scheme(() => Promise.reject(new Error("store down"))),
    });
    assert.deepEqual((await refusal(crash.config)).outcome, {
      type: "unavailable",
    });
    assert.equal(crash.errors.length, 1);
  });

  it("does not reach the scheme for a token that fails its checks", async () => {
    let confirmed = 0;
    const { config } = setup({
      requiredScopes: ["write"],
      dpop: scheme((_request, token) => {
        confirmed++;
        return token;
      }),
    });
    await refusal(config);
    assert.equal(confirmed, 0);
  });
});
