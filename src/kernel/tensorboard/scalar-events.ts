/**
 * The hot path of reading a log: an Event whose values are all old-style scalars (`simple_value`,
 * what PyTorch's and tensorboardX's `add_scalar` write), decoded by hand from the record's bytes in
 * place, its tags decoded once per name. A scalar log is millions of these, and the library's
 * decoder (messages.ts) spent most of the time in a reader, a view and a string per event
 * (docs/tensorboard.md, "Reading speed"). Anything else in an event (images, histograms, tensors,
 * a varint past 2^53) sends the whole event to messages.ts, unread here.
 */

/** A scalar as read: `wallTime` in seconds since the epoch. */
export type ScalarSink = (tag: string, step: number, value: number, wallTime: number) => void;

/** Tag names, each decoded from its bytes once: a log repeats a few tags millions of times. */
export class TagNames {
  private readonly byHash = new Map<number, Array<{ bytes: Uint8Array; name: string }>>();

  name(buf: Buffer, start: number, end: number): string {
    let hash = 0x811c9dc5; // FNV-1a
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ buf[i], 0x01000193);
    let names = this.byHash.get(hash);
    if (names) {
      for (const known of names) if (sameBytes(known.bytes, buf, start, end)) return known.name;
    } else this.byHash.set(hash, (names = []));
    const name = buf.toString('utf8', start, end);
    names.push({ bytes: Uint8Array.from(buf.subarray(start, end)), name });
    return name;
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

/** Where the varint read last ended; -1 when it was not one this path reads (past 2^53, or cut short). */
let at = 0;

/** A varint at `pos` below 2^53 (a step, a length, a key); sets `at` past it. */
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
  for (let i = 0; i < n; i++) each(tagStarts[i] < 0 ? '' : tags.name(buf, tagStarts[i], tagEnds[i]), step, values[i], wallTime);
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
