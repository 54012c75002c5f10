/**
 * Run-length encoding of per-chip masks for the database (event_detections.mask). Masks are mostly long
 * runs of one value (unchanged land, a flood's interior), so a 256 × 256 chip of 64 KiB usually takes a few
 * hundred bytes. Layout: the format byte 1, then width and height as unsigned LEB128 varints, then runs of
 * (value byte, run length − 1 as a varint), row by row from the northern row, west to east.
 */
import { InputError } from '../errors.ts';

/** The format byte of this layout. */
const FORMAT = 1;

/** A decoded mask. */
export interface DecodedMask {
  /** Pixels per row. */
  width: number;
  /** Rows. */
  height: number;
  /** width × height values, row 0 north. */
  values: Uint8Array;
}

function pushVarint(out: number[], n: number): void {
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

/** Encodes a width × height mask. */
export function encodeMask(values: Uint8Array, width: number, height: number): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new InputError(`mask size ${width} × ${height} is not two positive integers`);
  }
  if (values.length !== width * height) {
    throw new InputError(`mask of ${values.length} values is not ${width} × ${height}`);
  }
  const out: number[] = [FORMAT];
  pushVarint(out, width);
  pushVarint(out, height);
  let i = 0;
  while (i < values.length) {
    const v = values[i]!;
    let j = i + 1;
    while (j < values.length && values[j] === v) j++;
    out.push(v);
    pushVarint(out, j - i - 1);
    i = j;
  }
  return Uint8Array.from(out);
}

/** Decodes what encodeMask wrote; an InputError names what is wrong with bytes that it did not write. */
export function decodeMask(bytes: Uint8Array): DecodedMask {
  let at = 0;
  const varint = (what: string): number => {
    let n = 0;
    let scale = 1;
    for (;;) {
      const b = bytes[at++];
      if (b === undefined) throw new InputError(`mask of ${bytes.length} bytes ends inside its ${what}`);
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 128;
      if (scale > 2 ** 49) throw new InputError(`mask ${what} at byte ${at} is longer than a varint can be`);
    }
  };
  if (bytes[0] !== FORMAT) throw new InputError(`mask format byte ${bytes[0]} is not ${FORMAT}`);
  at = 1;
  const width = varint('width');
  const height = varint('height');
  if (width < 1 || height < 1) throw new InputError(`mask size ${width} × ${height} is empty`);
  const values = new Uint8Array(width * height);
  let o = 0;
  while (at < bytes.length) {
    const start = at;
    const v = bytes[at++]!;
    const n = varint('run length') + 1;
    if (o + n > values.length) {
      throw new InputError(`mask runs exceed its ${width} × ${height} pixels at byte ${start}`);
    }
    values.fill(v, o, o + n);
    o += n;
  }
  if (o !== values.length) {
    throw new InputError(`mask runs cover ${o} of its ${width} × ${height} pixels`);
  }
  return { width, height, values };
}
