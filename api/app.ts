import path from 'node:path';
import express, { type Express } from 'express';
import type { ApiRuntime } from '../shared/process/runtime';
import { httpRequestDuration } from '../shared/platform/metrics';
import { directoryRoutes } from './directory/directoryRoutes';
import { exportRoutes } from './directory/exportRoutes';
import { importRoutes } from './imports/importRoutes';
import { undoRoutes } from './imports/undoRoutes';
import { invitePages } from './invitations/invitePages';
import { inviteRoutes } from './invitations/inviteRoutes';
import { openapiDocument } from './openapi/openapiDocument';
import { QUEUE_BOARD_PATH, queueBoard } from './admin/queueBoard';
import { queueBoardSessionRoutes } from './admin/queueBoardSession';
import { healthRoutes } from './health/healthRoutes';
import { authenticate } from './http/auth';
import { errorHandler, routeNotFound } from './http/errorHandler';
import { jsonBody, onlyJsonBodies } from './http/requestBodies';
import { securityHeaders } from './http/securityHeaders';

/** Builds the HTTP API around an open runtime; no listening, so tests can drive it in-process. */
export function createApp(runtime: ApiRuntime): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use((req, res, next) => {
    const stop = httpRequestDuration.startTimer({ method: req.method });
    res.on('finish', () => stop({ route: req.route?.path ?? 'unmatched', status: res.statusCode }));
    next();
  });
  app.use(securityHeaders());
  app.use(healthRoutes(runtime));
  // The admin page: static files, no build step; it talks to the API below like any client.
  app.use(express.static(path.join(__dirname, 'public'), { index: 'index.html', maxAge: '5m' }));
  app.use(invitePages());

  const api = express.Router();
  api.use(authenticate(runtime.config.apiKeys));
  api.use(jsonBody('100kb'));
  api.use(onlyJsonBodies);
  api.get('/openapi.json', (_req, res) => {
    res.json(openapiDocument);
  });
  // What the presented key may do: the admin page shows and hides its parts by it.
  api.get('/me', (req, res) => {
    res.json({ role: req.apiRole });
  });
  api.use(directoryRoutes());
  api.use(exportRoutes(runtime.config));
  api.use(importRoutes(runtime));
  api.use(undoRoutes(runtime));
  api.use(inviteRoutes(runtime));
  api.use(queueBoardSessionRoutes(runtime.config.apiKeys, QUEUE_BOARD_PATH));
  api.use((req) => routeNotFound(req));
  app.use('/api', api);
  app.use(QUEUE_BOARD_PATH, ...queueBoard(runtime));

  app.use((req) => routeNotFound(req));
  app.use(errorHandler);
  return app;
}
