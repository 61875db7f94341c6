import { BSON, type Document } from 'bson';

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_MSG = 2013;

const HEADER_SIZE = 16;
const MSG_CHECKSUM_PRESENT = 1 << 0;
const MSG_MORE_TO_COME = 1 << 1;

/**
 * int64 values stay `Long` here so that the store can remember which fields were int64 (see
 * bsonValues.ts); everything else is promoted to plain JS values that mingo understands.
 */
const DESERIALIZE_OPTIONS = { promoteLongs: false, promoteValues: true, promoteBuffers: false } as const;
const SERIALIZE_OPTIONS = { ignoreUndefined: true } as const;

export interface WireMessage {
  requestId: number;
  opCode: number;
  /** The whole message, header included. */
  raw: Buffer;
}

/** Cuts a TCP byte stream into whole wire messages; TCP chunk boundaries are arbitrary. */
export class MessageFramer {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): WireMessage[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const messages: WireMessage[] = [];
    while (this.pending.length >= 4) {
      const length = this.pending.readInt32LE(0);
      if (length < HEADER_SIZE) throw new Error(`invalid wire message length ${length}`);
      if (this.pending.length < length) break;
      const raw = this.pending.subarray(0, length);
      messages.push({ requestId: raw.readInt32LE(4), opCode: raw.readInt32LE(12), raw });
      this.pending = this.pending.subarray(length);
    }
    return messages;
  }
}

export interface ParsedOpMsg {
  moreToCome: boolean;
  /** The kind-0 body with every kind-1 document sequence attached under its identifier. */
  command: Document;
}

export function parseOpMsg(raw: Buffer): ParsedOpMsg {
  const flags = raw.readUInt32LE(HEADER_SIZE);
  const end = flags & MSG_CHECKSUM_PRESENT ? raw.length - 4 : raw.length;
  let offset = HEADER_SIZE + 4;
  let body: Document | undefined;
  const sequences: Array<[string, Document[]]> = [];
  while (offset < end) {
    const kind = raw[offset];
    offset += 1;
    if (kind === 0) {
      const size = raw.readInt32LE(offset);
      body = BSON.deserialize(raw.subarray(offset, offset + size), DESERIALIZE_OPTIONS);
      offset += size;
    } else if (kind === 1) {
      const size = raw.readInt32LE(offset);
      const sectionEnd = offset + size;
      const nameEnd = raw.indexOf(0, offset + 4);
      const identifier = raw.toString('utf8', offset + 4, nameEnd);
      const documents: Document[] = [];
      for (let cursor = nameEnd + 1; cursor < sectionEnd; ) {
        const docSize = raw.readInt32LE(cursor);
        documents.push(BSON.deserialize(raw.subarray(cursor, cursor + docSize), DESERIALIZE_OPTIONS));
        cursor += docSize;
      }
      sequences.push([identifier, documents]);
      offset = sectionEnd;
    } else {
      throw new Error(`unknown OP_MSG section kind ${kind}`);
    }
  }
  if (!body) throw new Error('OP_MSG without a body section');
  for (const [identifier, documents] of sequences) body[identifier] = documents;
  return { moreToCome: (flags & MSG_MORE_TO_COME) !== 0, command: body };
}

export interface ParsedOpQuery {
  fullCollectionName: string;
  query: Document;
}

export function parseOpQuery(raw: Buffer): ParsedOpQuery {
  let offset = HEADER_SIZE + 4;
  const nameEnd = raw.indexOf(0, offset);
  const fullCollectionName = raw.toString('utf8', offset, nameEnd);
  offset = nameEnd + 1 + 8; // numberToSkip, numberToReturn
  const size = raw.readInt32LE(offset);
  const query = BSON.deserialize(raw.subarray(offset, offset + size), DESERIALIZE_OPTIONS);
  return { fullCollectionName, query };
}

let nextRequestId = 1;

function header(length: number, responseTo: number, opCode: number): Buffer {
  const buffer = Buffer.alloc(HEADER_SIZE);
  buffer.writeInt32LE(length, 0);
  buffer.writeInt32LE(nextRequestId++ & 0x7fffffff, 4);
  buffer.writeInt32LE(responseTo, 8);
  buffer.writeInt32LE(opCode, 12);
  return buffer;
}

export function encodeOpMsg(responseTo: number, reply: Document): Buffer {
  const body = BSON.serialize(reply, SERIALIZE_OPTIONS);
  const prefix = Buffer.alloc(5); // flagBits = 0, section kind 0
  return Buffer.concat([header(HEADER_SIZE + 5 + body.length, responseTo, OP_MSG), prefix, body]);
}

export function encodeOpReply(responseTo: number, reply: Document): Buffer {
  const body = BSON.serialize(reply, SERIALIZE_OPTIONS);
  const fields = Buffer.alloc(20); // responseFlags, cursorID (int64), startingFrom, numberReturned
  fields.writeInt32LE(1, 16);
  return Buffer.concat([header(HEADER_SIZE + 20 + body.length, responseTo, OP_REPLY), fields, body]);
}
