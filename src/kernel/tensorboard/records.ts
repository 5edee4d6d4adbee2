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

/** TensorFlow's masked CRC32C: a CRC stored in the data it covers is not a CRC of that data again. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const crc = crc32c(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
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
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Buffer[] = [];
  let at = 0;
  let corrupt = 0;
  while (buf.length - at >= HEADER_BYTES) {
    const header = buf.subarray(at, at + 8);
    const lengthOk = buf.readUInt32LE(at + 8) === maskedCrc32c(header);
    const length = Number(buf.readBigUInt64LE(at));
    if (!lengthOk || length > MAX_RECORD_BYTES) {
      // A length that does not hold cannot tell where the next record starts: nothing after it is
      // read. On shared storage a header can read as zeros for a moment: the caller reads again later.
      return { records, consumed: at, corrupt, unframeable: true };
    }
    const end = at + HEADER_BYTES + length + FOOTER_BYTES;
    if (end > buf.length) break; // still being written
    const data = buf.subarray(at + HEADER_BYTES, at + HEADER_BYTES + length);
    if (buf.readUInt32LE(at + HEADER_BYTES + length) === maskedCrc32c(data)) records.push(data);
    else corrupt++;
    at = end;
  }
  return { records, consumed: at, corrupt, unframeable: false };
}
