/**
 * How `IntrospectionVerifier` authenticates to the endpoint as this
 * server's client (RFC 6749 §2.3.1). Internal.
 *
 * @module
 */

import { show } from "../_internal/options.ts";

const OWNER = "IntrospectionVerifier";

/** application/x-www-form-urlencoded, as RFC 6749 §2.3.1 asks before Basic. */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/** How this server authenticates to the endpoint. */
export interface ClientAuthentication {
  /** The request headers, `authorization` included for Basic. */
  readonly headers: Readonly<Record<string, string>>;
  /** The form fields that carry the credentials for `client_secret_post`. */
  readonly form: Readonly<Record<string, string>>;
}

/** Reads `clientId`, `clientSecret` and `clientAuthMethod` (RFC 6749 §2.3.1). */
export function clientAuthentication(options: {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly clientAuthMethod?: string | undefined;
}): ClientAuthentication {
  const { clientId, clientSecret } = options;
  for (
    const [name, value] of [["clientId", clientId], [
      "clientSecret",
      clientSecret,
    ]] as const
  ) {
    if (typeof value !== "string" || value.length === 0) {
      throw new TypeError(
        `${OWNER} option "${name}" must be a non-empty string: use this server's client credentials at the authorization server`,
      );
    }
  }
  // `=== undefined`, not `??`: a `null` is a wrong value, refused below.
  const method: unknown = options.clientAuthMethod === undefined
    ? "client_secret_basic"
    : options.clientAuthMethod;
  const headers: Record<string, string> = {
    "content-type": "application/x-www-form-urlencoded",
    accept: "application/json",
  };
  if (method === "client_secret_post") {
    return {
      headers,
      form: { client_id: clientId, client_secret: clientSecret },
    };
  }
  if (method !== "client_secret_basic") {
    throw new TypeError(
      `${OWNER} option "clientAuthMethod" must be "client_secret_basic" or "client_secret_post", got ${
        show(method)
      }`,
    );
  }
  headers.authorization = `Basic ${
    btoa(`${formEncode(clientId)}:${formEncode(clientSecret)}`)
  }`;
  return { headers, form: {} };
}
