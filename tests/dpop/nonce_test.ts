import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createDpopNoncePolicy } from "../../mod.ts";
import { receiverFreeClock } from "../_receiver.ts";

const NOW = 1_800_000_000_000;
const SECRET = new Uint8Array(32).fill(1);

describe("createDpopNoncePolicy", () => {
  it("calls an injected clock without a receiver (now: performance.now)", async () => {
    for (const now of [receiverFreeClock(NOW), performance.now]) {
      const policy = createDpopNoncePolicy({ now });
      assert.equal(await policy.verify(await policy.issue()), true);
    }
  });

  it("throws TypeError for an unknown option", () => {
    assert.throws(
      () => createDpopNoncePolicy({ lifetim: 5 } as never),
      /Unknown createDpopNoncePolicy option "lifetim" \(did you mean "lifetime"\?\)/,
    );
  });

  it("accepts the nonces it issues", async () => {
    const policy = createDpopNoncePolicy({ now: () => NOW });
    const nonce = await policy.issue();
    assert.equal(await policy.verify(nonce), true);
  });

  it("issues nonces made of RFC 9449 §8.1 NQCHARs", async () => {
    const nonce = await createDpopNoncePolicy().issue();
    assert.match(nonce, /^[\x21\x23-\x5B\x5D-\x7E]+$/);
  });

  it("refuses a nonce older than its lifetime", async () => {
    let now = NOW;
    const policy = createDpopNoncePolicy({ lifetime: 60, now: () => now });
    const nonce = await policy.issue();
    now += 60_000;
    assert.equal(await policy.verify(nonce), true);
    now += 1_000;
    assert.equal(await policy.verify(nonce), false);
  });

  it("refuses a nonce from the future", async () => {
    let now = NOW + 10_000;
    const policy = createDpopNoncePolicy({ secret: SECRET, now: () => now });
    const nonce = await policy.issue();
    now = NOW;
    assert.equal(await policy.verify(nonce), false);
  });

  it("refuses a nonce with an altered time or MAC", async () => {
    const policy = createDpopNoncePolicy({ now: () => NOW });
    const nonce = await policy.issue();
    const [issued = "", mac = ""] = nonce.split(".");
    const earlier = `${Number(issued) - 1}.${mac}`;
    const flipped = `${issued}.${(mac[0] === "A" ? "B" : "A") + mac.slice(1)}`;
    assert.equal(await policy.verify(earlier), false);
    assert.equal(await policy.verify(flipped), false);
  });

  it("refuses malformed nonces", async () => {
    const policy = createDpopNoncePolicy({ now: () => NOW });
    for (
      const nonce of ["", "abc", "1.2", `${"9".repeat(200)}.x`, 5 as never]
    ) {
      assert.equal(await policy.verify(nonce), false);
    }
  });

  it("shares nonces between policies holding the same secret only", async () => {
    const a = createDpopNoncePolicy({ secret: SECRET, now: () => NOW });
    const b = createDpopNoncePolicy({ secret: SECRET, now: () => NOW });
    const c = createDpopNoncePolicy({ now: () => NOW });
    const nonce = await a.issue();
    assert.equal(await b.verify(nonce), true);
    assert.equal(await c.verify(nonce), false);
  });

  it("copies the secret so later changes to it do not matter", async () => {
    const secret = new Uint8Array(32).fill(3);
    const a = createDpopNoncePolicy({ secret, now: () => NOW });
    const nonce = await a.issue();
    secret.fill(4);
    assert.equal(await a.verify(nonce), true);
  });

  for (
    const [label, options, message] of [
      ["a short secret", { secret: new Uint8Array(16) }, /at least 32 bytes/],
      ["a string secret", { secret: "s".repeat(40) as never }, /Uint8Array/],
      ["lifetime 0", { lifetime: 0 }, /positive number of seconds, got "0"/],
      ["lifetime Infinity", { lifetime: Infinity }, /got "Infinity"/],
      [
        "a clock that is not a function",
        { now: 1 as never },
        /^createDpopNoncePolicy option "now" must be a function/,
      ],
    ] as const
  ) {
    it(`throws TypeError for ${label}`, () => {
      assert.throws(() => createDpopNoncePolicy(options), (error: Error) => {
        assert.ok(error instanceof TypeError);
        assert.match(error.message, message);
        return true;
      });
    });
  }
});
