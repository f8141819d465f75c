/**
 * What the server decided, from its own decision events: every request the
 * load sends carries an id (`r<n>`, as its JSON-RPC id and its
 * `x-request-id` header, {@linkcode tagged}); the endpoint's `onDecision`
 * files each event under that id, and the load takes a request's events
 * once its response is read. So the run counts outcomes from what
 * `withBearerAuth` and the guard said, instead of guessing from bodies.
 *
 * @module
 */
import type {
  DecisionEvent,
  DecisionOutcome,
  DecisionRedactor,
} from "../mod.ts";

/** The header the load sends each request's id in. */
export const REQUEST_ID_HEADER = "x-request-id";

/** The ids the load gives its requests; any other id is not filed. */
const TAGGED = /^r\d+$/;

/** A copy of `request` tagged with `id`: its JSON-RPC id and header. */
export async function tagged(request: Request, id: string): Promise<Request> {
  const headers = new Headers(request.headers);
  headers.set(REQUEST_ID_HEADER, id);
  const body = await request.text();
  let rewritten = body;
  try {
    rewritten = JSON.stringify({ ...JSON.parse(body), id });
  } catch {
    // Not JSON: sent as it is, its HTTP decision still filed by header.
  }
  return new Request(request.url, {
    method: request.method,
    headers,
    body: rewritten,
  });
}

/** What the server decided for one request, by layer. */
export interface Decided {
  /** `withBearerAuth`'s outcome, if it decided. */
  readonly http: DecisionOutcome | undefined;
  /** The guard's `tools/call` outcome, if it decided. */
  readonly call: DecisionOutcome | undefined;
  /**
   * Whether the request was decided exactly once per layer: one HTTP event,
   * and one `tools/call` event when (and only when) the HTTP one allowed.
   */
  readonly once: boolean;
}

/** The decision events of a run, filed by request id until taken. */
export class DecisionLog {
  #pending = new Map<string, DecisionEvent[]>();
  #unfiled = 0;

  /** The endpoint's `onDecision`. */
  readonly listener = (event: DecisionEvent): void => {
    const id = event.requestId === undefined
      ? undefined
      : String(event.requestId);
    if (id === undefined || !TAGGED.test(id)) {
      this.#unfiled++;
      return;
    }
    const filed = this.#pending.get(id);
    if (filed === undefined) this.#pending.set(id, [event]);
    else filed.push(event);
  };

  /** The endpoint's `redactDecision`: an HTTP event gets the request's id. */
  readonly redactor: DecisionRedactor = (event, { request }) => {
    const id = request?.headers.get(REQUEST_ID_HEADER);
    return id === null || id === undefined
      ? event
      : { ...event, requestId: id };
  };

  /** Events not tied to a request of the load (a replay's first use). */
  get unfiled(): number {
    return this.#unfiled;
  }

  /** Requests whose events were never taken. */
  get pending(): number {
    return this.#pending.size;
  }

  /** The decisions for `id`, taken out of the log. */
  take(id: string): Decided {
    const events = this.#pending.get(id) ?? [];
    this.#pending.delete(id);
    const http = events.filter((e) => e.operation === "http");
    const calls = events.filter((e) => e.operation === "tools/call");
    const allowed = http[0]?.outcome === "allow";
    return {
      http: http[0]?.outcome,
      call: calls[0]?.outcome,
      once: http.length === 1 && calls.length === (allowed ? 1 : 0) &&
        events.length === 1 + calls.length,
    };
  }
}
