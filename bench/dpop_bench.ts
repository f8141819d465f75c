// DPoP cost, as ratios in the same run: a proof check against one ES256
// jwtVerify of the same proof with a known key (the floor: one signature
// check); the replay store against a bare Map.set; and a whole bearerAuth
// request with a DPoP-bound JWT and its proof against a Bearer JWT.
// Run: deno bench -A bench/dpop_bench.ts
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
} from "jose";
import {
  accessTokenHash,
  bearerAuth,
  dpopScheme,
  DpopVerifier,
  JwtVerifier,
  MemoryReplayStore,
  type ReplayStore,
} from "../mod.ts";

const URL_ = "https://mcp.example.com/mcp";
const TOKEN = "a".repeat(800);
const { privateKey, publicKey } = await generateKeyPair("ES256");
const jwk = await exportJWK(publicKey);
const jkt = await calculateJwkThumbprint(jwk);
// Imported from the JWK once, as a verifier holding the key would.
const knownKey = await importJWK(jwk, "ES256");
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
  await jwtVerify(proof, knownKey, { algorithms: ["ES256"] });
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

// The whole request path through bearerAuth, each with one JWT signature
// check (JwtVerifier, its cache off): a Bearer JWT as the baseline, then a
// key-bound JWT sent with a proof (one more signature check, a thumbprint,
// a hash).
const issuer = await generateKeyPair("ES256");
const issuerJwk = { ...(await exportJWK(issuer.publicKey)), kid: "i1" };
const jwtVerifier = new JwtVerifier({
  jwks: { keys: [issuerJwk] },
  issuer: "https://auth.example.com/",
  audience: URL_,
  cache: false,
});
const jwt = (claims: Record<string, unknown>) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: "ES256", kid: "i1", typ: "at+jwt" })
    .setIssuer("https://auth.example.com/")
    .setAudience(URL_)
    .setExpirationTime("1h")
    .sign(issuer.privateKey);
const plainJwt = await jwt({ scope: "mcp" });
const boundJwt = await jwt({ scope: "mcp", cnf: { jkt } });
const boundProof = await new SignJWT({
  htm: "POST",
  htu: URL_,
  ath: await accessTokenHash(boundJwt),
})
  .setProtectedHeader({ typ: "dpop+jwt", alg: "ES256", jwk })
  .setJti(crypto.randomUUID())
  .setIssuedAt(Math.floor(now / 1_000))
  .sign(privateKey);
const plainAuth = bearerAuth({ verifier: jwtVerifier });
const dpopAuth = bearerAuth({
  verifier: jwtVerifier,
  dpop: dpopScheme({ replayStore: noReplay, now: () => now }),
});
const bearerRequest = new Request(URL_, {
  method: "POST",
  headers: { authorization: `Bearer ${plainJwt}` },
});
const dpopRequest = new Request(URL_, {
  method: "POST",
  headers: { authorization: `DPoP ${boundJwt}`, dpop: boundProof },
});

Deno.bench("bearerAuth + JwtVerifier, Bearer JWT (baseline)", {
  group: "request",
  baseline: true,
}, async () => {
  const result = await plainAuth(bearerRequest);
  if (result instanceof Response) throw new Error("refused");
});

Deno.bench("bearerAuth + JwtVerifier with dpop, DPoP JWT + proof", {
  group: "request",
}, async () => {
  const result = await dpopAuth(dpopRequest);
  if (result instanceof Response) throw new Error("refused");
});
