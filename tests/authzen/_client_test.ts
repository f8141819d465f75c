// The PDP client of authzenCheck (src/authzen/_client.ts) when the PDP
// fails: unreachable, slow, garbage, error statuses, no decision, too few
// decisions, a foreign discovery document. Tiny local servers play the PDP.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AuthorizationUnavailableError, Authorizer } from "../../mod.ts";
import {
  authzenCheck,
  type AuthzenCheckOptions,
} from "../../src/authzen/mod.ts";
import { serve } from "../_serve.ts";
import {
  alice,
  closedPort,
  messages,
  recorder,
  rejection,
  tool,
} from "./_helpers.ts";

describe("authzenCheck when the PDP fails", () => {
  const components = [tool("public_a"), tool("public_b")];

  async function expectUnavailable(
    options: AuthzenCheckOptions,
    reason: RegExp,
    secret?: string,
  ) {
    const { errors, onError } = recorder();
    const authorizer = new Authorizer({
      layers: [authzenCheck(options)],
      onError,
    });
    // In a list: hidden.
    assert.deepEqual(await authorizer.filter(alice, components), []);
    // On a call: retryable, not "not found".
    const error = await rejection(authorizer.authorize(alice, components[0]));
    assert.ok(error instanceof AuthorizationUnavailableError);
    assert.equal(
      (error as Error).message,
      "Authorization temporarily unavailable",
    );
    const logged = messages(errors);
    assert.match(logged, reason);
    assert.doesNotMatch(logged, /secret-access-token/);
    if (secret !== undefined) {
      assert.doesNotMatch(logged, new RegExp(secret));
      assert.doesNotMatch(String((error as Error).message), new RegExp(secret));
    }
    return error as AuthorizationUnavailableError;
  }

  it("is unavailable when the PDP is unreachable", async () => {
    await expectUnavailable(
      { pdp: await closedPort(), cache: false },
      /AuthZEN PDP unreachable/,
    );
  });

  it("is unavailable when the PDP is slower than timeoutMs", async () => {
    const served = await serve(async () => {
      await new Promise((resolve) => setTimeout(resolve, 400));
      return Response.json({ decision: true });
    });
    try {
      await expectUnavailable(
        { pdp: served.origin, timeoutMs: 50, cache: false },
        /timed out after 50 ms/,
      );
    } finally {
      await served.close();
    }
  });

  for (
    const [label, answer, reason] of [
      [
        "answers garbage",
        () => new Response("<html>leaked-body</html>", { status: 200 }),
        /not JSON/,
      ],
      [
        "answers an error status",
        () => new Response("leaked-body", { status: 500 }),
        /HTTP 500/,
      ],
      [
        "answers a decision that is not a boolean",
        () => Response.json({ decision: "true", context: "leaked-body" }),
        /without a boolean decision/,
      ],
      [
        "answers too few decisions for a batch",
        (request: Request) =>
          new URL(request.url).pathname.endsWith("/evaluations")
            ? Response.json({ evaluations: [{ decision: true }] })
            : Response.json({ decision: 1 }),
        /1 decisions for 2 evaluations|without a boolean decision/,
      ],
    ] as const
  ) {
    it(`is unavailable when the PDP ${label}, and never echoes it`, async () => {
      const served = await serve((request) =>
        new URL(request.url).pathname.startsWith("/.well-known/")
          ? new Response(null, { status: 404 })
          : answer(request)
      );
      try {
        await expectUnavailable(
          { pdp: served.origin, cache: false },
          reason,
          "leaked-body",
        );
      } finally {
        await served.close();
      }
    });
  }

  it("ignores metadata whose policy_decision_point is another PDP", async () => {
    const seen: string[] = [];
    const served = await serve((request) => {
      const { pathname } = new URL(request.url);
      seen.push(pathname);
      if (pathname.startsWith("/.well-known/")) {
        return Response.json({
          policy_decision_point: "https://evil.example",
          access_evaluation_endpoint: "https://evil.example/steal",
        });
      }
      return Response.json({ decision: true });
    });
    try {
      const authorizer = new Authorizer({
        layers: [authzenCheck({ pdp: served.origin, cache: false })],
      });
      await authorizer.authorize(alice, tool("x"));
      assert.deepEqual(seen, [
        "/.well-known/authzen-configuration",
        "/access/v1/evaluation",
      ]);
    } finally {
      await served.close();
    }
  });

  it("uses the endpoints of metadata whose policy_decision_point is the PDP", async () => {
    const seen: string[] = [];
    let origin = "";
    const served = await serve((request) => {
      const { pathname } = new URL(request.url);
      seen.push(`${request.method} ${pathname}`);
      if (pathname === "/.well-known/authzen-configuration/tenant-1") {
        return Response.json({
          policy_decision_point: `${origin}/tenant-1/`,
          access_evaluation_endpoint: `${origin}/decide/one`,
          access_evaluations_endpoint: `${origin}/decide/many`,
        });
      }
      if (pathname === "/decide/many") {
        return Response.json({
          evaluations: [{ decision: true }, { decision: false }],
        });
      }
      return Response.json({ decision: true });
    });
    origin = served.origin;
    try {
      const authorizer = new Authorizer({
        layers: [authzenCheck({ pdp: `${origin}/tenant-1`, cache: false })],
      });
      await authorizer.authorize(alice, tool("a"));
      const listed = await authorizer.filter(alice, [tool("a"), tool("b")]);
      assert.deepEqual(listed.map((t) => t.name), ["a"]);
      assert.deepEqual(seen, [
        "GET /.well-known/authzen-configuration/tenant-1",
        "POST /decide/one",
        "POST /decide/many",
      ]);
    } finally {
      await served.close();
    }
  });

  it("asks for the metadata again after a transient failure, not after a 404", async () => {
    for (const [status, asked] of [[503, 2], [404, 1]] as const) {
      let metadataRequests = 0;
      const served = await serve((request) => {
        if (new URL(request.url).pathname.startsWith("/.well-known/")) {
          metadataRequests++;
          return new Response(null, { status });
        }
        return Response.json({ decision: true });
      });
      try {
        const authorizer = new Authorizer({
          layers: [authzenCheck({ pdp: served.origin, cache: false })],
        });
        // The defaults answer meanwhile: no call waits for the metadata.
        await authorizer.authorize(alice, tool("a"));
        await authorizer.authorize(alice, tool("a"));
        assert.equal(metadataRequests, asked, `metadata ${status}`);
      } finally {
        await served.close();
      }
    }
  });

  it("is unavailable when the PDP's body stalls past timeoutMs", async () => {
    const served = await serve((request) =>
      new URL(request.url).pathname.startsWith("/.well-known/")
        ? new Response(null, { status: 404 })
        : new Response(
          new ReadableStream({
            start(controller) {
              controller.enqueue(new TextEncoder().encode('{"decision":'));
            },
          }),
        )
    );
    try {
      await expectUnavailable(
        { pdp: served.origin, timeoutMs: 100, cache: false },
        /timed out after 100 ms/,
      );
    } finally {
      await served.close();
    }
  });

  it("is unavailable when an injected fetch never answers", async () => {
    await expectUnavailable(
      {
        pdp: "https://pdp.example.com",
        timeoutMs: 50,
        cache: false,
        fetch: () => new Promise<Response>(() => {}),
      },
      /timed out after 50 ms/,
    );
  });

  it("is unavailable when the answer is larger than the limit", async () => {
    const served = await serve((request) =>
      new URL(request.url).pathname.startsWith("/.well-known/")
        ? new Response(null, { status: 404 })
        : Response.json({ decision: true, padding: "x".repeat(5 * 2 ** 20) })
    );
    try {
      await expectUnavailable(
        { pdp: served.origin, cache: false },
        /not JSON, or is too large/,
      );
    } finally {
      await served.close();
    }
  });

  it("never caches a failure: the next decision asks again", async () => {
    let healthy = false;
    let posts = 0;
    const served = await serve((request) => {
      if (new URL(request.url).pathname.startsWith("/.well-known/")) {
        return new Response(null, { status: 404 });
      }
      posts++;
      return healthy
        ? Response.json({ decision: true })
        : new Response(null, { status: 502 });
    });
    try {
      const authorizer = new Authorizer({
        layers: [authzenCheck({ pdp: served.origin })],
        onError: () => {},
      });
      await assert.rejects(
        authorizer.authorize(alice, tool("a")),
        AuthorizationUnavailableError,
      );
      healthy = true;
      await authorizer.authorize(alice, tool("a"));
      await authorizer.authorize(alice, tool("a")); // now from the cache
      assert.equal(posts, 2);
    } finally {
      await served.close();
    }
  });
});
