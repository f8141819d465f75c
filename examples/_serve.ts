/**
 * Serving an app on 127.0.0.1 whose routes need its own origin (the
 * development authorization server's issuer, the RFC 9728 metadata URL):
 * the listener starts first, the app is built once the port is known.
 *
 * @module
 */

/** What an app built for an origin gives back. */
export interface OriginApp {
  /** Answers every request. */
  handler: (request: Request) => Promise<Response>;
  /** Releases what the app holds. */
  close(): Promise<void>;
}

/** An app being served: everything it gave but its handler; `close` stops both. */
export type Served<A extends OriginApp> = Omit<A, "handler" | "close"> & {
  /** Stops the server and releases the app. */
  close(): Promise<void>;
};

/**
 * Listens on 127.0.0.1:`port` (0: a free one), then builds the app for
 * `http://127.0.0.1:<port>`; until it is built, requests get 503. A failed
 * build stops the listener before rethrowing.
 */
export async function serveWithOrigin<O extends object, A extends OriginApp>(
  create: (options: O & { origin: string }) => Promise<A>,
  port: number,
  options: O,
): Promise<Served<A>> {
  const controller = new AbortController();
  let route: (request: Request) => Promise<Response> = () =>
    Promise.resolve(new Response(null, { status: 503 }));
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port,
    signal: controller.signal,
    onListen() {},
  }, (request) => route(request));
  let app: A;
  try {
    app = await create({
      ...options,
      origin: `http://127.0.0.1:${server.addr.port}`,
    });
  } catch (error) {
    controller.abort();
    await server.finished;
    throw error;
  }
  route = app.handler;
  const { handler: _handler, close, ...running } = app;
  return {
    ...running,
    async close() {
      controller.abort();
      await server.finished;
      await close();
    },
  } as Served<A>;
}
