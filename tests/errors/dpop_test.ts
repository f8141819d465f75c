import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { McpAuthzError } from "../../src/errors/base.ts";
import {
  DpopError,
  InvalidDpopProofError,
  UseDpopNonceError,
} from "../../src/errors/dpop.ts";

describe("InvalidDpopProofError", () => {
  it("is a DpopError with the RFC 9449 §7.1 code and a stable name and code", () => {
    const error = new InvalidDpopProofError();
    assert.ok(error instanceof DpopError);
    assert.ok(error instanceof McpAuthzError);
    assert.ok(error instanceof Error);
    assert.equal(error.name, "InvalidDpopProofError");
    assert.equal(error.code, "ERR_INVALID_DPOP_PROOF");
    assert.equal(error.error, "invalid_dpop_proof");
    assert.equal(error.message, "Invalid DPoP proof");
    assert.equal(Object.hasOwn(error, "cause"), false);
  });

  it("takes a safe description and a cause", () => {
    const cause = new Error("jti seen");
    const error = new InvalidDpopProofError("DPoP proof has been used before", {
      cause,
    });
    assert.equal(error.message, "DPoP proof has been used before");
    assert.equal(error.cause, cause);
    assert.equal(error.error, "invalid_dpop_proof");
  });

  it("is not a UseDpopNonceError", () => {
    assert.equal(
      new InvalidDpopProofError() instanceof UseDpopNonceError,
      false,
    );
  });
});

describe("UseDpopNonceError", () => {
  it("carries the nonce for the DPoP-Nonce header, with the RFC 9449 §9 code", () => {
    const error = new UseDpopNonceError("eyJ7S_zG.eyJH0-Z.HX4w-7v");
    assert.ok(error instanceof DpopError);
    assert.ok(error instanceof McpAuthzError);
    assert.equal(error.name, "UseDpopNonceError");
    assert.equal(error.code, "ERR_USE_DPOP_NONCE");
    assert.equal(error.error, "use_dpop_nonce");
    assert.equal(error.nonce, "eyJ7S_zG.eyJH0-Z.HX4w-7v");
    assert.equal(Object.hasOwn(error, "cause"), false);
  });

  it("has a default message that does not contain the nonce", () => {
    const error = new UseDpopNonceError("n-0S6_WzA2Mj");
    assert.equal(
      error.message,
      "Resource server requires nonce in DPoP proof",
    );
    assert.ok(!error.message.includes("n-0S6_WzA2Mj"));
  });

  it("takes a replacement message and a cause", () => {
    const cause = new Error("stale nonce");
    const error = new UseDpopNonceError("fresh", {
      message: "Use the new nonce",
      cause,
    });
    assert.equal(error.message, "Use the new nonce");
    assert.equal(error.cause, cause);
    assert.equal(error.nonce, "fresh");
  });

  it("keeps the default message when the replacement is undefined", () => {
    const error = new UseDpopNonceError("fresh", { message: undefined });
    assert.equal(
      error.message,
      "Resource server requires nonce in DPoP proof",
    );
  });

  it("is not an InvalidDpopProofError", () => {
    assert.equal(
      new UseDpopNonceError("n") instanceof InvalidDpopProofError,
      false,
    );
  });
});
