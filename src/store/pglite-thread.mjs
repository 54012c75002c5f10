// The embedded PGlite database in a worker thread (see pglite-host.ts, which starts it and is the only
// thing that talks to it). Plain JavaScript so that a worker thread can load it under any loader (tsx,
// vitest) without a TypeScript transform. Requests are answered one at a time, in the order they came.
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { parentPort, workerData } from 'node:worker_threads';

// int8 as number, as in the pg backend: ids stay far below 2^53.
const parsers = { 20: (v) => Number(v) };

/** An error as plain fields (message, name, code, detail, hint…), which survive the message port. */
function plainError(err) {
  const out = { message: err instanceof Error ? err.message : String(err), name: err?.name ?? 'Error' };
  for (const [key, value] of Object.entries(err ?? {})) {
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) out[key] = value;
  }
  return out;
}

async function run(db, request) {
  switch (request.op) {
    case 'query': {
      const res = await db.query(request.sql, request.params, { rowMode: request.rowMode ?? 'object' });
      return { rows: res.rows, fields: res.fields, affectedRows: res.affectedRows ?? 0 };
    }
    case 'exec':
      await db.exec(request.sql);
      return undefined;
    case 'protocol': {
      const chunks = [];
      await db.execProtocolRawStream(request.message, { onRawData: (chunk) => chunks.push(chunk.slice()) });
      return Buffer.concat(chunks);
    }
    case 'close':
      await db.close();
      return undefined;
    default:
      throw new Error(`unknown request ${request.op}`);
  }
}

let db;
try {
  db = await PGlite.create(workerData.dataDir ?? 'memory://', { extensions: { vector }, parsers });
  await db.exec('CREATE EXTENSION IF NOT EXISTS vector');
} catch (err) {
  parentPort.postMessage({ ready: false, error: plainError(err) });
  process.exit(1);
}

let queue = Promise.resolve();
parentPort.on('message', (request) => {
  queue = queue.then(async () => {
    try {
      const result = await run(db, request);
      parentPort.postMessage({ id: request.id, ok: true, result, inTransaction: db.isInTransaction() });
    } catch (err) {
      const inTransaction = db.closed ? false : db.isInTransaction();
      parentPort.postMessage({ id: request.id, ok: false, error: plainError(err), inTransaction });
    }
  });
});
parentPort.postMessage({ ready: true });
