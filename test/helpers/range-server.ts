/**
 * A local HTTP server for tests: serves files from a folder honouring single `Range` requests, counts
 * requests and bytes, injects faults per path (status codes for the first N requests, delays), and takes
 * extra route handlers (e.g. a static STAC API's POST /search).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFileSync, existsSync, statSync } from 'node:fs';
import { join, normalize } from 'node:path';

/** A fault injected for one path. */
export interface Fault {
  /** Status code answered instead of the file. */
  status?: number;
  /** How many requests get the fault (default all). */
  times?: number;
  /** Delay in ms before answering. */
  delayMs?: number;
}

/** A running test server. */
export interface RangeServer {
  url: string;
  /** Requests per path. */
  requests: Map<string, number>;
  /** Bytes of bodies sent. */
  bytes: { total: number };
  faults: Map<string, Fault>;
  /** Extra handlers: return true when handled. */
  routes: Array<(req: IncomingMessage, res: ServerResponse, body: string) => boolean>;
  totalRequests(): number;
  close(): Promise<void>;
}

/** Starts a server for the folder on a random local port. */
export async function startRangeServer(root: string): Promise<RangeServer> {
  const requests = new Map<string, number>();
  const faults = new Map<string, Fault>();
  const bytes = { total: 0 };
  const routes: RangeServer['routes'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const path = url.pathname;
      requests.set(path, (requests.get(path) ?? 0) + 1);
      const fault = faults.get(path);
      const act = (): void => {
        if (fault && (fault.times === undefined || fault.times > 0)) {
          if (fault.times !== undefined) fault.times--;
          if (fault.status) {
            res.writeHead(fault.status).end(`fault ${fault.status}`);
            return;
          }
        }
        const body = Buffer.concat(chunks).toString('utf8');
        for (const route of routes) if (route(req, res, body)) return;
        serveFile(root, path, req, res, bytes);
      };
      if (fault?.delayMs && (fault.times === undefined || fault.times > 0)) setTimeout(act, fault.delayMs);
      else act();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    bytes,
    faults,
    routes,
    totalRequests: () => [...requests.values()].reduce((a, b) => a + b, 0),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function serveFile(
  root: string,
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
  bytes: { total: number },
): void {
  const file = join(root, normalize(decodeURIComponent(path)).replace(/^(\.\.[/\\])+/, ''));
  if (!existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404).end('not found');
    return;
  }
  const data = readFileSync(file);
  const type = file.endsWith('.json') ? 'application/json' : 'image/tiff';
  const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  if (!m) {
    bytes.total += data.length;
    res
      .writeHead(200, { 'Content-Type': type, 'Content-Length': data.length, 'Accept-Ranges': 'bytes' })
      .end(data);
    return;
  }
  const start = Number(m[1]);
  const end = Math.min(m[2] ? Number(m[2]) : data.length - 1, data.length - 1);
  if (start >= data.length) {
    res.writeHead(416, { 'Content-Range': `bytes */${data.length}` }).end();
    return;
  }
  const slice = data.subarray(start, end + 1);
  bytes.total += slice.length;
  res
    .writeHead(206, {
      'Content-Type': type,
      'Content-Length': slice.length,
      'Content-Range': `bytes ${start}-${end}/${data.length}`,
    })
    .end(slice);
}
