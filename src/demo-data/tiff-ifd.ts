/**
 * Encoding of one classic (32-bit offset), little-endian TIFF image file directory: the entries, then the
 * values too long to sit inline, word-aligned. The caller decides where the directory goes and what
 * comes after it.
 */

/** TIFF field types used here, with their byte sizes. */
export const FieldType = { ASCII: 2, SHORT: 3, LONG: 4, DOUBLE: 12 } as const;
export type FieldType = (typeof FieldType)[keyof typeof FieldType];

const FIELD_SIZE: Record<FieldType, number> = { 2: 1, 3: 2, 4: 4, 12: 8 };

/** One directory entry. */
export interface IfdEntry {
  /** Tag code (e.g. 256 ImageWidth). */
  tag: number;
  /** Field type of the values. */
  type: FieldType;
  /** The values; for ASCII, one string (a terminating NUL is added). */
  values: readonly number[] | string;
}

/** Tag codes of the baseline, tiling, GeoTIFF and GDAL tags written by the COG writer. */
export const Tag = {
  NewSubfileType: 254,
  ImageWidth: 256,
  ImageLength: 257,
  BitsPerSample: 258,
  Compression: 259,
  PhotometricInterpretation: 262,
  SamplesPerPixel: 277,
  PlanarConfiguration: 284,
  Predictor: 317,
  TileWidth: 322,
  TileLength: 323,
  TileOffsets: 324,
  TileByteCounts: 325,
  SampleFormat: 339,
  ModelPixelScale: 33550,
  ModelTiepoint: 33922,
  GeoKeyDirectory: 34735,
  GdalNoData: 42113,
} as const;

function count(entry: IfdEntry): number {
  return typeof entry.values === 'string' ? entry.values.length + 1 : entry.values.length;
}

function valueBytes(entry: IfdEntry): number {
  return count(entry) * FIELD_SIZE[entry.type];
}

function aligned(n: number): number {
  return n + (n % 2);
}

/** Bytes that `encodeIfd` will produce for these entries (entry table plus out-of-line values). */
export function ifdByteLength(entries: readonly IfdEntry[]): number {
  let n = 2 + entries.length * 12 + 4;
  for (const e of entries) {
    const b = valueBytes(e);
    if (b > 4) n += aligned(b);
  }
  return n;
}

function writeValues(view: DataView, at: number, entry: IfdEntry): void {
  if (typeof entry.values === 'string') {
    for (let i = 0; i < entry.values.length; i++) view.setUint8(at + i, entry.values.charCodeAt(i) & 0x7f);
    view.setUint8(at + entry.values.length, 0);
    return;
  }
  const size = FIELD_SIZE[entry.type];
  entry.values.forEach((v, i) => {
    const p = at + i * size;
    if (entry.type === FieldType.SHORT) view.setUint16(p, v, true);
    else if (entry.type === FieldType.LONG) view.setUint32(p, v, true);
    else if (entry.type === FieldType.DOUBLE) view.setFloat64(p, v, true);
    else view.setUint8(p, v);
  });
}

/**
 * Encodes a directory that will sit at byte `offset` of the file, whose next-directory pointer is
 * `nextIfd` (0 for the last). Entries are sorted by tag, as TIFF requires.
 */
export function encodeIfd(entries: readonly IfdEntry[], offset: number, nextIfd: number): Uint8Array {
  const sorted = [...entries].sort((a, b) => a.tag - b.tag);
  const bytes = new Uint8Array(ifdByteLength(sorted));
  const view = new DataView(bytes.buffer);
  view.setUint16(0, sorted.length, true);
  let extra = 2 + sorted.length * 12 + 4;
  sorted.forEach((e, i) => {
    const p = 2 + i * 12;
    view.setUint16(p, e.tag, true);
    view.setUint16(p + 2, e.type, true);
    view.setUint32(p + 4, count(e), true);
    const b = valueBytes(e);
    if (b <= 4) {
      writeValues(view, p + 8, e);
    } else {
      view.setUint32(p + 8, offset + extra, true);
      writeValues(view, extra, e);
      extra += aligned(b);
    }
  });
  view.setUint32(2 + sorted.length * 12, nextIfd, true);
  return bytes;
}
