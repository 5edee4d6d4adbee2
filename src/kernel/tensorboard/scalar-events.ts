/**
 * The hot path of a scalar log, both ways. Reading: an Event whose values are all old-style scalars
 * (`simple_value`, what PyTorch's and tensorboardX's `add_scalar` write), decoded by hand from the
 * record's bytes in place, its tags decoded once per name; anything else in an event (images,
 * histograms, tensors, a negative step) sends the whole event to messages.ts, unread here.
 * Writing: an event of one scalar, encoded by hand. A scalar log is millions of these, and the
 * library (messages.ts) spent most of the time in a reader, a view and a string per event, or a
 * writer's fork and join (docs/tensorboard.md, "Reading speed").
 */
import { RECORD_DATA_AT, framed, framedLength } from './records';

/** A scalar as read: its tag's id in the reader's TagNames, `wallTime` in seconds since the epoch. */
export type ScalarSink = (tag: number, step: number, value: number, wallTime: number) => void;

/** Tag names, each decoded from its bytes once and numbered: a log repeats a few tags millions of times. */
export class TagNames {
  private readonly byHash = new Map<number, Array<{ bytes: Uint8Array; id: number }>>();
  private readonly byName = new Map<string, number>();
  private readonly names: string[] = [];

  /** The id of the tag whose UTF-8 is `buf[start, end)`. */
  id(buf: Buffer, start: number, end: number): number {
    let hash = 0x811c9dc5; // FNV-1a
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ buf[i], 0x01000193);
    let known = this.byHash.get(hash);
    if (known) {
      for (const k of known) if (sameBytes(k.bytes, buf, start, end)) return k.id;
    } else this.byHash.set(hash, (known = []));
    const id = this.idOf(buf.toString('utf8', start, end));
    known.push({ bytes: Uint8Array.from(buf.subarray(start, end)), id });
    return id;
  }

  /** The id of a tag by its name. */
  idOf(name: string): number {
    let id = this.byName.get(name);
    if (id === undefined) {
      this.byName.set(name, (id = this.names.length));
      this.names.push(name);
    }
    return id;
  }

  name(id: number): string {
    return this.names[id];
  }

  get size(): number {
    return this.names.length;
  }
}

/** `a` holds the bytes of `buf[start, end)` (by hand: a view to compare with costs more than a short tag's loop). */
function sameBytes(a: Uint8Array, buf: Buffer, start: number, end: number): boolean {
  if (a.length !== end - start) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== buf[start + i]) return false;
  return true;
}

// The wire format's field keys (field number << 3 | wire type) this path knows.
const EVENT_WALL_TIME = 0x09; // 1, fixed64 double
const EVENT_STEP = 0x10; // 2, varint
const EVENT_SUMMARY = 0x2a; // 5, length-delimited
const SUMMARY_VALUE = 0x0a; // 1, length-delimited
const VALUE_TAG = 0x0a; // 1, string
const VALUE_SIMPLE = 0x15; // 2, fixed32 float
const VALUE_NODE_NAME = 0x3a; // 7, string (skipped)
const VALUE_METADATA = 0x4a; // 9, length-delimited (skipped: a simple value is a scalar whatever its plugin)

/** Where the varint read last ended; -1 when it was not one this path reads (over 8 bytes: negative; or cut short). */
let at = 0;

/** A varint at `pos` of at most 8 bytes (a step, a length, a key); sets `at` past it. */
function varint(buf: Buffer, pos: number, end: number): number {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 8 && pos < end; i++) {
    const byte = buf[pos++];
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      at = pos;
      return value;
    }
    scale *= 128;
  }
  at = -1;
  return 0;
}

/** Past a field of wire type `wire` whose value starts at `pos`; -1 for a wire type not skipped here. */
function skip(buf: Buffer, wire: number, pos: number, end: number): number {
  switch (wire) {
    case 0:
      varint(buf, pos, end);
      return at;
    case 1:
      return pos + 8;
    case 2: {
      const length = varint(buf, pos, end);
      return at < 0 ? -1 : at + length;
    }
    case 5:
      return pos + 4;
    default:
      return -1;
  }
}

/** The scalars of the event being read, held until every value of it is known to be one (a scalar log has one value an event). */
const MAX_VALUES = 64;
const tagStarts = new Int32Array(MAX_VALUES);
const tagEnds = new Int32Array(MAX_VALUES);
const values = new Float64Array(MAX_VALUES);

/** Reads the Value at `[pos, end)` into slot `n` if it is a scalar this path reads; false for any other value. */
function scalarValue(buf: Buffer, pos: number, end: number, n: number): boolean {
  let tagStart = -1;
  let tagEnd = -1;
  let simple = false;
  while (pos < end) {
    const key = varint(buf, pos, end);
    if (at < 0) return false;
    pos = at;
    if (key === VALUE_SIMPLE) {
      if (pos + 4 > end) return false;
      simple = true;
      values[n] = buf.readFloatLE(pos);
      pos += 4;
    } else if (key === VALUE_TAG || key === VALUE_METADATA || key === VALUE_NODE_NAME) {
      const length = varint(buf, pos, end);
      if (at < 0) return false;
      if (key === VALUE_TAG) {
        tagStart = at;
        tagEnd = at + length;
      }
      pos = at + length;
    } else return false;
  }
  if (!simple || pos !== end) return false;
  tagStarts[n] = tagStart;
  tagEnds[n] = tagEnd;
  return true;
}

/**
 * Reads the Event at `buf[start, end)` if it holds nothing but old-style scalars (or no values at
 * all: a file's version line), giving each to `each`. Returns false, having given nothing, for any
 * other event: the caller decodes it in full.
 */
export function readScalarEvent(buf: Buffer, start: number, end: number, tags: TagNames, each: ScalarSink): boolean {
  let wallTime = 0;
  let step = 0;
  let summaryStart = -1;
  let summaryEnd = -1;
  let pos = start;
  while (pos < end) {
    const key = varint(buf, pos, end);
    if (at < 0) return false;
    pos = at;
    if (key === EVENT_WALL_TIME) {
      if (pos + 8 > end) return false;
      wallTime = buf.readDoubleLE(pos);
      pos += 8;
    } else if (key === EVENT_STEP) {
      step = varint(buf, pos, end);
      if (at < 0) return false;
      pos = at;
    } else if (key === EVENT_SUMMARY) {
      const length = varint(buf, pos, end);
      if (at < 0 || summaryStart >= 0) return false;
      summaryStart = at;
      summaryEnd = pos = at + length;
    } else {
      pos = skip(buf, key & 7, pos, end);
      if (pos < 0) return false;
    }
  }
  if (pos !== end || summaryEnd > end) return false;
  if (summaryStart < 0) return true;
  const n = summaryValues(buf, summaryStart, summaryEnd);
  if (n < 0) return false;
  for (let i = 0; i < n; i++)
    each(tagStarts[i] < 0 ? tags.idOf('') : tags.id(buf, tagStarts[i], tagEnds[i]), step, values[i], wallTime);
  return true;
}

/** Reads the Summary's values at `[pos, end)` into the slots; their number, or -1 at the first this path does not read. */
function summaryValues(buf: Buffer, pos: number, end: number): number {
  let n = 0;
  while (pos < end) {
    const key = varint(buf, pos, end);
    if (at < 0) return -1;
    if (key !== SUMMARY_VALUE) {
      pos = skip(buf, key & 7, at, end);
      if (pos < 0) return -1;
      continue;
    }
    const length = varint(buf, at, end);
    const valueStart = at;
    if (at < 0 || valueStart + length > end || n === MAX_VALUES) return -1;
    if (!scalarValue(buf, valueStart, valueStart + length, n++)) return -1;
    pos = valueStart + length;
  }
  return pos === end ? n : -1;
}

// ---- writing ------------------------------------------------------------------------------------

function varintLength(n: number): number {
  let length = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    length++;
  }
  return length;
}

function writeVarint(out: Buffer, pos: number, n: number): number {
  while (n >= 128) {
    out[pos++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  out[pos++] = n;
  return pos;
}

/**
 * The framed record of an Event holding one old-style scalar, encoded by hand: the bytes
 * messages.ts's encodeEvent and records.ts's frameRecord give, without a writer's fork and join or
 * a copy (the writer's hot path). `tag` is the tag's UTF-8. Null for a step this path does not
 * write (negative, fractional, past 2^53): the caller encodes that event in full.
 */
export function scalarEventRecord(wallTime: number, step: number, tag: Uint8Array, value: number): Buffer | null {
  if (!Number.isSafeInteger(step) || step < 0) return null;
  const valueLength = 1 + varintLength(tag.length) + tag.length + 5;
  const summaryLength = 1 + varintLength(valueLength) + valueLength;
  const eventLength = 9 + (step ? 1 + varintLength(step) : 0) + 1 + varintLength(summaryLength) + summaryLength;
  const out = Buffer.allocUnsafe(framedLength(eventLength));
  let pos = RECORD_DATA_AT;
  out[pos++] = EVENT_WALL_TIME;
  out.writeDoubleLE(wallTime, pos);
  pos += 8;
  if (step) {
    out[pos++] = EVENT_STEP;
    pos = writeVarint(out, pos, step);
  }
  out[pos++] = EVENT_SUMMARY;
  pos = writeVarint(out, pos, summaryLength);
  out[pos++] = SUMMARY_VALUE;
  pos = writeVarint(out, pos, valueLength);
  out[pos++] = VALUE_TAG;
  pos = writeVarint(out, pos, tag.length);
  out.set(tag, pos);
  pos += tag.length;
  out[pos++] = VALUE_SIMPLE;
  out.writeFloatLE(value, pos);
  return framed(out);
}
