/**
 * The statuses of an import, in the order an import goes through them. The one list: the job
 * model, the API's contract, recovery and the tests read it here, and a test checks that the
 * admin page (plain browser JavaScript, api/public/js/dom.js) has a label for each.
 */
export const IMPORT_STATUSES = ['queued', 'validating', 'running', 'completed', 'completed_with_errors', 'failed', 'cancelled'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

/** An import in one of these has ended: nothing will change its rows or counts again. */
export const FINAL_STATUSES: readonly ImportStatus[] = ['completed', 'completed_with_errors', 'failed', 'cancelled'];

export function isFinalStatus(status: string): boolean {
  return (FINAL_STATUSES as readonly string[]).includes(status);
}
