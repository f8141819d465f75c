// Attacks on the development authorization server (`./dev`, src/dev/) as a
// hostile web page in the developer's browser, a careless client or a
// forged request would make them: real requests to a server on 127.0.0.1,
// port 0, its tokens checked by the project's own JwtVerifier.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  SignJWT,
} from "jose";
import {
  createDevAuthorizationServer,
  type DevAuthorizationServer,
  type DevAuthorizationServerOptions,
} from "../../src/dev/mod.ts";
import { JwtVerifier } from "../../mod.ts";
import { serve, type Served } from "../_serve.ts";

const SCOPES = ["read", "write", "admin"];
const REDIRECT = "http://127.0.0.1:7777/callback";

interface Running {
  dev: DevAuthorizationServer;
  origin: string;
  issuer: string;
  resource: string;
  close(): Promise<void>;
}

/** A dev server listening on 127.0.0.1:0, its issuer at `<origin>/oauth`. */
async function start(
  options: Partial<DevAuthorizationServerOptions> = {},
): Promise<Running> {
  // The handler is bound once the port, hence the issuer, is known.
  const bound: { dev?: DevAuthorizationServer } = {};
  const served = await serve(async (request) =>
    (await bound.dev?.handle(request)) ??
      new Response("not here", { status: 404 })
  );
  const dev = bound.dev = await createDevAuthorizationServer({
    issuer: `${served.origin}/oauth`,
    resource: `${served.origin}/mcp`,
    scopesSupported: SCOPES,
    warn: false,
    ...options,
  });
  return {
    dev,
    origin: served.origin,
    issuer: dev.issuer,
    resource: dev.resources[0]!,
    close: () => served.close(),
  };
}

function b64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-")
    .replace(/\//g, "_").replace(/=+$/, "");
}

async function pkce(): Promise<{ verifier: string; challenge: string }> {
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(verifier),
  );
  return { verifier, challenge: b64url(new Uint8Array(digest)) };
}

type Params = Record<string, string | undefined>;

function defined(params: Params): Record<string, string> {
  return Object.fromEntries(
    Object.entries(params).filter(([, v]) => v !== undefined),
  ) as Record<string, string>;
}

async function register(
  s: Running,
  metadata: Record<string, unknown> = {},
): Promise<Record<string, string>> {
  const response = await fetch(`${s.issuer}/register`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      redirect_uris: [REDIRECT],
      grant_types: ["authorization_code", "refresh_token"],
      token_endpoint_auth_method: "none",
      client_name: "Attack client",
      ...metadata,
    }),
  });
  assert.equal(response.status, 201, await response.clone().text());
  return await response.json();
}

async function registerRaw(s: Running, init: RequestInit): Promise<Response> {
  return await fetch(`${s.issuer}/register`, { method: "POST", ...init });
}

async function authorize(
  s: Running,
  params: Params,
  init: RequestInit = {},
): Promise<Response> {
  const query = new URLSearchParams(defined(params));
  return await fetch(`${s.issuer}/authorize?${query}`, {
    redirect: "manual",
    ...init,
  });
}

async function codeParams(
  clientId: string,
  extra: Params = {},
  resource?: string,
): Promise<{ params: Params; verifier: string }> {
  const { verifier, challenge } = await pkce();
  return {
    verifier,
    params: {
      response_type: "code",
      client_id: clientId,
      redirect_uri: REDIRECT,
      scope: "read",
      state: "st-1",
      code_challenge: challenge,
      code_challenge_method: "S256",
      resource,
      ...extra,
    },
  };
}

function location(response: Response): URL {
  assert.ok(
    response.status === 302 || response.status === 303,
    `expected a redirect, got ${response.status}`,
  );
  const value = response.headers.get("location");
  assert.ok(value !== null);
  return new URL(value);
}

async function getCode(
  s: Running,
  clientId: string,
  extra: Params = {},
): Promise<{ code: string; verifier: string }> {
  const { params, verifier } = await codeParams(clientId, extra);
  const response = await authorize(s, params);
  await response.body?.cancel();
  const code = location(response).searchParams.get("code");
  assert.ok(code !== null, `no code: ${response.headers.get("location")}`);
  return { code, verifier };
}

async function token(
  s: Running,
  params: Params,
  headers: Record<string, string> = {},
): Promise<Response> {
  return await fetch(`${s.issuer}/token`, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      ...headers,
    },
    body: new URLSearchParams(defined(params)).toString(),
  });
}

async function exchange(
  s: Running,
  clientId: string,
  code: string,
  verifier: string,
  extra: Params = {},
): Promise<Response> {
  return await token(s, {
    grant_type: "authorization_code",
    code,
    code_verifier: verifier,
    redirect_uri: REDIRECT,
    client_id: clientId,
    ...extra,
  });
}

/** A successful code exchange's JSON. */
async function login(
  s: Running,
  clientId: string,
  extra: Params = {},
): Promise<Record<string, string>> {
  const { code, verifier } = await getCode(s, clientId, extra);
  const response = await exchange(s, clientId, code, verifier);
  assert.equal(response.status, 200, await response.clone().text());
  return await response.json();
}

async function assertError(
  response: Response,
  status: number,
  error: string,
): Promise<Record<string, string>> {
  const body = await response.json();
  assert.equal(response.status, status, JSON.stringify(body));
  assert.equal(body.error, error, JSON.stringify(body));
  assert.equal(response.headers.get("cache-control"), "no-store");
  assert.equal(body.access_token, undefined);
  return body;
}

/** An error shown on a page, never redirected (RFC 6749 §4.1.2.1). */
async function assertShown(
  response: Response,
  pattern: RegExp,
): Promise<string> {
  const text = await response.text();
  assert.equal(response.status, 400, text);
  assert.equal(response.headers.get("location"), null);
  assert.match(response.headers.get("content-type") ?? "", /^text\/html/);
  assert.match(text, pattern);
  return text;
}

function basic(id: string, secret: string): string {
  return `Basic ${
    btoa(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`)
  }`;
}

describe("attacks on the dev server: redirect URIs", () => {
  let s: Running;
  let client: Record<string, string>;
  before(async () => {
    s = await start();
    client = await register(s);
  });
  after(() => s.close());

  for (
    const [label, uri] of [
      ["an unregistered URI", "http://127.0.0.1:7777/elsewhere"],
      ["a URI on another host", "https://attacker.example/callback"],
      ["a longer path (prefix match)", `${REDIRECT}/evil`],
      ["the path with a suffix (prefix match)", `${REDIRECT}x`],
      ["the registered URI with a query added", `${REDIRECT}?next=evil`],
      ["the registered URI with a fragment", `${REDIRECT}#frag`],
      [
        "user info hiding another host",
        "http://127.0.0.1:7777@evil.example/callback",
      ],
      ["javascript:", "javascript:alert(document.domain)//"],
      ["data:", "data:text/html,<script>alert(1)</script>"],
      ["a dot-segment path", "http://127.0.0.1:7777/x/../callback/../evil"],
    ] as const
  ) {
    it(`shows, never redirects to, ${label}`, async () => {
      const { params } = await codeParams(client.client_id!, {
        redirect_uri: uri,
      });
      await assertShown(
        await authorize(s, params),
        /not one the client registered/,
      );
    });
  }

  it("redirects an error only to a registered URI (no open redirect)", async () => {
    const { params } = await codeParams(client.client_id!, {
      response_type: "token",
      redirect_uri: "https://attacker.example/cb",
    });
    await assertShown(await authorize(s, params), /not one the client/);
    const registered = await codeParams(client.client_id!, {
      response_type: "token",
    });
    const back = location(await authorize(s, registered.params));
    assert.equal(back.origin + back.pathname, REDIRECT);
    assert.equal(back.searchParams.get("error"), "unsupported_response_type");
    assert.equal(back.searchParams.get("state"), "st-1");
    assert.equal(back.searchParams.get("iss"), s.issuer);
    assert.equal(back.searchParams.get("code"), null);
  });

  it("accepts another port on a loopback IP literal (RFC 8252 §7.3), and binds the code to it", async () => {
    const other = "http://127.0.0.1:40001/callback";
    const { code, verifier } = await getCode(s, client.client_id!, {
      redirect_uri: other,
    });
    // The token request must name the same one.
    await assertError(
      await exchange(s, client.client_id!, code, verifier),
      400,
      "invalid_grant",
    );
    const again = await getCode(s, client.client_id!, { redirect_uri: other });
    const ok = await exchange(
      s,
      client.client_id!,
      again.code,
      again.verifier,
      {
        redirect_uri: other,
      },
    );
    assert.equal(ok.status, 200);
  });

  it("refuses another port on a non-loopback host, and on localhost", async () => {
    const https = await register(s, {
      redirect_uris: ["https://app.example/cb", "http://localhost:7777/cb"],
    });
    for (
      const uri of ["https://app.example:8443/cb", "http://localhost:7778/cb"]
    ) {
      const { params } = await codeParams(https.client_id!, {
        redirect_uri: uri,
      });
      await assertShown(await authorize(s, params), /not one the client/);
    }
  });

  for (
    const [label, uri, error] of [
      ["javascript:", "javascript:alert(1)", /forbidden scheme/],
      ["JavaScript: with a tab", "java\tscript:alert(1)", /forbidden scheme/],
      ["data:", "data:text/html,hi", /forbidden scheme/],
      ["file:", "file:///etc/passwd", /forbidden scheme/],
      ["a fragment", `${REDIRECT}#x`, /fragment/],
      ["an empty fragment", `${REDIRECT}#`, /fragment/],
      ["http on a public host", "http://evil.example/cb", /not loopback/],
      ["credentials", "https://u:p@app.example/cb", /credentials/],
      ["a relative URI", "/callback", /absolute/],
    ] as const
  ) {
    it(`refuses to register a redirect URI with ${label}`, async () => {
      const response = await registerRaw(s, {
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ redirect_uris: [uri] }),
      });
      const body = await assertError(response, 400, "invalid_redirect_uri");
      assert.match(body.error_description!, error);
    });
  }
});

describe("attacks on the dev server: PKCE and codes", () => {
  let s: Running;
  let client: Record<string, string>;
  before(async () => {
    s = await start();
    client = await register(s);
  });
  after(() => s.close());

  for (
    const [label, extra, pattern] of [
      ["no PKCE", {
        code_challenge: undefined,
        code_challenge_method: undefined,
      }, /PKCE is required/],
      ["the plain method", { code_challenge_method: "plain" }, /plain/],
      ["no method (plain by default)", {
        code_challenge_method: undefined,
      }, /plain/],
      ["a lower-case method", { code_challenge_method: "s256" }, /S256/],
      [
        "a challenge that is not a SHA-256",
        { code_challenge: "abc" },
        /SHA-256/,
      ],
    ] as const
  ) {
    it(`refuses an authorization request with ${label}, on the redirect`, async () => {
      const { params } = await codeParams(client.client_id!, extra);
      const back = location(await authorize(s, params));
      assert.equal(back.searchParams.get("error"), "invalid_request");
      assert.match(back.searchParams.get("error_description")!, pattern);
      assert.equal(back.searchParams.get("code"), null);
    });
  }

  it("refuses a wrong verifier, and the code is spent", async () => {
    const { code, verifier } = await getCode(s, client.client_id!);
    const wrong = (await pkce()).verifier;
    await assertError(
      await exchange(s, client.client_id!, code, wrong),
      400,
      "invalid_grant",
    );
    await assertError(
      await exchange(s, client.client_id!, code, verifier),
      400,
      "invalid_grant",
    );
  });

  it("refuses a missing verifier, and the verifier of another code", async () => {
    const a = await getCode(s, client.client_id!);
    await assertError(
      await exchange(s, client.client_id!, a.code, "", {
        code_verifier: undefined,
      }),
      400,
      "invalid_request",
    );
    const b = await getCode(s, client.client_id!);
    const c = await getCode(s, client.client_id!);
    await assertError(
      await exchange(s, client.client_id!, b.code, c.verifier),
      400,
      "invalid_grant",
    );
  });

  it("refuses a short verifier even when its S256 is the challenge (RFC 7636 §4.1)", async () => {
    const short = "abc";
    const digest = await crypto.subtle.digest(
      "SHA-256",
      new TextEncoder().encode(short),
    );
    const { code } = await getCode(s, client.client_id!, {
      code_challenge: b64url(new Uint8Array(digest)),
    });
    await assertError(
      await exchange(s, client.client_id!, code, short),
      400,
      "invalid_grant",
    );
  });

  it("refuses a replayed code, and revokes the refresh tokens it led to (even rotated)", async () => {
    const { code, verifier } = await getCode(s, client.client_id!);
    const first = await exchange(s, client.client_id!, code, verifier);
    assert.equal(first.status, 200);
    const tokens = await first.json();
    const rotated = await token(s, {
      grant_type: "refresh_token",
      refresh_token: tokens.refresh_token,
      client_id: client.client_id,
    });
    assert.equal(rotated.status, 200);
    const next = (await rotated.json()).refresh_token;
    await assertError(
      await exchange(s, client.client_id!, code, verifier),
      400,
      "invalid_grant",
    );
    await assertError(
      await token(s, {
        grant_type: "refresh_token",
        refresh_token: next,
        client_id: client.client_id,
      }),
      400,
      "invalid_grant",
    );
  });

  it("binds a code to its client: another client cannot redeem it", async () => {
    const other = await register(s);
    const { code, verifier } = await getCode(s, client.client_id!);
    await assertError(
      await exchange(s, other.client_id!, code, verifier),
      400,
      "invalid_grant",
    );
    // Spent by the attempt: the thief does not leave it to the owner either.
    await assertError(
      await exchange(s, client.client_id!, code, verifier),
      400,
      "invalid_grant",
    );
  });

  it("binds a code to its redirect_uri", async () => {
    const two = await register(s, {
      redirect_uris: [REDIRECT, "http://127.0.0.1:7777/other"],
    });
    const { code, verifier } = await getCode(s, two.client_id!);
    await assertError(
      await exchange(s, two.client_id!, code, verifier, {
        redirect_uri: "http://127.0.0.1:7777/other",
      }),
      400,
      "invalid_grant",
    );
  });

  it("expires a code after codeTtl", async () => {
    let now = 1_700_000_000_000;
    const timed = await start({ now: () => now, codeTtl: 30 });
    try {
      const c = await register(timed);
      const { code, verifier } = await getCode(timed, c.client_id!);
      now += 31_000;
      await assertError(
        await exchange(timed, c.client_id!, code, verifier),
        400,
        "invalid_grant",
      );
    } finally {
      await timed.close();
    }
  });

  it("ignores a scope on the code exchange: the token has what was approved", async () => {
    const { code, verifier } = await getCode(s, client.client_id!);
    const response = await exchange(s, client.client_id!, code, verifier, {
      scope: "read admin",
    });
    const body = await response.json();
    assert.equal(response.status, 200);
    assert.equal(body.scope, "read");
    assert.equal(decodeJwt(body.access_token).scope, "read");
  });
});

describe("attacks on the dev server: refresh tokens", () => {
  let s: Running;
  let client: Record<string, string>;
  before(async () => {
    s = await start();
    client = await register(s);
  });
  after(() => s.close());

  const refresh = (value: string, extra: Params = {}, id?: string) =>
    token(s, {
      grant_type: "refresh_token",
      refresh_token: value,
      client_id: id ?? client.client_id,
      ...extra,
    });

  it("rotates, and a rotated token used again ends the whole family", async () => {
    const tokens = await login(s, client.client_id!);
    const r1 = await refresh(tokens.refresh_token!);
    assert.equal(r1.status, 200);
    const next = (await r1.json()).refresh_token;
    assert.notEqual(next, tokens.refresh_token);
    await assertError(
      await refresh(tokens.refresh_token!),
      400,
      "invalid_grant",
    );
    await assertError(await refresh(next), 400, "invalid_grant");
  });

  it("refuses a wider scope on refresh, and a narrowed one cannot widen again", async () => {
    const tokens = await login(s, client.client_id!, { scope: "read write" });
    await assertError(
      await refresh(tokens.refresh_token!, { scope: "read write admin" }),
      400,
      "invalid_scope",
    );
    const narrowed = await refresh(tokens.refresh_token!, { scope: "read" });
    const body = await narrowed.json();
    assert.equal(narrowed.status, 200);
    assert.equal(decodeJwt(body.access_token).scope, "read");
    await assertError(
      await refresh(body.refresh_token, { scope: "read write" }),
      400,
      "invalid_scope",
    );
  });

  it("refuses a malformed scope on refresh", async () => {
    const tokens = await login(s, client.client_id!);
    await assertError(
      await refresh(tokens.refresh_token!, { scope: "read  read" }),
      400,
      "invalid_scope",
    );
  });

  it("refuses another client's refresh token, and leaves it to its owner", async () => {
    const tokens = await login(s, client.client_id!);
    const other = await register(s);
    await assertError(
      await refresh(tokens.refresh_token!, {}, other.client_id),
      400,
      "invalid_grant",
    );
    assert.equal((await refresh(tokens.refresh_token!)).status, 200);
  });

  it("refuses a foreign resource on refresh", async () => {
    const tokens = await login(s, client.client_id!);
    await assertError(
      await refresh(tokens.refresh_token!, {
        resource: "https://other.example/mcp",
      }),
      400,
      "invalid_target",
    );
  });

  it("refuses an access token or a code presented as a refresh token", async () => {
    const tokens = await login(s, client.client_id!);
    await assertError(
      await refresh(tokens.access_token!),
      400,
      "invalid_grant",
    );
    const { code } = await getCode(s, client.client_id!);
    await assertError(await refresh(code), 400, "invalid_grant");
  });

  it("gives no refresh token to a client that did not register the grant", async () => {
    const noRefresh = await register(s, {
      grant_types: ["authorization_code"],
    });
    const tokens = await login(s, noRefresh.client_id!);
    assert.equal(tokens.refresh_token, undefined);
  });
});

describe("attacks on the dev server: resources and scopes", () => {
  let s: Running;
  let client: Record<string, string>;
  let second: string;
  before(async () => {
    const bound: { dev?: DevAuthorizationServer } = {};
    const served: Served = await serve(async (request) =>
      (await bound.dev?.handle(request)) ?? new Response(null, { status: 404 })
    );
    second = `${served.origin}/other`;
    const dev = bound.dev = await createDevAuthorizationServer({
      issuer: `${served.origin}/oauth`,
      resource: [`${served.origin}/mcp`, second],
      scopesSupported: SCOPES,
      warn: false,
    });
    s = {
      dev,
      origin: served.origin,
      issuer: dev.issuer,
      resource: dev.resources[0]!,
      close: () => served.close(),
    };
    client = await register(s);
  });
  after(() => s.close());

  it("refuses an authorization request naming no resource when it serves several", async () => {
    const { params } = await codeParams(client.client_id!);
    const back = location(await authorize(s, params));
    assert.equal(back.searchParams.get("error"), "invalid_target");
  });

  it("refuses a foreign resource, and a fragment", async () => {
    for (const resource of ["https://evil.example/mcp", `${s.resource}#x`]) {
      const { params } = await codeParams(client.client_id!, {}, resource);
      const back = location(await authorize(s, params));
      assert.equal(back.searchParams.get("error"), "invalid_target");
    }
  });

  it("refuses two resources at the authorization and the token endpoints", async () => {
    const { params } = await codeParams(client.client_id!, {}, s.resource);
    const query = new URLSearchParams(defined(params));
    query.append("resource", second);
    const response = await fetch(`${s.issuer}/authorize?${query}`, {
      redirect: "manual",
    });
    await assertShown(response, /repeated/);
    const { code, verifier } = await getCode(s, client.client_id!, {
      resource: s.resource,
    });
    const body = new URLSearchParams({
      grant_type: "authorization_code",
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT,
      client_id: client.client_id!,
      resource: s.resource,
    });
    body.append("resource", second);
    await assertError(
      await fetch(`${s.issuer}/token`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: body.toString(),
      }),
      400,
      "invalid_target",
    );
  });

  it("gives the token the audience of the resource asked for, and no other at redemption", async () => {
    const { code, verifier } = await getCode(s, client.client_id!, {
      resource: second,
    });
    await assertError(
      await exchange(s, client.client_id!, code, verifier, {
        resource: s.resource,
      }),
      400,
      "invalid_target",
    );
    const again = await getCode(s, client.client_id!, { resource: second });
    const ok = await exchange(s, client.client_id!, again.code, again.verifier);
    assert.equal(ok.status, 200);
    assert.equal(decodeJwt((await ok.json()).access_token).aud, second);
  });

  it("refuses a scope the resource does not support, and a malformed one", async () => {
    for (const scope of ["read superuser", "read\tadmin", 'read "x"']) {
      const { params } = await codeParams(
        client.client_id!,
        { scope },
        s.resource,
      );
      const back = location(await authorize(s, params));
      assert.equal(back.searchParams.get("error"), "invalid_scope", scope);
    }
  });
});

describe("attacks on the dev server: the approval page", () => {
  let s: Running;
  let client: Record<string, string>;
  const hostile = `<script>alert(1)</script>"'><img src=x onerror=alert(2)>`;
  before(async () => {
    s = await start({ approval: "page" });
    client = await register(s, {
      client_name: hostile,
      redirect_uris: [`${REDIRECT}?x="><script>alert(3)</script>`],
    });
  });
  after(() => s.close());

  const transactionOf = (html: string) => {
    const match = /name="transaction" value="([^"]+)"/.exec(html);
    assert.ok(match !== null, "no transaction on the page");
    return match[1]!;
  };
  const decide = (body: Record<string, string>, headers = {}) =>
    fetch(`${s.issuer}/authorize`, {
      method: "POST",
      redirect: "manual",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        ...headers,
      },
      body: new URLSearchParams(body).toString(),
    });
  const page = async (extra: Params = {}) => {
    const { params } = await codeParams(client.client_id!, {
      redirect_uri: `${REDIRECT}?x="><script>alert(3)</script>`,
      state: `"><script>alert(4)</script>`,
      ...extra,
    });
    const response = await authorize(s, params);
    const html = await response.text();
    assert.equal(response.status, 200, html);
    return { response, html };
  };

  it("escapes client_name, redirect_uri and state, and forbids script and framing", async () => {
    const { response, html } = await page();
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /<img/i);
    assert.match(html, /&#60;script&#62;alert\(1\)/);
    const csp = response.headers.get("content-security-policy") ?? "";
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(response.headers.get("x-frame-options"), "DENY");
    assert.equal(response.headers.get("cache-control"), "no-store");
    assert.equal(response.headers.get("access-control-allow-origin"), null);
  });

  it("approves nothing on a POST without the page's transaction", async () => {
    // Without one it is an authorization request, with no client.
    await assertShown(await decide({ decision: "approve" }), /no client_id/);
    for (
      const body of [
        { transaction: "guessed", decision: "approve" },
        { transaction: "", decision: "approve" },
      ]
    ) {
      await assertShown(await decide(body), /expired or was already answered/);
    }
  });

  it("approves once: a second POST of the same transaction finds nothing", async () => {
    const { html } = await page({ state: "s" });
    const transaction = transactionOf(html);
    const first = await decide({ transaction, decision: "approve" });
    assert.equal(first.status, 303);
    assert.ok(location(first).searchParams.get("code"));
    await assertShown(
      await decide({ transaction, decision: "approve" }),
      /already answered/,
    );
  });

  it("refuses a repeated transaction or decision", async () => {
    const { html } = await page({ state: "s" });
    const transaction = transactionOf(html);
    const body = new URLSearchParams({ transaction, decision: "deny" });
    body.append("decision", "approve");
    const response = await fetch(`${s.issuer}/authorize`, {
      method: "POST",
      redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString(),
    });
    await assertShown(response, /already answered/);
  });

  it("denies with access_denied and the state, anything but approve", async () => {
    const { html } = await page({ state: "s-deny" });
    const response = await decide({
      transaction: transactionOf(html),
      decision: "APPROVE",
    });
    const back = location(response);
    assert.equal(back.searchParams.get("error"), "access_denied");
    assert.equal(back.searchParams.get("state"), "s-deny");
    assert.equal(back.searchParams.get("code"), null);
  });

  it("refuses an approval a browser marks cross-site, and keeps the transaction", async () => {
    const { html } = await page({ state: "s" });
    const transaction = transactionOf(html);
    const response = await decide(
      { transaction, decision: "approve" },
      { "Sec-Fetch-Site": "cross-site", Origin: "https://evil.example" },
    );
    const text = await response.text();
    assert.equal(response.status, 403, text);
    assert.equal(response.headers.get("location"), null);
    // The person's own click still works.
    const own = await decide(
      { transaction, decision: "approve" },
      { "Sec-Fetch-Site": "same-origin" },
    );
    assert.equal(own.status, 303);
  });

  it("refuses a form that is not a form", async () => {
    const response = await fetch(`${s.issuer}/authorize`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ transaction: "x", decision: "approve" }),
    });
    assert.equal(response.status, 400);
    assert.match(response.headers.get("content-type") ?? "", /text\/html/);
  });
});

describe("attacks on the dev server: automatic approval from a hostile web page", () => {
  let s: Running;
  before(async () => {
    s = await start();
  });
  after(() => s.close());

  it("does not send a code to a web site without asking (a page the developer visits registers its own client)", async () => {
    const evil = await register(s, {
      redirect_uris: ["https://evil.example/cb"],
    });
    const { params } = await codeParams(evil.client_id!, {
      redirect_uri: "https://evil.example/cb",
      scope: "admin",
    });
    const response = await authorize(s, params);
    const html = await response.text();
    assert.equal(response.status, 200, html);
    assert.equal(response.headers.get("location"), null);
    assert.match(html, /https:\/\/evil\.example\/cb/);
    // A real web client still logs in: on the person's click.
    const transaction = /name="transaction" value="([^"]+)"/.exec(html)?.[1];
    assert.ok(transaction !== undefined);
    const click = await fetch(`${s.issuer}/authorize`, {
      method: "POST",
      redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ transaction, decision: "approve" }),
    });
    const back = location(click);
    assert.equal(back.origin, "https://evil.example");
    assert.ok(back.searchParams.get("code"));
  });

  for (
    const uri of ["web+evil://cb", "mailto:attacker@evil.example"]
  ) {
    it(`asks before redirecting to ${uri.split(":")[0]}:, a scheme a web page can handle`, async () => {
      const evil = await register(s, { redirect_uris: [uri] });
      const { params } = await codeParams(evil.client_id!, {
        redirect_uri: uri,
      });
      const response = await authorize(s, params);
      await response.body?.cancel();
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("location"), null);
    });
  }

  it("still approves at once a loopback or app redirect URI", async () => {
    for (
      const uri of [
        REDIRECT,
        "http://localhost:6274/oauth/callback",
        "http://[::1]:9000/cb",
        "com.example.app:/oauth2redirect",
        "cursor://anysphere.cursor-retrieval/oauth/callback",
      ]
    ) {
      const local = await register(s, { redirect_uris: [uri] });
      const { params } = await codeParams(local.client_id!, {
        redirect_uri: uri,
      });
      const back = location(await authorize(s, params));
      assert.ok(back.searchParams.get("code"), uri);
    }
  });
});

describe("attacks on the dev server: Client ID Metadata Documents", () => {
  let s: Running;
  let docs: Served;
  let hits: string[];
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let docsOrigin = "";
  const doc = (path: string, extra: Record<string, unknown> = {}) => ({
    client_id: `${docsOrigin}${path}`,
    client_name: "Doc client",
    redirect_uris: [REDIRECT],
    grant_types: ["authorization_code"],
    token_endpoint_auth_method: "none",
    ...extra,
  });
  before(async () => {
    hits = [];
    docs = await serve(async (request) => {
      const path = new URL(request.url).pathname;
      hits.push(path);
      switch (path) {
        case "/good.json":
          return Response.json(doc(path));
        case "/mismatch.json":
          return Response.json(doc(path, {
            client_id: `${docsOrigin}/good.json`,
          }));
        case "/redirect.json":
          return new Response(null, {
            status: 302,
            headers: { Location: `${docsOrigin}/good.json` },
          });
        case "/huge.json":
          return Response.json(doc(path, { pad: "x".repeat(1_000_000) }));
        case "/slow.json":
          await released;
          return Response.json(doc(path));
        case "/secret.json":
          return Response.json(doc(path, {
            token_endpoint_auth_method: "client_secret_basic",
          }));
        case "/js.json":
          return Response.json(doc(path, {
            redirect_uris: ["javascript:alert(1)"],
          }));
        case "/many.json":
          return Response.json(doc(path, {
            redirect_uris: Array.from(
              { length: 50 },
              (_, i) => `http://127.0.0.1:7777/${i}`,
            ),
          }));
        default:
          return new Response("no", { status: 404 });
      }
    });
    docsOrigin = docs.origin;
    s = await start({ clientMetadataTimeout: 300 });
  });
  after(async () => {
    release();
    await s.close();
    await docs.close();
  });

  it("logs a client in with its document, fetched for real", async () => {
    const id = `${docsOrigin}/good.json`;
    const tokens = await login(s, id);
    assert.equal(decodeJwt(tokens.access_token!).client_id, id);
  });

  for (
    const [label, path, pattern] of [
      ["a client_id that is not its own", "/mismatch.json", /not its own URL/],
      ["a redirect (not followed)", "/redirect.json", /HTTP 302/],
      ["a huge document", "/huge.json", /larger than/],
      ["a document that never arrives", "/slow.json", /timed out/],
      ["a secret-based client", "/secret.json", /token_endpoint_auth_method/],
      ["a javascript: redirect URI", "/js.json", /forbidden scheme/],
      ["50 redirect URIs", "/many.json", /At most 10/],
      ["a 404", "/missing.json", /HTTP 404/],
    ] as const
  ) {
    it(`refuses ${label}, shown, not redirected`, async () => {
      const { params } = await codeParams(`${docsOrigin}${path}`);
      await assertShown(await authorize(s, params), pattern);
    });
  }

  it("follows no redirect: the target of a 302 is not fetched", async () => {
    hits.length = 0;
    const { params } = await codeParams(`${docsOrigin}/redirect.json`);
    await (await authorize(s, params)).body?.cancel();
    assert.deepEqual(hits, ["/redirect.json"]);
  });

  for (
    const id of [
      "https://169.254.169.254/latest/meta-data/iam",
      "https://10.0.0.1/client.json",
      "https://192.168.1.1/client.json",
      "https://172.16.0.5/client.json",
      "https://100.64.0.1/client.json",
      "https://0.0.0.0/client.json",
      "https://127.0.0.2/client.json",
      "https://[fd00::1]/client.json",
      "https://[fe80::1]/client.json",
      "https://[::ffff:10.0.0.1]/client.json",
      "https://[::]/client.json",
      "https://0xa000001/client.json",
      "https://metadata.google.internal/computeMetadata/v1/",
      "https://router.local/client.json",
      "https://printer/client.json",
      "https://evil.localhost/client.json",
    ]
  ) {
    it(`does not fetch a document from a non-public address: ${id}`, async () => {
      const calls: string[] = [];
      const guarded = await start({
        fetch: ((input: string | URL | Request) => {
          calls.push(String(input));
          return Promise.resolve(Response.json({}));
        }) as typeof fetch,
      });
      try {
        const { params } = await codeParams(id);
        await assertShown(await authorize(guarded, params), /not public/);
        const response = await token(guarded, {
          grant_type: "authorization_code",
          code: "x",
          code_verifier: "y",
          client_id: id,
        });
        await assertError(response, 401, "invalid_client");
        assert.deepEqual(calls, []);
      } finally {
        await guarded.close();
      }
    });
  }

  it("tells a cross-origin caller of the token endpoint nothing about what a document URL answered (no port scan)", async () => {
    const closed = await serve(() => new Response(null));
    const closedOrigin = closed.origin;
    await closed.close();
    const bodies: string[] = [];
    for (
      const id of [
        `${docsOrigin}/missing.json`,
        `${closedOrigin}/client.json`,
        `${docsOrigin}/huge.json`,
        `${docsOrigin}/redirect.json`,
      ]
    ) {
      const response = await token(s, {
        grant_type: "authorization_code",
        code: "x",
        code_verifier: "y",
        client_id: id,
      }, { Origin: "https://evil.example" });
      const body = await assertError(response, 401, "invalid_client");
      assert.equal(response.headers.get("access-control-allow-origin"), "*");
      bodies.push(body.error_description!);
    }
    assert.equal(new Set(bodies).size, 1, bodies.join(" | "));
    assert.doesNotMatch(bodies[0]!, /HTTP|unreachable|larger|timed/);
  });
});

describe("attacks on the dev server: registration", () => {
  let s: Running;
  before(async () => {
    s = await start();
  });
  after(() => s.close());

  const post = (body: string, type = "application/json") =>
    registerRaw(s, { headers: { "Content-Type": type }, body });

  for (
    const [label, body, type, status] of [
      [
        "a form body",
        "redirect_uris=x",
        "application/x-www-form-urlencoded",
        400,
      ],
      ["no content type", "{}", "", 400],
      ["broken JSON", "{", "application/json", 400],
      ["JSON null", "null", "application/json", 400],
      ["a JSON array", "[]", "application/json", 400],
      ["a JSON string", '"x"', "application/json", 400],
      [
        "deeply nested JSON",
        "[".repeat(30_000) + "]".repeat(30_000),
        "application/json",
        400,
      ],
      [
        "redirect_uris as a string",
        JSON.stringify({ redirect_uris: REDIRECT }),
        "application/json",
        400,
      ],
      [
        "11 redirect URIs",
        JSON.stringify({
          redirect_uris: Array.from(
            { length: 11 },
            (_, i) => `${REDIRECT}/${i}`,
          ),
        }),
        "application/json",
        400,
      ],
      [
        "long redirect URIs (an id too large)",
        JSON.stringify({
          redirect_uris: Array.from(
            { length: 10 },
            (_, i) => `${REDIRECT}/${"x".repeat(1500)}${i}`,
          ),
        }),
        "application/json",
        400,
      ],
      [
        "a client_name of 10 000 characters",
        JSON.stringify({
          redirect_uris: [REDIRECT],
          client_name: "n".repeat(10_000),
        }),
        "application/json",
        400,
      ],
      [
        "a client_name that is an object",
        JSON.stringify({
          redirect_uris: [REDIRECT],
          client_name: { toString: "x" },
        }),
        "application/json",
        400,
      ],
      [
        "an unknown grant type",
        JSON.stringify({
          redirect_uris: [REDIRECT],
          grant_types: ["implicit"],
        }),
        "application/json",
        400,
      ],
      [
        "response_type token",
        JSON.stringify({
          redirect_uris: [REDIRECT],
          response_types: ["token"],
        }),
        "application/json",
        400,
      ],
      [
        "client_credentials for a public client",
        JSON.stringify({
          grant_types: ["client_credentials"],
          response_types: [],
          token_endpoint_auth_method: "none",
        }),
        "application/json",
        400,
      ],
      [
        "an unknown auth method",
        JSON.stringify({
          redirect_uris: [REDIRECT],
          token_endpoint_auth_method: "private_key_jwt",
        }),
        "application/json",
        400,
      ],
    ] as const
  ) {
    it(`refuses ${label} with ${status}`, async () => {
      const response = await post(body, type);
      const json = await response.json();
      assert.equal(response.status, status, JSON.stringify(json));
      assert.match(json.error, /^invalid_(client_metadata|redirect_uri)$/);
      assert.equal(json.client_id, undefined);
    });
  }

  // On a server of its own: the unread rest of the body may end the
  // connection (node:http), which must not fail the next case.
  it("refuses a body over 64 KiB with 413", async () => {
    const own = await start();
    try {
      const response = await registerRaw(own, {
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ x: "y".repeat(70_000) }),
      });
      await assertError(response, 413, "invalid_client_metadata");
    } finally {
      await own.close();
    }
  });

  it("ignores __proto__ in the metadata (no prototype pollution, default auth method)", async () => {
    const response = await post(
      `{"redirect_uris":["${REDIRECT}"],"__proto__":{"token_endpoint_auth_method":"none"}}`,
    );
    const body = await response.json();
    assert.equal(response.status, 201);
    assert.equal(body.token_endpoint_auth_method, "client_secret_basic");
    assert.equal(typeof body.client_secret, "string");
    assert.equal(
      ({} as Record<string, unknown>).token_endpoint_auth_method,
      undefined,
    );
  });

  it("does not accept a client id forged from its own metadata as a confidential client", async () => {
    const forged = "dev-" + b64url(new TextEncoder().encode(JSON.stringify({
      nonce: "x",
      redirect_uris: [],
      grant_types: ["client_credentials"],
      token_endpoint_auth_method: "client_secret_basic",
    })));
    const response = await token(s, {
      grant_type: "client_credentials",
      scope: "admin",
    }, { Authorization: basic(forged, "guess") });
    await assertError(response, 401, "invalid_client");
  });

  it("refuses a secret issued by another server (another process's key)", async () => {
    const other = await start();
    try {
      const there = await register(other, {
        grant_types: ["client_credentials"],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: "client_secret_basic",
      });
      const response = await token(s, { grant_type: "client_credentials" }, {
        Authorization: basic(there.client_id!, there.client_secret!),
      });
      await assertError(response, 401, "invalid_client");
    } finally {
      await other.close();
    }
  });
});

describe("attacks on the dev server: the token endpoint and client authentication", () => {
  let s: Running;
  let pub: Record<string, string>;
  let basicClient: Record<string, string>;
  let postClient: Record<string, string>;
  before(async () => {
    s = await start();
    pub = await register(s);
    const confidential = {
      grant_types: ["client_credentials"],
      response_types: [],
      redirect_uris: [],
    };
    basicClient = await register(s, {
      ...confidential,
      token_endpoint_auth_method: "client_secret_basic",
    });
    postClient = await register(s, {
      ...confidential,
      token_endpoint_auth_method: "client_secret_post",
    });
  });
  after(() => s.close());

  it("refuses a JSON body, another content type, and no content type", async () => {
    for (
      const [type, body] of [
        [
          "application/json",
          JSON.stringify({ grant_type: "client_credentials" }),
        ],
        ["text/plain", "grant_type=client_credentials"],
        [
          "application/x-www-form-urlencoded-x",
          "grant_type=client_credentials",
        ],
        ["multipart/form-data; boundary=x", "--x--"],
      ]
    ) {
      const response = await fetch(`${s.issuer}/token`, {
        method: "POST",
        headers: {
          "Content-Type": type!,
          Authorization: basic(
            basicClient.client_id!,
            basicClient.client_secret!,
          ),
        },
        body: body!,
      });
      await assertError(response, 400, "invalid_request");
    }
  });

  it("refuses a repeated parameter (RFC 6749 §3.2)", async () => {
    const body = "grant_type=client_credentials&grant_type=authorization_code";
    const response = await fetch(`${s.issuer}/token`, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Authorization: basic(
          basicClient.client_id!,
          basicClient.client_secret!,
        ),
      },
      body,
    });
    const json = await assertError(response, 400, "invalid_request");
    assert.match(json.error_description!, /grant_type/);
  });

  it("refuses a body over 64 KiB with 413, and a GET with 405", async () => {
    // On a server of its own (see the registration case).
    const own = await start();
    try {
      const big = await token(own, { grant_type: "x".repeat(70_000) });
      await assertError(big, 413, "invalid_request");
    } finally {
      await own.close();
    }
    const get = await fetch(`${s.issuer}/token?grant_type=client_credentials`);
    await assertError(get, 405, "invalid_request");
  });

  it("grants client_credentials to its confidential client with the right secret, the way it registered", async () => {
    const ok = await token(s, {
      grant_type: "client_credentials",
      scope: "read",
    }, {
      Authorization: basic(basicClient.client_id!, basicClient.client_secret!),
    });
    const body = await ok.json();
    assert.equal(ok.status, 200);
    assert.equal(body.refresh_token, undefined);
    assert.equal(decodeJwt(body.access_token).sub, basicClient.client_id);
    const post = await token(s, {
      grant_type: "client_credentials",
      client_id: postClient.client_id,
      client_secret: postClient.client_secret,
    });
    assert.equal(post.status, 200);
  });

  for (
    const [label, params, headers, status, error] of [
      [
        "a wrong secret",
        { grant_type: "client_credentials" },
        () => ({
          Authorization: basic(basicClient.client_id!, "wrong"),
        }),
        401,
        "invalid_client",
      ],
      [
        "no secret (none for a confidential client)",
        () => ({
          grant_type: "client_credentials",
          client_id: basicClient.client_id,
        }),
        {},
        401,
        "invalid_client",
      ],
      [
        "the secret in the body for a basic client",
        () => ({
          grant_type: "client_credentials",
          client_id: basicClient.client_id,
          client_secret: basicClient.client_secret,
        }),
        {},
        401,
        "invalid_client",
      ],
      [
        "Basic for a client_secret_post client",
        { grant_type: "client_credentials" },
        () => ({
          Authorization: basic(
            postClient.client_id!,
            postClient.client_secret!,
          ),
        }),
        401,
        "invalid_client",
      ],
      [
        "another client's secret",
        { grant_type: "client_credentials" },
        () => ({
          Authorization: basic(
            basicClient.client_id!,
            postClient.client_secret!,
          ),
        }),
        401,
        "invalid_client",
      ],
      [
        "Basic and a body secret both",
        () => ({
          grant_type: "client_credentials",
          client_secret: basicClient.client_secret,
        }),
        () => ({
          Authorization: basic(
            basicClient.client_id!,
            basicClient.client_secret!,
          ),
        }),
        400,
        "invalid_request",
      ],
      [
        "a body client_id that is not the header's",
        () => ({
          grant_type: "client_credentials",
          client_id: postClient.client_id,
        }),
        () => ({
          Authorization: basic(
            basicClient.client_id!,
            basicClient.client_secret!,
          ),
        }),
        400,
        "invalid_request",
      ],
      [
        "a malformed Basic header",
        { grant_type: "client_credentials" },
        {
          Authorization: "Basic !!!",
        },
        401,
        "invalid_client",
      ],
      [
        "Basic that is not UTF-8",
        { grant_type: "client_credentials" },
        {
          Authorization: `Basic ${btoa("\xff\xfe:x")}`,
        },
        401,
        "invalid_client",
      ],
      [
        "a Bearer header",
        { grant_type: "client_credentials" },
        {
          Authorization: "Bearer abc",
        },
        401,
        "invalid_client",
      ],
      [
        "a public client presenting a secret",
        () => ({
          grant_type: "authorization_code",
          client_id: pub.client_id,
          client_secret: "anything",
          code: "x",
          code_verifier: "y",
        }),
        {},
        401,
        "invalid_client",
      ],
      [
        "a public client asking for client_credentials",
        () => ({
          grant_type: "client_credentials",
          client_id: pub.client_id,
        }),
        {},
        400,
        "unauthorized_client",
      ],
      [
        "no client at all",
        { grant_type: "client_credentials" },
        {},
        401,
        "invalid_client",
      ],
      [
        "an unknown grant type",
        () => ({
          grant_type: "password",
          client_id: pub.client_id,
          username: "u",
          password: "p",
        }),
        {},
        400,
        "unsupported_grant_type",
      ],
    ] as const
  ) {
    it(`refuses ${label}`, async () => {
      const p = typeof params === "function" ? params() : params;
      const h = typeof headers === "function" ? headers() : headers;
      const response = await token(s, p as Params, h as Record<string, string>);
      const body = await assertError(response, status, error);
      for (
        const secret of [basicClient.client_secret, postClient.client_secret]
      ) {
        assert.ok(!JSON.stringify(body).includes(secret!), "secret echoed");
      }
      if (status === 401 && "Authorization" in h) {
        assert.match(
          response.headers.get("www-authenticate") ?? "",
          /^Basic realm=/,
        );
      }
    });
  }

  it("grants client_credentials only scopes the resource supports", async () => {
    const response = await token(s, {
      grant_type: "client_credentials",
      scope: "read root",
    }, {
      Authorization: basic(basicClient.client_id!, basicClient.client_secret!),
    });
    await assertError(response, 400, "invalid_scope");
  });

  it("answers an unknown method 405 and a preflight 204, never 500", async () => {
    const put = await fetch(`${s.issuer}/register`, {
      method: "PUT",
      body: "x",
    });
    assert.equal(put.status, 405);
    assert.match(put.headers.get("allow") ?? "", /POST/);
    await put.body?.cancel();
    const options = await fetch(`${s.issuer}/token`, { method: "OPTIONS" });
    assert.equal(options.status, 204);
  });
});

describe("attacks on the dev server: its tokens under the demo's JwtVerifier", () => {
  let s: Running;
  let client: Record<string, string>;
  let verifier: JwtVerifier;
  before(async () => {
    s = await start();
    client = await register(s);
    // The demo's options (examples/demo/server.ts): the embedded server's
    // keys, its issuer, the MCP URL as audience, RFC 9068 typ by default.
    verifier = new JwtVerifier({
      jwks: s.dev.jwks,
      issuer: s.issuer,
      audience: s.resource,
    });
  });
  after(() => s.close());

  it("verifies a token from the code flow as an RFC 9068 at+jwt with the approved scope", async () => {
    const tokens = await login(s, client.client_id!, { scope: "read write" });
    assert.equal(decodeProtectedHeader(tokens.access_token!).typ, "at+jwt");
    const verified = await verifier.verifyToken(tokens.access_token!);
    assert.deepEqual([...verified.scopes].sort(), ["read", "write"]);
    assert.equal(verified.clientId, client.client_id);
    const claims = decodeJwt(tokens.access_token!);
    assert.equal(claims.iss, s.issuer);
    assert.equal(claims.aud, s.resource);
    assert.equal(typeof claims.jti, "string");
  });

  it("refuses a token of another dev server with the same issuer (another key)", async () => {
    const twin = await createDevAuthorizationServer({
      issuer: s.issuer,
      resource: s.resource,
      scopesSupported: SCOPES,
      warn: false,
    });
    const forged = await twin.mintAccessToken({ scopes: ["admin"] });
    await assert.rejects(verifier.verifyToken(forged));
  });

  it("refuses a token for another resource of the same server", async () => {
    const multi = await createDevAuthorizationServer({
      issuer: s.issuer,
      resource: [s.resource, `${s.origin}/other`],
      scopesSupported: SCOPES,
      warn: false,
    });
    const own = new JwtVerifier({
      jwks: multi.jwks,
      issuer: s.issuer,
      audience: s.resource,
    });
    const other = await multi.mintAccessToken({
      resource: `${s.origin}/other`,
    });
    await assert.rejects(own.verifyToken(other));
    const right = await multi.mintAccessToken({ resource: s.resource });
    assert.equal((await own.verifyToken(right)).claims.sub, "dev-user");
  });

  it("refuses a token signed with a key of the attacker's that claims the dev key's kid", async () => {
    const { privateKey, publicKey } = await generateKeyPair("ES256");
    await exportJWK(publicKey);
    const forged = await new SignJWT({ client_id: "x", scope: "admin" })
      .setProtectedHeader({
        alg: "ES256",
        typ: "at+jwt",
        kid: s.dev.jwks.keys[0]!.kid!,
      })
      .setIssuer(s.issuer)
      .setAudience(s.resource)
      .setSubject("dev-user")
      .setIssuedAt()
      .setExpirationTime("5m")
      .setJti("j")
      .sign(privateKey);
    await assert.rejects(verifier.verifyToken(forged));
  });

  it("mintAccessToken refuses a scope or resource the server does not grant", async () => {
    await assert.rejects(
      s.dev.mintAccessToken({ scopes: ["root"] }),
      TypeError,
    );
    await assert.rejects(
      s.dev.mintAccessToken({ resource: "https://evil.example/mcp" }),
      TypeError,
    );
    await assert.rejects(
      s.dev.mintAccessToken({ audience: "x" } as never),
      TypeError,
    );
  });
});
