import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { VerifierUnavailableError } from "../../mod.ts";
import {
  audienceOption,
  cacheOption,
  clockOption,
  defaultFetch,
  fetchOption,
  finiteClock,
  issuerOption,
  maxTokenLengthOption,
  scopesOption,
  typOption,
} from "../../src/verify/_options.ts";
import { TokenCache } from "../../src/verify/token_cache.ts";

const throwsType = (fn: () => unknown, message: RegExp) =>
  assert.throws(
    fn,
    (error: unknown) =>
      error instanceof TypeError && message.test(error.message),
  );

describe("audienceOption()", () => {
  it("is required, and says how to opt out", () => {
    throwsType(
      () => audienceOption("V", undefined),
      /^V option "audience" is required: set it to this server's resource identifier \(RFC 8707\), or to false to skip the audience check$/,
    );
  });

  it("is off only for an explicit false", () => {
    assert.equal(audienceOption("V", false), undefined);
  });

  it("takes a string or a list, and parses the ones that are URLs", () => {
    const audiences = audienceOption("V", ["https://mcp.example/mcp", "api"])!;
    assert.deepEqual(audiences.values, ["https://mcp.example/mcp", "api"]);
    assert.deepEqual([...audiences.urls.keys()], ["https://mcp.example/mcp"]);
    assert.ok(audiences.urls.get("https://mcp.example/mcp") instanceof URL);
    assert.deepEqual(audienceOption("V", "api")!.values, ["api"]);
  });

  it("keys each audience by its canonical form (scheme, host case, default port)", () => {
    const audiences = audienceOption("V", "HTTPS://MCP.example:443/Mcp")!;
    assert.deepEqual([...audiences.byKey], [[
      "https://mcp.example/Mcp",
      "HTTPS://MCP.example:443/Mcp",
    ]]);
  });

  for (const value of ["", [], [""], [1], 0, true, null]) {
    it(`refuses ${JSON.stringify(value)}`, () => {
      throwsType(
        () => audienceOption("V", value),
        /^V option "audience" must be a non-empty string or a non-empty list of them/,
      );
    });
  }

  it("copies the list it is given", () => {
    const given = ["a"];
    const audiences = audienceOption("V", given)!;
    given.push("b");
    assert.deepEqual(audiences.values, ["a"]);
  });
});

describe("issuerOption()", () => {
  it("is required, saying how to opt out with false (RFC 9068 §4)", () => {
    throwsType(
      () => issuerOption("V", undefined),
      /^V option "issuer" is required: set it to the authorization server's issuer identifier, exactly as its tokens' "iss" \(RFC 9068 §4\), or to false to skip the issuer check$/,
    );
  });

  it("is unchecked only for an explicit false, else one string or a list", () => {
    assert.equal(issuerOption("V", false), undefined);
    assert.deepEqual(issuerOption("V", "https://a/"), ["https://a/"]);
    assert.deepEqual(issuerOption("V", ["x", "y"]), ["x", "y"]);
  });

  it("refuses an empty issuer", () => {
    throwsType(
      () => issuerOption("V", ""),
      /^V option "issuer" must be a non-empty string/,
    );
  });
});

describe("scopesOption()", () => {
  it("is empty when absent, else the scopes", () => {
    assert.deepEqual(scopesOption("V", undefined), []);
    assert.deepEqual(scopesOption("V", ["a", "b"]), ["a", "b"]);
  });

  it("refuses a scope that is not an RFC 6749 scope token", () => {
    throwsType(() => scopesOption("V", ["a b"]), /V option "requiredScopes"/);
  });
});

describe("cacheOption()", () => {
  const now = () => 0;

  it("is no cache for false, a default cache when absent", () => {
    assert.equal(cacheOption("V", false, 1000, now), undefined);
    assert.ok(cacheOption("V", undefined, 1000, now) instanceof TokenCache);
    assert.ok(
      cacheOption("V", { maxEntries: 1 }, 1000, now) instanceof TokenCache,
    );
  });

  for (const value of [true, 5, "on", null, []]) {
    it(`refuses ${JSON.stringify(value)}`, () => {
      throwsType(
        () => cacheOption("V", value, 1000, now),
        /^V option "cache" must be an object of cache options or false, got /,
      );
    });
  }

  it("refuses an unknown cache option, naming the one meant", () => {
    throwsType(
      () => cacheOption("V", { maxAge: 5 }, 1000, now),
      /^Unknown V cache option "maxAge" \(did you mean "maxAgeMs"\?\), expected one of "maxEntries", "maxAgeMs", "negativeTtlMs"$/,
    );
  });
});

describe("clockOption()", () => {
  it("is Date.now when absent", () => {
    assert.equal(clockOption("V", undefined), Date.now);
  });

  it("calls the clock without a receiver", () => {
    const receivers: unknown[] = [];
    const now = clockOption("V", function (this: unknown) {
      receivers.push(this);
      return 5;
    });
    assert.equal(now.call({ a: 1 }), 5);
    assert.deepEqual(receivers, [undefined]);
  });

  it("refuses a clock that is not a function", () => {
    throwsType(() => clockOption("V", 0), /^V option "now" must be a function/);
  });

  it("refuses performance.now, saying what to write", () => {
    throwsType(
      () => clockOption("V", performance.now),
      /^V option "now" must count milliseconds since the epoch, like Date.now; .* use \(\) => performance\.timeOrigin \+ performance\.now\(\)$/,
    );
  });
});

describe("finiteClock()", () => {
  it("keeps Date.now as it is", () => {
    assert.equal(finiteClock(Date.now), Date.now);
  });

  it("passes finite readings through", () => {
    assert.equal(finiteClock(() => 1_900_000_000_000)(), 1_900_000_000_000);
  });

  for (const reading of [NaN, Infinity, -Infinity, undefined, "1", null]) {
    it(`fails as unavailable on a reading of ${String(reading)}`, () => {
      const now = finiteClock(() => reading as unknown as number);
      assert.throws(now, VerifierUnavailableError);
    });
  }
});

describe("fetchOption()", () => {
  it("is the one isolate-wide default fetch when absent", () => {
    assert.equal(fetchOption("V", undefined), defaultFetch);
    assert.equal(fetchOption("W", undefined), defaultFetch);
  });

  it("calls the injected fetch without a receiver", async () => {
    const receivers: unknown[] = [];
    const fetchFn = fetchOption("V", function (this: unknown) {
      receivers.push(this);
      return Promise.resolve(new Response("ok"));
    });
    assert.equal(
      await (await fetchFn.call({}, "https://a.example/")).text(),
      "ok",
    );
    assert.deepEqual(receivers, [undefined]);
  });

  it("refuses a fetch that is not a function", () => {
    throwsType(
      () => fetchOption("V", "https://a.example/"),
      /^V option "fetch" must be a function, got "https:\/\/a.example\/"$/,
    );
  });
});

describe("maxTokenLengthOption()", () => {
  it("is 16384 by default, else the integer given", () => {
    assert.equal(maxTokenLengthOption("V", undefined), 16384);
    assert.equal(maxTokenLengthOption("V", 100), 100);
  });

  for (const value of [0, 1.5, -1, "100", Infinity]) {
    it(`refuses ${String(value)}`, () => {
      throwsType(
        () => maxTokenLengthOption("V", value),
        /^V option "maxTokenLength" must be an integer of at least 1, got /,
      );
    });
  }
});

describe("typOption()", () => {
  it("is at+jwt by default, any case and with or without application/ (RFC 7515 §4.1.9)", () => {
    assert.deepEqual([...typOption("V", undefined)!], ["application/at+jwt"]);
    assert.deepEqual([...typOption("V", ["JWT", "application/AT+JWT"])!], [
      "application/jwt",
      "application/at+jwt",
    ]);
  });

  it("is off only for an explicit false", () => {
    assert.equal(typOption("V", false), undefined);
  });

  for (const value of ["", [], [""], [1], 0, true, null]) {
    it(`refuses ${JSON.stringify(value)}, naming false as the opt-out`, () => {
      throwsType(
        () => typOption("V", value),
        /^V option "typ" must be a "typ" header value such as "at\+jwt", a non-empty list of them, or false to accept any type/,
      );
    });
  }
});

describe("scopesOption()", () => {
  it("refuses offline_access, which no resource requires", () => {
    throwsType(
      () => scopesOption("V", ["mcp", "offline_access"]),
      /^V option "requiredScopes" must not contain "offline_access"/,
    );
  });
});
