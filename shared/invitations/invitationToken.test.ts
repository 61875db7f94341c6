import { invitationMessageId } from '../rules/invitationMail';
import { deriveInvitationToken, hashInvitationToken } from './invitationToken';

const SECRET = 'a-server-secret-of-at-least-32-characters';
const ID = '65a0000000000000000000aa';

describe('invitation links and message ids', () => {
  test('When the same version is sent again, then it carries the same token and Message-ID', () => {
    expect(deriveInvitationToken(SECRET, ID, 1)).toBe(deriveInvitationToken(SECRET, ID, 1));
    expect(invitationMessageId(ID, 1, 'https://learn.example.com:8443/app')).toBe(`<invitation-${ID}-v1@learn.example.com>`);
  });

  test('When the version, the invitation or the secret differs, then so does the token, and it is URL-safe with 256 bits', () => {
    const token = deriveInvitationToken(SECRET, ID, 1);
    expect(token).toMatch(/^[\w-]{43}$/);
    expect(deriveInvitationToken(SECRET, ID, 2)).not.toBe(token);
    expect(deriveInvitationToken(SECRET, '65a0000000000000000000ab', 1)).not.toBe(token);
    expect(deriveInvitationToken(`${SECRET}!`, ID, 1)).not.toBe(token);
    expect(hashInvitationToken(token)).not.toContain(token);
  });
});
