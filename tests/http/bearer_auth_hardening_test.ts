// Findings of the security review, kept as regression tests: hostile errors
// from handlers and verifiers must still end in a denial that echoes nothing.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  AuthorizationError,
  bearerAuth,
  InsufficientScopeError,
  InvalidTokenError,
  StaticTokenVerifier,
  withBearerAuth,
} from "../../mod.ts";

const SECRET = "c2VjcmV0LXJlZnJlc2gtdG9rZW4tdmFsdWU";
const verifier = new StaticTokenVerifier({
  tokens: { [SECRET]: { clientId: "c", scopes: [] } },
});
const request = () =>
  new Request("https://mcp.example.com/mcp", {
    headers: { authorization: `Bearer ${SECRET}` },
  });

async function assertNoEcho(response: Response): Promise<void> {
  assert.ok(!(await response.text()).includes(SECRET), "token echoed in body");
  assert.ok(
    !(response.headers.get("www-authenticate") ?? "").includes(SECRET),
    "token echoed in challenge",
  );
}

describe("withBearerAuth() with hostile authorization errors", () => {
  it("answers 403, not an exception, when the error's message getter throws", async () => {
    const handler = withBearerAuth(() => {
      const error = new AuthorizationError();
      Object.defineProperty(error, "message", {
        get() {
          throw new Error("internal");
        },
      });
      throw error;
    }, { verifier });
    const response = await handler(request());
    assert.equal(response.status, 403);
    await assertNoEcho(response);
  });

  it("answers 403, not an exception, when requiredScopes was altered to a non-scope", async () => {
    const handler = withBearerAuth(() => {
      const error = new InsufficientScopeError(["files:write"]);
      error.requiredScopes.push('files write", error="x');
      throw error;
    }, { verifier });
    const response = await handler(request());
    assert.equal(response.status, 403);
    assert.doesNotMatch(
      response.headers.get("www-authenticate") ?? "",
      /error="x/,
    );
  });

  it("does not echo the token from a handler's denial message", async () => {
    const handler = withBearerAuth((_request, token) => {
      throw new InsufficientScopeError(["admin"], {
        message: `token ${token?.token} lacks admin`,
      });
    }, { verifier });
    const response = await handler(request());
    assert.equal(response.status, 403);
    await assertNoEcho(response);
  });
});

describe("bearerAuth() never echoes the presented token", () => {
  it("drops an InvalidTokenError description that contains the token", async () => {
    const auth = bearerAuth({
      verifier: {
        verifyToken: (token) =>
          Promise.reject(new InvalidTokenError(`Unknown token ${token}`)),
      },
    });
    const response = await auth(request());
    assert.ok(response instanceof Response);
    assert.equal(response.status, 401);
    assert.match(
      response.headers.get("www-authenticate") ?? "",
      /error="invalid_token"/,
    );
    await assertNoEcho(response);
  });

  it("keeps a safe InvalidTokenError description", async () => {
    const auth = bearerAuth({
      verifier: {
        verifyToken: () =>
          Promise.reject(new InvalidTokenError("Token expired")),
      },
    });
    const response = await auth(request());
    assert.ok(response instanceof Response);
    assert.match(
      response.headers.get("www-authenticate") ?? "",
      /Token expired/,
    );
  });
});
