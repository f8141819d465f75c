// A client proves possession of its key; the resource server checks the
// proof and the token binding. Run: deno run examples/dpop_proof.ts
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  SignJWT,
} from "jose";
import {
  accessTokenHash,
  DpopVerifier,
  InvalidDpopProofError,
} from "../mod.ts";

const url = "https://mcp.example.com/mcp";
const accessToken = "token-bound-to-the-key";

// Client side: a key pair, and one fresh proof per request.
const { privateKey, publicKey } = await generateKeyPair("ES256");
const jwk = await exportJWK(publicKey);
const proof = await new SignJWT({
  htm: "POST",
  htu: url,
  ath: await accessTokenHash(accessToken),
})
  .setProtectedHeader({ typ: "dpop+jwt", alg: "ES256", jwk })
  .setJti(crypto.randomUUID())
  .setIssuedAt()
  .sign(privateKey);

// Server side: the token's cnf.jkt says which key it is bound to.
const boundJkt = await calculateJwkThumbprint(jwk);
const verifier = new DpopVerifier();
const request = new Request(url, {
  method: "POST",
  headers: { Authorization: `DPoP ${accessToken}`, DPoP: proof },
});

const first = await verifier.verifyRequest(request, {
  accessToken,
  jkt: boundJkt,
});
console.log("accepted, key thumbprint", first.jkt);

try {
  await verifier.verifyRequest(request, { accessToken, jkt: boundJkt });
} catch (error) {
  if (!(error instanceof InvalidDpopProofError)) throw error;
  console.log("replay refused:", error.error, "-", error.message);
}
