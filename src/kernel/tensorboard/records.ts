/**
 * TensorBoard's record framing (TFRecord), which every event file is a sequence of:
 *
 *   uint64 length (little-endian) · uint32 masked CRC32C of those 8 bytes · data · uint32 masked CRC32C of data
 *
 * A reader of a file that a job is still appending to sees its last record cut short: that record
 * is not corrupt, only not there yet, and is read once it is complete. A record whose CRC is wrong
 * is skipped and counted (TensorBoard's loaders do the same). docs/tensorboard.md.
 */
import { crc32c } from '@node-rs/crc32';

const HEADER_BYTES = 12;
const FOOTER_BYTES = 4;
/** A length past this is not a record (a file that is not an event file, or a header torn mid-write). */
const MAX_RECORD_BYTES = 1 << 30;

/**
 * Below this many bytes a table in JavaScript computes CRC32C faster than a call into
 * @node-rs/crc32 costs (a micro-benchmark on this VM, not `npm run bench`: 26 ns against 288 ns for
 * a record's 8-byte length, 112 against 274 for a 40-byte scalar event; the native one wins from
 * about 100 bytes on). The table is sliced by 8 (Intel's slicing-by-8: eight bytes a step).
 */
const SMALL_CRC_BYTES = 64;
const CRC32C_TABLES = (() => {
  const tables = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    tables[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    for (let t = 1; t < 8; t++) {
      const c = tables[(t - 1) * 256 + n];
      tables[t * 256 + n] = tables[c & 0xff] ^ (c >>> 8);
    }
  }
  return tables;
})();

function smallCrc32c(bytes: Uint8Array, start: number, end: number): number {
  const T = CRC32C_TABLES;
  let c = -1;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const lo = c ^ (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24));
    c =
      T[1792 + (lo & 0xff)] ^
      T[1536 + ((lo >>> 8) & 0xff)] ^
      T[1280 + ((lo >>> 16) & 0xff)] ^
      T[1024 + (lo >>> 24)] ^
      T[768 + bytes[i + 4]] ^
      T[512 + bytes[i + 5]] ^
      T[256 + bytes[i + 6]] ^
      T[bytes[i + 7]];
  }
  for (; i < end; i++) c = T[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** TensorFlow's masked CRC32C of `bytes[start, end)`: a CRC stored in the data it covers is not a CRC of that data again. */
function maskedCrc32cOf(bytes: Buffer, start: number, end: number): number {
  const crc = end - start < SMALL_CRC_BYTES ? smallCrc32c(bytes, start, end) : crc32c(bytes.subarray(start, end));
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** One record, framed. */
export function frameRecord(data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + data.length + FOOTER_BYTES);
  out.set(data, HEADER_BYTES);
  return framed(out);
}

/** Bytes a record of `length` bytes of data takes, framed. */
export function framedLength(length: number): number {
  return HEADER_BYTES + length + FOOTER_BYTES;
}

/** Where a record's data goes in the bytes that frame it. */
export const RECORD_DATA_AT = HEADER_BYTES;

/** Writes the frame around the data already at RECORD_DATA_AT of `out` (sized by framedLength). */
export function framed(out: Buffer): Buffer {
  const length = out.length - HEADER_BYTES - FOOTER_BYTES;
  out.writeUInt32LE(length % 2 ** 32, 0);
  out.writeUInt32LE(Math.floor(length / 2 ** 32), 4);
  out.writeUInt32LE(maskedCrc32cOf(out, 0, 8), 8);
  out.writeUInt32LE(maskedCrc32cOf(out, HEADER_BYTES, HEADER_BYTES + length), HEADER_BYTES + length);
  return out;
}

/** What reading a stretch of an event file found. */
export interface RecordsRead {
  /** The data of every complete record whose CRCs hold, in file order. */
  records: Buffer[];
  /** Bytes of the stretch that were read: the complete records, good and bad. The rest is a record still being written. */
  consumed: number;
  /** Records skipped because a CRC did not hold. */
  corrupt: number;
  /**
   * The stretch cannot be framed from `consumed` on: a length whose CRC does not hold (the file is
   * not an event file, its header is damaged, or storage shows it before its bytes). Nothing after
   * it is read.
   */
  unframeable: boolean;
}

/** A little-endian uint32 at `at` (Buffer's own reader checks its bounds, a cost per record here). */
function uint32(buf: Buffer, at: number): number {
  return (buf[at] | (buf[at + 1] << 8) | (buf[at + 2] << 16) | (buf[at + 3] << 24)) >>> 0;
}

/** Reads the complete records at the start of `bytes`; a record cut short at its end waits. */
export function readRecords(bytes: Uint8Array): RecordsRead {
  const records: Buffer[] = [];
  const buf = asBuffer(bytes);
  return { records, ...eachRecord(buf, (start, end) => records.push(buf.subarray(start, end))) };
}

/**
 * Gives `each` where the data of every complete record at the start of `buf` lies, when its CRCs
 * hold: `buf[start, end)`. Ranges rather than views: a view per record was a tenth of a scalar
 * log's reading time (docs/tensorboard.md, "Reading speed").
 */
export function eachRecord(buf: Buffer, each: (start: number, end: number) => void): Omit<RecordsRead, 'records'> {
  let at = 0;
  let corrupt = 0;
  while (buf.length - at >= HEADER_BYTES) {
    const lengthOk = uint32(buf, at + 8) === maskedCrc32cOf(buf, at, at + 8);
    const length = uint32(buf, at) + uint32(buf, at + 4) * 2 ** 32;
    if (!lengthOk || length > MAX_RECORD_BYTES) {
      // A length that does not hold cannot tell where the next record starts: nothing after it is
      // read. On shared storage a header can read as zeros for a moment: the caller reads again later.
      return { consumed: at, corrupt, unframeable: true };
    }
    const start = at + HEADER_BYTES;
    const end = start + length;
    if (end + FOOTER_BYTES > buf.length) break; // still being written
    if (uint32(buf, end) === maskedCrc32cOf(buf, start, end)) each(start, end);
    else corrupt++;
    at = end + FOOTER_BYTES;
  }
  return { consumed: at, corrupt, unframeable: false };
}
