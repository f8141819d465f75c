/**
 * Client authentication at the token endpoint (RFC 6749 §2.3): a public
 * client names itself, a confidential one presents its secret the one way
 * it registered (`client_secret_basic` or `client_secret_post`), compared
 * in constant time. Internal.
 *
 * @module
 */

import type { ClientRegistry } from "./_clients.ts";
import { type Client, ClientMetadataError } from "./_client_metadata.ts";
import { timingSafeEqual } from "./_crypto.ts";
import { nonEmpty, type Params } from "./_params.ts";
import { oauthError } from "./_responses.ts";

/** Basic credentials, decoded. */
export interface BasicCredentials {
  readonly id: string;
  readonly secret: string;
}

/**
 * RFC 6749 §2.3.1: Basic with the form-encoded id and secret; `undefined`
 * when the header is not that, or names no client.
 */
export function parseBasic(header: string): BasicCredentials | undefined {
  const match = /^Basic ([A-Za-z0-9+/]+=*)$/i.exec(header);
  if (match === null) return undefined;
  let decoded: string;
  try {
    const binary = atob(match[1]!);
    decoded = new TextDecoder("utf-8", { fatal: true }).decode(
      Uint8Array.from(binary, (c) => c.charCodeAt(0)),
    );
  } catch {
    return undefined;
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  try {
    const id = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, " "));
    const secret = decodeURIComponent(
      decoded.slice(colon + 1).replace(/\+/g, " "),
    );
    return id === "" ? undefined : { id, secret };
  } catch {
    return undefined;
  }
}

/**
 * The client a token request comes from, authenticated as it registered;
 * or the refusal: 401 `invalid_client` (with a Basic challenge when it
 * tried Basic), 400 `invalid_request` for credentials sent two ways.
 *
 * @param realm The realm of the Basic challenge (the issuer).
 */
export async function authenticateClient(
  clients: ClientRegistry,
  realm: string,
  request: Request,
  params: Params,
): Promise<Client | Response> {
  const header = request.headers.get("authorization");
  let basic: BasicCredentials | undefined;
  const invalid = (description: string) =>
    oauthError(
      401,
      "invalid_client",
      description,
      header === null ? {} : { "WWW-Authenticate": `Basic realm="${realm}"` },
    );
  if (header !== null) {
    basic = parseBasic(header);
    if (basic === undefined) {
      return invalid("The Authorization header is not valid Basic credentials");
    }
  }
  const bodyId = nonEmpty(params, "client_id");
  const bodySecret = nonEmpty(params, "client_secret");
  if (basic !== undefined && bodySecret !== undefined) {
    return oauthError(
      400,
      "invalid_request",
      "Authenticate the client one way only (RFC 6749 §2.3)",
    );
  }
  if (basic !== undefined && bodyId !== undefined && bodyId !== basic.id) {
    return oauthError(
      400,
      "invalid_request",
      "client_id differs from the Authorization header's",
    );
  }
  const clientId = basic?.id ?? bodyId;
  if (clientId === undefined) return invalid("The request names no client");
  let client: Client | undefined;
  try {
    client = await clients.resolve(clientId);
  } catch (error) {
    // Not why: this answer is readable cross-origin (CORS), and what a URL
    // answered would let any web page probe the developer's network through
    // this server. The authorization endpoint's page says why.
    if (error instanceof ClientMetadataError) {
      return invalid(
        "The client's metadata document was refused: open the authorization URL to see why",
      );
    }
    throw error;
  }
  if (client === undefined) return invalid("Unknown client");
  const presented = basic?.secret ?? bodySecret;
  const expected = client.clientSecret;
  if (client.authMethod === "none") {
    return presented === undefined
      ? client
      : invalid("This public client has no secret to present");
  }
  const via = basic !== undefined
    ? "client_secret_basic"
    : bodySecret !== undefined
    ? "client_secret_post"
    : undefined;
  if (
    via !== client.authMethod || presented === undefined ||
    expected === undefined || !timingSafeEqual(presented, expected)
  ) {
    return invalid(
      `Client authentication failed (this client uses ${client.authMethod})`,
    );
  }
  return client;
}
