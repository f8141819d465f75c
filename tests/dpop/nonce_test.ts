import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  createDpopNoncePolicy,
  MemoryReplayStore,
  VerifierUnavailableError,
} from "../../mod.ts";
import { receiverFreeClock } from "../_receiver.ts";
import { dpopClient, instance, send } from "../stores/_support.ts";

const NOW = 1_800_000_000_000;
const SECRET = new Uint8Array(32).fill(1);

describe("createDpopNoncePolicy", () => {
  it("calls an injected clock without a receiver", async () => {
    const policy = createDpopNoncePolicy({ now: receiverFreeClock(NOW) });
    assert.equal(await policy.verify(await policy.issue()), true);
  });

  it("refuses now: performance.now, which is no epoch clock", () => {
    assert.throws(
      () => createDpopNoncePolicy({ now: performance.now }),
      /^TypeError: createDpopNoncePolicy option "now" must count milliseconds since the epoch/,
    );
  });

  it("throws VerifierUnavailableError, never accepting a nonce, when the clock reads NaN", async () => {
    let now = NOW;
    const policy = createDpopNoncePolicy({ lifetime: 60, now: () => now });
    const nonce = await policy.issue();
    now = NaN;
    await assert.rejects(
      async () => await policy.verify(nonce),
      VerifierUnavailableError,
    );
    await assert.rejects(
      async () => await policy.issue(),
      VerifierUnavailableError,
    );
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

// Across instances: the policy is stateless (a time and an HMAC over it), so
// instances given the same secret accept each other's nonces with no store;
// instances without one (or with different ones) do not, and keep sending
// clients use_dpop_nonce.
const SHARED_SECRET = crypto.getRandomValues(new Uint8Array(32));

describe("DPoP nonces across instances", () => {
  it("a nonce one instance issued is accepted by another holding the same secret", async () => {
    const client = await dpopClient();
    const replays = new MemoryReplayStore();
    const [a, b] = [0, 1].map(() =>
      instance(
        client,
        replays,
        createDpopNoncePolicy({ secret: SHARED_SECRET }),
      )
    );
    const first = await send(a!, await client.proof());
    assert.equal(first.status, 401);
    assert.match(first.challenge ?? "", /error="use_dpop_nonce"/);
    assert.ok(first.nonce);
    // The next requests land on the other instance, and back.
    assert.equal((await send(b!, await client.proof(first.nonce))).status, 200);
    assert.equal((await send(a!, await client.proof(first.nonce))).status, 200);
    assert.equal(a!.admitted + b!.admitted, 2);
  });

  it("instances without a shared secret refuse each other's nonces", async () => {
    const client = await dpopClient();
    const replays = new MemoryReplayStore();
    for (
      const secrets of [
        [undefined, undefined],
        [SHARED_SECRET, crypto.getRandomValues(new Uint8Array(32))],
      ]
    ) {
      const [a, b] = secrets.map((secret) =>
        instance(
          client,
          replays,
          createDpopNoncePolicy(secret === undefined ? {} : { secret }),
        )
      );
      const { nonce } = await send(a!, await client.proof());
      assert.ok(nonce);
      const other = await send(b!, await client.proof(nonce));
      assert.equal(other.status, 401);
      assert.match(other.challenge ?? "", /error="use_dpop_nonce"/);
      assert.notEqual(other.nonce, nonce);
      assert.equal(b!.admitted, 0);
    }
  });

  it("a shared nonce expires on every instance after its lifetime", async () => {
    let now = Date.now();
    const client = await dpopClient();
    const replays = new MemoryReplayStore();
    const policy = () =>
      createDpopNoncePolicy({
        secret: SHARED_SECRET,
        lifetime: 60,
        now: () => now,
      });
    const [a, b] = [
      instance(client, replays, policy()),
      instance(client, replays, policy()),
    ];
    const { nonce } = await send(a, await client.proof());
    assert.ok(nonce);
    now += 61_000;
    const late = await send(b, await client.proof(nonce));
    assert.equal(late.status, 401);
    assert.match(late.challenge ?? "", /error="use_dpop_nonce"/);
  });
});
