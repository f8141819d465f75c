// src/http/_denials.ts: what each refusal of bearerAuth is, as an outcome.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  type AccessToken,
  AuthorizationError,
  AuthorizationUnavailableError,
  InsufficientScopeError,
  InvalidDpopProofError,
  InvalidTokenError,
  UseDpopNonceError,
  VerifierUnavailableError,
} from "../../mod.ts";
import { compileConfig, type Config } from "../../src/http/_bearer_config.ts";
import {
  fromHandlerDenial,
  fromSchemeError,
  fromVerifierError,
  invalidToken,
  missingToken,
  reportUnavailable,
  stepUpScopes,
  withConfigScopes,
  withoutToken,
} from "../../src/http/_denials.ts";
import { insufficientScopeMessage } from "../../src/errors.ts";

const RAW = "s3cr3t-token";

function config(
  requiredScopes: string[] = ["mcp"],
): { config: Config; errors: unknown[] } {
  const errors: unknown[] = [];
  return {
    errors,
    config: compileConfig("bearerAuth", {
      verifier: { verifyToken: () => Promise.reject(new Error("unused")) },
      requiredScopes,
      onError: (error: unknown) => errors.push(error),
    }),
  };
}

/** A thrown value whose every trap throws. */
const HOSTILE = new Proxy({}, {
  get() {
    throw new Error("get");
  },
  getPrototypeOf() {
    throw new Error("proto");
  },
});

const TOKEN: AccessToken = {
  token: RAW,
  clientId: "c",
  scopes: [],
  claims: {},
};

/** An InsufficientScopeError whose scopes were altered after construction. */
function altered(scopes: unknown): InsufficientScopeError {
  const error = new InsufficientScopeError(["write"]);
  Object.defineProperty(error, "requiredScopes", { value: scopes });
  return error;
}

describe("reportUnavailable", () => {
  it("reports the error and answers 503 with the retry hint it carries", () => {
    const { config: c, errors } = config();
    const error = new VerifierUnavailableError("down", { retryAfter: 30 });
    assert.deepEqual(reportUnavailable(c, error), {
      type: "unavailable",
      retryAfter: 30,
    });
    assert.deepEqual(errors, [error]);
    assert.deepEqual(
      reportUnavailable(
        c,
        new AuthorizationUnavailableError("x", { retryAfter: 5 }),
      ),
      { type: "unavailable", retryAfter: 5 },
    );
    assert.deepEqual(reportUnavailable(c, { retryAfter: 7 }), {
      type: "unavailable",
      retryAfter: 7,
    });
  });

  it("leaves out a hint that is no number, and survives what throws", () => {
    const { config: c } = config();
    for (
      const error of [new Error("x"), null, undefined, { retryAfter: "5" }]
    ) {
      assert.deepEqual(reportUnavailable(c, error), { type: "unavailable" });
    }
    assert.deepEqual(reportUnavailable(c, HOSTILE), { type: "unavailable" });
    const throwing = compileConfig("bearerAuth", {
      verifier: { verifyToken: () => Promise.reject(new Error("unused")) },
      onError: () => {
        throw new Error("logger down");
      },
    });
    assert.deepEqual(reportUnavailable(throwing, new Error("x")), {
      type: "unavailable",
    });
  });
});

describe("missingToken and invalidToken", () => {
  it("name the scopes every request needs, or none", () => {
    assert.deepEqual(missingToken(config().config), {
      type: "missing_token",
      scopes: ["mcp"],
    });
    assert.deepEqual(missingToken(config([]).config), {
      type: "missing_token",
    });
    assert.deepEqual(missingToken(config().config, []), {
      type: "missing_token",
    });
    assert.deepEqual(missingToken(config().config, ["a"]), {
      type: "missing_token",
      scopes: ["a"],
    });
    assert.deepEqual(invalidToken(config().config, "Token expired"), {
      type: "invalid_token",
      description: "Token expired",
      scopes: ["mcp"],
    });
  });
});

describe("stepUpScopes and withConfigScopes", () => {
  it("names the unmet, the held and the configured scopes, sorted, once", () => {
    const { config: c } = config(["mcp"]);
    const error = new InsufficientScopeError(["write"], {
      challengeScopes: ["read"],
    });
    assert.deepEqual(stepUpScopes(c, error), ["mcp", "read", "write"]);
    assert.deepEqual(withConfigScopes(c, ["z", "mcp", "a"]), ["a", "mcp", "z"]);
  });

  it("throws a TypeError for scopes altered into non-tokens", () => {
    const { config: c } = config();
    assert.throws(() => stepUpScopes(c, altered(["bad scope"])), TypeError);
    // Not an array at all: ignored, the config's scopes remain.
    const error = altered("write");
    Object.defineProperty(error, "challengeScopes", { value: undefined });
    assert.deepEqual(stepUpScopes(c, error), ["mcp"]);
  });
});

describe("withoutToken", () => {
  it("keeps a description without the token, and falls back otherwise", () => {
    assert.equal(withoutToken("Token expired", RAW, "F"), "Token expired");
    assert.equal(withoutToken(`bad token ${RAW}!`, RAW, "F"), "F");
    assert.equal(withoutToken(42, RAW, "F"), "F");
    assert.equal(withoutToken(undefined, RAW, "F"), "F");
    // No token, or an empty one, hides nothing.
    assert.equal(withoutToken("text", undefined, "F"), "text");
    assert.equal(withoutToken("text", "", "F"), "text");
  });

  it("falls back when the token hides behind characters the header drops", () => {
    const hidden = RAW.split("").join("\u0000");
    assert.equal(withoutToken(`revoked: ${hidden}`, RAW, "F"), "F");
    assert.equal(
      withoutToken(`x\r\n${RAW.slice(0, 4)}\u00e9${RAW.slice(4)}`, RAW, "F"),
      "F",
    );
    // A description that only looks alike after cleaning is kept as given.
    assert.equal(
      withoutToken("caf\u00e9 closed", RAW, "F"),
      "caf\u00e9 closed",
    );
  });
});

describe("fromVerifierError", () => {
  it("maps InvalidTokenError to invalid_token, never echoing the token", () => {
    const { config: c } = config();
    assert.deepEqual(
      fromVerifierError(c, new InvalidTokenError("Token expired"), RAW),
      { type: "invalid_token", description: "Token expired", scopes: ["mcp"] },
    );
    assert.deepEqual(
      fromVerifierError(c, new InvalidTokenError(`no ${RAW}`), RAW),
      { type: "invalid_token", description: "Invalid token", scopes: ["mcp"] },
    );
  });

  it("maps a scope shortfall to insufficient_scope without offline_access", () => {
    const { config: c } = config();
    const outcome = fromVerifierError(
      c,
      new InsufficientScopeError(["offline_access", "write"]),
      RAW,
    );
    assert.deepEqual(outcome, {
      type: "insufficient_scope",
      scopes: ["mcp", "offline_access", "write"],
      description: insufficientScopeMessage(["write"]),
    });
    // A message of the verifier's own is kept as it is.
    const custom = fromVerifierError(
      c,
      new InsufficientScopeError(["write"], { message: "Need write" }),
      RAW,
    );
    assert.equal(custom.type, "insufficient_scope");
    assert.equal("description" in custom && custom.description, "Need write");
  });

  it("maps other AuthorizationErrors (and an empty shortfall) to forbidden", () => {
    const { config: c } = config();
    assert.deepEqual(
      fromVerifierError(c, new AuthorizationError("Banned client"), RAW),
      { type: "forbidden", description: "Banned client" },
    );
    assert.deepEqual(
      fromVerifierError(c, new AuthorizationError(`for ${RAW}`), RAW),
      { type: "forbidden", description: "Not authorized" },
    );
    assert.equal(
      fromVerifierError(c, new InsufficientScopeError([]), RAW).type,
      "forbidden",
    );
  });

  it("maps unavailability and anything else to a reported 503", () => {
    const { config: c, errors } = config();
    const down = new AuthorizationUnavailableError("x", { retryAfter: 3 });
    assert.deepEqual(fromVerifierError(c, down, RAW), {
      type: "unavailable",
      retryAfter: 3,
    });
    const crash = new Error("boom");
    assert.deepEqual(fromVerifierError(c, crash, RAW), { type: "unavailable" });
    assert.deepEqual(fromVerifierError(c, "a string", RAW), {
      type: "unavailable",
    });
    assert.deepEqual(errors, [down, crash, "a string"]);
  });
});

describe("fromSchemeError", () => {
  it("maps a nonce demand to use_dpop_nonce", () => {
    const { config: c } = config();
    assert.deepEqual(fromSchemeError(c, new UseDpopNonceError("n-1"), RAW), {
      type: "use_dpop_nonce",
      description: "Resource server requires nonce in DPoP proof",
      nonce: "n-1",
    });
  });

  it("refuses to echo a nonce that could split a header: a reported 503", () => {
    const { config: c, errors } = config();
    for (const nonce of ["a\r\nX: 1", "", 'a"b', "a b", "é"]) {
      assert.deepEqual(
        fromSchemeError(c, new UseDpopNonceError(nonce), RAW),
        { type: "unavailable" },
      );
    }
    assert.equal(errors.length, 5);
    assert.ok(errors[0] instanceof TypeError);
    assert.equal((errors[0] as Error).message, "Malformed DPoP nonce");
  });

  it("maps a DPoP error to invalid_dpop_proof and InvalidTokenError to invalid_token", () => {
    const { config: c } = config();
    assert.deepEqual(
      fromSchemeError(
        c,
        new InvalidDpopProofError("DPoP proof is too old"),
        RAW,
      ),
      { type: "invalid_dpop_proof", description: "DPoP proof is too old" },
    );
    assert.deepEqual(
      fromSchemeError(c, new InvalidDpopProofError(`jkt of ${RAW}`), RAW),
      { type: "invalid_dpop_proof", description: "Invalid DPoP proof" },
    );
    assert.deepEqual(
      fromSchemeError(c, new InvalidTokenError("Token is not bound"), RAW),
      { type: "invalid_token", description: "Token is not bound" },
    );
  });

  it("maps anything else to a reported 503", () => {
    const { config: c, errors } = config();
    assert.deepEqual(fromSchemeError(c, new Error("store down"), RAW), {
      type: "unavailable",
    });
    assert.equal(errors.length, 1);
  });
});

describe("fromHandlerDenial", () => {
  it("asks a request without a token to authenticate, naming the scopes", () => {
    const { config: c } = config();
    assert.deepEqual(
      fromHandlerDenial(c, new InsufficientScopeError(["write"]), undefined),
      { type: "missing_token", scopes: ["mcp", "write"] },
    );
    assert.deepEqual(
      fromHandlerDenial(
        config([]).config,
        new AuthorizationError("no"),
        undefined,
      ),
      { type: "missing_token" },
    );
  });

  it("answers a token's shortfall with insufficient_scope, its denial with forbidden", () => {
    const { config: c } = config();
    assert.deepEqual(
      fromHandlerDenial(
        c,
        new InsufficientScopeError(["write"], { message: "Need write" }),
        TOKEN,
      ),
      {
        type: "insufficient_scope",
        scopes: ["mcp", "write"],
        description: "Need write",
      },
    );
    assert.deepEqual(
      fromHandlerDenial(c, new AuthorizationError(`denied ${RAW}`), TOKEN),
      { type: "forbidden", description: "Not authorized" },
    );
    assert.deepEqual(
      fromHandlerDenial(c, new AuthorizationError("Tenant closed"), TOKEN),
      { type: "forbidden", description: "Tenant closed" },
    );
  });

  it("answers unavailability with a 503, token or not", () => {
    const { config: c, errors } = config();
    const down = new AuthorizationUnavailableError("pdp", { retryAfter: 2 });
    for (const token of [undefined, TOKEN]) {
      assert.deepEqual(fromHandlerDenial(c, down, token), {
        type: "unavailable",
        retryAfter: 2,
      });
    }
    assert.equal(errors.length, 2);
  });

  it("still denies for a hostile error", () => {
    const { config: c } = config();
    assert.deepEqual(
      fromHandlerDenial(c, altered(["bad scope"]), TOKEN),
      { type: "forbidden" },
    );
    assert.deepEqual(
      fromHandlerDenial(c, HOSTILE as AuthorizationError, TOKEN),
      { type: "forbidden" },
    );
  });
});
