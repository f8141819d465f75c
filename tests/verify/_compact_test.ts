import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  isCanonicalBase64url,
  isCanonicalCompactJws,
} from "../../src/verify/_compact.ts";

describe("isCanonicalBase64url (RFC 7515 §2, RFC 4648 §3.5)", () => {
  it("accepts the one spelling of some bytes", () => {
    for (
      const segment of ["QQ", "QUI", "QUJD", "-_-_", "AA", "AAA", "_w", "-0A"]
    ) {
      assert.ok(isCanonicalBase64url(segment), segment);
    }
  });

  it("refuses padding, whitespace, the standard alphabet, impossible lengths and set spare bits", () => {
    for (
      const segment of [
        "",
        "QQ==",
        "QQ=",
        "QU I",
        "QUI\n",
        "+/+/",
        "Q",
        "QUJDR",
        "QR", // "A" with a spare bit set: decodes like "QQ"
        "QUJ", // "AB" with a spare bit set: decodes like "QUI"
        "Q_", // "_" and "-" are 63 and 62: spare bits set
        "QU-",
      ]
    ) {
      assert.ok(!isCanonicalBase64url(segment), JSON.stringify(segment));
    }
  });
});

describe("isCanonicalCompactJws (RFC 7515 §7.1)", () => {
  it("wants exactly three canonical, non-empty segments", () => {
    assert.ok(isCanonicalCompactJws("QQ.QUI.QUJD"));
    for (
      const token of [
        "QQ.QUI",
        "QQ.QUI.QUJD.QQ",
        ".QUI.QUJD",
        "QQ..QUJD",
        "QQ.QUI.",
        "QQ.QUI.QUJD=",
        "QQ.QU I.QUJD",
      ]
    ) {
      assert.ok(!isCanonicalCompactJws(token), token);
    }
  });
});
