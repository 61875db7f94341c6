/** The HTTP contract (README, "HTTP API") as OpenAPI 3.1, served at /api/openapi.json. */
import { openapiSchemas } from './openapiSchemas';

const error = { $ref: '#/components/responses/Error' };
const errorContent = {
  'application/json': { schema: { type: 'object', properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} } } } } },
};
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const jobResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/ImportJob' } } } });
const csvResponse = (description: string) => ({ description, content: { 'text/csv': { schema: { type: 'string' } } } });
const errors = (...codes: number[]) => Object.fromEntries(codes.map((code) => [String(code), error]));
const uploadDeleted = {
  description: 'The import\'s upload was deleted (UPLOAD_RETENTION_DAYS after its last run ended, as it holds passwords), and its failed rows with it: upload the file again. Code `upload_deleted`.',
  content: errorContent,
};

export const openapiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'User CSV import service',
    version: '0.1.0',
    description:
      'Bulk management of a learning platform\'s user directory through CSV files. Roles: `admin` may do everything; `support` may read jobs, download error reports, retry and cancel. ' +
      'Any route may answer a request it cannot read with 400 (`malformed_body`, `unreadable_body`, `request_incomplete`, `bad_path`, `bad_upload`, `upload_incomplete`), 413 (`body_too_large`) or 415 (`not_json`, `unsupported_charset`, `unsupported_content_encoding`): bodies are JSON in UTF-8, uploads multipart/form-data.',
  },
  security: [{ apiKey: [] }],
  paths: {
    '/api/imports': {
      post: {
        summary: 'Upload a CSV file or an Excel workbook (.xlsx) and queue its import (admin)',
        description:
          'A workbook is read from its one sheet with data (or, of several, the one whose row 1 has the user columns), each cell as the text Excel shows. ' +
          'Refused with nothing queued: 415 `encrypted_workbook`, `old_workbook` (.xls), `macro_workbook` (.xlsm), `not_a_workbook`, `not_csv`; ' +
          '422 `unreadable_workbook`, `workbook_expands_too_far` (a zip bomb); 400 `empty_file`, `no_rows`, `missing_header`, `invalid_columns`, `several_sheets`.',
        requestBody: {
          required: true,
          content: {
            'multipart/form-data': {
              schema: {
                type: 'object',
                required: ['file'],
                properties: {
                  file: { type: 'string', format: 'binary' },
                  sendInvitations: { type: 'string', enum: ['true', 'false'] },
                  groupsMode: { type: 'string', enum: ['add', 'replace'] },
                  rolesMode: { type: 'string', enum: ['add', 'replace'] },
                  dryRun: { type: 'string', enum: ['true', 'false'] },
                },
              },
            },
          },
        },
        responses: { '202': jobResponse('Queued; `Location` names the job'), ...errors(400, 401, 403, 413, 415, 422) },
      },
      get: {
        summary: 'List imports, newest first',
        parameters: [
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
          { name: 'cursor', in: 'query', schema: { type: 'string' } },
        ],
        responses: {
          '200': {
            description: 'A page of jobs',
            content: { 'application/json': { schema: { type: 'object', properties: { items: { type: 'array', items: { $ref: '#/components/schemas/ImportJob' } }, nextCursor: { type: ['string', 'null'] } } } } },
          },
          ...errors(400, 401),
        },
      },
    },
    '/api/imports/{id}': { get: { summary: 'One import with its progress', parameters: [idParam], responses: { '200': jobResponse('The job'), ...errors(401, 404) } } },
    '/api/imports/{id}/errors.csv': {
      get: {
        summary: 'Failed rows as CSV, re-uploadable after fixing; for an undo job, its conflicts and failures, one line per field left as it is',
        parameters: [idParam],
        responses: { '200': csvResponse('Original columns plus Error'), ...errors(401, 404), '410': uploadDeleted },
      },
    },
    '/api/imports/{id}/errors.xlsx': {
      get: {
        summary: 'The same report as errors.csv, as an Excel workbook whose cells are all text; fixed in Excel, it uploads as it is',
        parameters: [idParam],
        responses: {
          '200': { description: 'Original columns plus Error', content: { 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': { schema: { type: 'string', format: 'binary' } } } },
          ...errors(401, 404),
          '410': uploadDeleted,
        },
      },
    },
    '/api/imports/{id}/changes': {
      get: {
        summary: 'What an import (or a dry run) changed, user by user and field by field, in row order',
        description:
          'One item per created or updated row (unchanged and failed rows change nothing). Passwords are never shown: a `password` change has before and after null. ' +
          'Records are kept CHANGE_RETENTION_DAYS after the import wrote them.',
        parameters: [
          idParam,
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } },
          { name: 'cursor', in: 'query', description: 'The nextCursor of the previous page', schema: { type: 'string' } },
        ],
        responses: {
          '200': {
            description: 'A page of changes; `summary` (the counts per field of the whole import) on the first page only',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['summary', 'items', 'nextCursor'],
                  properties: {
                    summary: { type: ['array', 'null'], items: { $ref: '#/components/schemas/FieldSummary' } },
                    items: { type: 'array', items: { $ref: '#/components/schemas/ChangeRecord' } },
                    nextCursor: { type: ['string', 'null'] },
                  },
                },
              },
            },
          },
          '400': { description: 'A limit outside 1 to 500 (`invalid_limit`) or a cursor that no page gave (`invalid_cursor`)', content: errorContent },
          ...errors(401, 404),
        },
      },
    },
    '/api/imports/{id}/changes.csv': {
      get: {
        summary: 'The changes as a spreadsheet: Row, Username, Outcome, Field, Before, After',
        description: 'One line per changed field, in row order; lists `; `-joined and cells guarded against formulas as in the export; a password is only said to be set or changed.',
        parameters: [idParam],
        responses: { '200': csvResponse('UTF-8 with BOM'), ...errors(401, 404) },
      },
    },
    '/api/imports/{id}/run': {
      post: {
        summary: 'Run a finished dry run for real: a new import of the same stored file with the same settings, dry run off (admin)',
        parameters: [idParam],
        responses: {
          '202': jobResponse('The new import; `retryOf` names the dry run'),
          ...errors(400, 401, 403, 404),
          '409': { description: 'Not a dry run (`not_a_dry_run`), or a dry run that has not gone through every row (`dry_run_not_finished`: queued, running, cancelled or failed)', content: errorContent },
          '410': uploadDeleted,
        },
      },
    },
    '/api/imports/{id}/undo': {
      post: {
        summary: 'Take back an ended real import (admin)',
        description:
          'Starts an undo job (kind `undo`, `undoOf` the import) that walks the import\'s change records in chunks: each field it changed goes back to its value before, ' +
          'unless the user holds another value now (a conflict, left as it is and listed in the undo\'s errors.csv); each user it created is removed, ' +
          'unless the user has set a password since (kept and reported); pending invitations of removed users stop working. Follow it with GET /api/imports/{id}.',
        parameters: [idParam],
        responses: {
          '202': jobResponse('The undo job; `Location` names it'),
          ...errors(401, 403, 404),
          '409': { description: 'Already undone or being undone (`already_undone`), not ended yet (`import_not_finished`), a dry run (`dry_run`: nothing to undo) or an undo itself (`undo_of_undo`)', content: errorContent },
        },
      },
    },
    '/api/imports/{id}/retry': {
      post: {
        summary: 'Run an ended import again: its failed rows, its whole file (admin), or its failed rows file corrected',
        description:
          'JSON `{"only": "failed"}`: the rows that failed, from the stored file (support and admin). No body: the whole file again, as uploading it would (admin; 403 `rerun_needs_admin` for support). ' +
          'Multipart with `file`: the import\'s failed rows file (CSV or xlsx), corrected, run as a retry with the import\'s settings (`dryRun` may be added) and the upload\'s door check; ' +
          'each row is applied only as the correction of the failed row its Error cell names ("Row N: …"), or, without one, of the first failed row for the same username (email where the username is blank); ' +
          'a row that did not fail in that import, a new user, a second correction of one row, or a correction naming another user (unless the username or email was what failed) fails with its reason. ' +
          'An undone import is never run again: 409 `import_undone`.',
        parameters: [idParam],
        requestBody: {
          content: {
            'application/json': { schema: { type: 'object', properties: { only: { type: 'string', enum: ['failed'] } } } },
            'multipart/form-data': { schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' }, dryRun: { type: 'string', enum: ['true', 'false'] } } } },
          },
        },
        responses: {
          '202': jobResponse('The new job (`retryOf`; corrections also `correctsImport`)'),
          ...errors(400, 401, 403, 404, 413, 415, 422),
          '409': { description: 'Not ended (`import_not_finished`), undone (`import_undone`), nothing failed (`no_failed_rows`), an undo (`undo_not_rerunnable`, `undo_not_correctable`), or corrections of a dry run (`dry_run_not_correctable`)', content: errorContent },
          '410': uploadDeleted,
        },
      },
    },
    '/api/imports/{id}/cancel': { post: { summary: 'Cancel a queued or running import', parameters: [idParam], responses: { '200': jobResponse('The job'), ...errors(401, 404, 409) } } },
    '/api/users/export.csv': { get: { summary: 'All users as CSV (admin)', responses: { '200': csvResponse('UTF-8 with BOM'), ...errors(401, 403) } } },
    '/api/users/export.xlsx': { get: { summary: 'All users as an Excel workbook (admin)', description: 'The CSV export\'s columns and cells, formula guard included; every cell text (numFmt `@`), so IDs keep their zeros and never become numbers or dates; a bold frozen header row; streamed.', responses: { '200': { description: 'One worksheet', content: { 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': { schema: { type: 'string', format: 'binary' } } } }, ...errors(401, 403) } } },
    '/api/groups': {
      get: { summary: 'User groups', responses: { '200': { description: 'Groups', content: { 'application/json': { schema: { type: 'object', properties: { items: { type: 'array', items: { $ref: '#/components/schemas/Group' } } } } } } }, ...errors(401) } },
      post: {
        summary: 'Create a group (admin)',
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 100 } } } } } },
        responses: { '201': { description: 'Created', content: { 'application/json': { schema: { $ref: '#/components/schemas/Group' } } } }, ...errors(400, 401, 403, 409) },
      },
    },
    '/api/groups/{id}': { delete: { summary: 'Delete a group and take it off every user (admin)', parameters: [idParam], responses: { '204': { description: 'Deleted' }, ...errors(401, 403, 404) } } },
    '/api/custom-fields': {
      get: { summary: 'Custom field definitions, in export column order', responses: { '200': { description: 'Fields', content: { 'application/json': { schema: { type: 'object', properties: { items: { type: 'array', items: { $ref: '#/components/schemas/CustomField' } } } } } } }, ...errors(401) } },
      post: {
        summary: 'Define a custom field (admin)',
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/CustomField' } } } },
        responses: { '201': { description: 'Created', content: { 'application/json': { schema: { $ref: '#/components/schemas/CustomField' } } } }, ...errors(400, 401, 403, 409) },
      },
    },
    '/api/custom-fields/{key}': {
      delete: {
        summary: 'Delete a custom field and remove its value from every user (admin)',
        description:
          'The definition is deleted first, then the values, in batches; it can take a while in a large directory. A deletion cut short is finished by sending it again: a key with no definition but with values left on users is cleaned, not refused. Creating a field with that key is refused (409 `custom_field_values_left`) until then.',
        parameters: [{ name: 'key', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,49}$' } }],
        responses: {
          '200': {
            description: 'Deleted; `removedFromUsers` counts the users that held a value',
            content: { 'application/json': { schema: { type: 'object', required: ['key', 'removedFromUsers'], properties: { key: { type: 'string' }, removedFromUsers: { type: 'integer', minimum: 0 } } } } },
          },
          '400': { description: 'Not a custom field key. Code `invalid_custom_field_key`.', content: errorContent },
          ...errors(401, 403),
          '404': { description: 'No field and no value with this key. Code `not_found`.', content: errorContent },
          '409': { description: 'An import that has a column for this field has not ended (`details.importId`): wait for it or cancel it. Code `custom_field_in_use`.', content: errorContent },
        },
      },
    },
    '/api/me': {
      get: { summary: 'The role of the presented key', responses: { '200': { description: 'The role', content: { 'application/json': { schema: { type: 'object', properties: { role: { enum: ['admin', 'support'] } } } } } }, ...errors(401) } },
    },
    '/api/users/{user}/invite': {
      post: {
        summary: 'Re-send an invitation with a fresh link (admin)',
        description: 'The link of the earlier mail stops working when the new one is sent, and then answers 410 `invitation_superseded` ("a newer invitation was sent to this address").',
        parameters: [{ name: 'user', in: 'path', required: true, description: 'The user\'s id, username (any case) or e-mail address', schema: { type: 'string' } }],
        responses: {
          '202': { description: 'Queued', content: { 'application/json': { schema: { type: 'object', properties: { userId: { type: 'string' }, username: { type: 'string' }, email: { type: 'string' }, status: { const: 'queued' } } } } } },
          ...errors(401, 403),
          '404': { description: 'No user has that id, username or e-mail address (`not_found`)', content: errorContent },
          '409': { description: 'Several users have that e-mail address (`ambiguous_email`): name the user by username', content: errorContent },
        },
      },
    },
    '/api/queue-board/session': {
      post: { summary: 'A cookie that opens Bull Board at /admin/queues from a browser, for 8 hours (admin); the admin page takes one when it signs in', responses: { '204': { description: 'Set-Cookie: queue_board' }, ...errors(401, 403) } },
      delete: { summary: 'End the board session (signing out)', responses: { '204': { description: 'The cookie cleared' }, ...errors(401) } },
    },
    '/invite/{token}': {
      get: { security: [], summary: 'The invited user\'s page (HTML)', parameters: [{ name: 'token', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': { description: 'Password form' }, '404': { description: 'Unknown link' }, '410': { description: 'Used, expired, withdrawn or superseded link (a newer invitation was sent)' } } },
      post: {
        security: [],
        summary: 'Set the password (form field or JSON `password`)',
        parameters: [{ name: 'token', in: 'path', required: true, schema: { type: 'string' } }],
        requestBody: { content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', properties: { password: { type: 'string' } } } }, 'application/json': { schema: { type: 'object', properties: { password: { type: 'string' } } } } } },
        responses: { '200': { description: 'Password set' }, '400': { description: 'Weak password' }, '404': { description: 'Unknown link' }, '410': { description: 'Used, expired, withdrawn or superseded link' }, '429': { description: 'Too many attempts' } },
      },
    },
    '/healthz': { get: { security: [], summary: 'Liveness', responses: { '200': { description: 'Up' } } } },
    '/readyz': { get: { security: [], summary: 'Readiness: MongoDB and Redis reachable', responses: { '200': { description: 'Ready' }, '503': { description: 'A dependency is down' } } } },
    '/metrics': { get: { security: [], summary: 'Prometheus metrics', responses: { '200': { description: 'Text exposition format' } } } },
  },
  components: {
    securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'A key from API_KEYS' } },
    responses: {
      Error: {
        description: 'An error that says what to do',
        content: errorContent,
      },
    },
    schemas: openapiSchemas,
  },
} as const;
