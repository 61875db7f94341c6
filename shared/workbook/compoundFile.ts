import type { WorkbookBytes } from './workbookBytes';

/**
 * What an OLE compound file holds, told by the names of its streams: Excel writes an old .xls as
 * a `Workbook` (BIFF8) or `Book` (BIFF5) stream, and a password-protected .xlsx as an
 * `EncryptedPackage` with its `EncryptionInfo` (MS-OFFCRYPTO). Anything else (a Word .doc, an
 * Outlook .msg) is neither.
 */
export type CompoundFileKind = 'encrypted_workbook' | 'old_workbook' | 'other';

/** The directory of a workbook has a dozen entries; a few sectors are more than enough to find the names. */
const MAX_DIRECTORY_SECTORS = 32;
const END_OF_CHAIN = 0xfffffffe;
const HEADER_BYTES = 512;
/** The header lists the first 109 FAT sectors, which map the first 109 × 128 sectors: where the directory is. */
const HEADER_FAT_SECTORS = 109;

export async function compoundFileKind(bytes: WorkbookBytes): Promise<CompoundFileKind> {
  const names = await directoryNames(bytes);
  if (names.has('EncryptedPackage') || names.has('EncryptionInfo')) return 'encrypted_workbook';
  if (names.has('Workbook') || names.has('Book')) return 'old_workbook';
  return 'other';
}

/** The stream and storage names in the directory (MS-CFB 2.6), following its sector chain. */
async function directoryNames(bytes: WorkbookBytes): Promise<Set<string>> {
  const header = await readRange(bytes, 0, HEADER_BYTES);
  const names = new Set<string>();
  if (header.length < HEADER_BYTES) return names;
  const sectorSize = 2 ** header.readUInt16LE(0x1e);
  if (sectorSize !== 512 && sectorSize !== 4096) return names;
  const sectorOffset = (sector: number) => (sector + 1) * sectorSize;
  const fatSectors = Array.from({ length: HEADER_FAT_SECTORS }, (_unused, index) => header.readUInt32LE(0x4c + index * 4));
  const nextSector = async (sector: number): Promise<number> => {
    const perSector = sectorSize / 4;
    const fatSector = fatSectors[Math.floor(sector / perSector)];
    if (fatSector === undefined || fatSector >= END_OF_CHAIN) return END_OF_CHAIN;
    const at = sectorOffset(fatSector) + (sector % perSector) * 4;
    const entry = await readRange(bytes, at, at + 4);
    return entry.length === 4 ? entry.readUInt32LE(0) : END_OF_CHAIN;
  };

  let sector = header.readUInt32LE(0x30);
  for (let read = 0; read < MAX_DIRECTORY_SECTORS && sector < END_OF_CHAIN; read += 1) {
    const directory = await readRange(bytes, sectorOffset(sector), sectorOffset(sector) + sectorSize);
    for (let at = 0; at + 128 <= directory.length; at += 128) {
      const nameBytes = directory.readUInt16LE(at + 0x40);
      if (nameBytes >= 2 && nameBytes <= 64) names.add(directory.subarray(at, at + nameBytes - 2).toString('utf16le'));
    }
    sector = await nextSector(sector);
  }
  return names;
}

async function readRange(bytes: WorkbookBytes, start: number, end: number): Promise<Buffer> {
  if (start >= bytes.size) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of bytes.openRange(start, Math.min(end, bytes.size))) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
