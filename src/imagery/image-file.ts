/**
 * Plain image files (a GeoTIFF of any sample type, or a PNG) read whole into an ImageValue: the pairs of
 * `compare` and `eval`, which may carry no georeference, so they are not read through `openRaster`
 * (raster-reader.ts), which warps georeferenced rasters onto a target grid.
 *
 * Validity rule of these files (the pair datasets' convention, unlike a COG's per-band nodata): a pixel
 * is invalid when every band holds the GeoTIFF's GDAL nodata value (or, when it declares none, 0), when
 * any band is NaN, or when a PNG's alpha is 0.
 */
import { fromFile } from 'geotiff';
import sharp, { type OutputInfo } from 'sharp';
import { InputError, RasterError } from '../errors.ts';
import type { Bbox, ImageValue } from './image.ts';

/** How to turn stored numbers into ImageValue numbers, from pair.json's `scale` text. */
export interface ScaleRule {
  /** ImageValue.scale of the result. */
  scale: ImageValue['scale'];
  /** Stored numbers are divided by this. */
  divisor: number;
}

/**
 * Reads `scale` text: anything mentioning `display` is 8-bit display values kept as they are;
 * `reflectance x10000` (or `×10000`) is divided by 10000; plain `reflectance` is taken as is.
 */
export function parseScale(text: string, file: string): ScaleRule {
  const t = text.toLowerCase();
  if (t.includes('display')) return { scale: 'display', divisor: 1 };
  if (t.includes('reflectance')) {
    const m = /[x×]\s*([0-9]+(?:\.[0-9]+)?)/.exec(t);
    const divisor = m ? Number(m[1]) : 1;
    if (!(divisor > 0)) throw new InputError(`${file}: scale "${text}" has a non-positive factor`);
    return { scale: 'reflectance', divisor };
  }
  throw new InputError(
    `${file}: unknown scale "${text}" (expected "... display ..." or "... reflectance [x10000]")`,
  );
}

/**
 * Reads a GeoTIFF (any sample type) or PNG into an ImageValue with the given band names.
 * Validity: a GeoTIFF's GDAL nodata value in every band (or, when it declares none, 0 in every band),
 * NaN in any band, or a PNG's alpha = 0 marks a pixel invalid.
 */
export async function readImageFile(
  file: string,
  bands: readonly string[],
  scaleText: string,
): Promise<ImageValue> {
  const rule = parseScale(scaleText, file);
  const lower = file.toLowerCase();
  const img = lower.endsWith('.png') ? await readPng(file, bands) : await readTiff(file, bands);
  if (rule.divisor !== 1)
    for (const plane of img.data) for (let i = 0; i < plane.length; i++) plane[i]! /= rule.divisor;
  img.scale = rule.scale;
  let valid = 0;
  for (let i = 0; i < img.mask.length; i++) valid += img.mask[i]!;
  if (valid === 0) throw new InputError(`${file} has no valid pixels (all nodata)`);
  return img;
}

async function readPng(file: string, bands: readonly string[]): Promise<ImageValue> {
  let decoded: { data: Buffer; info: OutputInfo } | undefined;
  let stored = 0;
  try {
    const meta = await sharp(file).metadata();
    stored = (meta.channels ?? 0) - (meta.hasAlpha ? 1 : 0);
    if (stored === bands.length) {
      // sharp decodes greyscale to sRGB unless told to keep one channel
      const pipeline = stored === 1 ? sharp(file).toColourspace('b-w') : sharp(file);
      decoded = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    }
  } catch (err) {
    throw new RasterError(`cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  if (!decoded) {
    throw new InputError(
      `${file} has ${stored} colour channel(s) but pair.json names ${bands.length} band(s)`,
    );
  }
  const { data, info } = decoded;
  const { width, height, channels } = info;
  const hasAlpha = channels === 2 || channels === 4;
  const colour = hasAlpha ? channels - 1 : channels;
  if (colour !== bands.length) {
    throw new InputError(
      `${file} decodes to ${colour} colour channel(s) but pair.json names ${bands.length} band(s)`,
    );
  }
  const n = width * height;
  const planes = bands.map(() => new Float32Array(n));
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (let b = 0; b < colour; b++) planes[b]![i] = data[i * channels + b]!;
    mask[i] = hasAlpha && data[i * channels + colour] === 0 ? 0 : 1;
  }
  return { width, height, bands: [...bands], data: planes, mask, crs: null, bounds: null, scale: 'display' };
}

async function readTiff(file: string, bands: readonly string[]): Promise<ImageValue> {
  let tiff;
  try {
    tiff = await fromFile(file);
  } catch (err) {
    throw new RasterError(`cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const image = await tiff.getImage();
    const width = image.getWidth();
    const height = image.getHeight();
    const count = image.getSamplesPerPixel();
    if (count !== bands.length) {
      throw new InputError(`${file} has ${count} band(s) but pair.json names ${bands.length}`);
    }
    const rasters = await image.readRasters();
    const nodata = image.getGDALNoData();
    const n = width * height;
    const planes: Float32Array[] = [];
    for (let b = 0; b < count; b++) {
      const src = rasters[b] as ArrayLike<number> | undefined;
      if (!src || src.length !== n)
        throw new RasterError(`${file}: band ${b + 1} is missing or has the wrong size`);
      planes.push(Float32Array.from(src));
    }
    const fill = nodata ?? 0;
    const mask = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      let allFill = true;
      let nan = false;
      for (const p of planes) {
        const v = p[i]!;
        if (Number.isNaN(v)) nan = true;
        if (v !== fill) allFill = false;
      }
      mask[i] = nan || allFill ? 0 : 1;
    }
    let crs: string | null = null;
    let bounds: Bbox | null = null;
    const keys = image.getGeoKeys() as Record<string, number> | null;
    const code = keys?.ProjectedCSTypeGeoKey ?? keys?.GeographicTypeGeoKey;
    if (code !== undefined && code !== 32767) {
      crs = `EPSG:${code}`;
      const bb = image.getBoundingBox();
      bounds = [bb[0]!, bb[1]!, bb[2]!, bb[3]!];
    }
    return { width, height, bands: [...bands], data: planes, mask, crs, bounds, scale: 'reflectance' };
  } catch (err) {
    if (err instanceof InputError || err instanceof RasterError) throw err;
    throw new RasterError(`cannot read ${file}: ${(err as Error).message}`, { cause: err });
  } finally {
    void tiff.close();
  }
}
