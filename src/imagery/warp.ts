/**
 * Warping a raster window onto a target grid. Each target pixel centre is mapped into the source's pixel
 * space: exactly (affine) when the CRSs match, otherwise through proj4 at control points every 16 pixels
 * with bilinear interpolation in between (as GDAL's approximate transformer does; error far below a
 * pixel at chip sizes). The coarsest overview that is still at least as fine as the target is read.
 * Resampling: `nearest`, or `bilinear` on the four neighbours, falling back to nearest where one of them
 * is nodata or outside the raster. Categorical bands (SCL) are always read nearest.
 */
import { OutsideRasterError } from '../errors.ts';
import { sameCrs, transformer } from './crs.ts';
import type { Bbox, ImageValue } from './image.ts';
import type { BandScaling, RasterInfo } from './raster-reader.ts';

/** nearest or bilinear. */
export type Resampling = 'nearest' | 'bilinear';

/**
 * Samples of a window [x0, y0, x1, y1) of a level: sample (x, y), counted from the window's top-left
 * pixel, is `planes[k][offset + y * stride + x]` (stride x1 − x0 and offset 0 for a window of its own;
 * a window inside one stored tile is that tile, read in place).
 */
export interface LevelWindow {
  planes: ArrayLike<number>[];
  stride: number;
  offset: number;
}

/** One image level: its size and how to read a window of it (one plane per sample). */
export interface WarpLevel {
  width: number;
  height: number;
  read(
    window: [number, number, number, number],
    samples: number[],
    signal?: AbortSignal,
  ): Promise<LevelWindow>;
}

/** Inputs of warpWindow. */
export interface WarpParams {
  href: string;
  info: RasterInfo;
  levels: WarpLevel[];
  origin: [number, number];
  targetBbox: Bbox;
  /** CRS of targetBbox: `EPSG:<code>` or a proj4 string. */
  targetCrs: string;
  width: number;
  height: number;
  samples: number[];
  bandNames: string[];
  resampling: Resampling;
  signal?: AbortSignal;
}

const STEP = 16;
const SNAP = 1e-6;

/**
 * Source coordinates of the target pixel centres. When the CRSs match, u depends on the column only and
 * v on the row only (`separable`: u has `width` values, v `height`); otherwise one of each per pixel.
 */
interface SourceCoords {
  u: Float64Array;
  v: Float64Array;
  separable: boolean;
}

/** Reads and resamples the window of the source that covers the target grid. */
export async function warpWindow(p: WarpParams): Promise<ImageValue> {
  const { info, width, height } = p;
  const n = width * height;
  const { u, v, separable } = mapTargetToSource(p);

  const [umin, umax, vmin, vmax] = separable ? [...finiteRange(u), ...finiteRange(v)] : finiteBox(u, v);
  // Half a target pixel around the outermost centres is the window's true extent.
  const halfU = (umax - umin) / Math.max(1, width - 1) / 2;
  const halfV = (vmax - vmin) / Math.max(1, height - 1) / 2;
  if (!(umax + halfU > 0 && umin - halfU < info.width && vmax + halfV > 0 && vmin - halfV < info.height)) {
    throw new OutsideRasterError(
      `window [${p.targetBbox.join(', ')}] in ${p.targetCrs} lies outside raster ${p.href} (bounds [${info.bounds.join(', ')}] in ${info.crs})`,
    );
  }

  // Source pixels per target pixel decides the overview.
  const factor =
    Math.min((umax - umin) / Math.max(1, width - 1), (vmax - vmin) / Math.max(1, height - 1)) || 1;
  let level = p.levels[0]!;
  for (const l of p.levels) {
    const f = info.width / l.width;
    if (f <= factor * 1.001 && l.width < level.width) level = l;
  }
  const sx = level.width / info.width;
  const sy = level.height / info.height;
  if (sx !== 1 || sy !== 1) {
    for (let i = 0; i < u.length; i++) u[i] = u[i]! * sx;
    for (let i = 0; i < v.length; i++) v[i] = v[i]! * sy;
  }
  // Source pixels needed: nearest takes floor(u); bilinear the two around u − 0.5 (one when centres coincide).
  const x0 = clamp(Math.floor(umin * sx - 0.5 + SNAP), 0, level.width - 1);
  const y0 = clamp(Math.floor(vmin * sy - 0.5 + SNAP), 0, level.height - 1);
  const x1 = clamp(Math.ceil(umax * sx - 0.5 - SNAP) + 1, x0 + 1, level.width);
  const y1 = clamp(Math.ceil(vmax * sy - 0.5 - SNAP) + 1, y0 + 1, level.height);
  const { planes: raw, stride, offset } = await level.read([x0, y0, x1, y1], p.samples, p.signal);

  const mask = new Uint8Array(n).fill(1);
  const data: Float32Array[] = p.samples.map(() => new Float32Array(n));
  const scalings = p.samples.map((s) => info.scaling[s]!);
  const win: Window = {
    x0,
    y0,
    ww: x1 - x0,
    wh: y1 - y0,
    lw: level.width,
    lh: level.height,
    stride,
    offset,
  };
  const bilinear = p.resampling === 'bilinear';
  if (separable) {
    const cols = axisSamples(u, x0, win.ww, level.width, 1, 0);
    const rows = axisSamples(v, y0, win.wh, level.height, stride, offset);
    for (let b = 0; b < raw.length; b++) {
      resampleSeparable(
        raw[b]!,
        data[b]!,
        mask,
        cols,
        rows,
        bilinear && scalings[b]!.kind !== 'class',
        scalings[b]!,
        raw.length === 1,
      );
    }
  } else {
    resampleGeneral(raw, data, mask, u, v, win, bilinear, scalings);
  }
  // A single band is already 0 wherever it is invalid.
  if (data.length > 1) {
    for (let i = 0; i < n; i++) {
      if (mask[i] === 0) for (const plane of data) plane[i] = 0;
    }
  }
  const display = scalings.some((s) => s.kind === 'display');
  return {
    width,
    height,
    bands: [...p.bandNames],
    data,
    mask,
    crs: p.targetCrs,
    bounds: [...p.targetBbox] as Bbox,
    scale: display ? 'display' : 'reflectance',
  };
}

/** The window read from the chosen level: origin, size, the level's size, and where its samples lie (LevelWindow). */
interface Window {
  x0: number;
  y0: number;
  ww: number;
  wh: number;
  lw: number;
  lh: number;
  stride: number;
  offset: number;
}

/** Smallest and largest u and v over the pixels where both are finite. */
function finiteBox(u: Float64Array, v: Float64Array): [number, number, number, number] {
  let umin = Infinity;
  let umax = -Infinity;
  let vmin = Infinity;
  let vmax = -Infinity;
  for (let i = 0; i < u.length; i++) {
    const a = u[i]!;
    const b = v[i]!;
    if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
    if (a < umin) umin = a;
    if (a > umax) umax = a;
    if (b < vmin) vmin = b;
    if (b > vmax) vmax = b;
  }
  return [umin, umax, vmin, vmax];
}

/** Smallest and largest finite value. */
function finiteRange(a: Float64Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    if (!Number.isFinite(x)) continue;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return [lo, hi];
}

/**
 * Per target column (or row) of a separable mapping: whether the centre lies inside the level and the
 * window (`inside`), the nearest source offset (`near`, times `stride`, plus `start`), the bilinear base
 * offset (`base`, times stride, plus start), its weight `t`, the neighbour step (`step`: 0 or stride)
 * and whether the bilinear pair lies inside the window (`pairInside`). The same arithmetic as the
 * per-pixel path.
 */
interface AxisSamples {
  inside: Uint8Array;
  near: Int32Array;
  base: Int32Array;
  t: Float64Array;
  step: Int32Array;
  pairInside: Uint8Array;
}

function axisSamples(
  c: Float64Array,
  origin: number,
  size: number,
  levelSize: number,
  stride: number,
  start: number,
): AxisSamples {
  const m = c.length;
  // One buffer for the six arrays (8-byte values first, then 4-byte, then bytes): a warp makes two of
  // these per chip, and fewer buffers are less for the collector to track.
  const buf = new ArrayBuffer(m * (8 + 3 * 4 + 2));
  const out: AxisSamples = {
    t: new Float64Array(buf, 0, m),
    near: new Int32Array(buf, 8 * m, m),
    base: new Int32Array(buf, 12 * m, m),
    step: new Int32Array(buf, 16 * m, m),
    inside: new Uint8Array(buf, 20 * m, m),
    pairInside: new Uint8Array(buf, 21 * m, m),
  };
  for (let i = 0; i < m; i++) {
    const cc = c[i]!;
    const nearest = Math.floor(cc) - origin;
    out.inside[i] = cc >= 0 && cc < levelSize && nearest >= 0 && nearest < size ? 1 : 0;
    out.near[i] = nearest * stride + start;
    let f = cc - 0.5 - origin;
    const r = Math.round(f);
    if (Math.abs(f - r) < SNAP) f = r;
    const b = Math.floor(f);
    const t = f - b;
    out.t[i] = t;
    out.base[i] = b * stride + start;
    out.step[i] = t === 0 ? 0 : stride;
    out.pairInside[i] = b >= 0 && b + (t === 0 ? 0 : 1) < size ? 1 : 0;
  }
  return out;
}

/**
 * One band over a separable mapping; marks nodata pixels invalid. `ownMask`: the mask holds this band
 * alone (a single-band read, all 1 before), so a row read nearest from the same source row as the row
 * above is a copy of it (a 20 m band read nearest onto a 10 m grid reads each source row twice).
 */
function resampleSeparable(
  plane: ArrayLike<number>,
  out: Float32Array,
  mask: Uint8Array,
  cols: AxisSamples,
  rows: AxisSamples,
  bilinear: boolean,
  s: BandScaling,
  ownMask: boolean,
): void {
  const width = cols.inside.length;
  const height = rows.inside.length;
  // NaN never equals a value, so `val === nd` is false without nodata.
  const nd = s.nodata ?? NaN;
  const { scale, offset } = s;
  let allInside = true;
  let contiguous = true;
  let noStep = true;
  for (let i = 0; i < width; i++) {
    if (cols.inside[i] === 0) allInside = false;
    if (cols.near[i] !== cols.near[0]! + i) contiguous = false;
    if (cols.step[i] !== 0) noStep = false;
  }
  // Every column inside with a horizontal pair inside the window: bilinear rows can be computed in
  // two passes (HorizontalPairs).
  let pairsEverywhere = bilinear && allInside;
  for (let i = 0; i < width && pairsEverywhere; i++)
    if (cols.step[i] === 0 || cols.pairInside[i] === 0) pairsEverywhere = false;
  const pairs = pairsEverywhere ? new HorizontalPairs(plane, cols, nd) : null;
  // Source offset of the previous row when it was read nearest into a mask of its own, else -1.
  let copyable = -1;
  for (let j = 0; j < height; j++) {
    const row = j * width;
    if (rows.inside[j] === 0) {
      mask.fill(0, row, row + width);
      copyable = -1;
      continue;
    }
    const nearRow = rows.near[j]!;
    const dyk = rows.step[j]!;
    if (!(bilinear && rows.pairInside[j] === 1) || (dyk === 0 && noStep)) {
      // Nearest for the whole row (also where the bilinear pairs coincide with the centres).
      if (nearRow === copyable) {
        out.copyWithin(row, row - width, row);
        mask.copyWithin(row, row - width, row);
        continue;
      }
      copyable = ownMask ? nearRow : -1;
      if (allInside && contiguous) {
        const src = nearRow + cols.near[0]!;
        for (let i = 0; i < width; i++) {
          const val = plane[src + i]!;
          if (val !== val || val === nd) {
            mask[row + i] = 0;
            out[row + i] = 0;
          } else out[row + i] = val * scale + offset;
        }
        continue;
      }
      for (let i = 0; i < width; i++) {
        const k = row + i;
        if (cols.inside[i] === 0) {
          mask[k] = 0;
          continue;
        }
        const val = plane[nearRow + cols.near[i]!]!;
        if (val !== val || val === nd) {
          mask[k] = 0;
          out[k] = 0;
        } else out[k] = val * scale + offset;
      }
      continue;
    }
    copyable = -1;
    const baseRow = rows.base[j]!;
    const ty = rows.t[j]!;
    if (pairs && dyk !== 0) {
      const upper = pairs.row(baseRow);
      const lower = pairs.row(baseRow + dyk);
      if (upper.clean && lower.clean) {
        // Neither source row holds NaN or nodata: the horizontal pairs of both rows, then between
        // them; the same products and sums in the same order as the per-pixel formula below.
        const h0 = upper.value;
        const h1 = lower.value;
        const ty0 = 1 - ty;
        for (let i = 0; i < width; i++) {
          const val = h0[i]! * ty0 + h1[i]! * ty;
          if (val !== val || val === nd) {
            mask[row + i] = 0;
            out[row + i] = 0;
          } else out[row + i] = val * scale + offset;
        }
        continue;
      }
    }
    for (let i = 0; i < width; i++) {
      const k = row + i;
      if (cols.inside[i] === 0) {
        mask[k] = 0;
        continue;
      }
      let val: number;
      const dxk = cols.step[i]!;
      if ((dxk !== 0 || dyk !== 0) && cols.pairInside[i] === 1) {
        const k00 = baseRow + cols.base[i]!;
        const tx = cols.t[i]!;
        const a00 = plane[k00]!;
        const a10 = plane[k00 + dxk]!;
        const a01 = plane[k00 + dyk]!;
        const a11 = plane[k00 + dyk + dxk]!;
        if (
          a00 !== a00 ||
          a10 !== a10 ||
          a01 !== a01 ||
          a11 !== a11 ||
          a00 === nd ||
          a10 === nd ||
          a01 === nd ||
          a11 === nd
        ) {
          val = plane[nearRow + cols.near[i]!]!;
        } else {
          val = (a00 * (1 - tx) + a10 * tx) * (1 - ty) + (a01 * (1 - tx) + a11 * tx) * ty;
        }
      } else {
        val = plane[nearRow + cols.near[i]!]!;
      }
      if (val !== val || val === nd) {
        mask[k] = 0;
        out[k] = 0;
      } else out[k] = val * scale + offset;
    }
  }
}

/** The horizontal half of bilinear sampling along one source row. */
interface PairRow {
  /** Source offset of the row, or -1 for an empty slot. */
  key: number;
  /** a00·(1 − tx) + a10·tx per target column. */
  value: Float64Array;
  /** Whether no pair of the row holds NaN or nodata. */
  clean: boolean;
}

/**
 * Horizontal pairs of source rows for a mapping where every column has its pair inside the window, the
 * two most recently used rows kept: target rows run down the source rows, so each source row is
 * computed once, not once for every target row that samples it.
 */
class HorizontalPairs {
  /** slots[0] is the most recently used. */
  private readonly slots: [PairRow, PairRow];

  constructor(
    private readonly plane: ArrayLike<number>,
    private readonly cols: AxisSamples,
    private readonly nd: number,
  ) {
    const width = cols.inside.length;
    const slot = (): PairRow => ({ key: -1, value: new Float64Array(width), clean: false });
    this.slots = [slot(), slot()];
  }

  /** The pairs of the source row that starts at `offset`. */
  row(offset: number): PairRow {
    const [recent, older] = this.slots;
    if (recent.key === offset) return recent;
    this.slots[0] = older;
    this.slots[1] = recent;
    if (older.key === offset) return older;
    const { plane, cols, nd } = this;
    const value = older.value;
    let clean = true;
    for (let i = 0; i < value.length; i++) {
      const k00 = offset + cols.base[i]!;
      const tx = cols.t[i]!;
      const a00 = plane[k00]!;
      const a10 = plane[k00 + cols.step[i]!]!;
      if (a00 !== a00 || a10 !== a10 || a00 === nd || a10 === nd) clean = false;
      value[i] = a00 * (1 - tx) + a10 * tx;
    }
    older.key = offset;
    older.clean = clean;
    return older;
  }
}

/** All bands over a per-pixel mapping (reprojection); marks nodata pixels invalid. */
function resampleGeneral(
  raw: ArrayLike<number>[],
  data: Float32Array[],
  mask: Uint8Array,
  u: Float64Array,
  v: Float64Array,
  win: Window,
  bilinearWanted: boolean,
  scalings: BandScaling[],
): void {
  const { x0, y0, ww, wh, stride, offset } = win;
  const nodatas = scalings.map((s) => s.nodata);
  const isNodata = (b: number, val: number): boolean =>
    Number.isNaN(val) || (nodatas[b] !== null && val === nodatas[b]);
  const n = u.length;
  for (let i = 0; i < n; i++) {
    const uu = u[i]!;
    const vv = v[i]!;
    if (!(uu >= 0 && uu < win.lw && vv >= 0 && vv < win.lh)) {
      mask[i] = 0;
      continue;
    }
    const nx = Math.floor(uu) - x0;
    const ny = Math.floor(vv) - y0;
    if (nx < 0 || ny < 0 || nx >= ww || ny >= wh) {
      mask[i] = 0;
      continue;
    }
    let useBilinear = bilinearWanted;
    let k00 = 0;
    let dxk = 0;
    let dyk = 0;
    let tx = 0;
    let ty = 0;
    if (useBilinear) {
      let fx = uu - 0.5 - x0;
      let fy = vv - 0.5 - y0;
      const rx = Math.round(fx);
      const ry = Math.round(fy);
      if (Math.abs(fx - rx) < SNAP) fx = rx;
      if (Math.abs(fy - ry) < SNAP) fy = ry;
      const bx = Math.floor(fx);
      const by = Math.floor(fy);
      tx = fx - bx;
      ty = fy - by;
      // A neighbour is only needed along an axis with a fractional offset.
      dxk = tx === 0 ? 0 : 1;
      dyk = ty === 0 ? 0 : stride;
      if (dxk === 0 && dyk === 0) useBilinear = false;
      else if (bx < 0 || by < 0 || bx + (dxk ? 1 : 0) >= ww || by + (dyk ? 1 : 0) >= wh) useBilinear = false;
      k00 = offset + by * stride + bx;
    }
    for (let b = 0; b < raw.length; b++) {
      const plane = raw[b]!;
      const s = scalings[b]!;
      let val: number;
      if (useBilinear && s.kind !== 'class') {
        const a00 = plane[k00]!;
        const a10 = plane[k00 + dxk]!;
        const a01 = plane[k00 + dyk]!;
        const a11 = plane[k00 + dyk + dxk]!;
        if (isNodata(b, a00) || isNodata(b, a10) || isNodata(b, a01) || isNodata(b, a11)) {
          val = plane[offset + ny * stride + nx]!;
        } else {
          val = (a00 * (1 - tx) + a10 * tx) * (1 - ty) + (a01 * (1 - tx) + a11 * tx) * ty;
        }
      } else {
        val = plane[offset + ny * stride + nx]!;
      }
      if (isNodata(b, val)) {
        mask[i] = 0;
        data[b]![i] = 0;
      } else data[b]![i] = val * s.scale + s.offset;
    }
  }
}

/** The full-resolution source pixel coordinates of the target pixel centres. */
function mapTargetToSource(p: WarpParams): SourceCoords {
  const { width, height, info, origin } = p;
  const [bx0, by0, bx1, by1] = p.targetBbox;
  const dx = (bx1 - bx0) / width;
  const dy = (by1 - by0) / height;
  const [rx, ry] = info.resolution;
  const [ox, oy] = origin;
  if (sameCrs(p.targetCrs, info.crs)) {
    const u = new Float64Array(width);
    const v = new Float64Array(height);
    for (let i = 0; i < width; i++) u[i] = (bx0 + (i + 0.5) * dx - ox) / rx;
    for (let j = 0; j < height; j++) v[j] = (oy - (by1 - (j + 0.5) * dy)) / ry;
    return { u, v, separable: true };
  }
  const u = new Float64Array(width * height);
  const v = new Float64Array(width * height);
  const t = transformer(p.targetCrs, info.crs);
  const nodesX = Math.ceil((width - 1) / STEP) + 1;
  const nodesY = Math.ceil((height - 1) / STEP) + 1;
  const nodeI = (k: number): number => Math.min(k * STEP, width - 1);
  const nodeJ = (k: number): number => Math.min(k * STEP, height - 1);
  const nu = new Float64Array(nodesX * nodesY);
  const nv = new Float64Array(nodesX * nodesY);
  for (let b = 0; b < nodesY; b++) {
    for (let a = 0; a < nodesX; a++) {
      const [sxw, syw] = t(bx0 + (nodeI(a) + 0.5) * dx, by1 - (nodeJ(b) + 0.5) * dy);
      nu[b * nodesX + a] = (sxw - ox) / rx;
      nv[b * nodesX + a] = (oy - syw) / ry;
    }
  }
  for (let j = 0; j < height; j++) {
    const b = Math.min(Math.floor(j / STEP), nodesY - 2 < 0 ? 0 : nodesY - 2);
    const j0 = nodeJ(b);
    const j1 = nodeJ(Math.min(b + 1, nodesY - 1));
    const fy = j1 === j0 ? 0 : (j - j0) / (j1 - j0);
    for (let i = 0; i < width; i++) {
      const a = Math.min(Math.floor(i / STEP), nodesX - 2 < 0 ? 0 : nodesX - 2);
      const i0 = nodeI(a);
      const i1 = nodeI(Math.min(a + 1, nodesX - 1));
      const fx = i1 === i0 ? 0 : (i - i0) / (i1 - i0);
      const k00 = b * nodesX + a;
      const k10 = b * nodesX + Math.min(a + 1, nodesX - 1);
      const k01 = Math.min(b + 1, nodesY - 1) * nodesX + a;
      const k11 = Math.min(b + 1, nodesY - 1) * nodesX + Math.min(a + 1, nodesX - 1);
      u[j * width + i] =
        (nu[k00]! * (1 - fx) + nu[k10]! * fx) * (1 - fy) + (nu[k01]! * (1 - fx) + nu[k11]! * fx) * fy;
      v[j * width + i] =
        (nv[k00]! * (1 - fx) + nv[k10]! * fx) * (1 - fy) + (nv[k01]! * (1 - fx) + nv[k11]! * fx) * fy;
    }
  }
  return { u, v, separable: false };
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, x));
}
