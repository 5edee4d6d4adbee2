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
 * about 100 bytes on).
 */
const SMALL_CRC_BYTES = 64;
const CRC32C_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c;
  }
  return table;
})();

function smallCrc32c(bytes: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < bytes.length; i++) c = CRC32C_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** TensorFlow's masked CRC32C: a CRC stored in the data it covers is not a CRC of that data again. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const crc =
    bytes.length < SMALL_CRC_BYTES
      ? smallCrc32c(bytes)
      : crc32c(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}

/** One record, framed. */
export function frameRecord(data: Uint8Array): Buffer {
  const out = Buffer.alloc(HEADER_BYTES + data.length + FOOTER_BYTES);
  out.writeBigUInt64LE(BigInt(data.length), 0);
  out.writeUInt32LE(maskedCrc32c(out.subarray(0, 8)), 8);
  out.set(data, HEADER_BYTES);
  out.writeUInt32LE(maskedCrc32c(data), HEADER_BYTES + data.length);
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

/** Reads the complete records at the start of `bytes`; a record cut short at its end waits. */
export function readRecords(bytes: Uint8Array): RecordsRead {
  const records: Buffer[] = [];
  return { records, ...eachRecord(bytes, data => records.push(data)) };
}

/**
 * Gives `each` the data of every complete record at the start of `bytes` whose CRCs hold, as a
 * view into `bytes` (valid while the call lasts, none kept: a file's records are never all held).
 */
export function eachRecord(bytes: Uint8Array, each: (data: Buffer) => void): Omit<RecordsRead, 'records'> {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  let corrupt = 0;
  while (buf.length - at >= HEADER_BYTES) {
    const header = buf.subarray(at, at + 8);
    const lengthOk = buf.readUInt32LE(at + 8) === maskedCrc32c(header);
    const length = Number(buf.readBigUInt64LE(at));
    if (!lengthOk || length > MAX_RECORD_BYTES) {
      // A length that does not hold cannot tell where the next record starts: nothing after it is
      // read. On shared storage a header can read as zeros for a moment: the caller reads again later.
      return { consumed: at, corrupt, unframeable: true };
    }
    const end = at + HEADER_BYTES + length + FOOTER_BYTES;
    if (end > buf.length) break; // still being written
    const data = buf.subarray(at + HEADER_BYTES, at + HEADER_BYTES + length);
    if (buf.readUInt32LE(at + HEADER_BYTES + length) === maskedCrc32c(data)) each(data);
    else corrupt++;
    at = end;
  }
  return { consumed: at, corrupt, unframeable: false };
}
