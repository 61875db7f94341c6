import { answersPing, freePort, resolveRedis } from '../../scripts/embedded/embeddedRedis';
import { startSmtpCapture } from '../../scripts/embedded/smtpCapture';
import nodemailer from 'nodemailer';
import { devQueuePrefix } from '../../scripts/embedded/embeddedServices';

describe('embedded services for development and tests', () => {
  const savedRedisUrl = process.env.REDIS_URL;
  afterEach(() => {
    process.env.REDIS_URL = savedRedisUrl;
  });

  test('When no Redis is named and none answers locally, then a redis-server is spawned and stopped again', async () => {
    delete process.env.REDIS_URL;
    const nothingThere = await freePort();
    const logs: string[] = [];
    const redis = await resolveRedis({ log: (line) => logs.push(line), localPort: nothingThere });
    expect(redis.source).toBe('spawned redis-server');
    expect(logs.join('\n')).toMatch(/spawned redis-server on 127\.0\.0\.1:\d+/);
    const port = Number(new URL(redis.url).port);
    expect(await answersPing('127.0.0.1', port)).toBe(true);
    await redis.stop();
    expect(await answersPing('127.0.0.1', port)).toBe(false);
  });

  test('When two checkouts run npm run dev on one Redis, then each has a queue prefix of its own, the same at every start', () => {
    expect(devQueuePrefix('/home/ann/user-import')).toMatch(/^user-import-dev-[0-9a-f]{8}$/);
    expect(devQueuePrefix('/home/ann/user-import')).toBe(devQueuePrefix('/home/ann/user-import/'));
    expect(devQueuePrefix('/home/ann/user-import')).not.toBe(devQueuePrefix('/home/ann/user-import-copy'));
  });

  test('When REDIS_URL is set, then it is used as it is', async () => {
    process.env.REDIS_URL = 'redis://example.invalid:6379';
    const redis = await resolveRedis({ log: () => undefined });
    expect(redis).toMatchObject({ url: 'redis://example.invalid:6379', source: 'REDIS_URL' });
  });

  test('When nodemailer sends to the SMTP capture, then the mail is kept with both parts and its envelope', async () => {
    const capture = await startSmtpCapture();
    try {
      const transport = nodemailer.createTransport({ url: capture.url } as never);
      await transport.sendMail({ from: 'a@example.com', to: 'b@example.com', subject: 'Hi', text: 'plain', html: '<p>html</p>' });
      const [mail] = await capture.waitForMails(1);
      expect(mail.envelopeTo).toEqual(['b@example.com']);
      expect(mail.parsed.text?.trim()).toBe('plain');
      expect(mail.parsed.html).toContain('<p>html</p>');
    } finally {
      await capture.stop();
    }
  });

  test('When the capture is told to refuse recipients, then the sender sees that SMTP code', async () => {
    const capture = await startSmtpCapture();
    try {
      capture.failNextRecipients(1, 451, 'Try again later');
      const transport = nodemailer.createTransport({ url: capture.url } as never);
      await expect(transport.sendMail({ from: 'a@example.com', to: 'b@example.com', text: 'x' })).rejects.toMatchObject({ responseCode: 451 });
      await transport.sendMail({ from: 'a@example.com', to: 'b@example.com', text: 'x' });
      expect(capture.mails).toHaveLength(1);
    } finally {
      await capture.stop();
    }
  });
});
