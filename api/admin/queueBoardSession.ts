import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import type { ApiRole } from '../../shared/platform/config';
import { requireRole } from '../http/auth';

export const QUEUE_BOARD_COOKIE = 'queue_board';
/** A board session lasts a working day; the admin page renews it whenever it is opened. */
const SESSION_SECONDS = 8 * 3600;

/**
 * A browser cannot send a Bearer header when it follows a link, and HTTP Basic makes it show a
 * bare password prompt. So the admin page, signed in with an admin key, asks for a cookie that
 * lets its "Queues" link open Bull Board: the expiry, signed with the key (an HMAC keyed by the
 * key's digest), so any API instance can check it, and removing the key from API_KEYS ends it.
 * HttpOnly, SameSite=Strict, scoped to the board's path.
 */
export function queueBoardSessionRoutes(apiKeys: ReadonlyMap<string, ApiRole>, boardPath: string): Router {
  const router = Router();
  router.post('/queue-board/session', requireRole('admin'), (req, res) => {
    const key = presentedKey(req);
    const expires = Math.floor(Date.now() / 1000) + SESSION_SECONDS;
    setCookie(req, res, boardPath, `${expires}.${signature(key, expires)}`, SESSION_SECONDS);
    res.status(204).end();
  });
  router.delete('/queue-board/session', (req, res) => {
    setCookie(req, res, boardPath, '', 0);
    res.status(204).end();
  });
  return router;
}

/** Whether the request carries a board session signed by a current admin key. */
export function hasBoardSession(req: Request, apiKeys: ReadonlyMap<string, ApiRole>): boolean {
  const value = cookieValue(req.get('cookie'), QUEUE_BOARD_COOKIE);
  const match = value && /^(\d{1,12})\.([\w-]{43})$/.exec(value);
  if (!match || Number(match[1]) * 1000 <= Date.now()) return false;
  const given = Buffer.from(match[2]);
  return [...apiKeys].some(([key, role]) => role === 'admin' && timingSafeEqual(Buffer.from(signature(key, Number(match[1]))), given));
}

function signature(key: string, expires: number): string {
  const secret = createHash('sha256').update(`queue-board:${key}`).digest();
  return createHmac('sha256', secret).update(`queue-board-session:${expires}`).digest('base64url');
}

/** The key authenticate() accepted (Bearer, or Basic turned into Bearer). */
function presentedKey(req: Request): string {
  return /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '')?.[1].trim() ?? '';
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [cookieName, ...value] = part.trim().split('=');
    if (cookieName === name) return value.join('=');
  }
  return undefined;
}

function setCookie(req: Request, res: Response, path: string, value: string, maxAgeSeconds: number): void {
  const secure = req.secure ? '; Secure' : '';
  res.append('Set-Cookie', `${QUEUE_BOARD_COOKIE}=${value}; Path=${path}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure}`);
}
