import { createHash, createHmac } from 'node:crypto';

/**
 * The link token of one version of an invitation, derived from the server secret: every attempt
 * at sending that version (a replay after a crash included) carries the same link, and a re-send
 * (a new version) carries a new one. 256 bits, URL-safe; only its hash is stored.
 */
export function deriveInvitationToken(secret: string, invitationId: string, version: number): string {
  return createHmac('sha256', secret).update(`${invitationId}:${version}`).digest('base64url');
}

export function hashInvitationToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
