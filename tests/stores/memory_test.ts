// The in-process stores pass the suite every shared store passes.
import { MemoryCacheStore, MemoryReplayStore } from "../../mod.ts";
import { storeConformance, type StoreUnderTest } from "./_conformance.ts";

// Two instances of one prefix share the data, as two clients of one engine
// would: here, the same object.
function shared<T>(make: () => T): (prefix: string) => T {
  const byPrefix = new Map<string, T>();
  return (prefix) => {
    let store = byPrefix.get(prefix);
    if (store === undefined) byPrefix.set(prefix, store = make());
    return store;
  };
}

const replayStores = shared(() => new MemoryReplayStore());
storeConformance(
  "MemoryReplayStore",
  (prefix): Promise<StoreUnderTest> =>
    Promise.resolve({ replay: replayStores(prefix) }),
  { kinds: ["replay"] },
);

const cacheStores = shared(() => new MemoryCacheStore());
storeConformance(
  "MemoryCacheStore",
  (prefix): Promise<StoreUnderTest> =>
    Promise.resolve({ cache: cacheStores(prefix) }),
  { kinds: ["cache"] },
);
