import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { extractBearerToken, InvalidRequestError } from "../../mod.ts";

const URL_ = "https://mcp.example.com/mcp";

function headers(...values: string[]): Headers {
  const h = new Headers();
  for (const value of values) h.append("authorization", value);
  return h;
}

function extract(value: string): string | undefined {
  return extractBearerToken(new Request(URL_, { headers: headers(value) }));
}

describe("extractBearerToken", () => {
  const accepted: [string, string, string][] = [
    ["canonical scheme", "Bearer mF_9.B5f-4.1JqM", "mF_9.B5f-4.1JqM"],
    ["lowercase scheme", "bearer abc", "abc"],
    ["uppercase scheme", "BEARER abc", "abc"],
    ["mixed-case scheme", "bEaReR abc", "abc"],
    ["every b64token character", "Bearer AZaz09-._~+/", "AZaz09-._~+/"],
    ["= padding", "Bearer YWJj==", "YWJj=="],
    ["several spaces (1*SP)", "Bearer   abc", "abc"],
    // RFC 9110 §5.5: whitespace around a field value is not part of it.
    ["trailing space", "Bearer abc ", "abc"],
    ["trailing tab", "Bearer abc\t", "abc"],
    ["leading space", " Bearer abc", "abc"],
  ];
  for (const [name, value, token] of accepted) {
    it(`returns the token for ${name}`, () => {
      assert.equal(extract(value), token);
    });
  }

  const absent: [string, string | undefined][] = [
    ["no Authorization header", undefined],
    ["an empty Authorization header", ""],
    ["the Basic scheme", "Basic YWxhZGRpbjpvcGVuc2VzYW1l"],
    ["a scheme that only starts with Bearer", "Bearerabc"],
    ["the Bearer-ish scheme Bearer-x", "Bearer-x abc"],
    ["Digest with parameters", 'Digest username="a", realm="b"'],
  ];
  for (const [name, value] of absent) {
    it(`returns undefined for ${name}`, () => {
      const request = new Request(URL_, {
        headers: value === undefined ? {} : { authorization: value },
      });
      assert.equal(extractBearerToken(request), undefined);
    });
  }

  const malformed: [string, string, string][] = [
    ["Bearer alone", "Bearer", "Malformed Authorization header"],
    ["Bearer and spaces only", "Bearer    ", "Malformed Authorization header"],
    ["two tokens", "Bearer abc def", "Malformed Authorization header"],
    ["a tab separator", "Bearer\tabc", "Malformed Authorization header"],
    ["a tab inside", "Bearer abc\tdef", "Malformed Authorization header"],
    ["= inside the token", "Bearer ab=c", "Malformed Authorization header"],
    ["only padding", "Bearer ==", "Malformed Authorization header"],
    ["a quoted token", 'Bearer "abc"', "Malformed Authorization header"],
    ["a semicolon", "Bearer abc;def", "Malformed Authorization header"],
    [
      "non-ASCII (latin-1)",
      "Bearer abc\u00e9",
      "Malformed Authorization header",
    ],
    [
      "an auth-param form",
      "Bearer token=abc",
      "Malformed Authorization header",
    ],
    [
      "a comma-joined second credential",
      "Bearer abc, Bearer def",
      "Only one Authorization credential is allowed",
    ],
  ];
  for (const [name, value, message] of malformed) {
    it(`throws InvalidRequestError for ${name}, without echoing it`, () => {
      assert.throws(() => extract(value), (error: unknown) => {
        assert.ok(error instanceof InvalidRequestError);
        assert.equal(error.code, "ERR_INVALID_REQUEST");
        assert.equal(error.name, "InvalidRequestError");
        assert.equal(error.message, message);
        assert.ok(!error.message.includes("abc"));
        return true;
      });
    });
  }

  const several: [string, string[]][] = [
    ["two Bearer field lines", ["Bearer abc", "Bearer def"]],
    ["the same Bearer field line twice", ["Bearer abc", "Bearer abc"]],
    ["Basic then Bearer", ["Basic YTpi", "Bearer abc"]],
    ["Bearer then Basic", ["Bearer abc", "Basic YTpi"]],
    ["lowercase bearer after Digest", ['Digest realm="x"', "bearer abc"]],
  ];
  for (const [name, values] of several) {
    it(`treats ${name} as invalid_request`, () => {
      assert.throws(
        () => extractBearerToken(headers(...values)),
        {
          name: "InvalidRequestError",
          message: "Only one Authorization credential is allowed",
        },
      );
    });
  }

  it("returns undefined for two non-Bearer field lines", () => {
    assert.equal(
      extractBearerToken(headers("Basic YTpi", "Basic Yzpk")),
      undefined,
    );
  });

  const queries: [string, string][] = [
    ["access_token with a valid header too", "?access_token=abc"],
    ["an empty access_token", "?access_token="],
    ["access_token among other parameters", "?a=1&access_token=abc&b=2"],
    ["a percent-encoded name", "?access%5Ftoken=abc"],
    ["access_token without a value", "?access_token"],
  ];
  for (const [name, query] of queries) {
    it(`rejects a query with ${name}`, () => {
      const request = new Request(URL_ + query, {
        headers: { authorization: "Bearer abc" },
      });
      assert.throws(() => extractBearerToken(request), {
        name: "InvalidRequestError",
        message: "Access tokens are not accepted in the URI query",
      });
    });
  }

  it("rejects a query token on a request without Authorization header", () => {
    assert.throws(
      () => extractBearerToken(new Request(URL_ + "?access_token=abc")),
      InvalidRequestError,
    );
  });

  it("accepts query parameters that only resemble access_token", () => {
    const request = new Request(URL_ + "?access_tokens=1&xaccess_token=2", {
      headers: { authorization: "Bearer abc" },
    });
    assert.equal(extractBearerToken(request), "abc");
  });

  it("reads a Headers object without a query check", () => {
    assert.equal(
      extractBearerToken(new Headers({ authorization: "Bearer abc" })),
      "abc",
    );
  });

  it("accepts a request-like object from another realm", () => {
    const foreign = { url: URL_, headers: headers("Bearer abc") };
    assert.equal(extractBearerToken(foreign as unknown as Request), "abc");
  });

  it("throws TypeError for input that is neither Request nor Headers", () => {
    for (const input of [undefined, null, "Bearer abc", {}, 42]) {
      assert.throws(
        () => extractBearerToken(input as unknown as Request),
        {
          name: "TypeError",
          message: "extractBearerToken expects a Request or a Headers object",
        },
      );
    }
  });

  it("returns a 1 MB token unchanged (length is the verifier's business)", () => {
    const token = "a".repeat(1 << 20);
    assert.equal(extract(`Bearer ${token}`), token);
  });

  it("rejects a 1 MB header with a space near the end", () => {
    assert.throws(
      () => extract(`Bearer ${"a".repeat(1 << 20)} b`),
      InvalidRequestError,
    );
  });

  describe("on arbitrary header values (property)", () => {
    const latin1 = fc.string({
      unit: fc.integer({ min: 0, max: 0xff }).map((c) =>
        String.fromCharCode(c)
      ),
      maxLength: 80,
    });
    const near = fc.tuple(
      fc.constantFrom("Bearer", "bearer", "BEARER", "Basic", "Bearer,", ""),
      fc.constantFrom(" ", "  ", "\t", "", ", "),
      fc.oneof(latin1, fc.stringMatching(/^[A-Za-z0-9\-._~+/]{0,20}=*$/)),
      fc.constantFrom("", " ", ", Bearer x", "=", " b"),
    ).map((parts) => parts.join(""));
    const value = fc.oneof(latin1, near);

    it("returns undefined, a b64token, or throws InvalidRequestError; nothing else", () => {
      fc.assert(
        fc.property(value, (raw) => {
          let h: Headers;
          try {
            h = headers(raw);
          } catch {
            return true; // not a value Headers can carry (CR, LF, NUL)
          }
          try {
            const token = extractBearerToken(h);
            if (token === undefined) return true;
            assert.match(token, /^[A-Za-z0-9\-._~+/]+=*$/);
            // The token is exactly what follows "Bearer" and the spaces.
            assert.match(h.get("authorization")!, /^bearer +/i);
            assert.ok(h.get("authorization")!.endsWith(" " + token));
            return true;
          } catch (error) {
            assert.ok(error instanceof InvalidRequestError, String(error));
            return true;
          }
        }),
        { numRuns: 2000 },
      );
    });
  });
});
