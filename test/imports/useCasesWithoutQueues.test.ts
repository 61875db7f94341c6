import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import mongoose from 'mongoose';
import type { ObjectId } from 'mongodb';
import { connectMongo, disconnectMongo, ensureIndexes } from '../../shared/data/mongoConnection';
import { openUploadWriteStream } from '../../shared/data/uploadStore';
import { ImportModel } from '../../shared/data/importModel';
import { InvitationModel } from '../../shared/data/invitationModel';
import { UserModel } from '../../shared/data/userModel';
import { startImport, type UploadedFile } from '../../shared/imports/startImport';
import { importReport, retryImport } from '../../shared/imports/importActions';
import { requeueStrandedImports } from '../../shared/imports/requeueStrandedImports';
import { queueImportInvitations } from '../../shared/invitations/queueInvitations';
import { resendInvitation } from '../../shared/invitations/resendInvitation';
import type { EnqueueImport, EnqueueInvitations, ImportQueueForRecovery, ImportQueueJobState, InvitationJob } from '../../shared/queues/queues';

// MongoDB only: no Redis connection is opened in this file, so every queueing a use case does
// goes through the functions handed to it here, which record what they were given.
beforeAll(async () => {
  await connectMongo(process.env.MONGO_URL as string, { dbName: `test_${randomBytes(4).toString('hex')}` });
  await ensureIndexes();
});
afterAll(async () => {
  await mongoose.connection.db?.dropDatabase();
  await disconnectMongo();
});

function recordingImportQueue(): { enqueueImport: EnqueueImport; queued: string[] } {
  const queued: string[] = [];
  return {
    queued,
    enqueueImport: async (importId) => {
      queued.push(importId);
    },
  };
}

function recordingInvitationQueue(): { enqueueInvitations: EnqueueInvitations; queued: InvitationJob[] } {
  const queued: InvitationJob[] = [];
  return {
    queued,
    enqueueInvitations: async (jobs) => {
      queued.push(...jobs);
    },
  };
}

/** Stores the bytes as an upload, the way the API's multer storage does before the door check. */
async function storedUpload(csv: string): Promise<UploadedFile> {
  const bytes = Buffer.from(csv);
  const stream = openUploadWriteStream('users.csv', 'text/csv');
  await pipeline(Readable.from([bytes]), stream);
  return { fileId: stream.id as ObjectId, fileName: 'users.csv', size: bytes.length, head: bytes, headIsWholeFile: true };
}

const storedFileExists = async (fileId: ObjectId) => (await mongoose.connection.db!.collection('uploads.files').countDocuments({ _id: fileId })) === 1;

describe('starting and re-running imports without a queue', () => {
  test('When an upload passes the door, then its import is recorded and enqueued once, under its id', async () => {
    const { enqueueImport, queued } = recordingImportQueue();
    const view = await startImport(await storedUpload('Email,Username\nann@example.com,ann\n'), {}, 'admin', enqueueImport);
    expect(queued).toEqual([view.id]);
    expect(await ImportModel.findById(view.id).lean()).toMatchObject({ status: 'queued', requestedBy: 'admin' });
  });

  test('When an upload is refused at the door, then nothing is enqueued, no import is recorded and its stored file is deleted', async () => {
    const { enqueueImport, queued } = recordingImportQueue();
    const upload = await storedUpload('Email,Shoe size\nann@example.com,42\n');
    const importsBefore = await ImportModel.countDocuments();
    await expect(startImport(upload, {}, 'admin', enqueueImport)).rejects.toMatchObject({ code: 'invalid_columns' });
    expect(queued).toEqual([]);
    expect(await ImportModel.countDocuments()).toBe(importsBefore);
    expect(await storedFileExists(upload.fileId)).toBe(false);
  });

  test('When a finished import is re-run, then a new import on the same file is enqueued, not the old one', async () => {
    const started = recordingImportQueue();
    const source = await startImport(await storedUpload('Email,Username\nbob@example.com,bob\n'), {}, 'admin', started.enqueueImport);
    await ImportModel.updateOne({ _id: source.id }, { $set: { status: 'completed', finishedAt: new Date() } });

    const { enqueueImport, queued } = recordingImportQueue();
    const retry = await retryImport(source.id, undefined, { role: 'admin', name: 'admin' }, enqueueImport);
    expect(retry.id).not.toBe(source.id);
    expect(queued).toEqual([retry.id]);
    expect(await ImportModel.findById(retry.id).lean()).toMatchObject({ status: 'queued', requestedBy: 'admin' });
  });

  test('When a support key asks to re-run a whole file, then it is refused and nothing is enqueued; its failed rows it may retry', async () => {
    const started = recordingImportQueue();
    const source = await startImport(await storedUpload('Email,Username\ndee@example.com,dee\n'), {}, 'admin', started.enqueueImport);
    await ImportModel.updateOne({ _id: source.id }, { $set: { status: 'completed_with_errors', finishedAt: new Date(), 'counts.failed': 1 } });

    const { enqueueImport, queued } = recordingImportQueue();
    const support = { role: 'support', name: 'support' } as const;
    await expect(retryImport(source.id, undefined, support, enqueueImport)).rejects.toMatchObject({ kind: 'forbidden', code: 'rerun_needs_admin' });
    expect(queued).toEqual([]);
    const retry = await retryImport(source.id, { only: 'failed' }, support, enqueueImport);
    expect(queued).toEqual([retry.id]);
    expect(retry).toMatchObject({ onlyFailedRows: true, requestedBy: 'support' });
  });

  test('When a re-run is refused because the import is still running, then nothing is enqueued', async () => {
    const started = recordingImportQueue();
    const running = await startImport(await storedUpload('Email,Username\ncid@example.com,cid\n'), {}, 'admin', started.enqueueImport);
    const { enqueueImport, queued } = recordingImportQueue();
    await expect(retryImport(running.id, undefined, { role: 'admin', name: 'admin' }, enqueueImport)).rejects.toMatchObject({ code: 'import_not_finished' });
    expect(queued).toEqual([]);
  });
});

describe('an import report', () => {
  test('When the upload asked for invitations, then the report carries their summary; otherwise it is the job alone', async () => {
    const { enqueueImport } = recordingImportQueue();
    const inviting = await startImport(await storedUpload('Email,Username\ndee@example.com,dee\n'), { sendInvitations: 'true' }, 'admin', enqueueImport);
    const silent = await startImport(await storedUpload('Email,Username\neve@example.com,eve\n'), {}, 'admin', enqueueImport);
    expect(await importReport(inviting.id)).toMatchObject({ id: inviting.id, invitations: { queued: 0, sent: 0, failed: 0, failures: [] } });
    expect(await importReport(silent.id)).not.toHaveProperty('invitations');
  });
});

describe('invitations without a queue', () => {
  test('When a chunk\'s new users are invited twice (a replay), then each has one record and the first version\'s job is enqueued each time', async () => {
    const importId = new mongoose.Types.ObjectId().toHexString();
    const userIds = [new mongoose.Types.ObjectId().toHexString(), new mongoose.Types.ObjectId().toHexString()];
    const { enqueueInvitations, queued } = recordingInvitationQueue();
    await queueImportInvitations(enqueueInvitations, importId, userIds);
    await queueImportInvitations(enqueueInvitations, importId, userIds);
    const firstVersions = userIds.map((userId) => ({ userId, importId, reason: 'import', version: 1 }));
    expect(queued).toEqual([...firstVersions, ...firstVersions]);
    expect(await InvitationModel.countDocuments({ userId: { $in: userIds } })).toBe(2);
  });

  test('When an admin re-sends an invitation, then the next version is recorded and its job enqueued; for an unknown user nothing is', async () => {
    const user = await UserModel.create({ username: 'fay', usernameKey: 'fay', email: 'fay@example.com' });
    const userId = String(user._id);
    const { enqueueInvitations, queued } = recordingInvitationQueue();
    await resendInvitation(userId, enqueueInvitations);
    await resendInvitation(userId, enqueueInvitations);
    expect(queued).toEqual([
      { userId, reason: 'resend', version: 1 },
      { userId, reason: 'resend', version: 2 },
    ]);
    await expect(resendInvitation(new mongoose.Types.ObjectId().toHexString(), enqueueInvitations)).rejects.toMatchObject({ code: 'not_found' });
    expect(queued).toHaveLength(2);
  });
});

describe('recovering stranded imports without a queue', () => {
  /** A queue whose jobs are in the states given, recording what recovery queues again. */
  function queueWith(states: Record<string, ImportQueueJobState>): ImportQueueForRecovery & { requeued: string[] } {
    const requeued: string[] = [];
    return {
      requeued,
      stateOf: async (importId) => states[importId] ?? { state: 'gone' },
      requeue: async ({ id, undoOf }) => {
        requeued.push(undoOf ? `undo ${id} of ${undoOf}` : id);
        return true;
      },
    };
  }

  test('When an import\'s queue job vanished or failed, then it is queued again; a live one is left alone; one that failed too often fails', async () => {
    await ImportModel.deleteMany({});
    const { enqueueImport } = recordingImportQueue();
    const upload = () => storedUpload('Email,Username\ngus@example.com,gus\n');
    const [live, vanished, failedOnce, failedOften] = [
      await startImport(await upload(), {}, 'admin', enqueueImport),
      await startImport(await upload(), {}, 'admin', enqueueImport),
      await startImport(await upload(), {}, 'admin', enqueueImport),
      await startImport(await upload(), {}, 'admin', enqueueImport),
    ];
    await ImportModel.updateOne({ _id: failedOften.id }, { $set: { recoveries: 2 } });
    const queue = queueWith({
      [live.id]: { state: 'live' },
      [failedOnce.id]: { state: 'failed', failedReason: 'job stalled more than allowable limit' },
      [failedOften.id]: { state: 'failed', failedReason: 'job stalled more than allowable limit' },
    });

    expect(await requeueStrandedImports(queue, { olderThanMs: 0, maxRecoveries: 2 })).toBe(2);
    expect(queue.requeued.sort()).toEqual([vanished.id, failedOnce.id].sort());
    expect(await ImportModel.findById(failedOnce.id).lean()).toMatchObject({ status: 'queued', recoveries: 1 });
    expect(await ImportModel.findById(vanished.id).lean()).toMatchObject({ status: 'queued', recoveries: 0 });
    const gaveUp = await ImportModel.findById(failedOften.id).lean();
    expect(gaveUp).toMatchObject({ status: 'failed' });
    expect(gaveUp?.failureReason).toContain('job stalled more than allowable limit');
  });
});
