/** Session state that users' SQL must leave as it found it, and the defaults of a fresh session. */
export const SESSION_STATE = `SELECT current_setting('default_transaction_read_only') AS read_only,
  current_setting('statement_timeout') AS statement_timeout,
  current_setting('search_path') AS search_path,
  (SELECT count(*)::int FROM pg_prepared_statements) AS prepared,
  (SELECT count(*)::int FROM pg_listening_channels()) AS listening,
  (SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory') AS advisory_locks,
  (SELECT count(*)::int FROM pg_cursors WHERE name <> '') AS cursors`;

/** Defaults of a fresh session; PGlite starts with `search_path = public`, a server with `"$user", public`. */
export const defaultState = (backend: string) => ({
  read_only: 'off',
  statement_timeout: '0',
  search_path: backend === 'pglite' ? 'public' : '"$user", public',
  prepared: 0,
  listening: 0,
  advisory_locks: 0,
  cursors: 0,
});
