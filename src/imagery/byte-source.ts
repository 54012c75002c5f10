/**
 * Byte sources: the minimal `fetch(offset, length, {signal})` interface that GeoTIFF reading needs,
 * over HTTP range requests (with retries) or local files, plus a block cache that merges neighbouring
 * ranges into one request and serves repeated reads from memory.
 */
import { shownUrl } from './shown-url.ts';
import { open, type FileHandle } from 'node:fs/promises';
import { RasterError, SourceError } from '../errors.ts';
import { httpRequest, type HttpOptions } from './http.ts';

/** Random access to the bytes of one file or URL. */
export interface ByteSource {
  /** The URL or file path (named in errors). */
  readonly href: string;
  /** Bytes [offset, offset + length), shorter at the end of the file. */
  fetch(offset: number, length: number, options?: { signal?: AbortSignal }): Promise<ArrayBuffer>;
  /** File size when known. */
  size(): number | null;
  /** Requests made so far: HTTP requests sent (each attempt and each redirect hop), or file reads. */
  readonly requests: number;
  close(): Promise<void>;
}

/** Returns a URL to fetch for a given href, e.g. with a SAS token appended. */
export type UrlSigner = (url: string, signal?: AbortSignal) => Promise<string>;

/** Range reads over HTTP(S). */
export class HttpByteSource implements ByteSource {
  requests = 0;
  private total: number | null = null;
  constructor(
    readonly href: string,
    private readonly options: HttpOptions & { sign?: UrlSigner } = {},
  ) {}

  size(): number | null {
    return this.total;
  }

  async fetch(
    offset: number,
    length: number,
    { signal }: { signal?: AbortSignal } = {},
  ): Promise<ArrayBuffer> {
    if (this.total !== null) length = Math.min(length, this.total - offset);
    if (length <= 0) return new ArrayBuffer(0);
    const url = this.options.sign ? await this.options.sign(this.href, signal) : this.href;
    const { response, body } = await httpRequest(
      url,
      { headers: { Range: `bytes=${offset}-${offset + length - 1}` }, acceptStatus: [416] },
      { ...this.options, signal, counter: this },
    );
    if (response.status === 416) return new ArrayBuffer(0);
    if (response.status === 206) {
      const m = /\/(\d+)\s*$/.exec(response.headers.get('content-range') ?? '');
      if (m) this.total = Number(m[1]);
      return body;
    }
    if (response.status === 200) {
      // The server ignored Range and sent the whole file.
      this.total = body.byteLength;
      return body.slice(offset, offset + length);
    }
    throw new SourceError(`GET ${shownUrl(this.href)} answered HTTP ${response.status} to a range request`);
  }

  async close(): Promise<void> {}
}

/** Positional reads of a local file. */
export class FileByteSource implements ByteSource {
  requests = 0;
  private handle: Promise<{ fh: FileHandle; size: number }> | null = null;
  private total: number | null = null;
  constructor(readonly href: string) {}

  size(): number | null {
    return this.total;
  }

  private async file(): Promise<{ fh: FileHandle; size: number }> {
    this.handle ??= (async () => {
      try {
        const fh = await open(this.href, 'r');
        const { size } = await fh.stat();
        this.total = size;
        return { fh, size };
      } catch (err) {
        throw new RasterError(`cannot open raster file ${shownUrl(this.href)}: ${(err as Error).message}`, {
          cause: err,
        });
      }
    })();
    return this.handle;
  }

  async fetch(
    offset: number,
    length: number,
    { signal }: { signal?: AbortSignal } = {},
  ): Promise<ArrayBuffer> {
    signal?.throwIfAborted();
    const { fh, size } = await this.file();
    const n = Math.max(0, Math.min(length, size - offset));
    const buf = Buffer.alloc(n);
    this.requests++;
    if (n > 0) await fh.read(buf, 0, n, offset);
    return buf.buffer.slice(buf.byteOffset, buf.byteOffset + n) as ArrayBuffer;
  }

  async close(): Promise<void> {
    if (this.handle) {
      const h = await this.handle.catch(() => null);
      this.handle = null;
      await h?.fh.close();
    }
  }
}

/** Options of the block cache. */
export interface BlockCacheOptions {
  /** Block size in bytes (default 64 KiB). */
  blockSize?: number;
  /** Blocks kept in memory (default 512, i.e. 32 MiB at the default size). */
  maxBlocks?: number;
}

/**
 * Caches a byte source in fixed blocks; missing neighbouring blocks are fetched in one range request and
 * concurrent reads of the same block share one request. Presents the slice interface geotiff.js expects.
 */
export class BlockCache {
  private readonly blockSize: number;
  private readonly maxBlocks: number;
  private readonly blocks = new Map<number, Promise<ArrayBuffer>>();
  constructor(
    readonly source: ByteSource,
    options: BlockCacheOptions = {},
  ) {
    this.blockSize = options.blockSize ?? 65_536;
    this.maxBlocks = options.maxBlocks ?? 512;
  }

  get fileSize(): number | null {
    return this.source.size();
  }

  /** The geotiff.js source interface: one buffer per slice. */
  async fetch(
    slices: Array<{ offset: number; length: number }>,
    signal?: AbortSignal,
  ): Promise<ArrayBuffer[]> {
    const needed = new Set<number>();
    for (const { offset, length } of slices) {
      for (
        let b = Math.floor(offset / this.blockSize);
        b <= Math.floor((offset + Math.max(length, 1) - 1) / this.blockSize);
        b++
      ) {
        needed.add(b);
      }
    }
    const missing = [...needed].filter((b) => !this.blocks.has(b)).sort((a, b) => a - b);
    // Group consecutive missing blocks into one request each.
    let i = 0;
    while (i < missing.length) {
      let j = i;
      while (j + 1 < missing.length && missing[j + 1] === missing[j]! + 1) j++;
      const first = missing[i]!;
      const count = missing[j]! - first + 1;
      const run = this.source.fetch(first * this.blockSize, count * this.blockSize, { signal });
      for (let k = 0; k < count; k++) {
        const start = k * this.blockSize;
        const p = run.then((buf) => buf.slice(start, start + this.blockSize));
        p.catch(() => this.blocks.delete(first + k));
        this.blocks.set(first + k, p);
      }
      i = j + 1;
    }
    const data = new Map<number, ArrayBuffer>();
    await Promise.all(
      [...needed].map(async (b) => {
        const p = this.blocks.get(b)!;
        data.set(b, await p);
        // Refresh recency.
        this.blocks.delete(b);
        this.blocks.set(b, p);
      }),
    );
    this.evict();
    return slices.map(({ offset, length }) => {
      const out = new Uint8Array(length);
      let filled = 0;
      while (filled < length) {
        const pos = offset + filled;
        const b = Math.floor(pos / this.blockSize);
        const block = new Uint8Array(data.get(b)!);
        const within = pos - b * this.blockSize;
        const n = Math.min(length - filled, block.length - within);
        if (n <= 0) break; // end of file
        out.set(block.subarray(within, within + n), filled);
        filled += n;
      }
      return filled === length ? out.buffer : out.buffer.slice(0, filled);
    });
  }

  /**
   * Bytes [offset, offset + length) for data read once (tile data that the caller caches decoded): from
   * the cached blocks when they hold all of it (a small file's first request may), else one request to
   * the source, not cached.
   */
  async read(offset: number, length: number, options: { signal?: AbortSignal } = {}): Promise<ArrayBuffer> {
    const first = Math.floor(offset / this.blockSize);
    const last = Math.floor((offset + Math.max(length, 1) - 1) / this.blockSize);
    for (let b = first; b <= last; b++) {
      if (!this.blocks.has(b)) return this.source.fetch(offset, length, options);
    }
    const [data] = await this.fetch([{ offset, length }], options.signal);
    return data!;
  }

  async fetchSlice(
    slice: { offset: number; length: number },
    signal?: AbortSignal,
  ): Promise<{ offset: number; length: number; data: ArrayBuffer }> {
    const [data] = await this.fetch([slice], signal);
    return { ...slice, data: data! };
  }

  private evict(): void {
    while (this.blocks.size > this.maxBlocks) {
      const oldest = this.blocks.keys().next().value as number;
      this.blocks.delete(oldest);
    }
  }

  async close(): Promise<void> {
    this.blocks.clear();
    await this.source.close();
  }
}

/** A byte source for an href: http(s) URLs by range requests, anything else (or file://) as a local file. */
export function openByteSource(href: string, options: HttpOptions & { sign?: UrlSigner } = {}): ByteSource {
  if (/^https?:\/\//i.test(href)) return new HttpByteSource(href, options);
  if (/^file:\/\//i.test(href)) return new FileByteSource(decodeURIComponent(new URL(href).pathname));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(href))
    throw new SourceError(`unsupported URL scheme in ${shownUrl(href)} (use http(s) or a file path)`);
  return new FileByteSource(href);
}
