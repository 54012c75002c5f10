/**
 * The viewer: a small read-only web UI and JSON API over the database on node:http. Only GET and HEAD;
 * every query runs in a READ ONLY transaction (evidence bytes come from the evidence store, which may
 * import a file of the old evidence folder on first view); binds to 127.0.0.1 unless told otherwise.
 */
import { createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, DriftwatchError, InputError } from '../errors.ts';
import type { Db } from '../store/db.ts';
import type { EvidenceReader } from '../store/evidence-store.ts';
import { errorPage, type Chrome } from './pages.ts';
import { htmlReply, jsonReply, NotFound, type Reply } from './reply.ts';
import { ROUTES } from './routes.ts';

/** Where and what the viewer serves. */
export interface ServerOptions {
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Interface to bind (default 127.0.0.1: this machine only). */
  host?: string;
  /** Where evidence bytes are read, by hash (the database's evidence store). */
  evidence: EvidenceReader;
  /** Called with each unexpected error (default: written to stderr). */
  onError?: (err: unknown) => void;
}

/** A running viewer. */
export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:8787/. */
  url: string;
  /** Stops accepting connections and closes open ones. */
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

function errorReply(path: string, status: number, message: string, chrome: Chrome): Reply {
  if (['/api/', '/collections', '/features', '/conformance'].some((p) => path.startsWith(p))) {
    return jsonReply({ error: message, status }, status);
  }
  if (path.startsWith('/evidence/')) {
    return { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `${message}\n` };
  }
  return htmlReply(errorPage(status, message, chrome), status);
}

/** Control characters (NUL above all, which Postgres text cannot hold) are bad input in any part of a URL. */
function rejectControlCharacters(url: URL): void {
  const control = /[\u0000-\u001f\u007f]/;
  if (control.test(decodeURIComponent(url.pathname)))
    throw new InputError(`path ${JSON.stringify(url.pathname)} holds a control character`);
  for (const [name, value] of url.searchParams)
    if (control.test(name) || control.test(value))
      throw new InputError(
        `parameter ${JSON.stringify(name)} holds a control character: ${JSON.stringify(value)}`,
      );
}

async function route(
  db: Db,
  options: ServerOptions,
  req: IncomingMessage,
  chrome: Chrome,
  origin: string,
): Promise<Reply> {
  const url = new URL(req.url ?? '/', 'http://viewer.invalid');
  const path = url.pathname;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    const reply = errorReply(
      path,
      405,
      `method ${req.method} is not allowed: the viewer is read-only`,
      chrome,
    );
    return { ...reply, headers: { ...reply.headers, allow: 'GET, HEAD' } };
  }
  const etag = req.headers['if-none-match'];
  try {
    rejectControlCharacters(url);
    for (const [pattern, handler] of ROUTES) {
      const m = pattern.exec(path);
      if (m) {
        return await handler(
          { db, evidence: options.evidence, url, ifNoneMatch: etag, chrome, origin },
          m.slice(1),
        );
      }
    }
    return errorReply(path, 404, `no page at ${path}`, chrome);
  } catch (err) {
    if (err instanceof NotFound) return errorReply(path, 404, err.message, chrome);
    if (err instanceof InputError) return errorReply(path, 400, err.message, chrome);
    if (err instanceof URIError) return errorReply(path, 400, `malformed URL ${req.url}`, chrome);
    (
      options.onError ??
      ((e) => process.stderr.write(`driftwatch serve: ${e instanceof Error ? e.stack : String(e)}\n`))
    )(err);
    const message = err instanceof DriftwatchError ? `${err.name}: ${err.message}` : 'internal error';
    return errorReply(path, 500, message, chrome);
  }
}

function send(req: IncomingMessage, res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string | number> = { ...SECURITY_HEADERS, ...reply.headers };
  if ('file' in reply) {
    res.writeHead(reply.status, { ...headers, 'content-length': reply.size });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(reply.file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
    return;
  }
  const body = typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body;
  res.writeHead(reply.status, { ...headers, 'content-length': body.length });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** Starts the viewer and resolves once it listens. */
export async function startServer(db: Db, options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new ConfigError(`port ${options.port} is not an integer from 0 to 65535`);
  }
  const chrome: Chrome = { active: 'none', source: db.description };
  let origin = '';
  const server = createServer((req, res) => {
    route(db, options, req, chrome, origin).then(
      (reply) => send(req, res, reply),
      (err: unknown) => {
        (options.onError ?? console.error)(err);
        res.destroy();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE' || err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL'
          ? new ConfigError(`cannot listen on ${host}:${options.port}: ${err.code}`, { cause: err })
          : err,
      );
    server.once('error', onError);
    server.listen(options.port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  origin = `http://${shownHost}:${address.port}`;
  return {
    url: `${origin}/`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
