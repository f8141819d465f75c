// src/dev/_pkce.ts: PKCE S256 (RFC 7636).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isS256Challenge, s256, verifierMatches } from "../../src/dev/_pkce.ts";

// RFC 7636 Appendix B.
const VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

describe("PKCE S256", () => {
  it("transforms the verifier of RFC 7636 Appendix B into its challenge", async () => {
    assert.equal(await s256(VERIFIER), CHALLENGE);
    assert.equal(await verifierMatches(VERIFIER, CHALLENGE), true);
  });

  it("refuses another verifier, and a verifier out of RFC 7636 §4.1's form", async () => {
    assert.equal(await verifierMatches(`${VERIFIER}x`, CHALLENGE), false);
    const short = "a".repeat(42);
    assert.equal(await verifierMatches(short, await s256(short)), false);
    const long = "a".repeat(129);
    assert.equal(await verifierMatches(long, await s256(long)), false);
    const spaced = `${"a".repeat(42)} `;
    assert.equal(await verifierMatches(spaced, await s256(spaced)), false);
    const max = "~".repeat(128);
    assert.equal(await verifierMatches(max, await s256(max)), true);
  });

  it("takes a challenge only as 43 base64url characters", () => {
    assert.equal(isS256Challenge(CHALLENGE), true);
    assert.equal(isS256Challenge(`${CHALLENGE}=`), false);
    assert.equal(isS256Challenge(CHALLENGE.slice(1)), false);
    assert.equal(isS256Challenge(CHALLENGE.replace("-", "+")), false);
  });
});
