import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { NextFunction, Request, Response, Router } from 'express';
import type { ApiRuntime } from '../../shared/process/runtime';
import { requireRole, authenticate } from '../http/auth';
import type { ApiRole } from '../../shared/platform/config';
import { hasBoardSession } from './queueBoardSession';
import { contentSecurityPolicyWith } from '../http/securityHeaders';

export const QUEUE_BOARD_PATH = '/admin/queues';

/**
 * Bull Board for admins. The admin page's "Queues" link opens it with the board session cookie
 * the page took when it signed in with an admin key (queueBoardSession.ts). Scripts send the key
 * as Bearer, or as HTTP Basic (any user name, the key as password).
 */
export function queueBoard(runtime: ApiRuntime): Router[] {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({
    queues: [new BullMQAdapter(runtime.importQueue), new BullMQAdapter(runtime.invitationQueue)],
    serverAdapter,
  });
  return [boardPolicy(), boardAccess(runtime.config.apiKeys), requireRole('admin'), serverAdapter.getRouter()] as Router[];
}

/** A board session cookie, else the key in the Authorization header; a browser with neither gets a page saying how in. */
function boardAccess(apiKeys: ReadonlyMap<string, ApiRole>) {
  const checkKey = authenticate(apiKeys);
  const toBearer = basicToBearer();
  return (req: Request, res: Response, next: NextFunction) => {
    if (!req.get('authorization') && hasBoardSession(req, apiKeys)) {
      req.apiRole = 'admin';
      return next();
    }
    if (!req.get('authorization') && req.accepts(['json', 'html']) === 'html') {
      // Still a Basic challenge, for a browser given a key that way; what it shows once the prompt
      // is dismissed is this page, which says the way in.
      res.status(401).set('WWW-Authenticate', BASIC_CHALLENGE).type('html').send(SIGN_IN_PAGE);
      return;
    }
    toBearer(req, res, () => checkKey(req, res, next));
  };
}

const BASIC_CHALLENGE = 'Basic realm="Queues: any user name, your admin API key as password", charset="UTF-8"';

const SIGN_IN_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Queues: sign in first</title></head>
<body><main><h1>Queues: sign in first</h1>
<p>Bull Board shows the import and invitation queues to admins. Open the <a href="/">admin page</a>, sign in with an admin API key, and follow its <strong>Queues (Bull Board)</strong> link.</p>
<p>From a script, send the admin key as <code>Authorization: Bearer &lt;key&gt;</code> (or as the password of HTTP Basic, with any user name).</p>
</main></body></html>`;

/**
 * Bull Board's page is a bundle we do not write: its loading placeholder has style="" attributes
 * and a <style>, its scripts insert <style> elements, and it loads its fonts from Google Fonts.
 * So it alone may use inline styles and those two hosts. Scripts stay 'self' only: inline
 * styles cannot run code, and the board sits behind the admin key.
 */
function boardPolicy() {
  return contentSecurityPolicyWith({
    'style-src': ["'self'", "'unsafe-inline'", 'https://fonts.googleapis.com'],
    'font-src': ["'self'", 'https://fonts.gstatic.com'],
  });
}

function basicToBearer() {
  return (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization') ?? '';
    const basic = /^Basic\s+(.+)$/i.exec(header);
    if (basic) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      req.headers.authorization = `Bearer ${decoded.slice(decoded.indexOf(':') + 1)}`;
    } else if (!/^Bearer\s/i.test(header)) {
      // Ask the browser for the key instead of answering with a bare JSON 401.
      res.set('WWW-Authenticate', BASIC_CHALLENGE);
    }
    next();
  };
}
