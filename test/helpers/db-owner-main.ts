// A process that opens (and so owns and serves) an embedded database, for the kill-9 test. Env: DB_DIR.
// Writes the area AREA_ID, prints one JSON line with its pid once it serves, then waits to be killed.
import { openDb } from '../../src/store/open.ts';

const db = await openDb({ dataDir: process.env.DB_DIR! });
await db.query(
  `INSERT INTO areas (id, name, geometry, bbox, epsg) VALUES ($1, $1, '{}', '{0,0,1,1}', 32633)`,
  [process.env.AREA_ID!],
);
process.stdout.write(`${JSON.stringify({ pid: process.pid, kind: db.kind })}\n`);
setInterval(() => {}, 1 << 30);
