// src/dev/_client_metadata.ts: the client metadata this server accepts
// (RFC 7591 §2), through the registration endpoint.
import { describe, it } from "node:test";
import { assertOAuthError, devServer, json, REDIRECT, send } from "./_flow.ts";

describe("dev server client metadata", () => {
  for (
    const [label, metadata, error] of [
      ["http on a host that is not loopback", {
        redirect_uris: ["http://example.com/cb"],
      }, "invalid_redirect_uri"],
      ["a javascript: redirect URI", {
        redirect_uris: ["javascript:alert(1)"],
      }, "invalid_redirect_uri"],
      ["a redirect URI with a fragment", {
        redirect_uris: [`${REDIRECT}#x`],
      }, "invalid_redirect_uri"],
      [
        "no redirect URI for the code grant",
        { redirect_uris: [] },
        "invalid_redirect_uri",
      ],
      [
        "the implicit grant",
        { grant_types: ["implicit"] },
        "invalid_client_metadata",
      ],
      [
        "a token response type",
        { response_types: ["token"] },
        "invalid_client_metadata",
      ],
      ["private_key_jwt", {
        token_endpoint_auth_method: "private_key_jwt",
      }, "invalid_client_metadata"],
      [
        "a non-string client_name",
        { client_name: 5 },
        "invalid_client_metadata",
      ],
    ] as const
  ) {
    it(`refuses ${label}`, async () => {
      const dev = await devServer();
      const response = await send(
        dev,
        "/oauth/register",
        json({
          redirect_uris: [REDIRECT],
          token_endpoint_auth_method: "none",
          ...metadata,
        }),
      );
      await assertOAuthError(response, 400, error);
    });
  }
});
