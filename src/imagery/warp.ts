/**
 * Warping a raster window onto a target grid. Each target pixel centre is mapped into the source's pixel
 * space: exactly (affine) when the CRSs match, otherwise through proj4 at control points every 16 pixels
 * with bilinear interpolation in between (as GDAL's approximate transformer does; error far below a
 * pixel at chip sizes). The coarsest overview that is still at least as fine as the target is read.
 * Resampling: `nearest`, or `bilinear` on the four neighbours, falling back to nearest where one of them
 * is nodata or outside the raster. Categorical bands (SCL) are always read nearest.
 */
import type { GeoTIFFImage } from 'geotiff';
import { OutsideRasterError } from '../errors.ts';
import { sameCrs, transformer } from './crs.ts';
import type { Bbox, ImageValue } from './image.ts';
import type { RasterInfo } from './raster-reader.ts';

/** nearest or bilinear. */
export type Resampling = 'nearest' | 'bilinear';

/** Inputs of warpWindow. */
export interface WarpParams {
  href: string;
  info: RasterInfo;
  levels: Array<{ image: GeoTIFFImage; width: number; height: number }>;
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

/** Reads and resamples the window of the source that covers the target grid. */
export async function warpWindow(p: WarpParams): Promise<ImageValue> {
  const { info, width, height } = p;
  const n = width * height;
  const u = new Float64Array(n);
  const v = new Float64Array(n);
  mapTargetToSource(p, u, v);

  let umin = Infinity;
  let umax = -Infinity;
  let vmin = Infinity;
  let vmax = -Infinity;
  for (let i = 0; i < n; i++) {
    const a = u[i]!;
    const b = v[i]!;
    if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
    if (a < umin) umin = a;
    if (a > umax) umax = a;
    if (b < vmin) vmin = b;
    if (b > vmax) vmax = b;
  }
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
    for (let i = 0; i < n; i++) {
      u[i] = u[i]! * sx;
      v[i] = v[i]! * sy;
    }
  }
  // Source pixels needed: nearest takes floor(u); bilinear the two around u − 0.5 (one when centres coincide).
  const x0 = clamp(Math.floor(umin * sx - 0.5 + SNAP), 0, level.width - 1);
  const y0 = clamp(Math.floor(vmin * sy - 0.5 + SNAP), 0, level.height - 1);
  const x1 = clamp(Math.ceil(umax * sx - 0.5 - SNAP) + 1, x0 + 1, level.width);
  const y1 = clamp(Math.ceil(vmax * sy - 0.5 - SNAP) + 1, y0 + 1, level.height);
  const ww = x1 - x0;
  const wh = y1 - y0;
  const raw = (await level.image.readRasters({
    window: [x0, y0, x1, y1],
    samples: p.samples,
    interleave: false,
    signal: p.signal,
  })) as unknown as ArrayLike<number>[];

  const mask = new Uint8Array(n).fill(1);
  const data: Float32Array[] = p.samples.map(() => new Float32Array(n));
  const scalings = p.samples.map((s) => info.scaling[s]!);
  const nodatas = scalings.map((s) => s.nodata);
  const isNodata = (b: number, val: number): boolean =>
    Number.isNaN(val) || (nodatas[b] !== null && val === nodatas[b]);

  for (let i = 0; i < n; i++) {
    const uu = u[i]!;
    const vv = v[i]!;
    if (!(uu >= 0 && uu < level.width && vv >= 0 && vv < level.height)) {
      mask[i] = 0;
      continue;
    }
    const nx = Math.floor(uu) - x0;
    const ny = Math.floor(vv) - y0;
    if (nx < 0 || ny < 0 || nx >= ww || ny >= wh) {
      mask[i] = 0;
      continue;
    }
    let useBilinear = p.resampling === 'bilinear';
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
      dyk = ty === 0 ? 0 : ww;
      if (dxk === 0 && dyk === 0) useBilinear = false;
      else if (bx < 0 || by < 0 || bx + (dxk ? 1 : 0) >= ww || by + (dyk ? 1 : 0) >= wh) useBilinear = false;
      k00 = by * ww + bx;
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
          val = plane[ny * ww + nx]!;
        } else {
          val = (a00 * (1 - tx) + a10 * tx) * (1 - ty) + (a01 * (1 - tx) + a11 * tx) * ty;
        }
      } else {
        val = plane[ny * ww + nx]!;
      }
      if (isNodata(b, val)) {
        mask[i] = 0;
        data[b]![i] = 0;
      } else data[b]![i] = val * s.scale + s.offset;
    }
  }
  for (let i = 0; i < n; i++) {
    if (mask[i] === 0) for (const plane of data) plane[i] = 0;
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

/** Fills u, v with the full-resolution source pixel coordinates of each target pixel centre. */
function mapTargetToSource(p: WarpParams, u: Float64Array, v: Float64Array): void {
  const { width, height, info, origin } = p;
  const [bx0, by0, bx1, by1] = p.targetBbox;
  const dx = (bx1 - bx0) / width;
  const dy = (by1 - by0) / height;
  const [rx, ry] = info.resolution;
  const [ox, oy] = origin;
  if (sameCrs(p.targetCrs, info.crs)) {
    for (let j = 0; j < height; j++) {
      const vv = (oy - (by1 - (j + 0.5) * dy)) / ry;
      for (let i = 0; i < width; i++) {
        u[j * width + i] = (bx0 + (i + 0.5) * dx - ox) / rx;
        v[j * width + i] = vv;
      }
    }
    return;
  }
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
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, x));
}
