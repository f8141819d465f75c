/**
 * What {@linkcode DurableObjectStore} and {@linkcode StoreObject} say to
 * each other: one operation per request, a hashed key, a JSON answer; and
 * what an entry in the object's storage looks like. Internal.
 *
 * @module
 */

import { HASHED_KEY, type KeySpace } from "./_keys.ts";

/** One operation, as the client sends it to the object. */
export type Operation =
  | { op: "add"; key: string; value: string; expiresAt: number }
  | { op: "set"; key: string; value: string; expiresAt: number }
  | { op: "get"; key: string }
  | { op: "delete"; key: string };

/** An operation without its key, which the client hashes and adds. */
export type Unkeyed = Operation extends infer T
  ? T extends unknown ? Omit<T, "key"> : never
  : never;

/** An entry as the object stores it: its expiry and its value. */
export interface Stored {
  readonly e: number;
  readonly v: string;
}

/** The largest request the object reads. */
const MAX_REQUEST_BYTES = 256 * 1024;

/** The object's address never leaves the Worker; this host is never resolved. */
export const OBJECT_URL = "https://mcp-authz.store.invalid/";

const HASH_ALPHABET =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * The shard of a hashed key (`<space>:<sha-256>`): its hash's first
 * character picks it, uniform and stable.
 */
export function shardOf(
  hashed: string,
  space: KeySpace,
  shards: number,
): number {
  return HASH_ALPHABET.indexOf(hashed.charAt(space.length + 1)) % shards;
}

/** A request of {@linkcode DurableObjectStore}, or `undefined`. */
export async function readOperation(
  request: Request,
): Promise<Operation | undefined> {
  if (request.method !== "POST") return undefined;
  const length = Number(request.headers.get("content-length") ?? 0);
  if (length > MAX_REQUEST_BYTES) return undefined;
  let body: unknown;
  try {
    const text = await request.text();
    if (text.length > MAX_REQUEST_BYTES) return undefined;
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof body !== "object" || body === null) return undefined;
  const { op, key, value, expiresAt } = body as Record<string, unknown>;
  if (typeof key !== "string" || !HASHED_KEY.test(key)) return undefined;
  if (op === "get" || op === "delete") return { op, key };
  if (
    (op === "add" || op === "set") && typeof value === "string" &&
    typeof expiresAt === "number" && Number.isFinite(expiresAt)
  ) {
    return { op, key, value, expiresAt };
  }
  return undefined;
}

export function isStored(value: unknown): value is Stored {
  return typeof value === "object" && value !== null &&
    typeof (value as Stored).e === "number" &&
    typeof (value as Stored).v === "string";
}
