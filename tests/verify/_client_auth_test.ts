import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { clientAuthentication } from "../../src/verify/_client_auth.ts";

/** The `user:password` a Basic authorization header carries. */
function basicCredentials(header: string | undefined): string {
  const match = /^Basic ([A-Za-z0-9+/]+={0,2})$/.exec(header ?? "");
  assert.ok(match, `not a Basic header: ${header}`);
  return atob(match[1]!);
}

describe("clientAuthentication()", () => {
  it("defaults to client_secret_basic: credentials in the Authorization header, none in the form", () => {
    const auth = clientAuthentication({
      clientId: "resource-server",
      clientSecret: "s3cret",
    });
    assert.deepEqual(auth.form, {});
    assert.equal(
      auth.headers.authorization,
      `Basic ${btoa("resource-server:s3cret")}`,
    );
    assert.equal(
      auth.headers["content-type"],
      "application/x-www-form-urlencoded",
    );
    assert.equal(auth.headers.accept, "application/json");
    assert.deepEqual(
      clientAuthentication({
        clientId: "resource-server",
        clientSecret: "s3cret",
        clientAuthMethod: undefined,
      }),
      auth,
    );
  });

  it("form-encodes the id and the secret before Basic (RFC 6749 §2.3.1), so a colon cannot move the split", () => {
    const auth = clientAuthentication({
      clientId: "my client:1",
      clientSecret: "p@ss wörd:%",
      clientAuthMethod: "client_secret_basic",
    });
    const credentials = basicCredentials(auth.headers.authorization);
    assert.equal(credentials, "my+client%3A1:p%40ss+w%C3%B6rd%3A%25");
    // Exactly one unencoded colon: the separator.
    assert.equal(credentials.split(":").length, 2);
  });

  it("encodes a non-ASCII id, where btoa alone would throw", () => {
    const auth = clientAuthentication({
      clientId: "clïent",
      clientSecret: "秘密",
    });
    assert.equal(
      basicCredentials(auth.headers.authorization),
      "cl%C3%AFent:%E7%A7%98%E5%AF%86",
    );
  });

  it("client_secret_post: the credentials in the form, no Authorization header", () => {
    const auth = clientAuthentication({
      clientId: "my client",
      clientSecret: "p@ss",
      clientAuthMethod: "client_secret_post",
    });
    assert.deepEqual(auth.form, {
      client_id: "my client",
      client_secret: "p@ss",
    });
    assert.equal("authorization" in auth.headers, false);
    assert.deepEqual(auth.headers, {
      "content-type": "application/x-www-form-urlencoded",
      accept: "application/json",
    });
  });

  it("refuses an empty or missing client id or secret, saying what to use", () => {
    for (
      const [options, name] of [
        [{ clientId: "", clientSecret: "s" }, "clientId"],
        [{ clientSecret: "s" }, "clientId"],
        [{ clientId: 42, clientSecret: "s" }, "clientId"],
        [{ clientId: "id", clientSecret: "" }, "clientSecret"],
        [{ clientId: "id" }, "clientSecret"],
        [{ clientId: "id", clientSecret: ["s"] }, "clientSecret"],
      ] as const
    ) {
      assert.throws(
        () => clientAuthentication(options as never),
        {
          name: "TypeError",
          message:
            `IntrospectionVerifier option "${name}" must be a non-empty string: use this server's client credentials at the authorization server`,
        },
      );
    }
  });

  it("never puts the secret in an error message", () => {
    assert.throws(
      () =>
        clientAuthentication({
          clientId: "id",
          clientSecret: "hunter2",
          clientAuthMethod: "private_key_jwt",
        }),
      (error: unknown) =>
        error instanceof TypeError && !error.message.includes("hunter2"),
    );
  });

  it("refuses any other method, naming the two it knows", () => {
    for (
      const [method, shown] of [
        ["private_key_jwt", '"private_key_jwt"'],
        ["none", '"none"'],
        ["CLIENT_SECRET_BASIC", '"CLIENT_SECRET_BASIC"'],
        ["", '""'],
        [null, "null"],
        [1, '"1"'],
      ] as const
    ) {
      assert.throws(
        () =>
          clientAuthentication({
            clientId: "id",
            clientSecret: "s",
            clientAuthMethod: method as never,
          }),
        {
          name: "TypeError",
          message:
            `IntrospectionVerifier option "clientAuthMethod" must be "client_secret_basic" or "client_secret_post", got ${shown}`,
        },
      );
    }
  });
});
