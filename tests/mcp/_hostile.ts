// InsufficientScopeErrors a layer might throw that do not read as scope
// tokens: altered after construction, look-alikes, hostile Proxies. Shared
// by the denial tests and the guard's end-to-end ones. Every text they could
// leak contains "secret", "evil" or "Cookie".
import { InsufficientScopeError } from "../../mod.ts";

/** What no response may contain. */
export const LEAK: RegExp = /secret|evil|Cookie/;

/** Fresh hostile shortfalls, with a label each. */
export function hostileShortfalls(): [string, unknown][] {
  const injected = new InsufficientScopeError(["admin"]);
  injected.requiredScopes.push('x", evil="1');
  const injectedChallenge = new InsufficientScopeError(["admin"]);
  injectedChallenge.challengeScopes.push("a\r\nSet-Cookie: s=1");
  const replaced = new InsufficientScopeError(["admin"]);
  Object.defineProperty(replaced, "requiredScopes", { value: "admin" });
  const throwing = new Proxy(new InsufficientScopeError(["admin"]), {
    get(target, key, receiver) {
      if (key === "requiredScopes" || key === "challengeScopes") {
        throw new Error("getter secret: db.internal:5432");
      }
      return Reflect.get(target, key, receiver);
    },
  });
  const trapped = new Proxy(new InsufficientScopeError(["admin"]), {
    getPrototypeOf() {
      throw new Error("trap secret");
    },
  });
  const items = new Proxy(["admin"], {
    get(target, key, receiver) {
      if (key === "0") throw new Error("item secret");
      return Reflect.get(target, key, receiver);
    },
  });
  const throwingItems = Object.assign(
    Object.create(InsufficientScopeError.prototype),
    { requiredScopes: items },
  );
  return [
    ["requiredScopes altered after construction", injected],
    ["challengeScopes altered after construction", injectedChallenge],
    ["requiredScopes replaced by a string", replaced],
    [
      "a look-alike from Object.create",
      Object.create(InsufficientScopeError.prototype),
    ],
    ["a Proxy whose scope getters throw", throwing],
    ["a Proxy whose getPrototypeOf trap throws", trapped],
    ["a look-alike whose scope list throws when read", throwingItems],
  ];
}
