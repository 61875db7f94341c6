import iconv from 'iconv-lite';
import { EncodingEvidence } from './encodingEvidence';

function decide(bytes: Buffer, pieceSize = bytes.length || 1): string {
  const evidence = new EncodingEvidence();
  for (let i = 0; i < bytes.length; i += pieceSize) evidence.observe(bytes.subarray(i, i + pieceSize));
  return evidence.decide();
}

const utf8 = (text: string) => Buffer.from(text, 'utf8');
const cp1252 = (text: string) => iconv.encode(text, 'windows-1252');

describe('deciding a file encoding from all of its bytes', () => {
  test.each([
    ['plain ASCII', utf8('Email\nann@example.com\n'), 'utf8'],
    ['UTF-8 accents', utf8('Email,First Name\nzoe@example.com,Zoë\n'), 'utf8'],
    ['Windows-1252 accents', cp1252('Email,First Name\nrene@example.com,René\n'), 'windows-1252'],
    ['Windows-1252 with its euro sign and curly quotes', cp1252('Email,Note\na@x.org,“5 €”\n'), 'windows-1252'],
    ['UTF-8 with one Windows-1252 row (stitched together): UTF-8, that row fails', Buffer.concat([utf8('a@x.org,Zoë\n'), cp1252('b@x.org,René\n')]), 'utf8'],
    ['a UTF-8 character cut off by the end of the file', utf8('a@x.org,Zo').subarray(0), 'utf8'],
    ['a lone lead byte at the end of the file', Buffer.concat([utf8('a@x.org,Zo'), Buffer.from([0xc3])]), 'windows-1252'],
    ['an overlong encoding is not UTF-8', Buffer.from([0x61, 0xc0, 0xaf, 0x0a]), 'windows-1252'],
    ['an encoded surrogate is not UTF-8', Buffer.from([0x61, 0xed, 0xa0, 0x80, 0x0a]), 'windows-1252'],
  ])('%s → %s', (_name, bytes, expected) => {
    expect(decide(bytes)).toBe(expected);
  });

  test('characters split across chunks are judged whole, at every split', () => {
    const bytes = utf8('Email,First Name\nzoe@example.com,Zoë 😀 Ångström\n');
    for (const pieceSize of [1, 2, 3, 5, 7]) expect(decide(bytes, pieceSize)).toBe('utf8');
  });
});
