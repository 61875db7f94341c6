/**
 * Time to invite N new users through a real SMTP peer (the in-process capture server), API and
 * workers in this process. Run: npx tsx bench/invitations.bench.ts [users] [mails per second]
 */
import supertest from 'supertest';
import { startBenchRuntime } from './benchRuntime';

const USERS = Number(process.argv[2] ?? 1000);
const RATE = process.argv[3] ?? '10000';

async function main() {
  const bench = await startBenchRuntime({ INVITE_RATE_PER_SECOND: RATE });
  try {
    const lines = ['Email,Username'];
    for (let i = 0; i < USERS; i++) lines.push(`invitee${i}@example.com,invitee${i}`);
    const started = Date.now();
    const upload = await supertest(bench.app)
      .post('/api/imports')
      .set('Authorization', `Bearer ${bench.adminKey}`)
      .field('sendInvitations', 'true')
      .attach('file', Buffer.from(lines.join('\n')), 'invitees.csv');
    if (upload.status !== 202) throw new Error(`upload answered ${upload.status}`);
    await bench.smtp.waitForMails(USERS, 600_000);
    const seconds = (Date.now() - started) / 1000;
    console.log(`${USERS} users imported and invited in ${seconds.toFixed(1)} s (${Math.round(USERS / seconds)} mails/s, rate limit ${RATE}/s)`);
  } finally {
    await bench.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
