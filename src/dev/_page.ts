/**
 * The development authorization server's HTML: the approval page, the page
 * for errors that must not be redirected (RFC 6749 §4.1.2.1), and the
 * service documentation page its metadata points to. No script, no framing.
 * Internal.
 *
 * @module
 */

const HTML_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "Content-Type": "text/html; charset=utf-8",
  "Cache-Control": "no-store",
  // No script, no framing (clickjacking of the approve button), no referrer
  // carrying the request's parameters elsewhere.
  "Content-Security-Policy":
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "X-Content-Type-Options": "nosniff",
});

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE =
  `body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#222}
.dev{background:#fff3cd;border:2px solid #d39e00;padding:.5rem 1rem;font-weight:600}
dt{font-weight:600;margin-top:.75rem}dd{margin:0;word-break:break-all}
ul{margin:.25rem 0}button{font-size:1rem;padding:.5rem 1.5rem;margin-right:1rem}`;

function page(title: string, body: string, status = 200): Response {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><p class="dev">Development authorization server: for local development and tests only. It is not a real identity provider.</p>
${body}
</body></html>
`;
  return new Response(html, { status, headers: HTML_HEADERS });
}

/** What the approval page shows. */
export interface ApprovalView {
  readonly action: string;
  readonly transaction: string;
  readonly clientName: string | undefined;
  readonly clientId: string;
  readonly clientSource: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly resource: string;
  readonly subject: string;
}

/** The page on which a person approves or denies an authorization request. */
export function approvalPage(view: ApprovalView): Response {
  const scopes = view.scopes.length === 0
    ? "<p>(no scope)</p>"
    : `<ul id="scopes">${
      view.scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join("")
    }</ul>`;
  const name = view.clientName ?? view.clientId;
  return page(
    "Authorize access",
    `<h1>Authorize <span id="client-name">${escapeHtml(name)}</span>?</h1>
<dl>
<dt>Client</dt><dd id="client-id">${escapeHtml(view.clientId)} (${
      escapeHtml(view.clientSource)
    })</dd>
<dt>Redirects to</dt><dd id="redirect-uri">${escapeHtml(view.redirectUri)}</dd>
<dt>Scopes requested</dt><dd>${scopes}</dd>
<dt>Resource</dt><dd id="resource">${escapeHtml(view.resource)}</dd>
<dt>Signed in as</dt><dd id="subject">${escapeHtml(view.subject)}</dd>
</dl>
<form method="post" action="${escapeHtml(view.action)}">
<input type="hidden" name="transaction" value="${escapeHtml(view.transaction)}">
<button type="submit" name="decision" value="approve" id="approve">Approve</button>
<button type="submit" name="decision" value="deny" id="deny">Deny</button>
</form>`,
  );
}

/**
 * An error shown to the person instead of being redirected: the client or
 * its redirect URI cannot be trusted (RFC 6749 §4.1.2.1).
 */
export function errorPage(status: number, message: string): Response {
  return page(
    "Authorization error",
    `<h1>Authorization error</h1><p id="error">${escapeHtml(message)}</p>`,
    status,
  );
}

/** The service documentation page (RFC 8414 `service_documentation`). */
export function documentationPage(issuer: string, notice: string): Response {
  return page(
    "Development authorization server",
    `<h1>Development authorization server</h1>
<p>${escapeHtml(notice)}</p>
<p>Issuer: <code>${escapeHtml(issuer)}</code></p>`,
  );
}
