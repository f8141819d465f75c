/**
 * Runs the library inside workerd: bundles `worker.ts` with `deno bundle`,
 * starts it under Miniflare, serves a JWKS on 127.0.0.1, and asserts what a
 * client sees from the outside (status and body). Prints its own summary,
 * `workerd: N passed, N failed`, and exits non-zero on any failure.
 *
 * Run it with `deno task test:workerd`.
 */
import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { Miniflare } from "miniflare";

const ISSUER = "https://issuer.test";
const AUDIENCE = "https://mcp.test/mcp";
const NOW = Math.floor(Date.now() / 1000);

/** Bundles the Worker and the library (with jose) into one ES module. */
async function bundle(): Promise<string> {
  const entry = new URL("./worker.ts", import.meta.url).pathname;
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

const issuerKeys = await generateKeyPair("ES256");
const strangerKeys = await generateKeyPair("ES256");
const jwk = {
  ...(await exportJWK(issuerKeys.publicKey)),
  kid: "k1",
  alg: "ES256",
};

/** Signs an access token the Worker should accept, unless `options` spoil it. */
function sign(
  scope: string,
  options: { key?: CryptoKey; audience?: string; expiresAt?: number } = {},
): Promise<string> {
  return new SignJWT({ scope })
    .setProtectedHeader({ alg: "ES256", kid: "k1", typ: "at+jwt" })
    .setIssuer(ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setSubject("client-1")
    .setIssuedAt(NOW - 60)
    .setExpirationTime(options.expiresAt ?? NOW + 300)
    .sign(options.key ?? issuerKeys.privateKey);
}

let jwksRequests = 0;
const jwks = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen() {} },
  () => {
    jwksRequests++;
    return Response.json({ keys: [jwk] });
  },
);

let mf: Miniflare | undefined;
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

/** One outside-in case: a request, the status and JSON body expected. */
interface Case {
  name: string;
  path: string;
  method?: string;
  token?: string | Promise<string>;
  status: number;
  body: unknown;
}

try {
  mf = new Miniflare({
    modules: true,
    script: await bundle(),
    compatibilityDate: "2026-07-01",
    bindings: {
      JWKS_URL: `http://127.0.0.1:${jwks.addr.port}/jwks`,
      ISSUER,
      AUDIENCE,
    },
  });
  const worker = mf;
  await worker.ready;
  const read = sign("read");
  const all = sign("read write admin");
  const cases: Case[] = [
    {
      name: "a request without a token gets 401",
      path: "/tools",
      status: 401,
      body: { error: "invalid_token" },
    },
    {
      name: "a token signed by another key gets 401",
      path: "/tools",
      token: sign("read write admin", { key: strangerKeys.privateKey }),
      status: 401,
      body: { error: "invalid_token" },
    },
    {
      name: "a token for another audience gets 401",
      path: "/tools",
      token: sign("read", { audience: "https://other.test/mcp" }),
      status: 401,
      body: { error: "invalid_token" },
    },
    {
      name: "an expired token gets 401",
      path: "/tools",
      token: sign("read write admin", { expiresAt: NOW - 600 }),
      status: 401,
      body: { error: "invalid_token" },
    },
    {
      name: "a read token sees only the public tool",
      path: "/tools",
      token: read,
      status: 200,
      body: { tools: ["echo"] },
    },
    {
      name: "a read write admin token sees every tool",
      path: "/tools",
      token: all,
      status: 200,
      body: { tools: ["echo", "write_file", "drop_database"] },
    },
    {
      name: "a read token may call the public tool",
      path: "/tools/echo",
      method: "POST",
      token: read,
      status: 200,
      body: { called: "echo" },
    },
    {
      name: "a read token calling an admin-tagged tool gets a step-up to admin",
      path: "/tools/drop_database",
      method: "POST",
      token: read,
      status: 403,
      body: { error: "insufficient_scope", scope: "admin" },
    },
    {
      name: "a tool its own check denies looks the same as an unknown one",
      path: "/tools/write_file",
      method: "POST",
      token: read,
      status: 404,
      body: { error: "not_found" },
    },
    {
      name: "an unknown tool gets 404",
      path: "/tools/no_such_tool",
      method: "POST",
      token: read,
      status: 404,
      body: { error: "not_found" },
    },
    {
      name: "an admin token may call the admin tool",
      path: "/tools/drop_database",
      method: "POST",
      token: all,
      status: 200,
      body: { called: "drop_database" },
    },
  ];
  for (const c of cases) {
    await check(c.name, async () => {
      const headers: Record<string, string> = c.token === undefined
        ? {}
        : { authorization: `Bearer ${await c.token}` };
      const response = await worker.dispatchFetch(`https://mcp.test${c.path}`, {
        method: c.method ?? "GET",
        headers,
      });
      const body = await response.json();
      assert.equal(response.status, c.status);
      assert.deepEqual(body, c.body);
    });
  }
  await check("the Worker fetched the JWKS from 127.0.0.1", () => {
    assert.ok(jwksRequests > 0, "the Worker never fetched the JWKS");
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
