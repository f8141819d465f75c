// src/http/_form_token.ts: whether a form body carries an `access_token`
// (RFC 6750 §2.2), read from a clone, bounded, leaving the body to the
// handler.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  FORM_SCAN_LIMIT,
  formCarriesToken,
  mayCarryFormToken,
} from "../../src/http/_form_token.ts";

const URL_ = "https://mcp.example.com/mcp";
const FORM = "application/x-www-form-urlencoded";

function post(body: BodyInit | null, type: string | null = FORM): Request {
  const headers = new Headers();
  const request = new Request(URL_, { method: "POST", body, headers });
  // A string body sets text/plain: replace (or remove) it.
  if (type === null) request.headers.delete("content-type");
  else request.headers.set("content-type", type);
  return request;
}

/** A stream body of `count` chunks of `chunk`, counting the pulls. */
function counted(chunk: string, count: number) {
  const bytes = new TextEncoder().encode(chunk);
  const state = { pulls: 0 };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (state.pulls === count) return controller.close();
      state.pulls++;
      controller.enqueue(bytes.slice());
    },
  }, { highWaterMark: 0 });
  return { stream, state };
}

function streamed(body: ReadableStream<Uint8Array>): Request {
  return new Request(URL_, {
    method: "POST",
    body,
    headers: { "content-type": FORM },
    duplex: "half",
  } as RequestInit);
}

describe("mayCarryFormToken", () => {
  it("is true for a form POST with a body, whatever the parameters or case", () => {
    assert.equal(mayCarryFormToken(post("a=1")), true);
    assert.equal(
      mayCarryFormToken(post("a=1", `${FORM}; charset=utf-8`)),
      true,
    );
    assert.equal(mayCarryFormToken(post("a=1", `${FORM} ;x=y`)), true);
    assert.equal(
      mayCarryFormToken(post("a=1", "Application/X-WWW-Form-URLEncoded")),
      true,
    );
  });

  it("is false for another content type, or one that only starts like it", () => {
    assert.equal(mayCarryFormToken(post("access_token=x", null)), false);
    assert.equal(
      mayCarryFormToken(post("access_token=x", "application/json")),
      false,
    );
    assert.equal(mayCarryFormToken(post("access_token=x", `${FORM}x`)), false);
    assert.equal(
      mayCarryFormToken(post("access_token=x", `text/plain; x=${FORM}`)),
      false,
    );
    assert.equal(mayCarryFormToken(post("a", "multipart/form-data")), false);
  });

  it("is false without a body, for GET and HEAD, and once the body is used", async () => {
    assert.equal(mayCarryFormToken(post(null)), false);
    for (const method of ["GET", "HEAD"]) {
      const request = new Request(URL_, {
        method,
        headers: { "content-type": FORM },
      });
      assert.equal(mayCarryFormToken(request), false);
    }
    const used = post("access_token=x");
    await used.text();
    assert.equal(mayCarryFormToken(used), false);
  });
});

describe("formCarriesToken", () => {
  it("finds access_token among the parameters, percent-encoded names included", async () => {
    assert.equal(await formCarriesToken(post("access_token=x")), true);
    assert.equal(await formCarriesToken(post("a=1&access_token=")), true);
    assert.equal(await formCarriesToken(post("a=1&access%5Ftoken=x")), true);
    assert.equal(await formCarriesToken(post("access_token")), true);
  });

  it("does not take other names for it", async () => {
    assert.equal(await formCarriesToken(post("a=1&b=2")), false);
    assert.equal(await formCarriesToken(post("x_access_token=1")), false);
    assert.equal(await formCarriesToken(post("access_tokens=1")), false);
    assert.equal(await formCarriesToken(post("a=access_token")), false);
    assert.equal(await formCarriesToken(post("")), false);
  });

  it("leaves the whole body to the handler", async () => {
    const body = "a=1&access_token=x&b=2";
    const request = post(body);
    assert.equal(await formCarriesToken(request), true);
    assert.equal(request.bodyUsed, false);
    assert.equal(await request.text(), body);
  });

  it("reads whole pairs within the limit, never one cut at it", async () => {
    const body = "access_token=x"; // 14 bytes
    assert.equal(await formCarriesToken(post(body), body.length), true);
    // One byte short: the pair is cut, so it is not read.
    assert.equal(await formCarriesToken(post(body), body.length - 1), false);
    // A pair ended by "&" within the limit is whole.
    const longer = "access_token=x&b=2222";
    assert.equal(await formCarriesToken(post(longer), 15), true);
    assert.equal(await formCarriesToken(post(longer), 14), false);
    // A token past the limit is not looked for.
    const late = `a=${"1".repeat(100)}&access_token=x`;
    assert.equal(await formCarriesToken(post(late), 64), false);
    assert.equal(await formCarriesToken(post(late), late.length), true);
  });

  it("uses FORM_SCAN_LIMIT by default", async () => {
    assert.equal(FORM_SCAN_LIMIT, 65_536);
    const filler = `a=${"1".repeat(FORM_SCAN_LIMIT)}&access_token=x`;
    assert.equal(await formCarriesToken(post(filler)), false);
    assert.equal(
      await formCarriesToken(post(`access_token=x&a=${"1".repeat(70_000)}`)),
      true,
    );
  });

  it("reads a streamed body across chunks, and stops at the limit", async () => {
    const small = counted("access_token=x&", 3);
    assert.equal(await formCarriesToken(streamed(small.stream)), true);
    // 200 chunks of 1 KiB, a 4 KiB limit: the scan stops after a few.
    const big = counted(`b=${"1".repeat(1021)}&`, 200);
    const request = streamed(big.stream);
    assert.equal(await formCarriesToken(request, 4096), false);
    assert.ok(big.state.pulls < 200, `pulled ${big.state.pulls} chunks`);
    // The handler still gets every byte.
    assert.equal((await request.text()).length, 200 * 1024);
  });

  it("names nothing for a body that errors or was already used", async () => {
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new Error("connection reset"));
      },
    });
    assert.equal(await formCarriesToken(streamed(failing)), false);
    const used = post("access_token=x");
    await used.text();
    assert.equal(await formCarriesToken(used), false);
    assert.equal(await formCarriesToken(post(null)), false);
  });
});
