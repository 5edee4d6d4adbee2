/** One event file read whole: its events, and how many records were skipped as corrupt. */
import * as fs from 'fs';
import { decodeEvent, type TbEvent } from './messages';
import { readRecords } from './records';

export interface EventFileRead {
  events: TbEvent[];
  /** Records whose CRC did not hold: skipped. */
  corrupt: number;
  /** Bytes at the end that are not a complete record yet (a writer is still appending). */
  pendingBytes: number;
}

export function readEventFile(file: string): EventFileRead {
  const bytes = fs.readFileSync(file);
  const { records, consumed, corrupt } = readRecords(bytes);
  return { events: records.map(decodeEvent), corrupt, pendingBytes: bytes.length - consumed };
}
