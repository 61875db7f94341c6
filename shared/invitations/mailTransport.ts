import nodemailer, { type Transporter } from 'nodemailer';

export type MailTransport = Transporter;

/** A pooled SMTP connection set: one TCP handshake per connection, not per mail. */
export function createMailTransport(smtpUrl: string): MailTransport {
  const url = new URL(smtpUrl);
  return nodemailer.createTransport({
    host: url.hostname,
    port: Number(url.port) || (url.protocol === 'smtps:' ? 465 : 587),
    secure: url.protocol === 'smtps:',
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
    pool: true,
    maxConnections: 5,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
}

/** SMTP 5xx replies are permanent: retrying the same mail cannot succeed. */
export function isPermanentSmtpFailure(error: unknown): boolean {
  const code = (error as { responseCode?: number }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

export function describeSmtpFailure(error: unknown): string {
  const { responseCode, response, code, message } = error as { responseCode?: number; response?: string; code?: string; message?: string };
  if (responseCode) return `SMTP ${responseCode}: ${(response ?? message ?? '').slice(0, 300)}`;
  return `${code ?? 'error'}: ${(message ?? String(error)).slice(0, 300)}`;
}
