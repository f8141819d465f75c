// DPoP nonces across instances: createDpopNoncePolicy is stateless (a time
// and an HMAC over it), so instances given the same secret accept each
// other's nonces with no store; instances without one (or with different
// ones) do not, and keep sending clients use_dpop_nonce.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createDpopNoncePolicy, MemoryReplayStore } from "../../mod.ts";
import { dpopClient, instance, send } from "./_support.ts";

const SECRET = crypto.getRandomValues(new Uint8Array(32));

describe("DPoP nonces across instances", () => {
  it("a nonce one instance issued is accepted by another holding the same secret", async () => {
    const client = await dpopClient();
    const replays = new MemoryReplayStore();
    const [a, b] = [0, 1].map(() =>
      instance(client, replays, createDpopNoncePolicy({ secret: SECRET }))
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
        [SECRET, crypto.getRandomValues(new Uint8Array(32))],
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
      createDpopNoncePolicy({ secret: SECRET, lifetime: 60, now: () => now });
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
