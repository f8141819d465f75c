/**
 * Client metadata (RFC 7591 §2) and the client it describes: the fields
 * this server understands, validated by one function for registration
 * requests, the client ids that carry their metadata, and Client ID
 * Metadata Documents alike. Internal.
 *
 * @module
 */

import { isRecord } from "../_internal/options.ts";
import { isScopeToken } from "../_internal/scope_token.ts";
import { redirectUriProblem } from "./_redirect_uri.ts";

/** The grant types the server implements. */
export type GrantType =
  | "authorization_code"
  | "refresh_token"
  | "client_credentials";

/** How a client authenticates at the token endpoint. */
export type AuthMethod = "none" | "client_secret_basic" | "client_secret_post";

/** A known client. */
export interface Client {
  readonly clientId: string;
  /** Absent for a public client (`none`). */
  readonly clientSecret: string | undefined;
  readonly authMethod: AuthMethod;
  readonly redirectUris: readonly string[];
  readonly grantTypes: ReadonlySet<GrantType>;
  /** What the client calls itself (shown on the approval page). */
  readonly clientName: string | undefined;
  /** How it became known. */
  readonly source: "registration" | "metadata document";
}

/** A client metadata document or registration request that is refused. */
export class ClientMetadataError extends Error {
  /** `invalid_client_metadata` or `invalid_redirect_uri` (RFC 7591 §3.2.2). */
  readonly code: "invalid_client_metadata" | "invalid_redirect_uri";
  constructor(
    code: "invalid_client_metadata" | "invalid_redirect_uri",
    message: string,
  ) {
    super(message);
    this.name = "ClientMetadataError";
    this.code = code;
  }
}

const GRANT_TYPES: readonly GrantType[] = [
  "authorization_code",
  "refresh_token",
  "client_credentials",
];
const AUTH_METHODS: readonly AuthMethod[] = [
  "none",
  "client_secret_basic",
  "client_secret_post",
];
const MAX_REDIRECT_URIS = 10;
const MAX_NAME_LENGTH = 200;

function stringArray(
  value: unknown,
  name: string,
): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw new ClientMetadataError(
      "invalid_client_metadata",
      `${name} must be an array of strings`,
    );
  }
  return value as string[];
}

/** The validated fields of a client's metadata (RFC 7591 §2). */
export interface ClientMetadata {
  readonly redirectUris: readonly string[];
  readonly grantTypes: readonly GrantType[];
  readonly authMethod: AuthMethod;
  readonly clientName: string | undefined;
  readonly scope: string | undefined;
}

/**
 * Validates RFC 7591 §2 client metadata. Unknown members are ignored, as
 * RFC 7591 §2 requires.
 */
export function parseClientMetadata(
  body: unknown,
  defaultAuthMethod: AuthMethod,
): ClientMetadata {
  if (!isRecord(body)) {
    throw new ClientMetadataError(
      "invalid_client_metadata",
      "The client metadata must be a JSON object",
    );
  }
  const doc = body;
  const redirectUris = stringArray(doc.redirect_uris, "redirect_uris") ?? [];
  if (redirectUris.length > MAX_REDIRECT_URIS) {
    throw new ClientMetadataError(
      "invalid_redirect_uri",
      `At most ${MAX_REDIRECT_URIS} redirect_uris are accepted`,
    );
  }
  for (const uri of redirectUris) {
    const problem = redirectUriProblem(uri);
    if (problem !== undefined) {
      throw new ClientMetadataError(
        "invalid_redirect_uri",
        `The redirect URI ${JSON.stringify(uri.slice(0, 200))} ${problem}`,
      );
    }
  }
  const grantTypes = stringArray(doc.grant_types, "grant_types") ??
    ["authorization_code"];
  for (const grant of grantTypes) {
    if (!(GRANT_TYPES as readonly string[]).includes(grant)) {
      throw new ClientMetadataError(
        "invalid_client_metadata",
        `Unsupported grant type ${
          JSON.stringify(grant)
        }: this server supports ${GRANT_TYPES.join(", ")}`,
      );
    }
  }
  const responseTypes = stringArray(doc.response_types, "response_types") ??
    (grantTypes.includes("authorization_code") ? ["code"] : []);
  if (responseTypes.some((type) => type !== "code")) {
    throw new ClientMetadataError(
      "invalid_client_metadata",
      'Only the response type "code" is supported',
    );
  }
  // RFC 7591 §2.1: response_types and grant_types must agree.
  if (
    responseTypes.includes("code") !== grantTypes.includes("authorization_code")
  ) {
    throw new ClientMetadataError(
      "invalid_client_metadata",
      'response_types "code" and grant_types "authorization_code" go together',
    );
  }
  if (grantTypes.includes("authorization_code") && redirectUris.length === 0) {
    throw new ClientMetadataError(
      "invalid_redirect_uri",
      "The authorization_code grant needs at least one redirect_uris entry",
    );
  }
  const method = doc.token_endpoint_auth_method ?? defaultAuthMethod;
  if (!(AUTH_METHODS as readonly unknown[]).includes(method)) {
    throw new ClientMetadataError(
      "invalid_client_metadata",
      `Unsupported token_endpoint_auth_method ${
        JSON.stringify(method)
      }: use one of ${AUTH_METHODS.join(", ")}`,
    );
  }
  const authMethod = method as AuthMethod;
  if (grantTypes.includes("client_credentials") && authMethod === "none") {
    throw new ClientMetadataError(
      "invalid_client_metadata",
      "The client_credentials grant needs a confidential client (token_endpoint_auth_method client_secret_basic or client_secret_post)",
    );
  }
  const name = doc.client_name;
  if (
    name !== undefined &&
    (typeof name !== "string" || name.length > MAX_NAME_LENGTH)
  ) {
    throw new ClientMetadataError(
      "invalid_client_metadata",
      `client_name must be a string of at most ${MAX_NAME_LENGTH} characters`,
    );
  }
  const scope = doc.scope;
  if (
    scope !== undefined &&
    (typeof scope !== "string" ||
      !scope.split(" ").every((token) => isScopeToken(token)))
  ) {
    throw new ClientMetadataError(
      "invalid_client_metadata",
      "scope must be a space-separated list of scope tokens",
    );
  }
  return {
    redirectUris: [...new Set(redirectUris)],
    grantTypes: [...new Set(grantTypes as GrantType[])],
    authMethod,
    clientName: name,
    scope,
  };
}

/** The client that `metadata` describes, frozen. */
export function clientOf(
  clientId: string,
  clientSecret: string | undefined,
  metadata: ClientMetadata,
  source: Client["source"],
): Client {
  return Object.freeze({
    clientId,
    clientSecret,
    authMethod: metadata.authMethod,
    redirectUris: Object.freeze([...metadata.redirectUris]),
    grantTypes: new Set(metadata.grantTypes),
    clientName: metadata.clientName,
    source,
  });
}
