// src/dev/_address.ts: which hosts a client metadata document may be
// fetched from (no private, link-local or local-network address).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isFetchableHost } from "../../src/dev/_address.ts";

describe("isFetchableHost", () => {
  for (
    const [url, expected] of [
      ["https://client.example/meta.json", true],
      ["https://8.8.8.8/meta.json", true],
      ["https://[2606:4700::1111]/meta.json", true],
      ["http://127.0.0.1:3000/meta.json", true],
      ["http://localhost/meta.json", true],
      ["http://[::1]/meta.json", true],
      ["https://127.0.0.2/meta.json", false],
      ["https://10.1.2.3/meta.json", false],
      ["https://172.31.255.255/meta.json", false],
      ["https://172.32.0.1/meta.json", true],
      ["https://192.168.0.1/meta.json", false],
      ["https://169.254.169.254/meta.json", false],
      ["https://100.64.0.1/meta.json", false],
      ["https://100.128.0.1/meta.json", true],
      ["https://0.0.0.0/meta.json", false],
      ["https://224.0.0.1/meta.json", false],
      ["https://255.255.255.255/meta.json", false],
      // URL normalizes other IPv4 spellings to a dotted quad first.
      ["https://0x0a000001/meta.json", false],
      ["https://167772161/meta.json", false],
      ["https://[::]/meta.json", false],
      ["https://[::ffff:192.168.0.1]/meta.json", false],
      ["https://[fd12:3456::1]/meta.json", false],
      ["https://[fe80::1]/meta.json", false],
      ["https://[ff02::1]/meta.json", false],
      ["https://[2001:db8::1]/meta.json", false],
      ["https://[2002:c0a8:1::1]/meta.json", false],
      ["https://[64:ff9b::a00:1]/meta.json", false],
      ["https://printer/meta.json", false],
      ["https://app.localhost/meta.json", false],
      ["https://nas.local/meta.json", false],
      ["https://metadata.google.internal/meta.json", false],
      ["https://router.home.arpa/meta.json", false],
    ] as const
  ) {
    it(`${expected ? "fetches" : "does not fetch"} from ${url}`, () => {
      assert.equal(isFetchableHost(new URL(url).hostname), expected);
    });
  }
});
