import { escapeHtml } from './htmlText';

export interface InvitationMailInput {
  firstName?: string | null;
  username: string;
  orgName: string;
  link: string;
  expiresAt: Date;
}

export interface InvitationMail {
  subject: string;
  text: string;
  html: string;
}

/**
 * The Message-ID of one version of an invitation: a mail sent twice (the relay accepted it, the
 * worker died before recording it) is one message to the recipient's server and mail client.
 */
export function invitationMessageId(invitationId: string, version: number, publicUrl: string): string {
  return `<invitation-${invitationId}-v${version}@${new URL(publicUrl).hostname}>`;
}

/** The invitation a new user receives: plain text for every client, HTML for the rest. */
export function buildInvitationMail({ firstName, username, orgName, link, expiresAt }: InvitationMailInput): InvitationMail {
  const name = firstName?.trim() || username;
  const until = expiresAt.toUTCString();
  const text = [
    `Hello ${name},`,
    '',
    `${orgName} has invited you to its learning platform. Your username is ${username}.`,
    '',
    'Choose your password here to get started:',
    link,
    '',
    `The link works once and until ${until}. If it has expired, ask your administrator for a new invitation.`,
  ].join('\n');
  const html = `<!doctype html>
<html lang="en"><body style="font-family: sans-serif; line-height: 1.5">
<p>Hello ${escapeHtml(name)},</p>
<p>${escapeHtml(orgName)} has invited you to its learning platform. Your username is <strong>${escapeHtml(username)}</strong>.</p>
<p><a href="${escapeHtml(link)}">Choose your password</a> to get started.</p>
<p style="color:#555">The link works once and until ${escapeHtml(until)}. If it has expired, ask your administrator for a new invitation.</p>
</body></html>`;
  return { subject: `You are invited to ${orgName}`, text, html };
}
