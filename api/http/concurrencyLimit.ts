import type { NextFunction, Request, Response } from 'express';
import { tooManyRequests } from '../../shared/platform/appError';

export interface ConcurrencyLimit {
  /** What is limited, as the refusal names it: `exports`, `uploads`. */
  what: string;
  perKey: number;
  /** The Retry-After of a refusal: about how long one of these takes. */
  retryAfterSeconds: number;
}

/**
 * At most `perKey` of these requests at once per API key, in this API process: an export held
 * open by a slow reader, or an upload streaming in, costs memory and a MongoDB cursor for as long
 * as it lasts, and a script (or a stuck browser tab) opening them by the dozen must be refused
 * with 429 and when to try again, not take the API down for everyone. A request counts until
 * its connection closes, finished or hung up.
 */
export function limitConcurrent({ what, perKey, retryAfterSeconds }: ConcurrencyLimit) {
  const running = new Map<string, number>();
  return (req: Request, res: Response, next: NextFunction) => {
    const key = req.apiKeyId ?? 'anonymous';
    const count = running.get(key) ?? 0;
    if (count >= perKey) {
      throw tooManyRequests(
        `too_many_${what}`,
        `This key already has ${count} ${what} running, the most it may have at once. Wait for one to finish (try again in about ${retryAfterSeconds} s).`,
        retryAfterSeconds,
      );
    }
    running.set(key, count + 1);
    res.once('close', () => {
      const left = (running.get(key) ?? 1) - 1;
      if (left > 0) running.set(key, left);
      else running.delete(key);
    });
    next();
  };
}
