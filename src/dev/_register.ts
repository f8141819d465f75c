/**
 * The registration endpoint (RFC 7591 §3): client metadata as JSON, at
 * most 64 KiB, validated; the client registered and its information
 * returned (§3.2.1), a secret only for a confidential client. Internal.
 *
 * @module
 */

import {
  ClientMetadataError,
  parseClientMetadata,
} from "./_client_metadata.ts";
import type { ClientRegistry } from "./_clients.ts";
import { readBody } from "./_params.ts";
import { jsonResponse, oauthError } from "./_responses.ts";

/** Answers a POST to the registration endpoint. */
export async function registerEndpoint(
  clients: ClientRegistry,
  now: () => number,
  request: Request,
): Promise<Response> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\s*(?:;|$)/i.test(type)) {
    await request.body?.cancel().catch(() => {});
    return oauthError(
      400,
      "invalid_client_metadata",
      "Send the client metadata as application/json",
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(await readBody(request));
  } catch (error) {
    return error instanceof RangeError
      ? oauthError(
        413,
        "invalid_client_metadata",
        "The client metadata is too large",
      )
      : oauthError(
        400,
        "invalid_client_metadata",
        "The client metadata is not valid JSON",
      );
  }
  try {
    const metadata = parseClientMetadata(body, "client_secret_basic");
    const client = await clients.register(metadata);
    return jsonResponse({
      client_id: client.clientId,
      ...(client.clientSecret === undefined ? {} : {
        client_secret: client.clientSecret,
        client_secret_expires_at: 0,
      }),
      client_id_issued_at: Math.floor(now() / 1000),
      redirect_uris: client.redirectUris,
      grant_types: [...client.grantTypes],
      response_types: client.grantTypes.has("authorization_code")
        ? ["code"]
        : [],
      token_endpoint_auth_method: client.authMethod,
      ...(client.clientName === undefined
        ? {}
        : { client_name: client.clientName }),
      ...(metadata.scope === undefined ? {} : { scope: metadata.scope }),
    }, 201);
  } catch (error) {
    if (error instanceof ClientMetadataError) {
      return oauthError(400, error.code, error.message);
    }
    throw error;
  }
}
