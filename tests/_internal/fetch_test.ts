// fetchJson (src/_internal/fetch.ts): one timeout over the whole exchange,
// even for a fetch that ignores its signal, and failures that say whether
// the timeout cut them.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { FetchFailure, fetchJson } from "../../src/_internal/fetch.ts";

const LIMITS = { timeoutMs: 50, maxBytes: 1024 };

async function failure(promise: Promise<unknown>): Promise<FetchFailure> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof FetchFailure, String(error));
    return error;
  }
  assert.fail("expected a FetchFailure");
}

describe("fetchJson()", () => {
  it("parses a 2xx JSON body, sending the request without following redirects", async () => {
    let seen: RequestInit | undefined;
    const body = await fetchJson(
      (_url, init) => {
        seen = init;
        return Promise.resolve(Response.json({ ok: true }));
      },
      "https://pdp.example/x",
      { method: "POST", body: "{}" },
      LIMITS,
    );
    assert.deepEqual(body, { ok: true });
    assert.equal(seen?.redirect, "manual");
    assert.equal(seen?.method, "POST");
    assert.ok(seen?.signal instanceof AbortSignal);
  });

  it("fails on a status that is not a success, or a redirect", async () => {
    for (const status of [500, 404, 302]) {
      const error = await failure(
        fetchJson(
          () => Promise.resolve(new Response("{}", { status })),
          "https://pdp.example/x",
          {},
          LIMITS,
        ),
      );
      assert.equal(error.reason, "status");
      assert.equal(error.status, status);
      assert.equal(error.timedOut, false);
    }
  });

  it("fails unreachable, not timed out, when fetch rejects at once", async () => {
    const error = await failure(
      fetchJson(
        () => Promise.reject(new TypeError("connection refused")),
        "https://pdp.example/x",
        {},
        LIMITS,
      ),
    );
    assert.equal(error.reason, "unreachable");
    assert.equal(error.timedOut, false);
  });

  it("times out a fetch that never answers and ignores its signal", async () => {
    const started = Date.now();
    const error = await failure(
      fetchJson(
        () => new Promise<Response>(() => {}),
        "https://pdp.example/x",
        {},
        LIMITS,
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
        () => Promise.resolve(new Response(stalled)),
        "https://pdp.example/x",
        {},
        LIMITS,
      ),
    );
    assert.equal(error.reason, "unreadable");
    assert.equal(error.timedOut, true);
  });

  it("fails unreadable on a body over maxBytes or not JSON", async () => {
    for (const text of ["x".repeat(2048), "<html>"]) {
      const error = await failure(
        fetchJson(
          () => Promise.resolve(new Response(text)),
          "https://pdp.example/x",
          {},
          LIMITS,
        ),
      );
      assert.equal(error.reason, "unreadable");
      assert.equal(error.timedOut, false);
    }
  });
});
