/**
 * A clock that fails as host functions such as `performance.now` do on
 * some runtimes ("Illegal invocation") when called with a receiver.
 */
export function receiverFreeClock(value: number): () => number {
  return function (this: unknown): number {
    if (this !== undefined) throw new TypeError("Illegal invocation");
    return value;
  };
}
