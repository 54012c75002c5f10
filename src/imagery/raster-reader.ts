/**
 * Reading (Cloud-Optimized) GeoTIFFs with geotiff.js from URLs (HTTP range requests) or files: header
 * info, windowed reads warped onto any target grid (`part`), and whole-raster previews from overviews.
 * Only the tiles a window needs are fetched. Corrupt or truncated files raise RasterError naming the href.
 */
import { shownUrl } from './shown-url.ts';
import { GeoTIFF, type GeoTIFFImage } from 'geotiff';
import { CrsError, DriftwatchError, RasterError } from '../errors.ts';
import { guessBandNames } from './band-names.ts';
import { BlockCache, openByteSource, type ByteSource, type UrlSigner } from './byte-source.ts';
import { assertKnownCrs, crsId, epsgOf, transformBounds } from './crs.ts';
import { crsFromGeoKeys } from './geokeys.ts';
import type { HttpOptions } from './http.ts';
import type { Bbox, ImageValue } from './image.ts';
import { tileDecoder } from './decode-pool.ts';
import { TileWindowReader } from './tile-window.ts';
import { warpWindow, type Resampling, type WarpLevel } from './warp.ts';
import './zlib-deflate.ts';

/** How to turn stored numbers into values: value = stored × scale + offset. */
export interface BandScaling {
  /** Multiplier applied to stored numbers. */
  scale: number;
  /** Added after scaling. */
  offset: number;
  /** Stored value meaning "no data", or null. */
  nodata: number | null;
  /** reflectance ([0, 1]), display (8-bit values) or class (categorical, e.g. Sentinel-2 SCL). */
  kind: 'reflectance' | 'display' | 'class';
}

/** What a raster holds and where. */
export interface RasterInfo {
  /** URL or path. */
  href: string;
  /** Full-resolution width in pixels. */
  width: number;
  /** Full-resolution height in pixels. */
  height: number;
  /** Band names in file order. */
  bands: string[];
  /** Stored type, e.g. uint16, int16, float32. */
  dataType: string;
  /** EPSG code of the raster's CRS, or null for a user-defined (non-EPSG) CRS. */
  epsg: number | null;
  /** The raster's CRS: `EPSG:<code>`, or the proj4 string built from user-defined GeoKeys. */
  crs: string;
  /** Bounds in the raster's CRS. */
  bounds: Bbox;
  /** Bounds in lon/lat. */
  lonlatBounds: Bbox;
  /** Pixel size [x, y] in CRS units (both positive). */
  resolution: [number, number];
  /** Number of overviews (reduced-resolution images). */
  overviews: number;
  /** Scaling per band, in file order. */
  scaling: BandScaling[];
}

/** Options of a windowed read. */
export interface PartOptions {
  /** Output width in pixels. */
  width: number;
  /** Output height in pixels. */
  height: number;
  /** Band names to read (default all). */
  bands?: string[];
  /** Cancels the read. */
  signal?: AbortSignal;
  /** nearest or bilinear (default bilinear, falling back to nearest next to nodata). */
  resampling?: Resampling;
}

/** A raster that can be described, windowed and previewed. */
export interface RasterReader {
  readonly href: string;
  info(options?: { signal?: AbortSignal }): Promise<RasterInfo>;
  /** Pixels over `bbox` in `crs` (`EPSG:<code>` or a proj4 string) on a width × height grid, warped when the CRS differs. */
  part(bbox: Bbox, crs: string, options: PartOptions): Promise<ImageValue>;
  /** The whole raster at most maxSize pixels on its longer side, read from the closest overview. */
  preview(options: { maxSize: number; bands?: string[]; signal?: AbortSignal }): Promise<ImageValue>;
  /** Requests made so far (HTTP requests or file reads). */
  readonly requests: number;
  close(): Promise<void>;
}

/** Options of openRaster. */
export interface OpenRasterOptions {
  /** HTTP retry and timeout policy. */
  http?: HttpOptions;
  /** Signs URLs before each request (Planetary Computer SAS tokens). */
  sign?: UrlSigner;
  /** Band names in file order, overriding descriptions and guesses. */
  bandNames?: string[];
  /** Scaling overrides per band name (e.g. from STAC raster:bands). */
  scaling?: Record<string, Partial<BandScaling>>;
  /** Worker threads that decode tiles, shared by the process (default one per core; 0 decodes on the calling thread). */
  decodeWorkers?: number;
}

/** Opens a GeoTIFF by URL or path; nothing is read until the first call. */
export function openRaster(href: string, options: OpenRasterOptions = {}): RasterReader {
  return new GeoTiffReader(href, options);
}

interface Level extends WarpLevel {
  image: GeoTIFFImage;
}

class GeoTiffReader implements RasterReader {
  private readonly bytes: ByteSource;
  private readonly cache: BlockCache;
  private opened: Promise<{ info: RasterInfo; levels: Level[]; origin: [number, number] }> | null = null;

  constructor(
    readonly href: string,
    private readonly options: OpenRasterOptions,
  ) {
    this.bytes = openByteSource(href, { ...options.http, sign: options.sign });
    this.cache = new BlockCache(this.bytes);
  }

  get requests(): number {
    return this.bytes.requests;
  }

  async info(options: { signal?: AbortSignal } = {}): Promise<RasterInfo> {
    return (await this.open(options.signal)).info;
  }

  private open(
    signal?: AbortSignal,
  ): Promise<{ info: RasterInfo; levels: Level[]; origin: [number, number] }> {
    this.opened ??= this.guard(async () => {
      const tiff = await GeoTIFF.fromSource(this.cache as never, {}, signal);
      const count = await tiff.getImageCount();
      const first = await tiff.getImage(0);
      const levels: Level[] = [this.level(first)];
      for (let i = 1; i < count; i++) {
        const img = await tiff.getImage(i);
        // Overviews only; masks (NewSubfileType bit 2) and unrelated pages are skipped.
        const subfile = Number(img.fileDirectory.getValue('NewSubfileType') ?? 0);
        if ((subfile & 4) !== 0 || img.getSamplesPerPixel() !== first.getSamplesPerPixel()) continue;
        levels.push(this.level(img));
      }
      levels.sort((a, b) => b.width - a.width);
      const info = await this.describe(first, levels.length - 1);
      const origin = first.getOrigin() as [number, number];
      return { info, levels, origin };
    }).catch((err: unknown) => {
      this.opened = null;
      throw err;
    });
    return this.opened;
  }

  /** A level read through a TileWindowReader, or geotiff.js's readRasters for layouts that one does not handle. */
  private level(image: GeoTIFFImage): Level {
    const tiles = new TileWindowReader(image, this.cache, tileDecoder(this.options.decodeWorkers));
    return {
      image,
      width: image.getWidth(),
      height: image.getHeight(),
      read: async (window, samples, signal) =>
        (await tiles.read(window, samples, signal)) ?? {
          planes: (await image.readRasters({
            window,
            samples,
            interleave: false,
            signal,
          })) as unknown as ArrayLike<number>[],
          stride: window[2] - window[0],
          offset: 0,
        },
    };
  }

  private async describe(image: GeoTIFFImage, overviews: number): Promise<RasterInfo> {
    const keys = (image.getGeoKeys() ?? {}) as Record<string, unknown>;
    let crs: string;
    try {
      crs = crsId(crsFromGeoKeys(keys));
      assertKnownCrs(crs);
    } catch (err) {
      if (err instanceof CrsError)
        throw new CrsError(`raster ${shownUrl(this.href)}: ${err.message}`, { cause: err });
      throw err;
    }
    const samples = image.getSamplesPerPixel();
    const descriptions: Array<string | undefined> = [];
    const metaScale: Array<{ scale?: number; offset?: number }> = [];
    for (let s = 0; s < samples; s++) {
      const md = ((await image.getGDALMetadata(s)) ?? {}) as Record<string, unknown>;
      descriptions.push(typeof md.DESCRIPTION === 'string' ? md.DESCRIPTION : undefined);
      metaScale.push({
        scale: md.SCALE !== undefined ? Number(md.SCALE) : undefined,
        offset: md.OFFSET !== undefined ? Number(md.OFFSET) : undefined,
      });
    }
    const photometric = Number(image.fileDirectory.getValue('PhotometricInterpretation'));
    const bands = this.options.bandNames ?? guessBandNames(samples, descriptions, photometric === 2);
    if (bands.length !== samples) {
      throw new RasterError(
        `raster ${shownUrl(this.href)} has ${samples} bands but ${bands.length} names were given (${bands.join(', ')})`,
      );
    }
    const format = Number(image.getSampleFormat(0) ?? 1);
    const bits = image.getBitsPerSample(0);
    const dataType = `${format === 3 ? 'float' : format === 2 ? 'int' : 'uint'}${bits}`;
    // A float32 raster stores its nodata rounded to float32 (GDAL writes -3.4e+38, the pixels hold
    // -3.3999999521443642e+38): compare against the stored value.
    const declared = image.getGDALNoData();
    const nodata = declared !== null && dataType === 'float32' ? Math.fround(declared) : declared;
    const scaling = bands.map((name, i): BandScaling => {
      const base = defaultScaling(dataType, name);
      const ms = metaScale[i]!;
      if (ms.scale !== undefined && Number.isFinite(ms.scale)) base.scale = ms.scale;
      if (ms.offset !== undefined && Number.isFinite(ms.offset)) base.offset = ms.offset;
      if (base.kind === 'display' && (base.scale !== 1 || base.offset !== 0)) base.kind = 'reflectance';
      const over = this.options.scaling?.[name] ?? {};
      return { ...base, nodata, ...over };
    });
    const [rx, ry] = image.getResolution() as [number, number];
    const bbox = image.getBoundingBox() as Bbox;
    return {
      href: this.href,
      width: image.getWidth(),
      height: image.getHeight(),
      bands,
      dataType,
      epsg: epsgOf(crs),
      crs,
      bounds: bbox,
      lonlatBounds: crs === 'EPSG:4326' ? bbox : transformBounds(bbox, crs, 4326),
      resolution: [Math.abs(rx), Math.abs(ry)],
      overviews,
      scaling,
    };
  }

  async part(bbox: Bbox, crs: string, options: PartOptions): Promise<ImageValue> {
    const { info, levels, origin } = await this.open(options.signal);
    return this.guard(async () => {
      const { width, height } = options;
      if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) {
        throw new RasterError(
          `window size ${width}×${height} for ${shownUrl(this.href)} must be positive integers`,
        );
      }
      const bandNames = options.bands ?? info.bands;
      const samples = bandNames.map((b) => {
        const i = info.bands.indexOf(b);
        if (i < 0)
          throw new RasterError(
            `raster ${shownUrl(this.href)} has no band "${b}" (bands: ${info.bands.join(', ')})`,
          );
        return i;
      });
      return warpWindow({
        href: this.href,
        info,
        levels,
        origin,
        targetBbox: bbox,
        targetCrs: crsId(crs),
        width,
        height,
        samples,
        bandNames,
        resampling: options.resampling ?? 'bilinear',
        signal: options.signal,
      });
    });
  }

  async preview(options: { maxSize: number; bands?: string[]; signal?: AbortSignal }): Promise<ImageValue> {
    const info = await this.info(options);
    const s = Math.min(1, options.maxSize / Math.max(info.width, info.height));
    const width = Math.max(1, Math.round(info.width * s));
    const height = Math.max(1, Math.round(info.height * s));
    return this.part(info.bounds, info.crs, {
      width,
      height,
      bands: options.bands,
      signal: options.signal,
      resampling: 'nearest',
    });
  }

  /** Runs fn; errors that are not the project's (geotiff decoding, range errors) become RasterError naming the href. */
  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof DriftwatchError) throw err;
      if (err instanceof Error && err.name === 'AbortError') throw err;
      if (err instanceof DOMException) throw err;
      const msg = err instanceof Error ? err.message : String(err);
      throw new RasterError(`raster ${shownUrl(this.href)} is unreadable (corrupt or truncated?): ${msg}`, {
        cause: err,
      });
    }
  }

  async close(): Promise<void> {
    await this.cache.close();
  }
}

function defaultScaling(dataType: string, name: string): BandScaling {
  if (name === 'scl') return { scale: 1, offset: 0, nodata: null, kind: 'class' };
  if (dataType === 'uint8') return { scale: 1, offset: 0, nodata: null, kind: 'display' };
  if (dataType.startsWith('float')) return { scale: 1, offset: 0, nodata: null, kind: 'reflectance' };
  return { scale: 1e-4, offset: 0, nodata: null, kind: 'reflectance' };
}
