import helmet from 'helmet';

type Directives = Record<string, string[]>;

/**
 * The pages' policy: every script and stylesheet comes from this server as a file, so no inline
 * code or style is allowed, and an injected <script> or style="" cannot run. Written out in
 * full rather than on top of helmet's defaults, which allow inline styles and https: styles.
 * No upgrade-insecure-requests: the service is often reached over plain http (localhost, a
 * private network), where that directive would send the page's own requests to https.
 */
const PAGE_DIRECTIVES: Directives = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'form-action': ["'self'"],
  'base-uri': ["'self'"],
  'object-src': ["'none'"],
  'frame-ancestors': ["'none'"],
};

/**
 * Headers for every answer, JSON included (they cost an API client nothing). Among helmet's
 * defaults kept: X-Content-Type-Options nosniff and HSTS (max-age one year, includeSubDomains),
 * which browsers ignore on plain http (RFC 6797 §8.1), so it only takes effect behind TLS.
 * Referrer-Policy no-referrer: the invitation page's URL carries its token.
 */
export function securityHeaders() {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: PAGE_DIRECTIVES },
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
}

/** The page policy with some directives replaced, for a page that cannot live within it. */
export function contentSecurityPolicyWith(overrides: Directives) {
  return helmet.contentSecurityPolicy({ useDefaults: false, directives: { ...PAGE_DIRECTIVES, ...overrides } });
}
