import { Schema, model } from 'mongoose';

/**
 * Who this deployment is, and which of its workers are alive. Both live in the deployment's own
 * MongoDB: two deployments that share a Redis (and a QUEUE_PREFIX) never share a database, so
 * what is stored here tells their jobs and their workers apart.
 */
const deploymentSchema = new Schema(
  {
    /** One document, `identity`. */
    _id: { type: String, required: true },
    /** Drawn at the first start; every queue job carries it (shared/queues/queues.ts). */
    deploymentId: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);
export const DeploymentModel = model('Deployment', deploymentSchema, 'deployment');

/** A worker process, as it last reported itself: the API says "no worker is running" from these. */
const workerPresenceSchema = new Schema(
  {
    /** host:pid:random, drawn at the process's start. */
    _id: { type: String, required: true },
    queues: { type: [String], required: true },
    host: String,
    pid: Number,
    startedAt: Date,
    seenAt: { type: Date, required: true },
  },
  { versionKey: false },
);
// A worker that died without saying goodbye is forgotten after a day.
workerPresenceSchema.index({ seenAt: 1 }, { name: 'forget_after', expireAfterSeconds: 24 * 3600 });
workerPresenceSchema.index({ queues: 1, seenAt: -1 }, { name: 'queue_seen' });
export const WorkerPresenceModel = model('WorkerPresence', workerPresenceSchema, 'workers');
