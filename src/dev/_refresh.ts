/**
 * Refresh tokens (RFC 6749 §6): issued with the tokens of a code, rotated
 * on every use, one family per authorization so that a rotated token used
 * again ends the family (RFC 9700 §4.14.2), revoked with the code they came
 * from when that code is replayed; a refresh keeps or narrows the scope,
 * never widens it. Internal.
 *
 * @module
 */

import type { Client } from "./_client_metadata.ts";
import { randomValue } from "./_crypto.ts";
import { type Grantable, parseScope, sameResource } from "./_grantable.ts";
import { nonEmpty, type Params } from "./_params.ts";
import { oauthError } from "./_responses.ts";
import { ExpiringStore } from "./_store.ts";

/** What a refresh token grants, and where it comes from. */
export interface RefreshGrant {
  readonly clientId: string;
  readonly subject: string;
  readonly scopes: readonly string[];
  readonly resource: string;
  /** Every rotation of one grant shares a family (RFC 9700 §4.14.2). */
  readonly family: string;
  /** The code the family came from, revoked with it if that code is replayed. */
  readonly code: string;
}

interface Stored extends RefreshGrant {
  readonly expiresAt: number;
  rotated: boolean;
}

/** Options of {@linkcode RefreshTokens}. */
export interface RefreshTokensOptions {
  readonly grantable: Grantable;
  /** Refresh token lifetime, seconds. */
  readonly ttl: number;
  readonly maxEntries: number;
  readonly now: () => number;
}

/** The refresh tokens issued, live or rotated. */
export class RefreshTokens {
  readonly #options: RefreshTokensOptions;
  readonly #tokens: ExpiringStore<Stored>;

  constructor(options: RefreshTokensOptions) {
    this.#options = options;
    this.#tokens = new ExpiringStore(options.maxEntries, options.now);
  }

  /** A new refresh token for `grant`; a new family when it names none. */
  issue(grant: Omit<RefreshGrant, "family"> & { family?: string }): string {
    const token = randomValue(32);
    this.#tokens.set(token, {
      ...grant,
      family: grant.family ?? randomValue(16),
      expiresAt: this.#options.now() + this.#options.ttl * 1000,
      rotated: false,
    });
    return token;
  }

  /** Revokes every refresh token the code `code` led to. */
  revokeCode(code: string): void {
    this.#tokens.deleteWhere((grant) => grant.code === code);
  }

  /**
   * The `refresh_token` grant (RFC 6749 §6): what the token grants, with
   * the scope narrowed as asked, and the token spent; or the refusal.
   */
  redeem(client: Client, params: Params): RefreshGrant | Response {
    const value = nonEmpty(params, "refresh_token");
    if (value === undefined) {
      return oauthError(
        400,
        "invalid_request",
        "The request has no refresh_token",
      );
    }
    const grant = this.#tokens.get(value);
    const invalid = () =>
      oauthError(
        400,
        "invalid_grant",
        "The refresh token is invalid, expired, revoked or not this client's",
      );
    if (grant === undefined || grant.clientId !== client.clientId) {
      return invalid();
    }
    if (grant.rotated) {
      // A rotated token used again was stolen or replayed: end the family.
      this.#tokens.deleteWhere((entry) => entry.family === grant.family);
      return invalid();
    }
    const requested = nonEmpty(params, "scope");
    let scopes = grant.scopes;
    if (requested !== undefined) {
      const parsed = parseScope(requested);
      // RFC 6749 §6: no scope beyond the original grant.
      if (
        parsed === undefined || !parsed.every((s) => grant.scopes.includes(s))
      ) {
        return oauthError(
          400,
          "invalid_scope",
          "A refresh may keep or narrow the granted scope, not widen it: authorize again for more",
        );
      }
      scopes = parsed;
    }
    const resource = nonEmpty(params, "resource");
    if (!sameResource(this.#options.grantable, resource, grant.resource)) {
      return oauthError(
        400,
        "invalid_target",
        "The resource differs from the one this grant is for",
      );
    }
    grant.rotated = true;
    return {
      clientId: grant.clientId,
      subject: grant.subject,
      scopes,
      resource: grant.resource,
      family: grant.family,
      code: grant.code,
    };
  }
}
