import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { ApiRole } from '../../shared/platform/config';
import { AppError } from '../../shared/platform/appError';

declare module 'express-serve-static-core' {
  interface Request {
    apiRole?: ApiRole;
    /** Which key this is, as a short digest (never the key itself): per-key limits count by it. */
    apiKeyId?: string;
  }
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Bearer-key authentication. Keys are compared as fixed-length digests in constant time so the
 * response time says nothing about how much of a guessed key was right.
 */
export function authenticate(apiKeys: ReadonlyMap<string, ApiRole>) {
  const known = [...apiKeys].map(([key, role]) => ({ digest: digest(key), role, id: digest(key).toString('hex').slice(0, 16) }));
  return (req: Request, _res: Response, next: NextFunction) => {
    const match = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '');
    if (!match) {
      throw new AppError('unauthenticated', 'missing_api_key', 'Send your API key as "Authorization: Bearer <key>".');
    }
    const presented = digest(match[1].trim());
    const found = known.find((entry) => timingSafeEqual(entry.digest, presented));
    if (!found) throw new AppError('unauthenticated', 'invalid_api_key', 'The API key is not valid. Check it with your administrator.');
    req.apiRole = found.role;
    req.apiKeyId = found.id;
    next();
  };
}

/** Only keys with at least the `minimum` role: `requireRole('admin')` is admins only, `requireRole('support')` support and admins. */
export function requireRole(minimum: ApiRole) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const role = req.apiRole;
    // An admin key can do everything a support key can.
    if (role === 'admin' || role === minimum) return next();
    throw new AppError('forbidden', 'forbidden', `This needs the ${minimum} role; your key has the ${role ?? 'no'} role.`);
  };
}
