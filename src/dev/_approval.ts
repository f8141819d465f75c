/**
 * The approval page's step of an authorization (`approval: "page"`): a
 * validated request is kept as a transaction for ten minutes, shown with
 * the client, the scopes and the resource, and answered once: Approve
 * issues the code, anything else redirects `access_denied` (RFC 6749
 * §4.1.2.1). Internal.
 *
 * @module
 */

import type { Client } from "./_client_metadata.ts";
import type { AuthorizationCodes, Grant } from "./_codes.ts";
import { randomValue } from "./_crypto.ts";
import { approvalPage, errorPage } from "./_page.ts";
import { singleParams } from "./_params.ts";
import { authorizationRedirect } from "./_responses.ts";
import { ExpiringStore } from "./_store.ts";

const TRANSACTION_TTL_MS = 10 * 60_000;

interface Transaction extends Grant {
  readonly expiresAt: number;
}

/** Options of {@linkcode Approvals}. */
export interface ApprovalsOptions {
  readonly issuer: string;
  /** The development user's `sub`, shown as who signs in. */
  readonly subject: string;
  /** Where the page's form posts (the authorization endpoint's path). */
  readonly action: string;
  readonly codes: AuthorizationCodes;
  readonly maxEntries: number;
  readonly now: () => number;
}

/** The authorization requests waiting for a person's answer. */
export class Approvals {
  readonly #options: ApprovalsOptions;
  readonly #transactions: ExpiringStore<Transaction>;

  constructor(options: ApprovalsOptions) {
    this.#options = options;
    this.#transactions = new ExpiringStore(options.maxEntries, options.now);
  }

  /** Keeps `grant` and shows the page that asks about it. */
  ask(grant: Grant, client: Client): Response {
    const transaction = randomValue(24);
    this.#transactions.set(transaction, {
      ...grant,
      expiresAt: this.#options.now() + TRANSACTION_TTL_MS,
    });
    return approvalPage({
      action: this.#options.action,
      transaction,
      clientName: client.clientName,
      clientId: client.clientId,
      clientSource: client.source === "registration"
        ? "registered dynamically"
        : "client metadata document",
      redirectUri: grant.redirectUri,
      scopes: grant.scopes,
      resource: grant.resource,
      subject: this.#options.subject,
    });
  }

  /**
   * The person's answer, posted from the page.
   *
   * @param fetchSite The request's `Sec-Fetch-Site`, when the browser sent
   * one: an answer it marks `cross-site` was not posted by this page.
   */
  decide(params: URLSearchParams, fetchSite: string | null): Response {
    if (fetchSite === "cross-site") {
      return errorPage(
        403,
        "This answer was posted from another site: approve or deny on the page this server showed",
      );
    }
    const single = singleParams(params);
    const id = "repeated" in single ? undefined : single.get("transaction");
    const grant = id === undefined ? undefined : this.#transactions.get(id);
    if (id === undefined || grant === undefined || "repeated" in single) {
      return errorPage(
        400,
        "This authorization request has expired or was already answered: start again from the client",
      );
    }
    // One answer per request: a second click finds nothing.
    this.#transactions.delete(id);
    if (single.get("decision") === "approve") {
      return this.#options.codes.issue(grant, this.#options.subject, "POST");
    }
    return authorizationRedirect(this.#options.issuer, grant.redirectUri, {
      error: "access_denied",
      error_description: "The user denied the request",
      ...(grant.state === undefined ? {} : { state: grant.state }),
    }, "POST");
  }
}
