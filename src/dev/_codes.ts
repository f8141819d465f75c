/**
 * Authorization codes (RFC 6749 §4.1.2, §4.1.3): issued when a validated
 * authorization request is approved, sent back on the redirect, and
 * redeemed once at the token endpoint, with the client, the redirect URI,
 * the PKCE verifier (RFC 7636 §4.6) and the resource checked. Internal.
 *
 * @module
 */

import type { Client } from "./_client_metadata.ts";
import { type Grantable, sameResource } from "./_grantable.ts";
import { nonEmpty, type Params } from "./_params.ts";
import { verifierMatches } from "./_pkce.ts";
import { randomValue } from "./_crypto.ts";
import { authorizationRedirect, oauthError } from "./_responses.ts";
import { ExpiringStore } from "./_store.ts";

/** A validated authorization request, waiting for approval or approved. */
export interface Grant {
  readonly clientId: string;
  readonly redirectUri: string;
  /** Whether the request named redirect_uri (RFC 6749 §4.1.3). */
  readonly redirectUriGiven: boolean;
  readonly state: string | undefined;
  readonly codeChallenge: string;
  readonly scopes: readonly string[];
  readonly resource: string;
}

interface Code extends Grant {
  readonly expiresAt: number;
  readonly subject: string;
  used: boolean;
}

/** What a redeemed code grants. */
export interface Redeemed {
  readonly subject: string;
  readonly scopes: readonly string[];
  readonly resource: string;
  /** The code itself, so the refresh tokens it leads to can be revoked. */
  readonly code: string;
}

/** Options of {@linkcode AuthorizationCodes}. */
export interface AuthorizationCodesOptions {
  readonly issuer: string;
  readonly grantable: Grantable;
  /** Code lifetime, seconds. */
  readonly ttl: number;
  readonly maxEntries: number;
  readonly now: () => number;
  /** Told of a spent code presented again (RFC 6749 §4.1.2). */
  readonly onReplay: (code: string) => void;
}

/** The codes issued and not yet expired. */
export class AuthorizationCodes {
  readonly #options: AuthorizationCodesOptions;
  readonly #codes: ExpiringStore<Code>;

  constructor(options: AuthorizationCodesOptions) {
    this.#options = options;
    this.#codes = new ExpiringStore(options.maxEntries, options.now);
  }

  /**
   * Issues a code for `grant` to `subject` and redirects to the client with
   * it (302 after a GET, 303 after the approval form's POST).
   */
  issue(grant: Grant, subject: string, method: string): Response {
    const code = randomValue(32);
    this.#codes.set(code, {
      ...grant,
      subject,
      expiresAt: this.#options.now() + this.#options.ttl * 1000,
      used: false,
    });
    return authorizationRedirect(this.#options.issuer, grant.redirectUri, {
      code,
      ...(grant.state === undefined ? {} : { state: grant.state }),
    }, method);
  }

  /** The `authorization_code` grant (RFC 6749 §4.1.3), or its refusal. */
  async redeem(client: Client, params: Params): Promise<Redeemed | Response> {
    const value = nonEmpty(params, "code");
    if (value === undefined) {
      return oauthError(400, "invalid_request", "The request has no code");
    }
    const code = this.#codes.get(value);
    const invalid = () =>
      oauthError(
        400,
        "invalid_grant",
        "The code is invalid, expired, already used or not this client's",
      );
    if (code === undefined) return invalid();
    if (code.used) {
      // RFC 6749 §4.1.2: a replayed code revokes what it granted.
      this.#options.onReplay(value);
      return invalid();
    }
    // Presented once, spent: a wrong verifier does not leave it to retry.
    code.used = true;
    if (code.clientId !== client.clientId) return invalid();
    const redirectUri = nonEmpty(params, "redirect_uri");
    if (
      code.redirectUriGiven
        ? redirectUri !== code.redirectUri
        : redirectUri !== undefined && redirectUri !== code.redirectUri
    ) {
      return oauthError(
        400,
        "invalid_grant",
        "redirect_uri differs from the authorization request's",
      );
    }
    const verifier = nonEmpty(params, "code_verifier");
    if (verifier === undefined) {
      return oauthError(
        400,
        "invalid_request",
        "The request has no code_verifier (PKCE)",
      );
    }
    if (!await verifierMatches(verifier, code.codeChallenge)) {
      return oauthError(
        400,
        "invalid_grant",
        "code_verifier does not match the code_challenge",
      );
    }
    const resource = nonEmpty(params, "resource");
    if (!sameResource(this.#options.grantable, resource, code.resource)) {
      return oauthError(
        400,
        "invalid_target",
        "The resource differs from the authorization request's",
      );
    }
    return {
      subject: code.subject,
      scopes: code.scopes,
      resource: code.resource,
      code: value,
    };
  }
}
