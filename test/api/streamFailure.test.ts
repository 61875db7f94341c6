import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { errorHandler } from '../../api/http/errorHandler';

/**
 * A download that fails after its first bytes (MongoDB gone in the middle of an export) cannot
 * change its status any more: the client must see a broken download, not a short file that
 * looks complete, and the API must not throw trying to send a JSON error after the headers.
 */
function serveFailingDownload(thrown: unknown[]): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  app.get('/download', (_req, res, next) => {
    res.status(200).type('text/csv');
    res.write('Email,Username\n');
    setTimeout(() => next(new Error('connection to MongoDB lost')), 20);
  });
  // Express would cover for a handler that throws here; the test wants to know that ours does not.
  app.use((error: unknown, req: express.Request, res: express.Response, next: express.NextFunction) => {
    try {
      errorHandler(error, req, res, next);
    } catch (failure) {
      thrown.push(failure);
      res.destroy();
    }
  });
  const server = http.createServer(app);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/download`, close: () => new Promise((done) => server.close(() => done())) }),
    ),
  );
}

test('When a streamed download fails after its headers were sent, then the connection is cut and the client sees the download fail', async () => {
  const thrown: unknown[] = [];
  const server = await serveFailingDownload(thrown);
  try {
    const outcome = await new Promise<{ status?: number; body: string; error?: string }>((resolve) => {
      http.get(server.url, (res) => {
        let body = '';
        res.on('data', (part: Buffer) => (body += part.toString()));
        res.on('end', () => resolve({ status: res.statusCode, body }));
        res.on('error', (error) => resolve({ status: res.statusCode, body, error: error.message }));
        res.on('aborted', () => resolve({ status: res.statusCode, body, error: 'aborted' }));
      });
    });
    expect(outcome.status).toBe(200);
    expect(outcome.body).toBe('Email,Username\n');
    expect(outcome.error).toBeDefined();
    expect(thrown).toEqual([]);
  } finally {
    await server.close();
  }
});
