/** The shapes the API answers with (components.schemas of openapiDocument.ts). */
import { IMPORT_STATUSES } from '../../shared/rules/importStatuses';

/** A field's value in a change record: text, a list (groups, roles) or null. */
const fieldValue = { type: ['string', 'array', 'null'], items: { type: 'string' } };

export const openapiSchemas = {
  Group: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } },
  FieldSummary: {
    type: 'object',
    properties: {
      field: { type: 'string', description: '`email`, `firstName`, `lastName`, `externalId`, `groups`, `roles`, `password` or `customFields.<key>`' },
      label: { type: 'string', description: 'The field as the export names it (a custom field by its label)' },
      users: { type: 'integer' },
      created: { type: 'integer' },
      updated: { type: 'integer' },
      text: { type: 'string', description: 'e.g. "312 users: Roles changed"' },
    },
  },
  ChangeRecord: {
    type: 'object',
    properties: {
      row: { type: 'integer', description: 'The data row of the file (1 = first row under the header)' },
      userId: { type: 'string' },
      username: { type: 'string' },
      outcome: { enum: ['created', 'updated'] },
      changes: {
        type: 'array',
        description: 'A created user lists every field its row set (before null); an updated one the fields that changed',
        items: { type: 'object', properties: { field: { type: 'string' }, label: { type: 'string' }, before: fieldValue, after: fieldValue } },
      },
    },
  },
  CustomField: { type: 'object', required: ['key', 'label'], properties: { key: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,49}$' }, label: { type: 'string' } } },
  ImportJob: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      kind: { enum: ['import', 'undo'], description: '`undo`: a job taking back the import `undoOf`' },
      undoOf: { type: ['string', 'null'] },
      undoneBy: { type: ['string', 'null'], description: 'On an import: the undo job that takes (or took) it back' },
      status: { type: 'string', enum: [...IMPORT_STATUSES] },
      fileName: { type: 'string' },
      fileFormat: { enum: ['csv', 'xlsx'], description: '`xlsx`: an Excel workbook, read from `worksheet`' },
      worksheet: { type: 'string', description: 'Workbooks only: the name of the sheet the users were read from' },
      settings: {
        type: 'object',
        properties: { sendInvitations: { type: 'boolean' }, groupsMode: { enum: ['add', 'replace'] }, rolesMode: { enum: ['add', 'replace'] }, dryRun: { type: 'boolean' } },
      },
      counts: {
        type: 'object',
        description: '`restored`, `removed` and `conflicts` on an undo job only, one per user it walked',
        properties: Object.fromEntries(['total', 'processed', 'created', 'updated', 'unchanged', 'failed', 'invited', 'restored', 'removed', 'conflicts'].map((name) => [name, { type: 'integer' }])),
      },
      progress: { type: 'number', minimum: 0, maximum: 100 },
      rowsPerSecond: { type: ['number', 'null'] },
      etaSeconds: { type: ['number', 'null'] },
      createdAt: { type: 'string', format: 'date-time' },
      startedAt: { type: ['string', 'null'], format: 'date-time' },
      finishedAt: { type: ['string', 'null'], format: 'date-time' },
      retryOf: { type: ['string', 'null'] },
      onlyFailedRows: { type: 'boolean' },
      correctsImport: { type: ['string', 'null'], description: 'The file is this import\'s failed rows, corrected and uploaded back: only corrections of those rows were applied' },
      requestedBy: { type: ['string', 'null'] },
      cancelRequested: { type: 'boolean' },
      fileDeletedAt: {
        type: ['string', 'null'],
        format: 'date-time',
        description: 'When the stored upload and failed rows were deleted, UPLOAD_RETENTION_DAYS after the last run on the file ended; since then retry and errors.csv answer 410',
      },
      failureReason: { type: 'string' },
      retrying: {
        type: 'object',
        description: 'Present while the worker waits out a database outage; the import resumes from its last committed chunk at nextAt.',
        properties: { reason: { type: 'string' }, attempt: { type: 'integer' }, nextAt: { type: 'string', format: 'date-time' }, since: { type: 'string', format: 'date-time' } },
      },
      failureCauses: {
        type: 'array',
        description: 'An ended import with failed rows (single import only): its failures per cause, most rows first, at most 8; a row with two problems counts under both. Shown as "{rows} rows: {summary}: {action}."',
        items: {
          type: 'object',
          properties: {
            cause: { type: 'string', description: 'A code, or code:subject, e.g. `unknown_group:marketing`, `invalid_email`' },
            rows: { type: 'integer' },
            summary: { type: 'string', description: 'e.g. group "marketing" does not exist' },
            action: { type: 'string', description: 'e.g. create it under Groups & fields (or fix the spelling: names must match exactly), then Retry failed rows' },
          },
        },
      },
      moreFailureCauses: { type: 'integer', description: 'Causes beyond those listed' },
      waiting: {
        type: 'object',
        description: 'A queued import no worker of this deployment is taking (single import only): `no_worker` (none has reported lately) or `other_deployment` (a worker of another deployment sharing the Redis and QUEUE_PREFIX handed it back)',
        properties: { reason: { enum: ['no_worker', 'other_deployment'] }, message: { type: 'string' } },
      },
      invitations: {
        type: 'object',
        description: 'Present when the upload asked for invitations',
        properties: {
          queued: { type: 'integer' },
          sent: { type: 'integer' },
          failed: { type: 'integer' },
          etaSeconds: { type: ['integer', 'null'], description: 'How long the queued ones should take at the pace the sent ones went out (null before two were sent)' },
          failures: { type: 'array', items: { type: 'object', properties: { userId: { type: 'string' }, email: { type: ['string', 'null'] }, error: { type: ['string', 'null'] } } } },
        },
      },
    },
  },

} as const;
