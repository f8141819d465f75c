import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  type AccessToken,
  StaticTokenVerifier,
  type TokenVerifier,
  VerifierUnavailableError,
} from "../../mod.ts";
import { authenticated } from "../../src/adapters/_auth_info.ts";

const METADATA =
  "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";
const verifier = new StaticTokenVerifier({
  tokens: { "reader-token": { clientId: "reader", scopes: ["read"] } },
});

function bearer(token: string): Request {
  return new Request("https://mcp.example.com/mcp", {
    headers: { authorization: `Bearer ${token}` },
  });
}

/** A verifier that cannot verify: what an outage looks like. */
function failing(error: unknown): TokenVerifier {
  return { verifyToken: () => Promise.reject(error) };
}

/** Runs `body` with console.warn recorded instead of printed. */
async function warnings(body: () => Promise<void>): Promise<unknown[][]> {
  const original = console.warn;
  const calls: unknown[][] = [];
  console.warn = (...args: unknown[]) => void calls.push(args);
  try {
    await body();
  } finally {
    console.warn = original;
  }
  return calls;
}

const sample: AccessToken = {
  token: "reader-token",
  clientId: "reader",
  scopes: ["read"],
  claims: {},
};

describe("authenticated()", () => {
  it("handles a request as withBearerAuth does, handing the handler the verified token", async () => {
    const seen: (AccessToken | undefined)[] = [];
    const { handle } = authenticated("testAdapter", (_request, token) => {
      seen.push(token);
      return new Response("ok");
    }, { verifier });
    const response = await handle(bearer("reader-token"));
    assert.equal(response.status, 200);
    assert.equal(seen[0]?.clientId, "reader");
    const refused = await handle(bearer("unknown-token"));
    assert.equal(refused.status, 401);
    assert.equal(seen.length, 1);
  });

  it("stamps a token with the metadata URL, as an absolute href, on a copy", () => {
    for (const url of [METADATA, new URL(METADATA)]) {
      const { stamp } = authenticated("testAdapter", () => new Response(), {
        verifier,
        resourceMetadataUrl: url,
      });
      const stamped = stamp(sample);
      assert.equal(stamped.resourceMetadataUrl, METADATA);
      assert.equal(typeof stamped.resourceMetadataUrl, "string");
      assert.notEqual(stamped, sample);
      assert.equal("resourceMetadataUrl" in sample, false);
      assert.equal(stamped.clientId, "reader");
    }
  });

  it("without a metadata URL, stamps a plain copy with no resourceMetadataUrl key", () => {
    const { stamp } = authenticated("testAdapter", () => new Response(), {
      verifier,
    });
    const stamped = stamp(sample);
    assert.deepEqual(stamped, sample);
    assert.notEqual(stamped, sample);
    assert.equal("resourceMetadataUrl" in stamped, false);
  });

  it("with resource only, stamps the metadata URL bearerAuth's own challenges name (RFC 9728 §3.1)", async () => {
    // A trailing slash and a query: where the SDK's own derivation (which
    // drops both) would name another document than bearerAuth's.
    for (
      const [resource, expected] of [
        [
          "https://mcp.example.com/mcp",
          "https://mcp.example.com/.well-known/oauth-protected-resource/mcp",
        ],
        [
          "https://mcp.example.com/mcp/?tenant=a",
          "https://mcp.example.com/.well-known/oauth-protected-resource/mcp/?tenant=a",
        ],
      ]
    ) {
      const { handle, stamp } = authenticated(
        "testAdapter",
        () => new Response(),
        {
          verifier,
          resource: resource!,
        },
      );
      const challenge = (await handle(new Request(resource!))).headers.get(
        "www-authenticate",
      );
      assert.ok(
        challenge?.includes(`resource_metadata="${expected}"`),
        challenge ?? "",
      );
      assert.equal(stamp(sample).resourceMetadataUrl, expected);
    }
  });

  it("keeps the token's extra object, so a step-up reported through the stamped copy reaches withBearerAuth", async () => {
    const extras: unknown[] = [];
    const { handle, stamp } = authenticated(
      "testAdapter",
      (_request, token) => {
        const stamped = stamp(token!);
        extras.push(stamped.extra, token!.extra);
        return new Response("ok");
      },
      { verifier, resourceMetadataUrl: METADATA },
    );
    assert.equal((await handle(bearer("reader-token"))).status, 200);
    assert.ok(extras[0] !== undefined);
    assert.equal(extras[0], extras[1]);
  });

  it("names the adapter in option errors", () => {
    assert.throws(
      () =>
        authenticated("testAdapter", () => new Response(), {
          verifier,
          requiredScope: ["read"],
        } as never),
      {
        name: "TypeError",
        message: /^Unknown testAdapter option "requiredScope"/,
      },
    );
    assert.throws(
      () =>
        authenticated("testAdapter", "not a handler" as never, { verifier }),
      {
        name: "TypeError",
        message: /^testAdapter expects a handler function/,
      },
    );
    for (const options of [undefined, null, "x"]) {
      assert.throws(
        () =>
          authenticated("testAdapter", () => new Response(), options as never),
        { name: "TypeError", message: /^testAdapter/ },
      );
    }
  });

  it("refuses a bad metadata URL with withBearerAuth's error before reading it", () => {
    assert.throws(
      () =>
        authenticated("testAdapter", () => new Response(), {
          verifier,
          resourceMetadataUrl: "/relative",
        }),
      {
        name: "TypeError",
        message: /^testAdapter option "resourceMetadataUrl"/,
      },
    );
  });

  it("tells a 503 in one console.warn line by default: name, message and cause, no stack", async () => {
    const error = new VerifierUnavailableError("JWKS fetch failed", {
      cause: new TypeError("fetch failed"),
    });
    const { handle } = authenticated("testAdapter", () => new Response(), {
      verifier: failing(error),
    });
    let response: Response | undefined;
    const calls = await warnings(async () => {
      response = await handle(bearer("reader-token"));
    });
    assert.equal(response?.status, 503);
    assert.deepEqual(calls, [[
      "testAdapter: token verification unavailable, answered 503: VerifierUnavailableError: JWKS fetch failed (cause: TypeError: fetch failed)",
    ]]);
    assert.ok(!String(calls[0]).includes("reader-token"));
    assert.ok(!String(calls[0]).includes("\n"));
  });

  it("tells a thrown value that is not an Error by its kind only", async () => {
    const { handle } = authenticated("testAdapter", () => new Response(), {
      verifier: failing({ secret: "reader-token" }),
    });
    const calls = await warnings(async () => {
      assert.equal((await handle(bearer("reader-token"))).status, 503);
    });
    assert.deepEqual(calls, [[
      "testAdapter: token verification unavailable, answered 503: a thrown value that is not an Error",
    ]]);
  });

  it("leaves out a cause that is not an Error", async () => {
    const { handle } = authenticated("testAdapter", () => new Response(), {
      verifier: failing(new Error("down", { cause: "reader-token" })),
    });
    const calls = await warnings(async () => {
      assert.equal((await handle(bearer("reader-token"))).status, 503);
    });
    assert.deepEqual(calls, [[
      "testAdapter: token verification unavailable, answered 503: Error: down",
    ]]);
  });

  it("calls the user's onError instead, and warns nothing", async () => {
    const failure = new Error("down");
    const seen: unknown[] = [];
    const { handle } = authenticated("testAdapter", () => new Response(), {
      verifier: failing(failure),
      onError: (error) => void seen.push(error),
    });
    const calls = await warnings(async () => {
      assert.equal((await handle(bearer("reader-token"))).status, 503);
    });
    assert.deepEqual(calls, []);
    assert.equal(seen.length, 1);
    assert.ok(seen[0] === failure || (seen[0] as Error).cause === failure);
  });
});
