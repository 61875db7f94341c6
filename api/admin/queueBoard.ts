import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { NextFunction, Request, Response, Router } from 'express';
import type { ApiRuntime } from '../../shared/platform/runtime';
import { requireRole, authenticate } from '../http/auth';
import { contentSecurityPolicyWith } from '../http/securityHeaders';

export const QUEUE_BOARD_PATH = '/admin/queues';

/**
 * Bull Board for admins. A browser opening the board cannot send a Bearer header, so HTTP Basic
 * is accepted too (any user name, the API key as password): the browser asks once.
 */
export function queueBoard(runtime: ApiRuntime): Router[] {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({
    queues: [new BullMQAdapter(runtime.importQueue), new BullMQAdapter(runtime.invitationQueue)],
    serverAdapter,
  });
  return [boardPolicy(), basicToBearer(), authenticate(runtime.config.apiKeys), requireRole('admin'), serverAdapter.getRouter()] as Router[];
}

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
      res.set('WWW-Authenticate', 'Basic realm="Queues: any user name, your admin API key as password", charset="UTF-8"');
    }
    next();
  };
}
