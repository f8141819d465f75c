/**
 * Token verification: the `TokenVerifier` contract and its implementations
 * (`StaticTokenVerifier`, `JwtVerifier` on `jose`, `IntrospectionVerifier`
 * for RFC 7662), and the `CacheStore` contract its shared cache uses.
 *
 * @module
 */

export type { TokenVerifier } from "./verifier.ts";
export type { StaticTokenEntry, StaticTokenVerifierOptions } from "./static.ts";
export { StaticTokenVerifier } from "./static.ts";
export type { JwtVerifierOptions } from "./jwt.ts";
export { JwtVerifier } from "./jwt.ts";
export type { JsonWebKeySet, PublicJwk } from "./keys.ts";
export type { TokenCacheOptions } from "./token_cache.ts";
export type { IntrospectionVerifierOptions } from "./introspection.ts";
export { IntrospectionVerifier } from "./introspection.ts";
export type {
  CacheStore,
  MemoryCacheStoreOptions,
  SharedCacheOptions,
} from "./cache_store.ts";
export { MemoryCacheStore } from "./cache_store.ts";
