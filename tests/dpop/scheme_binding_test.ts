// The DPoP scheme with opaque tokens (IntrospectionVerifier, RFC 9449 §6.2),
// sender-constrained tokens never downgraded to Bearer (§7.2, RFC 8705), and
// a fresh DPoP-Nonce on successful answers (§8.2).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type JWTPayload,
  SignJWT,
} from "jose";
import {
  accessTokenHash,
  bearerAuth,
  type BearerAuthOptions,
  createDpopNoncePolicy,
  type DpopAuthOptions,
  dpopKeyThumbprint,
  dpopScheme,
  IntrospectionVerifier,
  StaticTokenVerifier,
  withBearerAuth,
} from "../../mod.ts";

const NOW = 1_800_000_000_000;
const URL_ = "https://mcp.example.com/mcp";
const ISSUER = "https://auth.example.com/";

const { privateKey, publicKey } = await generateKeyPair("ES256");
const jwk = await exportJWK(publicKey);
const jkt = await calculateJwkThumbprint(jwk);

let counter = 0;
async function proof(token: string, claims: JWTPayload = {}): Promise<string> {
  return await new SignJWT({
    jti: `b${++counter}`,
    htm: "POST",
    htu: URL_,
    iat: NOW / 1_000,
    ath: await accessTokenHash(token),
    ...claims,
  })
    .setProtectedHeader({ typ: "dpop+jwt", alg: "ES256", jwk })
    .sign(privateKey);
}

function post(headers: Record<string, string>): Request {
  return new Request(URL_, { method: "POST", headers });
}

/** An introspection endpoint that says every token is a DPoP token of `jkt`. */
function introspection(): IntrospectionVerifier & { calls: number } {
  const counting = { calls: 0 };
  const verifier = new IntrospectionVerifier({
    endpoint: "https://auth.example.com/introspect",
    clientId: "rs",
    clientSecret: "secret",
    issuer: ISSUER,
    audience: URL_,
    now: () => NOW,
    fetch: () => {
      counting.calls++;
      return Promise.resolve(Response.json({
        active: true,
        token_type: "DPoP",
        cnf: { jkt },
        client_id: "app",
        scope: "mcp",
        iss: ISSUER,
        aud: URL_,
        exp: NOW / 1_000 + 300,
      }));
    },
  });
  return Object.assign(verifier, {
    get calls() {
      return counting.calls;
    },
  });
}

function options(
  verifier: BearerAuthOptions["verifier"],
  dpop?: DpopAuthOptions,
): BearerAuthOptions {
  return {
    verifier,
    resource: URL_,
    onError: () => {},
    ...(dpop === undefined
      ? {}
      : { dpop: dpopScheme({ now: () => NOW, ...dpop }) }),
  };
}

describe("DPoP with IntrospectionVerifier (RFC 9449 §6.2)", () => {
  it("serves an opaque DPoP token on the DPoP scheme with a valid proof of its cnf.jkt", async () => {
    const auth = bearerAuth(options(introspection(), {}));
    const token = await auth(post({
      authorization: "DPoP opaque-1",
      dpop: await proof("opaque-1"),
    }));
    assert.ok(token !== undefined && !(token instanceof Response));
    assert.equal(token.clientId, "app");
    assert.equal(dpopKeyThumbprint(token), jkt);
    assert.equal(token.resource?.href, URL_);
  });

  it("refuses it without a proof, with another key's proof, and as a Bearer token", async () => {
    const auth = bearerAuth(options(introspection(), {}));
    const noProof = await auth(post({ authorization: "DPoP opaque-2" }));
    assert.ok(noProof instanceof Response);
    assert.equal(noProof.status, 401);
    assert.match(
      noProof.headers.get("www-authenticate") ?? "",
      /DPoP error="invalid_dpop_proof"/,
    );
    const thief = await generateKeyPair("ES256");
    const stolen = await new SignJWT({
      jti: "thief",
      htm: "POST",
      htu: URL_,
      iat: NOW / 1_000,
      ath: await accessTokenHash("opaque-3"),
    })
      .setProtectedHeader({
        typ: "dpop+jwt",
        alg: "ES256",
        jwk: await exportJWK(thief.publicKey),
      })
      .sign(thief.privateKey);
    const theft = await auth(
      post({ authorization: "DPoP opaque-3", dpop: stolen }),
    );
    assert.ok(theft instanceof Response);
    assert.equal(theft.status, 401);
    assert.match(
      theft.headers.get("www-authenticate") ?? "",
      /error_description="Invalid DPoP key binding"/,
    );
    const asBearer = await auth(post({ authorization: "Bearer opaque-4" }));
    assert.ok(asBearer instanceof Response);
    assert.equal(asBearer.status, 401);
    assert.match(
      asBearer.headers.get("www-authenticate") ?? "",
      /^Bearer error="invalid_token", error_description="DPoP-bound token requires the DPoP scheme"/,
    );
  });

  it("is refused when bearerAuth has no dpop option, whatever the client sends", async () => {
    const auth = bearerAuth(options(introspection()));
    const bearer = await auth(post({
      authorization: "Bearer opaque-5",
      dpop: await proof("opaque-5"),
    }));
    assert.ok(bearer instanceof Response);
    assert.equal(bearer.status, 401);
    // The DPoP scheme is no scheme here: no credentials at all.
    const dpop = await auth(post({
      authorization: "DPoP opaque-6",
      dpop: await proof("opaque-6"),
    }));
    assert.ok(dpop instanceof Response);
    assert.equal(dpop.status, 401);
  });
});

describe("sender-constrained tokens without the dpop option (RFC 9449 §7.2, RFC 8705)", () => {
  const verifier = new StaticTokenVerifier({
    tokens: {
      "dpop-bound": {
        clientId: "app",
        scopes: ["mcp"],
        claims: { cnf: { jkt } },
        resource: URL_,
      },
      "mtls-bound": {
        clientId: "app",
        scopes: ["mcp"],
        claims: {
          cnf: { "x5t#S256": "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2" },
        },
        resource: URL_,
      },
      "plain": { clientId: "app", scopes: ["mcp"], resource: URL_ },
    },
  });

  it("refuses a token with any cnf member on the Bearer scheme: a stolen bound token is no bearer token", async () => {
    const auth = bearerAuth(options(verifier));
    for (
      const [token, description] of [
        ["dpop-bound", "DPoP-bound token requires the DPoP scheme"],
        [
          "mtls-bound",
          "Sender-constrained token cannot be used as a Bearer token",
        ],
      ]
    ) {
      const response = await auth(post({ authorization: `Bearer ${token}` }));
      assert.ok(response instanceof Response, token);
      assert.equal(response.status, 401);
      assert.deepEqual(await response.json(), {
        error: "invalid_token",
        error_description: description,
      });
    }
    const plain = await auth(post({ authorization: "Bearer plain" }));
    assert.ok(plain !== undefined && !(plain instanceof Response));
  });
});

describe("DPoP-Nonce on successful answers (RFC 9449 §8.2)", () => {
  const tokens = new StaticTokenVerifier({
    tokens: {
      bound: {
        clientId: "app",
        scopes: ["mcp"],
        claims: { cnf: { jkt } },
        resource: URL_,
      },
      plain: { clientId: "app", scopes: ["mcp"], resource: URL_ },
    },
  });

  it("sends a fresh nonce the policy accepts with a 2xx answer to a DPoP request", async () => {
    const nonces = createDpopNoncePolicy({ now: () => NOW });
    const handler = withBearerAuth(
      () => new Response("ok"),
      options(tokens, { nonces }),
    );
    const first = await handler(
      post({ authorization: "DPoP bound", dpop: await proof("bound") }),
    );
    assert.equal(first.status, 401);
    const nonce = first.headers.get("dpop-nonce")!;
    const served = await handler(post({
      authorization: "DPoP bound",
      dpop: await proof("bound", { nonce }),
    }));
    assert.equal(served.status, 200);
    assert.equal(await served.text(), "ok");
    const fresh = served.headers.get("dpop-nonce");
    assert.ok(fresh !== null && await nonces.verify(fresh));
    // The client's next proof carries it, and is accepted straight away.
    const next = await handler(post({
      authorization: "DPoP bound",
      dpop: await proof("bound", { nonce: fresh }),
    }));
    assert.equal(next.status, 200);
    await next.body?.cancel();
  });

  it("adds it to a response whose headers are immutable, and never to a Bearer answer, an error, or without nonces", async () => {
    const nonces = createDpopNoncePolicy({ now: () => NOW });
    const nonce = await nonces.issue();
    const immutable = withBearerAuth(
      () => Response.redirect("https://mcp.example.com/elsewhere", 302),
      options(tokens, { nonces }),
    );
    const redirect = await immutable(post({
      authorization: "DPoP bound",
      dpop: await proof("bound", { nonce }),
    }));
    assert.equal(redirect.status, 302);
    assert.equal(redirect.headers.get("dpop-nonce"), null); // not a 2xx
    const ok = withBearerAuth(async () => {
      const upstream = await fetch(
        `data:text/plain,${encodeURIComponent("from upstream")}`,
      );
      return upstream; // immutable headers, as a fetch answer has
    }, options(tokens, { nonces }));
    const proxied = await ok(post({
      authorization: "DPoP bound",
      dpop: await proof("bound", { nonce }),
    }));
    assert.equal(proxied.status, 200);
    assert.equal(await proxied.text(), "from upstream");
    assert.ok(await nonces.verify(proxied.headers.get("dpop-nonce")!));
    const bearer = await ok(post({ authorization: "Bearer plain" }));
    assert.equal(bearer.headers.get("dpop-nonce"), null);
    await bearer.body?.cancel();
    const noNonces = withBearerAuth(
      () => new Response("ok"),
      options(tokens, {}),
    );
    const plainDpop = await noNonces(
      post({ authorization: "DPoP bound", dpop: await proof("bound") }),
    );
    assert.equal(plainDpop.status, 200);
    assert.equal(plainDpop.headers.get("dpop-nonce"), null);
  });

  it("still serves the request when the policy cannot issue a nonce, reporting it", async () => {
    const reported: unknown[] = [];
    const handler = withBearerAuth(() => new Response("ok"), {
      ...options(tokens, {
        nonces: {
          issue: () => Promise.reject(new Error("nonce store down")),
          verify: () => true,
        },
      }),
      onError: (error) => reported.push(error),
    });
    const response = await handler(post({
      authorization: "DPoP bound",
      dpop: await proof("bound", { nonce: "any" }),
    }));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("dpop-nonce"), null);
    assert.equal(reported.length, 1);
  });
});
