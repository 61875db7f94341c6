import { randomBytes } from 'node:crypto';
import { MongoClient, type Db, type Document, type ObjectId } from 'mongodb';

/**
 * The conformance suite talks to whatever MONGO_URL points at (the in-memory wire server,
 * mongodb-memory-server or a real deployment), so every expectation is what mongod returns.
 */
export interface ConformanceDatabase {
  client: MongoClient;
  db: Db;
  dbName: string;
  uri: string;
  /** Drops the database and closes the client. */
  close(): Promise<void>;
}

export function mongoUrl(): string {
  const uri = process.env.MONGO_URL;
  if (!uri) throw new Error('MONGO_URL is not set: run the conformance tests through jest, whose globalSetup provides MongoDB');
  return uri;
}

export function uniqueDbName(topic: string): string {
  return `conformance_${topic}_${randomBytes(4).toString('hex')}`;
}

export async function openConformanceDatabase(topic: string): Promise<ConformanceDatabase> {
  const uri = mongoUrl();
  const client = await MongoClient.connect(uri);
  const dbName = uniqueDbName(topic);
  const db = client.db(dbName);
  return {
    client,
    db,
    dbName,
    uri,
    async close() {
      await db.dropDatabase().catch(() => undefined);
      await client.close();
    },
  };
}

/** The error a failing promise rejected with (fails the test if it resolved). */
export async function rejectionOf(promise: Promise<unknown>): Promise<Document> {
  try {
    await promise;
  } catch (error) {
    return error as Document;
  }
  throw new Error('expected the operation to fail, but it succeeded');
}

/** Documents of any shape, `_id` of any type: these tests exercise the server, not schemas. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyDocument = { _id?: string | number | ObjectId; [field: string]: any };

export const sortedStrings = (values: unknown[]) => values.map(String).sort();

/** Every stage of an explain's winning plan, classic (explainVersion 1) or SBE (2) shaped. */
export function winningPlanStages(explained: Document): { stage: string; indexName?: string }[] {
  const walk = (plan: Document | undefined): { stage: string; indexName?: string }[] => {
    if (!plan || typeof plan !== 'object') return [];
    const own = typeof plan.stage === 'string' ? [{ stage: plan.stage as string, indexName: plan.indexName as string | undefined }] : [];
    return [...own, ...[plan.inputStage, ...(plan.inputStages ?? []), plan.queryPlan].flatMap((child) => walk(child))];
  };
  return walk(explained.queryPlanner?.winningPlan);
}

/** What buildInfo's gitVersion says on the in-memory wire server (commands/server.ts). */
const STAND_IN_GIT_VERSION = 'in-memory-wire-test-double';

export interface ServerIdentity {
  /** True on the in-memory stand-in (scripts/embedded/mongoWire), false on a real mongod or mongos. */
  standIn: boolean;
  /** The server's major version: the stand-in answers as 7.0. */
  major: number;
}

/** Which kind of server MONGO_URL points at, asked of the server itself rather than of the environment. */
export async function serverIdentity(db: Db): Promise<ServerIdentity> {
  const info = await db.admin().command({ buildInfo: 1 });
  return { standIn: info.gitVersion === STAND_IN_GIT_VERSION, major: Number(String(info.version).split('.')[0]) };
}
