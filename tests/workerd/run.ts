/**
 * Runs the library inside workerd: bundles `worker.ts` with `deno bundle`,
 * starts it under Miniflare (workerd from npm, no Node compatibility flags),
 * serves its JWKS on 127.0.0.1, and asserts what a client sees from the
 * outside: status codes, challenges and bodies. Prints its own summary,
 * `workerd: N passed, N failed`, writes a JUnit report with
 * `--junit-path=<file>`, and exits non-zero on any failure.
 *
 * Run it with `deno task test:workerd`.
 */
import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { Miniflare } from "miniflare";

const RESOURCE = "https://mcp.test/mcp";
const ISSUER = "https://issuer.test";
const METADATA = "https://mcp.test/.well-known/oauth-protected-resource/mcp";
const NOW = Math.floor(Date.now() / 1000);

/** Bundles the Worker and the library (with jose) into one ES module. */
async function bundle(): Promise<string> {
  const entry = decodeURIComponent(
    new URL("./worker.ts", import.meta.url).pathname,
  );
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--quiet", "--platform", "browser", entry],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(`deno bundle failed: ${new TextDecoder().decode(stderr)}`);
  }
  return new TextDecoder().decode(stdout);
}

// Bound the whole run: a hung workerd must fail CI, not stall it.
const watchdog = setTimeout(() => {
  console.log("not ok - the workerd run did not finish within 120 s");
  console.log("workerd: 0 passed, 1 failed");
  Deno.exit(1);
}, 120_000);
Deno.unrefTimer(watchdog);

const issuerKeys = await generateKeyPair("ES256");
const strangerKeys = await generateKeyPair("ES256");
const jwk = {
  ...(await exportJWK(issuerKeys.publicKey)),
  kid: "k1",
  alg: "ES256",
};

/** Signs an access token the Worker should accept, unless `spoil` says. */
function sign(
  scope: string,
  spoil: {
    key?: CryptoKey;
    audience?: string;
    expiresAt?: number;
    typ?: string;
  } = {},
): Promise<string> {
  return new SignJWT({ scope })
    .setProtectedHeader({ alg: "ES256", kid: "k1", typ: spoil.typ ?? "at+jwt" })
    .setIssuer(ISSUER)
    .setAudience(spoil.audience ?? RESOURCE)
    .setSubject("client-1")
    .setIssuedAt(NOW - 60)
    .setExpirationTime(spoil.expiresAt ?? NOW + 300)
    .sign(spoil.key ?? issuerKeys.privateKey);
}

/** Signs a raw payload text by hand (jose cannot write `1e400`). */
async function signText(payload: string): Promise<string> {
  const encode = (text: string) =>
    btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const input = `${
    encode(JSON.stringify({ alg: "ES256", kid: "k1", typ: "at+jwt" }))
  }.${encode(payload)}`;
  const signature = new Uint8Array(
    await crypto.subtle.sign(
      { name: "ECDSA", hash: "SHA-256" },
      issuerKeys.privateKey,
      new TextEncoder().encode(input),
    ),
  );
  return `${input}.${encode(String.fromCharCode(...signature))}`;
}

let jwksRequests = 0;
const jwks = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen() {} },
  () => {
    jwksRequests++;
    return Response.json({ keys: [jwk] });
  },
);
// A loopback port with nothing listening: the JWKS of the "offline" Worker.
const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
const closedPort = closed.addr.port;
closed.close();

const results: { name: string; error?: string }[] = [];

/** Runs one named check and records its outcome. */
async function check(name: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
    results.push({ name });
    console.log(`ok - ${name}`);
  } catch (error) {
    const message = String(error).slice(0, 2000);
    results.push({ name, error: message });
    console.log(`not ok - ${name}\n${message}`);
  }
}

/** The results as JUnit XML, as `deno test --junit-path` writes them. */
function junit(): string {
  const escape = (text: string) =>
    text.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const cases = results.map(({ name, error }) =>
    `    <testcase name="${escape(name)}" classname="workerd">${
      error === undefined ? "" : `<failure message="${escape(error)}"/>`
    }</testcase>`
  );
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="workerd" tests="${results.length}">
${cases.join("\n")}
  </testsuite>
</testsuites>
`;
}

/** What a client sees of one response. */
interface Seen {
  status: number;
  challenge: string | null;
  retryAfter: string | null;
  body: Record<string, unknown>;
}

/**
 * Sends a request to the Worker for the URL's host (`mcp.test`,
 * `injected.test`, or `offline.test`, whose JWKS is down); checks that no
 * body echoes the token.
 */
async function send(
  runtime: Miniflare,
  url: string,
  options: { token?: string; method?: string; form?: string } = {},
): Promise<Seen> {
  const headers: Record<string, string> = options.token === undefined
    ? {}
    : { authorization: `Bearer ${options.token}` };
  if (options.form !== undefined) {
    headers["content-type"] = "application/x-www-form-urlencoded";
  }
  const response = await runtime.dispatchFetch(url, {
    method: options.method ?? "GET",
    headers,
    ...(options.form === undefined ? {} : { body: options.form }),
  });
  const text = await response.text();
  if (options.token !== undefined && !url.endsWith("/echo")) {
    assert.ok(!text.includes(options.token), "the body echoes the token");
  }
  if ([400, 401, 403, 503].includes(response.status)) {
    assert.equal(response.headers.get("cache-control"), "no-store");
  }
  return {
    status: response.status,
    challenge: response.headers.get("www-authenticate"),
    retryAfter: response.headers.get("retry-after"),
    body: JSON.parse(text),
  };
}

let mf: Miniflare | undefined;
try {
  const script = await bundle();
  const worker = { modules: true, script, compatibilityDate: "2026-07-01" };
  mf = new Miniflare({
    workers: [
      {
        ...worker,
        name: "online",
        bindings: {
          RESOURCE,
          ISSUER,
          JWKS_URL: `http://127.0.0.1:${jwks.addr.port}/jwks`,
        },
      },
      {
        ...worker,
        name: "injected",
        routes: ["injected.test/*"],
        bindings: {
          RESOURCE,
          ISSUER,
          JWKS_URL: `http://127.0.0.1:${jwks.addr.port}/jwks`,
          PASS_FETCH: "yes",
        },
      },
      {
        ...worker,
        name: "offline",
        routes: ["offline.test/*"],
        bindings: {
          RESOURCE,
          ISSUER,
          JWKS_URL: `http://127.0.0.1:${closedPort}/jwks`,
        },
      },
    ],
  });
  const runtime = mf;
  await runtime.ready;

  const read = await sign("read");
  const all = await sign("read write admin");

  await check(
    "a request without a token gets 401 naming the metadata",
    async () => {
      const seen = await send(runtime, "https://mcp.test/tools");
      assert.equal(seen.status, 401);
      assert.equal(seen.challenge, `Bearer resource_metadata="${METADATA}"`);
    },
  );
  await check(
    "the metadata document names the resource and its issuer",
    async () => {
      const seen = await send(runtime, METADATA);
      assert.equal(seen.status, 200);
      assert.equal(seen.body.resource, RESOURCE);
      assert.deepEqual(seen.body.authorization_servers, [ISSUER]);
    },
  );
  for (
    const [name, token] of [
      ["signed by another key", sign("read", { key: strangerKeys.privateKey })],
      [
        "for another audience",
        sign("read", { audience: "https://x.test/mcp" }),
      ],
      ["that has expired", sign("read", { expiresAt: NOW - 600 })],
      ["of another type than at+jwt", sign("read", { typ: "JWT" })],
    ] as const
  ) {
    await check(`a token ${name} gets 401 invalid_token`, async () => {
      const seen = await send(runtime, "https://mcp.test/tools", {
        token: await token,
      });
      assert.equal(seen.status, 401);
      assert.match(seen.challenge ?? "", /^Bearer error="invalid_token"/);
      assert.match(seen.challenge ?? "", /resource_metadata="[^"]+"/);
      assert.equal(seen.body.error, "invalid_token");
    });
  }
  await check(
    "a padded re-encoding of a valid token gets 401 (one JWT, one string)",
    async () => {
      const seen = await send(runtime, "https://mcp.test/tools", {
        token: `${read}==`,
      });
      assert.equal(seen.status, 401);
      assert.equal(seen.body.error_description, "Token malformed");
    },
  );
  await check("a token with exp 1e400 gets 401, not 503", async () => {
    const token = await signText(
      `{"iss":"${ISSUER}","aud":"${RESOURCE}","sub":"c","scope":"read","exp":1e400}`,
    );
    const seen = await send(runtime, "https://mcp.test/tools", { token });
    assert.equal(seen.status, 401);
    assert.equal(seen.retryAfter, null);
  });
  await check("a DPoP-bound token sent as Bearer gets 401", async () => {
    const token = await signText(
      `{"iss":"${ISSUER}","aud":"${RESOURCE}","sub":"c","scope":"read","exp":${
        NOW + 300
      },"cnf":{"jkt":"0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}}`,
    );
    const seen = await send(runtime, "https://mcp.test/tools", { token });
    assert.equal(seen.status, 401);
    assert.equal(
      seen.body.error_description,
      "DPoP-bound token requires the DPoP scheme",
    );
  });
  await check(
    "a form body token beside the header gets 400; another form body reaches the handler whole",
    async () => {
      const twice = await send(runtime, "https://mcp.test/echo", {
        token: read,
        method: "POST",
        form: "access_token=x",
      });
      assert.equal(twice.status, 400);
      assert.equal(twice.body.error, "invalid_request");
      const form = `note=${"n".repeat(100_000)}&more=1`;
      const echoed = await send(runtime, "https://mcp.test/echo", {
        token: read,
        method: "POST",
        form,
      });
      assert.equal(echoed.status, 200);
      assert.equal(echoed.body.body, form);
    },
  );
  await check("a read token sees only the public tool", async () => {
    const seen = await send(runtime, "https://mcp.test/tools", { token: read });
    assert.equal(seen.status, 200);
    assert.deepEqual(seen.body, { tools: ["echo"] });
  });
  await check("a read write admin token sees every tool", async () => {
    const seen = await send(runtime, "https://mcp.test/tools", { token: all });
    assert.equal(seen.status, 200);
    assert.deepEqual(seen.body, {
      tools: ["echo", "write_file", "drop_database"],
    });
  });
  await check("a read token may call the public tool", async () => {
    const seen = await send(runtime, "https://mcp.test/tools/echo", {
      token: read,
      method: "POST",
    });
    assert.equal(seen.status, 200);
    assert.deepEqual(seen.body, { called: "echo" });
  });
  await check(
    "calling an admin-tagged tool without admin is a step-up",
    async () => {
      const seen = await send(runtime, "https://mcp.test/tools/drop_database", {
        token: read,
        method: "POST",
      });
      assert.equal(seen.status, 403);
      assert.match(seen.challenge ?? "", /^Bearer error="insufficient_scope"/);
      assert.match(seen.challenge ?? "", /scope="admin"/);
      assert.equal(seen.body.error, "insufficient_scope");
    },
  );
  await check(
    "a tool its own check denies looks like an unknown one",
    async () => {
      const denied = await send(runtime, "https://mcp.test/tools/write_file", {
        token: read,
        method: "POST",
      });
      const unknown = await send(
        runtime,
        "https://mcp.test/tools/no_such_tool",
        {
          token: read,
          method: "POST",
        },
      );
      assert.equal(denied.status, 403);
      assert.equal(denied.challenge, null);
      assert.deepEqual(
        [unknown.status, unknown.challenge, unknown.body],
        [denied.status, denied.challenge, denied.body],
      );
    },
  );
  await check("an admin token may call the admin tool", async () => {
    const seen = await send(runtime, "https://mcp.test/tools/drop_database", {
      token: all,
      method: "POST",
    });
    assert.equal(seen.status, 200);
    assert.deepEqual(seen.body, { called: "drop_database" });
  });
  await check(
    "a Worker handing the global fetch to the verifier works",
    async () => {
      const seen = await send(runtime, "https://injected.test/tools", {
        token: read,
      });
      assert.equal(seen.status, 200);
      assert.deepEqual(seen.body, { tools: ["echo"] });
    },
  );
  await check("an unreachable JWKS gets 503 with Retry-After", async () => {
    const seen = await send(runtime, "https://offline.test/tools", {
      token: read,
    });
    assert.equal(seen.status, 503);
    assert.match(seen.retryAfter ?? "", /^[0-9]+$/);
  });
  await check("each Worker fetched the JWKS once for all its requests", () => {
    assert.equal(jwksRequests, 2, "one fetch per Worker isolate");
    return Promise.resolve();
  });
} catch (error) {
  await check("the Worker builds and starts", () => Promise.reject(error));
} finally {
  await mf?.dispose().catch(() => {});
  await jwks.shutdown();
}

const failed = results.filter((result) => result.error !== undefined).length;
const junitPath = Deno.args.find((arg) => arg.startsWith("--junit-path="));
if (junitPath !== undefined) {
  await Deno.writeTextFile(junitPath.slice("--junit-path=".length), junit());
}
console.log(`workerd: ${results.length - failed} passed, ${failed} failed`);
if (failed > 0) Deno.exit(1);
