/**
 * The clients the development authorization server knows: those registered
 * by RFC 7591 dynamic registration, and those that name themselves with a
 * Client ID Metadata Document URL (`_cimd.ts`). Internal.
 *
 * A registered client's id carries its own metadata (encoded, validated
 * again on every use), so a client keeps working across restarts of the
 * server: MCP clients store their registration, and this server keeps its
 * state in memory only. That gives nothing away: registration is open to
 * anyone, so an id one makes up is no more than a registration one could
 * have asked for. A confidential client's secret is an HMAC of its id under
 * a key of this process: after a restart it is refused (invalid_client),
 * and SDK clients then register again.
 *
 * @module
 */

import { base64url } from "jose";
import { isMetadataDocumentUrl, MetadataDocuments } from "./_cimd.ts";
import {
  type Client,
  type ClientMetadata,
  ClientMetadataError,
  clientOf,
  parseClientMetadata,
} from "./_client_metadata.ts";
import { randomValue } from "./_crypto.ts";

/** Options of {@linkcode ClientRegistry}. */
export interface ClientRegistryOptions {
  /** For Client ID Metadata Documents, called without a receiver. */
  readonly fetch: typeof globalThis.fetch;
  readonly metadataTimeoutMs: number;
  readonly metadataMaxBytes: number;
  /** The most metadata documents kept. */
  readonly maxClients: number;
  readonly now: () => number;
}

const REGISTERED_PREFIX = "dev-";
const MAX_CLIENT_ID_LENGTH = 4096;

/** The clients: registered ones, and metadata documents fetched recently. */
export class ClientRegistry {
  readonly #key: Promise<CryptoKey>;
  readonly #documents: MetadataDocuments;

  constructor(options: ClientRegistryOptions) {
    this.#key = crypto.subtle.generateKey(
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    ) as Promise<CryptoKey>;
    this.#documents = new MetadataDocuments({
      fetch: options.fetch,
      timeoutMs: options.metadataTimeoutMs,
      maxBytes: options.metadataMaxBytes,
      maxClients: options.maxClients,
      now: options.now,
    });
  }

  /**
   * Registers a client (RFC 7591 §3.1).
   *
   * @throws {ClientMetadataError} When its metadata is too large for an id.
   */
  async register(metadata: ClientMetadata): Promise<Client> {
    const document: Record<string, unknown> = {
      // Two registrations of the same metadata are still two clients.
      nonce: randomValue(9),
      redirect_uris: metadata.redirectUris,
      grant_types: metadata.grantTypes,
      token_endpoint_auth_method: metadata.authMethod,
      ...(metadata.clientName === undefined
        ? {}
        : { client_name: metadata.clientName }),
    };
    const clientId = REGISTERED_PREFIX +
      base64url.encode(JSON.stringify(document));
    if (clientId.length > MAX_CLIENT_ID_LENGTH) {
      throw new ClientMetadataError(
        "invalid_client_metadata",
        "The client metadata is too large for this development server (fewer or shorter redirect_uris)",
      );
    }
    return await this.#registered(clientId, metadata);
  }

  /**
   * The client with this `client_id`: a registered one, or the client its
   * metadata document describes when the id is such a URL; `undefined` when
   * unknown.
   *
   * @throws {ClientMetadataError} When its metadata document is refused.
   */
  async resolve(clientId: string): Promise<Client | undefined> {
    if (clientId.startsWith(REGISTERED_PREFIX)) {
      return await this.#decode(clientId);
    }
    if (!isMetadataDocumentUrl(clientId)) return undefined;
    return await this.#documents.resolve(clientId);
  }

  async #decode(clientId: string): Promise<Client | undefined> {
    const encoded = clientId.slice(REGISTERED_PREFIX.length);
    if (
      clientId.length > MAX_CLIENT_ID_LENGTH ||
      !/^[A-Za-z0-9_-]+$/.test(encoded)
    ) {
      return undefined;
    }
    try {
      const json = new TextDecoder("utf-8", { fatal: true }).decode(
        base64url.decode(encoded),
      );
      const metadata = parseClientMetadata(
        JSON.parse(json),
        "client_secret_basic",
      );
      return await this.#registered(clientId, metadata);
    } catch {
      // Not an id this server could have issued: an unknown client.
      return undefined;
    }
  }

  async #registered(
    clientId: string,
    metadata: ClientMetadata,
  ): Promise<Client> {
    let clientSecret: string | undefined;
    if (metadata.authMethod !== "none") {
      const mac = await crypto.subtle.sign(
        "HMAC",
        await this.#key,
        new TextEncoder().encode(clientId),
      );
      clientSecret = base64url.encode(new Uint8Array(mac));
    }
    return clientOf(clientId, clientSecret, metadata, "registration");
  }
}
