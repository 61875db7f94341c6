import { randomUUID } from 'node:crypto';
import { DeploymentModel, WorkerPresenceModel } from './deploymentModel';

/**
 * This deployment's id: drawn once, at the first start of any of its processes, and read back by
 * every later one. An upsert, so processes starting together agree on one.
 */
export async function deploymentIdentity(): Promise<string> {
  const identity = await DeploymentModel.findOneAndUpdate(
    { _id: 'identity' },
    { $setOnInsert: { deploymentId: randomUUID(), createdAt: new Date() } },
    { upsert: true, returnDocument: 'after', projection: { deploymentId: 1 } },
  ).lean();
  return identity!.deploymentId;
}

export interface WorkerReport {
  id: string;
  queues: readonly string[];
  host: string;
  pid: number;
  startedAt: Date;
}

/** A worker saying it is alive (every few seconds). */
export async function reportWorkerAlive(worker: WorkerReport, now: Date): Promise<void> {
  await WorkerPresenceModel.updateOne(
    { _id: worker.id },
    { $set: { queues: [...worker.queues], host: worker.host, pid: worker.pid, startedAt: worker.startedAt, seenAt: now } },
    { upsert: true },
  );
}

/** A worker stopping cleanly: it is gone at once, not after it misses its reports. */
export async function forgetWorker(id: string): Promise<void> {
  await WorkerPresenceModel.deleteOne({ _id: id });
}

/** When a worker consuming `queue` last reported, if any ever did (within a day). */
export async function workerLastSeen(queue: 'imports' | 'invitations'): Promise<Date | undefined> {
  const newest = await WorkerPresenceModel.findOne({ queues: queue }, { seenAt: 1 }).sort({ seenAt: -1 }).lean();
  return newest?.seenAt ?? undefined;
}
