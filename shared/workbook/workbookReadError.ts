import { AppError } from '../platform/appError';

/** A workbook that cannot be read: the admin is told which part and to save it again in Excel. */
export class WorkbookReadError extends AppError {
  override name = 'WorkbookReadError';
  constructor(message: string) {
    super('unprocessable', 'unreadable_workbook', message);
  }
}

/** `what` names the part in the admin's words, e.g. 'The sheet xl/worksheets/sheet1.xml'. */
export function damagedPart(what: string, problem: string): WorkbookReadError {
  return new WorkbookReadError(`${what} of this workbook is damaged: ${problem} Open it in Excel, save it again, and upload that file.`);
}
