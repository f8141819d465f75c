// DPoP proof verification cost, as ratios to a plain ES256 jwtVerify of the
// same proof with a known key (the floor: one signature check).
// Run: deno bench -A bench/dpop_bench.ts
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  SignJWT,
} from "jose";
import {
  accessTokenHash,
  DpopVerifier,
  MemoryReplayStore,
  type ReplayStore,
} from "../mod.ts";

const URL_ = "https://mcp.example.com/mcp";
const TOKEN = "a".repeat(800);
const { privateKey, publicKey } = await generateKeyPair("ES256");
const jwk = await exportJWK(publicKey);
const jkt = await calculateJwkThumbprint(jwk);
const now = Date.now();
const proof = await new SignJWT({
  htm: "POST",
  htu: URL_,
  ath: await accessTokenHash(TOKEN),
})
  .setProtectedHeader({ typ: "dpop+jwt", alg: "ES256", jwk })
  .setJti(crypto.randomUUID())
  .setIssuedAt(Math.floor(now / 1_000))
  .sign(privateKey);

// Accepts every key, so one proof can be verified over and over.
const noReplay: ReplayStore = { checkAndStore: () => Promise.resolve(true) };
const verifier = new DpopVerifier({ replayStore: noReplay, now: () => now });
const input = { method: "POST", url: URL_, proof, accessToken: TOKEN, jkt };

Deno.bench("jose jwtVerify, known key (baseline)", {
  group: "verify",
  baseline: true,
}, async () => {
  await jwtVerify(proof, publicKey, { algorithms: ["ES256"] });
});

Deno.bench(
  "DpopVerifier.verify, every check",
  { group: "verify" },
  async () => {
    await verifier.verify(input);
  },
);

const store = new MemoryReplayStore({ maxEntries: 50_000 });
let i = 0;
Deno.bench("Map.set (baseline)", { group: "replay", baseline: true }, () => {
  new Map().set(`k${i++}`, 1);
});
Deno.bench("MemoryReplayStore.checkAndStore, new key", {
  group: "replay",
}, async () => {
  // Keys expire at once, so the store stays small and is swept as it goes.
  await store.checkAndStore(`k${i++}`, 0);
});
