// src/dev/_params.ts: the parameters of a request, each given once.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  MAX_BODY_BYTES,
  nonEmpty,
  readForm,
  singleParams,
} from "../../src/dev/_params.ts";

function post(body: BodyInit, type = "application/x-www-form-urlencoded") {
  return new Request("http://127.0.0.1:9/oauth/token", {
    method: "POST",
    headers: { "Content-Type": type },
    body,
  });
}

describe("request parameters", () => {
  it("reads a form of at most 64 KiB", async () => {
    const form = await readForm(post("a=1&b=%C3%A9"));
    assert.ok(form instanceof URLSearchParams);
    assert.equal(form.get("b"), "é");
    const limit = await readForm(post(`a=${"x".repeat(MAX_BODY_BYTES - 2)}`));
    assert.ok(limit instanceof URLSearchParams);
    const over = await readForm(post(`a=${"x".repeat(MAX_BODY_BYTES - 1)}`));
    assert.ok(over instanceof Response);
    assert.equal(over.status, 413);
  });

  it("refuses another content type, and bytes that are not UTF-8", async () => {
    const json = await readForm(post("{}", "application/json"));
    assert.ok(json instanceof Response);
    assert.equal(json.status, 400);
    const latin1 = await readForm(post(new Uint8Array([0x61, 0x3d, 0xe9])));
    assert.ok(latin1 instanceof Response);
    assert.equal(latin1.status, 400);
    assert.match((await latin1.json()).error_description, /not UTF-8/);
  });

  it("names the first repeated parameter, and counts empty as absent", () => {
    assert.deepEqual(singleParams(new URLSearchParams("a=1&b=2&a=3&b=4")), {
      repeated: "a",
    });
    const single = singleParams(new URLSearchParams("a=1&b="));
    assert.ok(!("repeated" in single));
    assert.equal(nonEmpty(single, "a"), "1");
    assert.equal(nonEmpty(single, "b"), undefined);
    assert.equal(nonEmpty(single, "c"), undefined);
  });
});
