/**
 * A local HTTP server for the benchmarks: serves the files of a folder with single `Range` requests by
 * positional reads of just the asked bytes (the test helper reads the whole file per request, a cost that
 * would be charged to the reader in a benchmark sharing its process), and counts requests and bytes.
 */
import { open, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join, normalize } from 'node:path';

/** A running server. */
export interface FileRangeServer {
  url: string;
  /** Requests and body bytes sent so far. */
  totals(): { requests: number; bytes: number };
  close(): Promise<void>;
}

/** Starts a server for the folder on a random local port. */
export async function startFileRangeServer(root: string): Promise<FileRangeServer> {
  let requests = 0;
  let bytes = 0;
  const server = createServer((req, res) => {
    requests++;
    const path = join(root, normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
    void (async () => {
      try {
        const size = (await stat(path)).size;
        const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
        const start = m ? Number(m[1]) : 0;
        const end = Math.min(m?.[2] ? Number(m[2]) : size - 1, size - 1);
        if (start >= size) {
          res.writeHead(416, { 'Content-Range': `bytes */${size}` }).end();
          return;
        }
        const body = Buffer.alloc(end - start + 1);
        const fh = await open(path, 'r');
        try {
          await fh.read(body, 0, body.length, start);
        } finally {
          await fh.close();
        }
        bytes += body.length;
        const headers = { 'Content-Type': 'image/tiff', 'Content-Length': body.length };
        if (m) res.writeHead(206, { ...headers, 'Content-Range': `bytes ${start}-${end}/${size}` }).end(body);
        else res.writeHead(200, { ...headers, 'Accept-Ranges': 'bytes' }).end(body);
      } catch {
        res.writeHead(404).end('not found');
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    totals: () => ({ requests, bytes }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
