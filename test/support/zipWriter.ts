import zlib from 'node:zlib';
import yauzl from 'yauzl';

/**
 * A zip writer small enough to read at a glance. jszip or exceljs would refuse to write what
 * some tests need (sizes that lie, a part deflated elsewhere); this writes whatever it is given.
 */
export interface RawZipEntry {
  name: string;
  method: 'stored' | 'deflated';
  /** The bytes as stored in the zip (already deflated when method is 'deflated'). */
  storedData: Buffer;
  crc32: number;
  /** What the local header and central directory claim the entry inflates to. */
  declaredSize: number;
}

// A fixed date keeps the bytes of a built file the same from run to run: 2024-01-01 00:00.
const DOS_TIME = 0;
const DOS_DATE = ((2024 - 1980) << 9) | (1 << 5) | 1;

export function zipFromRawEntries(entries: RawZipEntry[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const method = entry.method === 'deflated' ? 8 : 0;
    // Fields shared by the local header (from its offset 4) and the central record (from its offset 6).
    const common = Buffer.alloc(26);
    common.writeUInt16LE(20, 0); // version needed: 2.0, plain deflate
    common.writeUInt16LE(0x0800, 2); // names are UTF-8
    common.writeUInt16LE(method, 4);
    common.writeUInt16LE(DOS_TIME, 6);
    common.writeUInt16LE(DOS_DATE, 8);
    common.writeUInt32LE(entry.crc32 >>> 0, 10);
    common.writeUInt32LE(entry.storedData.length, 14);
    common.writeUInt32LE(entry.declaredSize, 18);
    common.writeUInt16LE(name.length, 22);
    common.writeUInt16LE(0, 24); // extra field length

    const local = Buffer.alloc(4);
    local.writeUInt32LE(0x04034b50, 0);
    parts.push(local, common, name, entry.storedData);

    const record = Buffer.alloc(46);
    record.writeUInt32LE(0x02014b50, 0);
    record.writeUInt16LE(20, 4); // made by: MS-DOS, 2.0
    common.copy(record, 6);
    // comment length, disk number, internal and external attributes stay 0
    record.writeUInt32LE(offset, 42);
    central.push(record, name);

    offset += 30 + name.length + entry.storedData.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, directory, end]);
}

/** A zip of the given parts, each deflated unless `stored` names it (as ODF requires of `mimetype`). */
export function zipArchive(files: Iterable<[string, Buffer | string]>, stored: string[] = []): Buffer {
  return zipFromRawEntries(
    [...files].map(([name, content]) => {
      const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
      const deflate = !stored.includes(name);
      return {
        name,
        method: deflate ? 'deflated' : 'stored',
        storedData: deflate ? zlib.deflateRawSync(data) : data,
        crc32: zlib.crc32(data),
        declaredSize: data.length,
      };
    }),
  );
}

/** Every file of a zip (directory entries left out), in the zip's order. Only for small zips. */
export async function readZipEntries(buffer: Buffer): Promise<Map<string, Buffer>> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(buffer, { lazyEntries: true }, (error, opened) => (error ? reject(error) : resolve(opened))),
  );
  const files = new Map<string, Buffer>();
  try {
    for (;;) {
      const entry = await new Promise<yauzl.Entry | undefined>((resolve, reject) => {
        zip.once('entry', resolve).once('end', () => resolve(undefined)).once('error', reject);
        zip.readEntry();
      });
      zip.removeAllListeners('entry').removeAllListeners('end').removeAllListeners('error');
      if (!entry) return files;
      if (entry.fileName.endsWith('/')) continue;
      const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
        zip.openReadStream(entry, (error, opened) => (error ? reject(error) : resolve(opened))),
      );
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      files.set(entry.fileName, Buffer.concat(chunks));
    }
  } finally {
    zip.close();
  }
}
