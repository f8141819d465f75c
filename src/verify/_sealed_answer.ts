/**
 * How a shared introspection answer is kept in a store: sealed with
 * AES-GCM under a key derived (HKDF) from the instances' shared secret and
 * the verifier's scope (endpoint and client), the entry's key authenticated
 * with it, so whoever can write to the store can neither forge nor move an
 * answer, nor read the claims. Internal.
 *
 * @module
 */

import { base64url } from "jose";

/** What the lease holder learned. */
export interface Answer {
  /** The introspection response. */
  readonly response: Record<string, unknown>;
  /** Until when it may be reused (ms since the epoch); `undefined`: never. */
  readonly until: number | undefined;
  /** When the server was asked (ms since the epoch, the asker's clock). */
  readonly askedAt: number;
}

/** The keys derived from the shared secret. */
export interface Keys {
  readonly index: CryptoKey;
  readonly seal: CryptoKey;
}

const VERSION = "mcp-authz shared introspection v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

// Functions, not module-level instances: a bundle that imports this file
// without using it (the core alone) keeps no top-level code of it.
export const utf8 = (text: string): Uint8Array<ArrayBuffer> =>
  new TextEncoder().encode(text);

/** The index (HMAC) and sealing (AES-GCM) keys of one secret and scope. */
export async function deriveKeys(
  secret: Uint8Array,
  scope: string,
): Promise<Keys> {
  const base = await crypto.subtle.importKey(
    "raw",
    secret as Uint8Array<ArrayBuffer>,
    "HKDF",
    false,
    ["deriveKey"],
  );
  const derive = (
    purpose: string,
    algorithm: HmacImportParams | AesKeyAlgorithm,
  ) =>
    crypto.subtle.deriveKey(
      {
        name: "HKDF",
        hash: "SHA-256",
        salt: utf8(VERSION),
        info: utf8(`${purpose}\n${scope}`),
      },
      base,
      algorithm,
      false,
      purpose === "index" ? ["sign"] : ["encrypt", "decrypt"],
    );
  const [index, sealKey] = await Promise.all([
    derive("index", { name: "HMAC", hash: "SHA-256", length: 256 }),
    derive("seal", { name: "AES-GCM", length: 256 }),
  ]);
  return { index, seal: sealKey };
}

/** `answer`, sealed under `key` until `until`: base64url. */
export async function seal(
  keys: Keys,
  key: string,
  { response, askedAt }: Answer,
  until: number,
): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const plain = utf8(JSON.stringify({ u: until, a: askedAt, r: response }));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt(
      // The entry's key is authenticated too: an entry moved to another
      // token's key does not open.
      { name: "AES-GCM", iv, additionalData: utf8(key) },
      keys.seal,
      plain,
    ),
  );
  const out = new Uint8Array(IV_BYTES + sealed.byteLength);
  out.set(iv);
  out.set(sealed, IV_BYTES);
  return base64url.encode(out);
}

/** The answer sealed in `value` under `key`, or `undefined` if it does not open. */
export async function open(
  keys: Keys,
  key: string,
  value: string,
): Promise<Answer | undefined> {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = base64url.decode(value) as Uint8Array<ArrayBuffer>;
  } catch {
    return undefined;
  }
  if (bytes.byteLength < IV_BYTES + TAG_BYTES) return undefined;
  let plain: ArrayBuffer;
  try {
    plain = await crypto.subtle.decrypt(
      {
        name: "AES-GCM",
        iv: bytes.subarray(0, IV_BYTES),
        additionalData: utf8(key),
      },
      keys.seal,
      bytes.subarray(IV_BYTES),
    );
  } catch {
    return undefined; // forged, or sealed under another secret
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(plain));
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const { u, a, r } = parsed as { u?: unknown; a?: unknown; r?: unknown };
  if (
    typeof u !== "number" || !Number.isFinite(u) ||
    typeof a !== "number" || !Number.isFinite(a) ||
    typeof r !== "object" || r === null || Array.isArray(r)
  ) {
    return undefined; // an entry without `a` is from an older version
  }
  return { response: r as Record<string, unknown>, until: u, askedAt: a };
}
