/**
 * The Web-standard `Request` adapter: Bearer extraction (RFC 6750 §2.1),
 * challenges (RFC 6750 §3, RFC 9728 §5.1), `bearerAuth` /
 * `withBearerAuth`, and the protected resource metadata (RFC 9728).
 *
 * @module
 */

export { extractBearerToken } from "./bearer.ts";
export type { AuthOutcome, ChallengeOptions } from "./challenge.ts";
export { challengeResponse } from "./challenge.ts";
export type { BearerAuthOptions, BearerHandler } from "./bearer_auth.ts";
export { bearerAuth, withBearerAuth } from "./bearer_auth.ts";
export type { AuthScheme } from "./scheme.ts";
export type { ProtectedResourceMetadataOptions } from "./metadata.ts";
export {
  protectedResourceMetadata,
  protectedResourceMetadataUrl,
} from "./metadata.ts";
