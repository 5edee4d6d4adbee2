/**
 * The messages of TensorBoard's event files, in this project's words, by TensorBoard's published
 * field numbers (tensorflow/core/util/event.proto, framework/summary.proto, tensor.proto,
 * tensor_shape.proto; tensorboard/plugins/hparams/plugin_data.proto; google/protobuf/struct.proto).
 * Only the fields the plotter reads or writes: every other field is skipped on reading. The wire
 * encoding is @bufbuild/protobuf's (conformance-tested). docs/tensorboard.md.
 */
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import type { Histogram } from '../metrics/histogram';

/** One event: a file's version line, or a summary of values at a step. */
export interface TbEvent {
  /** Seconds since the epoch. */
  wallTime: number;
  step: number;
  /** The first event of a file: "brain.Event:2". */
  fileVersion?: string;
  /** The values summarised at this step. */
  values: TbValue[];
}

/** One tagged value of a summary. */
export interface TbValue {
  tag: string;
  /** The plugin that wrote it ("scalars", "images", "histograms", "hparams", …), from its metadata. */
  plugin?: string;
  /** The plugin's own data, from its metadata (hparams: an HParamsPluginData). */
  pluginContent?: Uint8Array;
  /** An old-style scalar (TF1, PyTorch, tensorboardX). */
  simpleValue?: number;
  image?: TbImage;
  histogram?: TbHistogram;
  tensor?: TbTensor;
}

export interface TbImage {
  width: number;
  height: number;
  /** PNG, JPEG or GIF bytes. */
  encoded: Uint8Array;
}

/**
 * TensorBoard's histogram (HistogramProto): `counts[i]` values in (limits[i-1], limits[i]]; the
 * plotter's histogram (metrics/histogram.ts) less the non-finite values it has no place for.
 */
export type TbHistogram = Omit<Histogram, 'nonFinite'>;

/** TensorFlow's data types, as far as the plotter reads them. */
export const DT = { FLOAT: 1, DOUBLE: 2, INT32: 3, STRING: 7, INT64: 9, BOOL: 10, HALF: 19 } as const;

export interface TbTensor {
  dtype: number;
  shape: number[];
  /** Row-major raw bytes (little-endian), when the writer packed them so. */
  content?: Uint8Array;
  floats: number[];
  doubles: number[];
  ints: number[];
  int64s: number[];
  strings: Uint8Array[];
  /** float16 values, each as its 16 bits. */
  halves: number[];
}

// ---- reading ------------------------------------------------------------------------------------

/**
 * The fields of a message up to `end`: `read(field, wireType)` takes the fields it knows and
 * returns false for the others, which are skipped.
 */
function readFields(reader: BinaryReader, end: number, read: (field: number, wire: WireType) => boolean): void {
  while (reader.pos < end) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    const wire = (tag & 7) as WireType;
    if (!read(field, wire)) reader.skip(wire, field);
  }
}

/** The fields of one message: `read(field, wireType)` takes the fields it knows and returns false for the others, which are skipped. */
function readMessage(bytes: Uint8Array, read: (reader: BinaryReader, field: number, wire: WireType) => boolean): void {
  const reader = new BinaryReader(bytes);
  readFields(reader, reader.len, (field, wire) => read(reader, field, wire));
}

/** A nested message's fields, read in place by the reader of the message that holds it. */
function readNested(reader: BinaryReader, read: (field: number, wire: WireType) => boolean): void {
  const end = reader.uint32() + reader.pos;
  readFields(reader, end, read);
}

/** A repeated number field, packed or not. */
function readRepeated(reader: BinaryReader, wire: WireType, one: () => number, into: number[]): void {
  if (wire !== WireType.LengthDelimited) {
    into.push(one());
    return;
  }
  const end = reader.uint32() + reader.pos;
  while (reader.pos < end) into.push(one());
}

/**
 * One Event. Its Summary and each Value are read in place by the event's one reader (the hot path
 * of a scalar log: a reader and a copy of the bytes per nested message cost about half the time).
 */
export function decodeEvent(bytes: Uint8Array): TbEvent {
  const event: TbEvent = { wallTime: 0, step: 0, values: [] };
  const r = new BinaryReader(bytes);
  readFields(r, r.len, field => {
    if (field === 1) event.wallTime = r.double();
    else if (field === 2) event.step = Number(r.int64());
    else if (field === 3) event.fileVersion = r.string();
    else if (field === 5) readNested(r, f => f === 1 && (event.values.push(decodeValue(r)), true));
    else return false;
    return true;
  });
  return event;
}

/** A Value, read in place by `r` (at its length). */
function decodeValue(r: BinaryReader): TbValue {
  const value: TbValue = { tag: '' };
  readNested(r, field => {
    if (field === 1) value.tag = r.string();
    else if (field === 2) value.simpleValue = r.float();
    else if (field === 4) value.image = decodeImage(r.bytes());
    else if (field === 5) value.histogram = decodeHistogram(r.bytes());
    else if (field === 8) value.tensor = decodeTensor(r.bytes());
    else if (field === 9) {
      readMessage(r.bytes(), (m, f) => {
        if (f !== 1) return false; // plugin_data
        readMessage(m.bytes(), (p, g) => {
          if (g === 1) value.plugin = p.string();
          else if (g === 2) value.pluginContent = p.bytes();
          else return false;
          return true;
        });
        return true;
      });
    } else return false;
    return true;
  });
  return value;
}

function decodeImage(bytes: Uint8Array): TbImage {
  const image: TbImage = { width: 0, height: 0, encoded: new Uint8Array(0) };
  readMessage(bytes, (r, field) => {
    if (field === 1) image.height = r.int32();
    else if (field === 2) image.width = r.int32();
    else if (field === 4) image.encoded = r.bytes();
    else return false;
    return true;
  });
  return image;
}

function decodeHistogram(bytes: Uint8Array): TbHistogram {
  const h: TbHistogram = { min: 0, max: 0, num: 0, sum: 0, sumSquares: 0, limits: [], counts: [] };
  readMessage(bytes, (r, field, wire) => {
    if (field === 1) h.min = r.double();
    else if (field === 2) h.max = r.double();
    else if (field === 3) h.num = r.double();
    else if (field === 4) h.sum = r.double();
    else if (field === 5) h.sumSquares = r.double();
    else if (field === 6) readRepeated(r, wire, () => r.double(), h.limits);
    else if (field === 7) readRepeated(r, wire, () => r.double(), h.counts);
    else return false;
    return true;
  });
  return h;
}

function decodeTensor(bytes: Uint8Array): TbTensor {
  const t: TbTensor = { dtype: 0, shape: [], floats: [], doubles: [], ints: [], int64s: [], strings: [], halves: [] };
  readMessage(bytes, (r, field, wire) => {
    if (field === 1) t.dtype = r.int32();
    else if (field === 2) {
      readMessage(r.bytes(), (s, f) => {
        if (f !== 2) return false; // dim
        readMessage(s.bytes(), (d, g) => g === 1 && (t.shape.push(Number(d.int64())), true));
        return true;
      });
    } else if (field === 4) t.content = r.bytes();
    else if (field === 5) readRepeated(r, wire, () => r.float(), t.floats);
    else if (field === 6) readRepeated(r, wire, () => r.double(), t.doubles);
    else if (field === 7) readRepeated(r, wire, () => r.int32(), t.ints);
    else if (field === 8) t.strings.push(r.bytes());
    else if (field === 10) readRepeated(r, wire, () => Number(r.int64()), t.int64s);
    else if (field === 13) readRepeated(r, wire, () => r.int32(), t.halves);
    else return false;
    return true;
  });
  return t;
}

/** A float16's 16 bits as a number. */
function fromHalf(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** A tensor's values as numbers, row-major; null for a type that is not numeric. */
export function tensorNumbers(t: TbTensor): number[] | null {
  const c = t.content;
  if (c && c.length) {
    const view = new DataView(c.buffer, c.byteOffset, c.byteLength);
    const read = (size: number, at: (offset: number) => number): number[] =>
      Array.from({ length: Math.floor(c.length / size) }, (_, i) => at(i * size));
    switch (t.dtype) {
      case DT.FLOAT:
        return read(4, o => view.getFloat32(o, true));
      case DT.DOUBLE:
        return read(8, o => view.getFloat64(o, true));
      case DT.INT32:
        return read(4, o => view.getInt32(o, true));
      case DT.INT64:
        return read(8, o => Number(view.getBigInt64(o, true)));
      case DT.HALF:
        return read(2, o => fromHalf(view.getUint16(o, true)));
      case DT.BOOL:
        return read(1, o => view.getUint8(o));
      default:
        return null;
    }
  }
  switch (t.dtype) {
    case DT.FLOAT:
      return t.floats;
    case DT.DOUBLE:
      return t.doubles;
    case DT.INT32:
    case DT.BOOL:
      return t.ints;
    case DT.INT64:
      return t.int64s;
    case DT.HALF:
      return t.halves.map(fromHalf);
    default:
      return null;
  }
}

/** A run's hyperparameters as the hparams plugin's session start info holds them. */
export type HParams = Record<string, number | string | boolean>;

/** The hparams of an HParamsPluginData that is a session start info; null for its other kinds. */
export function decodeSessionStartHParams(content: Uint8Array): HParams | null {
  let hparams: HParams | null = null;
  readMessage(content, (r, field) => {
    if (field !== 3) return false; // session_start_info
    hparams = {};
    const into = hparams;
    readMessage(r.bytes(), (s, f) => {
      if (f !== 1) return false; // the hparams map's entries
      let key = '';
      let value: number | string | boolean | undefined;
      readMessage(s.bytes(), (e, g) => {
        if (g === 1) key = e.string();
        else if (g === 2) {
          readMessage(e.bytes(), (v, h) => {
            if (h === 2) value = v.double();
            else if (h === 3) value = v.string();
            else if (h === 4) value = v.bool();
            else return false;
            return true;
          });
        } else return false;
        return true;
      });
      if (value !== undefined) into[key] = value;
      return true;
    });
    return true;
  });
  return hparams;
}

// ---- writing ------------------------------------------------------------------------------------

/** The value of a summary to write. */
export type TbValueToWrite =
  | { tag: string; simpleValue: number }
  | { tag: string; image: TbImage }
  | { tag: string; histogram: TbHistogram }
  | { tag: string; plugin: string; pluginContent: Uint8Array; tensor: 'null' };

export function encodeEvent(event: {
  wallTime: number;
  step: number;
  fileVersion?: string;
  values?: TbValueToWrite[];
}): Uint8Array {
  const w = new BinaryWriter();
  w.tag(1, WireType.Bit64).double(event.wallTime);
  if (event.step) w.tag(2, WireType.Varint).int64(event.step);
  if (event.fileVersion !== undefined) w.tag(3, WireType.LengthDelimited).string(event.fileVersion);
  if (event.values) {
    w.tag(5, WireType.LengthDelimited).fork();
    for (const value of event.values) {
      w.tag(1, WireType.LengthDelimited).fork();
      w.tag(1, WireType.LengthDelimited).string(value.tag);
      if ('simpleValue' in value) w.tag(2, WireType.Bit32).float(value.simpleValue);
      else if ('image' in value) {
        const { width, height, encoded } = value.image;
        w.tag(4, WireType.LengthDelimited).fork();
        w.tag(1, WireType.Varint).int32(height).tag(2, WireType.Varint).int32(width);
        w.tag(3, WireType.Varint).int32(4); // colorspace: RGBA
        w.tag(4, WireType.LengthDelimited).bytes(encoded);
        w.join();
      } else if ('histogram' in value) {
        const h = value.histogram;
        w.tag(5, WireType.LengthDelimited).fork();
        w.tag(1, WireType.Bit64).double(h.min).tag(2, WireType.Bit64).double(h.max).tag(3, WireType.Bit64).double(h.num);
        w.tag(4, WireType.Bit64).double(h.sum).tag(5, WireType.Bit64).double(h.sumSquares);
        w.tag(6, WireType.LengthDelimited).fork();
        for (const limit of h.limits) w.double(limit);
        w.join();
        w.tag(7, WireType.LengthDelimited).fork();
        for (const count of h.counts) w.double(count);
        w.join().join();
      } else {
        // A plugin's summary: its data in the metadata, and a null tensor as its value (as TensorBoard writes them).
        w.tag(8, WireType.LengthDelimited).fork();
        w.tag(1, WireType.Varint).int32(DT.FLOAT);
        w.tag(2, WireType.LengthDelimited).fork().join();
        w.tag(5, WireType.LengthDelimited).fork().float(0).join();
        w.join();
        w.tag(9, WireType.LengthDelimited).fork();
        w.tag(1, WireType.LengthDelimited).fork();
        w.tag(1, WireType.LengthDelimited).string(value.plugin);
        w.tag(2, WireType.LengthDelimited).bytes(value.pluginContent);
        w.join().join();
      }
      w.join();
    }
    w.join();
  }
  return w.finish();
}

/** An HParamsPluginData holding a session start info: a run's hyperparameters, its group and start time. */
export function encodeSessionStartInfo(hparams: HParams, group: string, startTimeSecs: number): Uint8Array {
  const w = new BinaryWriter();
  w.tag(1, WireType.Varint).int32(0); // the plugin data's version
  w.tag(3, WireType.LengthDelimited).fork();
  for (const [key, value] of Object.entries(hparams)) {
    w.tag(1, WireType.LengthDelimited).fork();
    w.tag(1, WireType.LengthDelimited).string(key);
    w.tag(2, WireType.LengthDelimited).fork();
    if (typeof value === 'number') w.tag(2, WireType.Bit64).double(value);
    else if (typeof value === 'string') w.tag(3, WireType.LengthDelimited).string(value);
    else w.tag(4, WireType.Varint).bool(value);
    w.join().join();
  }
  if (group) w.tag(4, WireType.LengthDelimited).string(group);
  w.tag(5, WireType.Bit64).double(startTimeSecs);
  w.join();
  return w.finish();
}

/** The tags and plugin name the hparams plugin uses. */
export const HPARAMS = { plugin: 'hparams', sessionStartTag: '_hparams_/session_start_info' } as const;
