// Verify a JWT access token against a local key set.
// Run: deno run examples/jwt_verifier.ts
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { InvalidTokenError, JwtVerifier } from "../mod.ts";

const { publicKey, privateKey } = await generateKeyPair("EdDSA");
const verifier = new JwtVerifier({
  jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: "demo" }] },
  issuer: "https://auth.example.com/",
  audience: "https://mcp.example.com/mcp",
  // typ defaults to "at+jwt" (RFC 9068); typ: "JWT" for issuers that differ.
});

const jwt = await new SignJWT({ scope: "files:read", client_id: "demo-app" })
  .setProtectedHeader({ alg: "EdDSA", kid: "demo", typ: "at+jwt" })
  .setIssuer("https://auth.example.com/")
  .setAudience("https://mcp.example.com/mcp")
  .setExpirationTime("5m")
  .sign(privateKey);

const token = await verifier.verifyToken(jwt);
console.log("verified:", token.clientId, token.scopes, token.resource?.href);

try {
  await verifier.verifyToken(jwt.slice(0, -4) + "AAAA");
} catch (error) {
  if (!(error instanceof InvalidTokenError)) throw error;
  console.log("rejected:", error.message);
}
