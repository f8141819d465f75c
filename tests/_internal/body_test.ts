import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readLimitedText } from "../../src/_internal/body.ts";

interface Probe {
  pulled: number;
  cancelled: boolean;
}

/** A streamed body of `chunks`, recording what was pulled and a cancel. */
function streamed(
  chunks: Uint8Array[],
  headers: HeadersInit = {},
): { response: Response; probe: Probe } {
  const probe: Probe = { pulled: 0, cancelled: false };
  const queue = [...chunks];
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = queue.shift();
      if (chunk === undefined) return controller.close();
      probe.pulled += chunk.byteLength;
      controller.enqueue(chunk);
    },
    cancel() {
      probe.cancelled = true;
    },
  }, { highWaterMark: 0 });
  return { response: new Response(body, { headers }), probe };
}

function bytes(length: number, fill = 0x20): Uint8Array {
  return new Uint8Array(length).fill(fill);
}

describe("readLimitedText()", () => {
  it("decodes a body within the limit as Response.text() does, across chunk boundaries", async () => {
    const encoded = new TextEncoder().encode('\uFEFF{"k":"wörd ✓"}');
    const split = [
      encoded.subarray(0, 9),
      encoded.subarray(9, 11),
      encoded.subarray(11),
    ];
    const expected = await new Response(encoded).text();
    const { response } = streamed(split);
    assert.equal(await readLimitedText(response, 1024), expected);
    assert.equal(expected, '{"k":"wörd ✓"}');
  });

  it("accepts a body of exactly the limit and refuses one byte more", async () => {
    const { response } = streamed([bytes(600), bytes(424)]);
    assert.equal((await readLimitedText(response, 1024)).length, 1024);
    const over = streamed([bytes(600), bytes(425)]);
    await assert.rejects(readLimitedText(over.response, 1024), RangeError);
  });

  it("refuses a Content-Length over the limit without reading a byte", async () => {
    const { response, probe } = streamed([bytes(10)], {
      "content-length": "2048",
    });
    await assert.rejects(readLimitedText(response, 1024), {
      name: "RangeError",
      message: "Response body larger than 1024 bytes",
    });
    assert.equal(probe.pulled, 0);
    assert.equal(probe.cancelled, true);
  });

  it("stops reading and cancels the stream once past the limit", async () => {
    const { response, probe } = streamed(
      Array.from({ length: 512 }, () => bytes(64 * 1024)),
    );
    await assert.rejects(readLimitedText(response, 100 * 1024), RangeError);
    assert.equal(probe.pulled, 128 * 1024);
    assert.equal(probe.cancelled, true);
  });

  it("reads an empty body as empty text", async () => {
    assert.equal(await readLimitedText(new Response(null), 10), "");
    assert.equal(await readLimitedText(streamed([]).response, 10), "");
  });

  it("gives up a stalled body when the signal aborts, and cancels it", async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      pull() {/* never answers */},
      cancel() {
        cancelled = true;
      },
    });
    const controller = new AbortController();
    const reading = readLimitedText(
      new Response(body),
      1024,
      controller.signal,
    );
    const reason = new Error("timed out");
    controller.abort(reason);
    await assert.rejects(reading, (error) => error === reason);
    assert.equal(cancelled, true);
  });

  it("refuses to start when the signal has already aborted", async () => {
    const { response, probe } = streamed([bytes(10)]);
    await assert.rejects(
      readLimitedText(response, 1024, AbortSignal.abort()),
      { name: "AbortError" },
    );
    assert.equal(probe.pulled, 0);
    assert.equal(probe.cancelled, true);
  });

  it("reads a request's body too, refusing its Content-Length over the limit", async () => {
    const request = new Request("http://127.0.0.1:9/", {
      method: "POST",
      body: "a=1",
    });
    assert.equal(await readLimitedText(request, 10), "a=1");
    const declared = new Request("http://127.0.0.1:9/", {
      method: "POST",
      headers: { "content-length": "11" },
      body: "a=1",
    });
    await assert.rejects(readLimitedText(declared, 10), RangeError);
  });

  it("decodes bytes that are not UTF-8 as U+FFFD, or refuses them when fatal", async () => {
    const latin1 = new Uint8Array([0x63, 0x61, 0x66, 0xe9]);
    assert.equal(await readLimitedText(new Response(latin1), 10), "caf\uFFFD");
    await assert.rejects(
      readLimitedText(new Response(latin1), 10, undefined, { fatal: true }),
      TypeError,
    );
    assert.equal(
      await readLimitedText(
        new Response(new TextEncoder().encode("café")),
        10,
        undefined,
        { fatal: true },
      ),
      "café",
    );
  });
});
