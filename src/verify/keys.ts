/**
 * Verification keys: which JWS algorithms a key may verify, and the import of
 * JWKs, SPKI PEM and raw secrets into `CryptoKey`s with WebCrypto, once per
 * key and algorithm. Shared by the JWT verifier and the JWKS store. jose
 * checks each key against the token's `alg` again when it verifies (name,
 * hash, curve, RSA modulus of at least 2048 bits).
 *
 * @module
 */

/**
 * A public JSON Web Key (RFC 7517 §4) as found in a JWKS.
 *
 * @example Usage
 * ```ts
 * import type { PublicJwk } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const jwk: PublicJwk = { kty: "OKP", crv: "Ed25519", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", kid: "k1" };
 * assert.equal(jwk.kid, "k1");
 * ```
 */
export interface PublicJwk extends JsonWebKey {
  /** Key ID (RFC 7517 §4.5), matched against the JWS `kid` header. */
  kid?: string;
}

/**
 * A JSON Web Key Set (RFC 7517 §5).
 *
 * @example Usage
 * ```ts
 * import type { JsonWebKeySet } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const jwks: JsonWebKeySet = { keys: [] };
 * assert.equal(jwks.keys.length, 0);
 * ```
 */
export interface JsonWebKeySet {
  /** The keys. */
  keys: readonly PublicJwk[];
}

/** Asymmetric JWS algorithms (RFC 7518 §3, RFC 8037, RFC 9864). */
export const ASYMMETRIC_ALGORITHMS: readonly string[] = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
];

/** HMAC JWS algorithms (RFC 7518 §3.2) with their minimum key size. */
export const HMAC_KEY_BYTES: Readonly<Record<string, number>> = {
  HS256: 32,
  HS384: 48,
  HS512: 64,
};

const RSA_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"];
const EC_ALGORITHMS: Readonly<Record<string, string>> = {
  "P-256": "ES256",
  "P-384": "ES384",
  "P-521": "ES512",
};
const ED25519_ALGORITHMS = ["EdDSA", "Ed25519"];

/** One verification key and the algorithms it may verify. */
export interface KeyEntry {
  /** The `kid` of the key, when it has one. */
  readonly kid: string | undefined;
  /** The algorithms this key may verify. */
  readonly algorithms: ReadonlySet<string>;
  /** The key imported for `alg` (one import per algorithm, then reused). */
  key(alg: string): Promise<CryptoKey>;
  /** The key for `alg` if its import has finished: the synchronous fast path. */
  ready(alg: string): CryptoKey | undefined;
}

/**
 * The WebCrypto parameters that import a key for `alg` (RFC 7518 §3, RFC
 * 8037 §3.1), one of the algorithms of this module.
 */
export function importParameters(
  alg: string,
): RsaHashedImportParams | EcKeyImportParams | HmacImportParams | Algorithm {
  const hash = `SHA-${alg.slice(2)}`;
  switch (alg.slice(0, 2)) {
    case "RS":
      return { name: "RSASSA-PKCS1-v1_5", hash };
    case "PS":
      return { name: "RSA-PSS", hash };
    case "ES":
      return {
        name: "ECDSA",
        namedCurve: alg === "ES512" ? "P-521" : `P-${alg.slice(2)}`,
      };
    case "HS":
      return { name: "HMAC", hash };
    default:
      return { name: "Ed25519" };
  }
}

function entry(
  kid: string | undefined,
  algorithms: readonly string[],
  importer: (alg: string) => Promise<CryptoKey>,
): KeyEntry {
  const imported = new Map<string, Promise<CryptoKey>>();
  const ready = new Map<string, CryptoKey>();
  return {
    kid,
    algorithms: new Set(algorithms),
    key(alg) {
      let key = imported.get(alg);
      if (key === undefined) {
        key = importer(alg);
        imported.set(alg, key);
        key.then((value) => ready.set(alg, value), () => {});
      }
      return key;
    },
    ready: (alg) => ready.get(alg),
  };
}

const VERIFY: KeyUsage[] = ["verify"];

/**
 * The algorithms a public JWK may verify, or `undefined` when the key is not
 * a usable public signing key: private material, `use` other than `sig`,
 * `key_ops` without `verify`, a symmetric or unknown key type.
 */
export function jwkAlgorithms(jwk: unknown): string[] | undefined {
  if (typeof jwk !== "object" || jwk === null || Array.isArray(jwk)) {
    return undefined;
  }
  const key = jwk as Record<string, unknown>;
  // Private parameters (RFC 7518 §6.2.2, §6.3.2, RFC 8037 §2): never trust a
  // set that publishes them.
  for (const param of ["d", "p", "q", "dp", "dq", "qi", "oth", "k"]) {
    if (key[param] !== undefined) return undefined;
  }
  if (key.use !== undefined && key.use !== "sig") return undefined;
  if (
    key.key_ops !== undefined &&
    !(Array.isArray(key.key_ops) && key.key_ops.includes("verify"))
  ) return undefined;
  if (key.kid !== undefined && typeof key.kid !== "string") return undefined;
  let algorithms: string[];
  if (
    key.kty === "RSA" && typeof key.n === "string" && typeof key.e === "string"
  ) {
    algorithms = RSA_ALGORITHMS;
  } else if (
    key.kty === "EC" && typeof key.crv === "string" &&
    typeof key.x === "string" && typeof key.y === "string" &&
    Object.hasOwn(EC_ALGORITHMS, key.crv)
  ) {
    algorithms = [EC_ALGORITHMS[key.crv]!];
  } else if (
    key.kty === "OKP" && key.crv === "Ed25519" && typeof key.x === "string"
  ) {
    algorithms = ED25519_ALGORITHMS;
  } else {
    return undefined;
  }
  if (key.alg === undefined) return algorithms;
  return typeof key.alg === "string" && algorithms.includes(key.alg)
    ? [key.alg]
    : undefined;
}

/** Only the public parameters: nothing else reaches WebCrypto. */
function publicParameters(jwk: Record<string, unknown>): JsonWebKey {
  switch (jwk.kty) {
    case "RSA":
      return { kty: "RSA", n: jwk.n as string, e: jwk.e as string };
    case "EC":
      return {
        kty: "EC",
        crv: jwk.crv as string,
        x: jwk.x as string,
        y: jwk.y as string,
      };
    default:
      return { kty: "OKP", crv: jwk.crv as string, x: jwk.x as string };
  }
}

/** A key entry for a public JWK, or `undefined` when it is not usable. */
export function jwkEntry(jwk: unknown): KeyEntry | undefined {
  const algorithms = jwkAlgorithms(jwk);
  if (algorithms === undefined) return undefined;
  const key = jwk as Record<string, unknown>;
  const params = publicParameters(key);
  return entry(
    key.kid as string | undefined,
    algorithms,
    (alg) =>
      crypto.subtle.importKey(
        "jwk",
        params,
        importParameters(alg),
        false,
        VERIFY,
      ),
  );
}

/** The algorithms a WebCrypto public key may verify. */
export function cryptoKeyAlgorithms(key: CryptoKey): string[] {
  const algorithm = key.algorithm as {
    name: string;
    hash?: { name: string };
    namedCurve?: string;
  };
  const bits = algorithm.hash?.name.replace("SHA-", "");
  switch (algorithm.name) {
    case "RSASSA-PKCS1-v1_5":
      return [`RS${bits}`].filter((alg) => RSA_ALGORITHMS.includes(alg));
    case "RSA-PSS":
      return [`PS${bits}`].filter((alg) => RSA_ALGORITHMS.includes(alg));
    case "ECDSA": {
      const alg = EC_ALGORITHMS[algorithm.namedCurve ?? ""];
      return alg === undefined ? [] : [alg];
    }
    case "Ed25519":
      return ED25519_ALGORITHMS;
    default:
      return [];
  }
}

/** A key entry for a WebCrypto public key (no import needed). */
export function cryptoKeyEntry(key: CryptoKey): KeyEntry {
  return entry(undefined, cryptoKeyAlgorithms(key), () => Promise.resolve(key));
}

const SPKI_ALGORITHMS: Readonly<Record<string, readonly string[]>> = {
  // rsaEncryption, RFC 8017 Appendix A.1
  "2a864886f70d010101": RSA_ALGORITHMS,
  // id-ecPublicKey with prime256v1, secp384r1, secp521r1 (RFC 5480 §2.1.1)
  "2a8648ce3d0201:2a8648ce3d030107": ["ES256"],
  "2a8648ce3d0201:2b81040022": ["ES384"],
  "2a8648ce3d0201:2b81040023": ["ES512"],
  // id-Ed25519, RFC 8410 §3
  "2b6570": ED25519_ALGORITHMS,
};

function readTlv(
  der: Uint8Array,
  offset: number,
): { tag: number; start: number; end: number } | undefined {
  const tag = der[offset];
  let length = der[offset + 1];
  if (tag === undefined || length === undefined) return undefined;
  let start = offset + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0 || octets > 3) return undefined;
    length = 0;
    for (let i = 0; i < octets; i++) {
      const byte = der[start + i];
      if (byte === undefined) return undefined;
      length = length * 256 + byte;
    }
    start += octets;
  }
  const end = start + length;
  return end <= der.length ? { tag, start, end } : undefined;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * A key entry for an SPKI PEM public key, whose algorithms come from its
 * AlgorithmIdentifier (RFC 5280 §4.1.1.2); `undefined` when the text is not
 * an SPKI PEM of a supported key type.
 */
export function spkiEntry(pem: string): KeyEntry | undefined {
  const match =
    /^-----BEGIN PUBLIC KEY-----([A-Za-z0-9+/=\s]+)-----END PUBLIC KEY-----$/
      .exec(pem.trim());
  if (match === null) return undefined;
  let der: Uint8Array<ArrayBuffer>;
  try {
    der = Uint8Array.from(
      atob(match[1]!.replace(/\s/g, "")),
      (c) => c.charCodeAt(0),
    );
  } catch {
    return undefined;
  }
  const spki = readTlv(der, 0);
  if (spki?.tag !== 0x30 || spki.end !== der.length) return undefined;
  const identifier = readTlv(der, spki.start);
  if (identifier?.tag !== 0x30) return undefined;
  const oid = readTlv(der, identifier.start);
  if (oid?.tag !== 0x06) return undefined;
  let name = hex(der.subarray(oid.start, oid.end));
  if (oid.end < identifier.end) {
    const params = readTlv(der, oid.end);
    if (params?.tag === 0x06) {
      name += `:${hex(der.subarray(params.start, params.end))}`;
    }
  }
  const algorithms = SPKI_ALGORITHMS[name];
  return algorithms === undefined ? undefined : entry(
    undefined,
    algorithms,
    (alg) =>
      crypto.subtle.importKey(
        "spki",
        der,
        importParameters(alg),
        false,
        VERIFY,
      ),
  );
}

/** A key entry for an HMAC secret (copied: later changes do not reach it). */
export function secretEntry(
  secret: Uint8Array,
  algorithms: readonly string[],
): KeyEntry {
  const bytes = secret.slice();
  return entry(
    undefined,
    algorithms,
    (alg) =>
      crypto.subtle.importKey(
        "raw",
        bytes,
        importParameters(alg),
        false,
        VERIFY,
      ),
  );
}

/**
 * Picks the key for a JWS header (RFC 7515 §4.1.4: `kid` must match when the
 * set names its keys). `undefined` when none or more than one key fits.
 */
export function selectKey(
  entries: readonly KeyEntry[],
  alg: string,
  kid: string | undefined,
  matchKid: boolean,
): KeyEntry | undefined {
  let found: KeyEntry | undefined;
  for (const candidate of entries) {
    if (!candidate.algorithms.has(alg)) continue;
    if (matchKid && kid !== undefined && candidate.kid !== kid) continue;
    if (found !== undefined) return undefined;
    found = candidate;
  }
  return found;
}
