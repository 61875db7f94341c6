import path from 'node:path/posix';
import { AppError } from '../platform/appError';
import { DOOR_CHECK_MESSAGES } from '../rules/doorCheckMessages';
import type { WorkbookArchive } from './workbookArchive';
import { damagedPart } from './workbookReadError';
import { localName, partParser } from './workbookXml';

export interface WorksheetRef {
  name: string;
  /** The sheet's part in the zip, e.g. `xl/worksheets/sheet1.xml`. */
  part: string;
}

/** What is needed to read a workbook's sheets, from its small XML parts. */
export interface WorkbookLayout {
  /** Visible worksheets in the order Excel shows their tabs (chart sheets and hidden sheets left out). */
  sheets: WorksheetRef[];
  sharedStringsPart: string | undefined;
  stylesPart: string | undefined;
  /** Dates count from 1904 (Excel for Mac before 2011) instead of 1900. */
  date1904: boolean;
}

const OFFICE_DOCUMENT = /\/officeDocument$/;
const WORKSHEET = /\/worksheet$/;
const SHARED_STRINGS = /\/sharedStrings$/;
const STYLES = /\/styles$/;

/**
 * Finds the workbook part the way Excel does (the package's relationships, not a fixed name),
 * refuses what is not an .xlsx workbook (an OpenDocument file, a macro-enabled .xlsm), and
 * lists its sheets with their parts.
 */
export async function readWorkbookLayout(archive: WorkbookArchive): Promise<WorkbookLayout> {
  if (archive.hasEncryptedParts()) throw new AppError('unsupported_media_type', 'encrypted_workbook', DOOR_CHECK_MESSAGES.encryptedWorkbook);
  if (!archive.has('_rels/.rels')) throw notAWorkbook();
  const packageRels = await relationships(archive, '_rels/.rels', '');
  const workbookPart = packageRels.find((rel) => OFFICE_DOCUMENT.test(rel.type))?.target;
  if (!workbookPart || !archive.has(workbookPart) || !/\.xml$/i.test(workbookPart)) throw notAWorkbook();
  if (await isMacroEnabled(archive, workbookPart)) {
    throw new AppError('unsupported_media_type', 'macro_workbook', DOOR_CHECK_MESSAGES.macroWorkbook);
  }

  const base = path.dirname(workbookPart);
  const relsPart = path.join(base, '_rels', `${path.basename(workbookPart)}.rels`);
  const rels = archive.has(relsPart) ? await relationships(archive, relsPart, base) : [];
  const targets = new Map(rels.map((rel) => [rel.id, rel]));
  const sheets: WorksheetRef[] = [];
  let date1904 = false;
  for (const element of await elements(archive, workbookPart, ['sheet', 'workbookPr'])) {
    if (element.name === 'workbookPr') {
      date1904 = ['1', 'true'].includes(element.attributes.date1904 ?? '');
      continue;
    }
    const rel = targets.get(element.attributes['r:id'] ?? attributeEndingWith(element.attributes, ':id') ?? '');
    const hidden = element.attributes.state === 'hidden' || element.attributes.state === 'veryHidden';
    if (!rel || !WORKSHEET.test(rel.type) || hidden) continue;
    if (!archive.has(rel.target)) throw damagedPart(`The sheet "${element.attributes.name ?? ''}"`, `its part ${rel.target} is missing.`);
    // A sheet listed twice is one sheet: reading it twice would only double the work.
    if (!sheets.some((sheet) => sheet.part.toLowerCase() === rel.target.toLowerCase())) sheets.push({ name: element.attributes.name ?? '', part: rel.target });
  }
  const partOf = (type: RegExp) => rels.find((rel) => type.test(rel.type) && archive.has(rel.target))?.target;
  return { sheets, sharedStringsPart: partOf(SHARED_STRINGS), stylesPart: partOf(STYLES), date1904 };
}

function notAWorkbook(): AppError {
  return new AppError('unsupported_media_type', 'not_a_workbook', DOOR_CHECK_MESSAGES.notWorkbook);
}

/** An .xlsm declares its workbook part with the macro-enabled content type and carries a VBA project. */
async function isMacroEnabled(archive: WorkbookArchive, workbookPart: string): Promise<boolean> {
  if (archive.partNames().some((name) => /(^|\/)vbaProject\.bin$/i.test(name))) return true;
  if (!archive.has('[Content_Types].xml')) return false;
  const types = await elements(archive, '[Content_Types].xml', ['Override']);
  const declared = types.find((type) => (type.attributes.PartName ?? '').replace(/^\//, '').toLowerCase() === workbookPart.toLowerCase());
  return /macroEnabled/i.test(declared?.attributes.ContentType ?? '');
}

interface Relationship {
  id: string;
  type: string;
  /** The part it points to, as a name in the zip. */
  target: string;
}

async function relationships(archive: WorkbookArchive, part: string, base: string): Promise<Relationship[]> {
  const found = await elements(archive, part, ['Relationship']);
  return found
    .filter((element) => element.attributes.TargetMode !== 'External')
    .map(({ attributes }) => {
      const target = attributes.Target ?? '';
      // Targets are relative to the part's folder, or absolute from the package root.
      const resolved = target.startsWith('/') ? target.slice(1) : path.normalize(path.join(base, target));
      return { id: attributes.Id ?? '', type: attributes.Type ?? '', target: resolved };
    });
}

interface XmlElement {
  name: string;
  attributes: Record<string, string>;
}

/** The elements of a small part with these local names, in document order. */
async function elements(archive: WorkbookArchive, part: string, names: string[]): Promise<XmlElement[]> {
  const wanted = new Set(names);
  const found: XmlElement[] = [];
  const { parser, write, end } = partParser(`The part ${part}`);
  parser.on('opentag', (tag) => {
    const name = localName(tag.name);
    if (wanted.has(name)) found.push({ name, attributes: { ...(tag.attributes as Record<string, string>) } });
  });
  for await (const chunk of archive.read(part)) write(chunk);
  end();
  return found;
}

function attributeEndingWith(attributes: Record<string, string>, suffix: string): string | undefined {
  const key = Object.keys(attributes).find((name) => name.endsWith(suffix));
  return key === undefined ? undefined : attributes[key];
}
