/**
 * Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-
 * document): a client whose `client_id` is an `https` URL (loopback `http`
 * too, in development) is the client the JSON document at that URL
 * describes. Fetched with `fetchJson` (one timeout, no redirect, a bounded
 * body, JSON served as such) on first use, and kept a minute; never from
 * a host that is not public (`_address.ts`). Internal.
 *
 * @module
 */

import { FetchFailure, fetchJson } from "../_internal/fetch.ts";
import { isRecord } from "../_internal/options.ts";
import { parseEndpointUrl } from "../_internal/url.ts";
import { isFetchableHost } from "./_address.ts";
import {
  type Client,
  ClientMetadataError,
  clientOf,
  parseClientMetadata,
} from "./_client_metadata.ts";

/** How documents are fetched and kept. */
export interface MetadataDocumentOptions {
  /** Called without a receiver. */
  readonly fetch: typeof globalThis.fetch;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  /** The most documents kept; the oldest goes first. */
  readonly maxClients: number;
  readonly now: () => number;
}

const CACHE_MS = 60_000;
// application/json, or a structured +json type (RFC 6839 §3.1).
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;
const DOT_SEGMENT = /\/\.\.?(?:\/|$)/;

/**
 * Whether a client_id is a Client ID Metadata Document URL: an endpoint URL
 * (`https`, `http` only on a loopback host; no fragment, no credentials)
 * with a path, and no dot segments.
 */
export function isMetadataDocumentUrl(clientId: string): boolean {
  let url: URL;
  try {
    url = parseEndpointUrl(clientId, "client_id");
  } catch {
    return false;
  }
  return url.pathname !== "/" &&
    !DOT_SEGMENT.test(clientId.slice(url.origin.length));
}

/** The clients named by document URLs, fetched recently. */
export class MetadataDocuments {
  readonly #options: MetadataDocumentOptions;
  readonly #cache = new Map<string, { client: Client; until: number }>();

  constructor(options: MetadataDocumentOptions) {
    this.#options = options;
  }

  /**
   * The client the document at `clientId` (an
   * {@linkcode isMetadataDocumentUrl}) describes.
   *
   * @throws {ClientMetadataError} When the document is refused.
   */
  async resolve(clientId: string): Promise<Client> {
    const now = this.#options.now();
    const cached = this.#cache.get(clientId);
    if (cached !== undefined && cached.until > now) return cached.client;
    const client = await this.#fetch(clientId);
    if (this.#cache.size >= this.#options.maxClients) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
    this.#cache.set(clientId, { client, until: now + CACHE_MS });
    return client;
  }

  async #fetch(clientId: string): Promise<Client> {
    const refuse = (why: string) =>
      new ClientMetadataError(
        "invalid_client_metadata",
        `The client metadata document ${JSON.stringify(clientId)} ${why}`,
      );
    // No request forged into the developer's network or a cloud metadata
    // service by whoever can name a client_id (a web page, via the browser).
    if (!isFetchableHost(new URL(clientId).hostname)) {
      throw refuse(
        "names a host that is not public (a private, link-local or local-network address): it is not fetched",
      );
    }
    let document: unknown;
    try {
      document = await fetchJson(this.#options.fetch, clientId, {
        headers: { Accept: "application/json" },
      }, {
        timeoutMs: this.#options.timeoutMs,
        maxBytes: this.#options.maxBytes,
        ok: (status) => status === 200,
        contentType: JSON_TYPE,
        fatal: true,
      });
    } catch (error) {
      throw refuse(this.#failure(error));
    }
    if (!isRecord(document)) throw refuse("is not a JSON object");
    // The document must name itself (draft-ietf-oauth-client-id-metadata-
    // document §4.1), and a URL-named client has no shared secret.
    if (document.client_id !== clientId) {
      throw refuse("has a client_id that is not its own URL");
    }
    if ("client_secret" in document || "client_secret_expires_at" in document) {
      throw refuse("must not contain a client_secret");
    }
    const metadata = parseClientMetadata(document, "none");
    if (metadata.authMethod !== "none") {
      throw refuse(
        'must use token_endpoint_auth_method "none" (this server supports no key-based client authentication)',
      );
    }
    return clientOf(clientId, undefined, metadata, "metadata document");
  }

  /** What went wrong fetching a document, for the refusal. */
  #failure(error: unknown): string {
    if (!(error instanceof FetchFailure)) return "could not be fetched";
    switch (error.reason) {
      case "unreachable":
        return "could not be fetched (unreachable or timed out)";
      case "status":
        return `answered HTTP ${error.status}, expected 200`;
      case "content-type":
        return "is not served as application/json";
      case "unreadable":
        return error.cause instanceof RangeError
          ? `is larger than ${this.#options.maxBytes} bytes`
          : error.cause instanceof SyntaxError
          ? "is not JSON"
          : "could not be read (not UTF-8, or timed out)";
    }
  }
}
