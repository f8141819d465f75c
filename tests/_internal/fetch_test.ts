import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { FetchFailure, fetchJson } from "../../src/_internal/fetch.ts";

const LIMITS = { timeoutMs: 1000, maxBytes: 1024 };

function answering(response: Response): typeof fetch {
  return () => Promise.resolve(response);
}

async function failure(promise: Promise<unknown>): Promise<FetchFailure> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof FetchFailure);
    return error;
  }
  assert.fail("expected a FetchFailure");
}

describe("fetchJson()", () => {
  it("parses a JSON body, asking with no redirect and a signal", async () => {
    let seen: RequestInit | undefined;
    const fetchFn: typeof fetch = (_input, init) => {
      seen = init;
      return Promise.resolve(Response.json({ a: 1 }));
    };
    assert.deepEqual(
      await fetchJson(fetchFn, "https://x.example/", {}, LIMITS),
      { a: 1 },
    );
    assert.equal(seen?.redirect, "manual");
    assert.ok(seen?.signal instanceof AbortSignal);
  });

  it("fails on a status that is not a success, a redirect included", async () => {
    const error = await failure(fetchJson(
      answering(new Response(null, { status: 302 })),
      "https://x.example/",
      {},
      LIMITS,
    ));
    assert.equal(error.reason, "status");
    assert.equal(error.status, 302);
    const only200 = await failure(fetchJson(
      answering(Response.json({}, { status: 201 })),
      "https://x.example/",
      {},
      { ...LIMITS, ok: (status) => status === 200 },
    ));
    assert.equal(only200.status, 201);
  });

  it("checks the content type when asked, without reading the body", async () => {
    let pulled = false;
    let cancelled = false;
    const body = new ReadableStream({
      pull() {
        pulled = true;
      },
      cancel() {
        cancelled = true;
      },
    }, { highWaterMark: 0 });
    const error = await failure(fetchJson(
      answering(
        new Response(body, { headers: { "content-type": "text/html" } }),
      ),
      "https://x.example/",
      {},
      { ...LIMITS, contentType: /^application\/json/ },
    ));
    assert.equal(error.reason, "content-type");
    assert.equal(pulled, false);
    assert.equal(cancelled, true);
    assert.deepEqual(
      await fetchJson(
        answering(Response.json([1])),
        "https://x.example/",
        {},
        { ...LIMITS, contentType: /^application\/json/ },
      ),
      [1],
    );
  });

  it("refuses a body that is not UTF-8 only when fatal", async () => {
    const latin1 = () =>
      answering(new Response(new Uint8Array([0x22, 0xe9, 0x22])));
    assert.equal(
      await fetchJson(latin1(), "https://x.example/", {}, LIMITS),
      "\uFFFD",
    );
    const error = await failure(fetchJson(
      latin1(),
      "https://x.example/",
      {},
      { ...LIMITS, fatal: true },
    ));
    assert.equal(error.reason, "unreadable");
    assert.ok(error.cause instanceof TypeError);
  });

  it("fails on a body too large or not JSON, and an unreachable endpoint", async () => {
    const large = await failure(fetchJson(
      answering(new Response("x".repeat(2000))),
      "https://x.example/",
      {},
      LIMITS,
    ));
    assert.equal(large.reason, "unreadable");
    assert.ok(large.cause instanceof RangeError);
    const notJson = await failure(fetchJson(
      answering(new Response("<html>")),
      "https://x.example/",
      {},
      LIMITS,
    ));
    assert.ok(notJson.cause instanceof SyntaxError);
    const down = await failure(fetchJson(
      () => Promise.reject(new TypeError("connection refused")),
      "https://x.example/",
      {},
      LIMITS,
    ));
    assert.equal(down.reason, "unreachable");
  });
});
