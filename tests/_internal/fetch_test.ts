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

// The timeout: one over the whole exchange, even for a fetch that ignores
// its signal, and failures that say whether it cut them.
describe("fetchJson() and its timeout", () => {
  const SHORT = { timeoutMs: 50, maxBytes: 1024 };

  it("says a failure was not the timeout's when fetch fails at once", async () => {
    const error = await failure(
      fetchJson(
        () => Promise.reject(new TypeError("connection refused")),
        "https://x.example/",
        {},
        SHORT,
      ),
    );
    assert.equal(error.reason, "unreachable");
    assert.equal(error.timedOut, false);
    const status = await failure(
      fetchJson(
        answering(new Response(null, { status: 500 })),
        "https://x.example/",
        {},
        SHORT,
      ),
    );
    assert.equal(status.timedOut, false);
  });

  it("times out a fetch that never answers and ignores its signal", async () => {
    const started = Date.now();
    const error = await failure(
      fetchJson(
        () => new Promise<Response>(() => {}),
        "https://x.example/",
        {},
        SHORT,
      ),
    );
    assert.equal(error.reason, "unreachable");
    assert.equal(error.timedOut, true);
    // Bounded: far less than "for ever" (no timing threshold beyond that).
    assert.ok(Date.now() - started < 5_000);
  });

  it("times out a body that never ends", async () => {
    const stalled = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("{"));
      },
    });
    const error = await failure(
      fetchJson(
        answering(new Response(stalled)),
        "https://x.example/",
        {},
        SHORT,
      ),
    );
    assert.equal(error.reason, "unreadable");
    assert.equal(error.timedOut, true);
  });
});
