import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  answer,
  BACKEND_TIMEOUT_MS,
  issueNonce,
} from "../../src/dpop/_backend.ts";
import { VerifierUnavailableError } from "../../src/errors.ts";

const unavailable = (message: RegExp) => (error: unknown) => {
  assert.ok(error instanceof VerifierUnavailableError);
  assert.match(error.message, message);
  assert.equal(error.retryAfter, 5);
  return true;
};

describe("answer", () => {
  it("passes true and false through, sync or async", async () => {
    assert.equal(await answer("store", () => true), true);
    assert.equal(await answer("store", () => Promise.resolve(false)), false);
  });

  for (const said of ["OK", 1, 0, null, undefined, {}, "true"]) {
    it(`is unavailable on ${JSON.stringify(said)}`, async () => {
      await assert.rejects(
        answer("DPoP replay store", () => said as unknown as boolean),
        unavailable(/^DPoP replay store answered neither true nor false$/),
      );
    });
  }

  it("turns a synchronous throw into a rejection, unchanged", async () => {
    const thrown = new Error("down");
    await assert.rejects(
      answer("store", () => {
        throw thrown;
      }),
      (error) => error === thrown,
    );
  });

  it("is unavailable when nothing answers within the deadline", async () => {
    assert.equal(BACKEND_TIMEOUT_MS, 2_000);
    await assert.rejects(
      answer("DPoP replay store", () => new Promise<boolean>(() => {})),
      unavailable(/^DPoP replay store did not answer within 2000 ms$/),
    );
  });
});

describe("issueNonce", () => {
  it("passes the policy's nonce through, calling it on the policy", async () => {
    const policy = {
      value: "n-1",
      issue(this: { value: string }) {
        return this.value;
      },
      verify: () => true,
    };
    assert.equal(await issueNonce(policy), "n-1");
  });

  it("is unavailable when the policy never issues", async () => {
    await assert.rejects(
      issueNonce({
        issue: () => new Promise<string>(() => {}),
        verify: () => true,
      }),
      unavailable(/^DPoP nonce policy did not answer within 2000 ms$/),
    );
  });
});
