/** Where an embedded database's unix socket lives: a folder that only the owning user can enter. */
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError } from '../errors.ts';

/** The port in the socket's name; `pg` finds `<dir>/.s.PGSQL.<port>` from `host=<dir>` and `port`. */
export const SOCKET_PORT = 5432;

/** The socket's file name inside its folder. */
export const SOCKET_FILE = `.s.PGSQL.${SOCKET_PORT}`;

/** Longest unix socket path that every platform accepts (sun_path is 104 bytes on macOS). */
const MAX_SOCKET_PATH = 100;

/** A socket folder and whether it is a temporary one to remove when the server stops. */
export interface SocketDir {
  /** The folder, mode 0700, owned by this process's user. */
  dir: string;
  /** Whether the folder was made under the system's temporary folder (the preferred path was too long). */
  temporary: boolean;
}

/**
 * The folder at `relativeOrAbsolute` (made absolute), created or repaired to mode 0700, or a fresh 0700
 * folder under the system's temporary folder when the socket path would be too long. A folder owned by
 * another user, or something other than a folder there, is refused.
 */
export function ownerOnlySocketDir(relativeOrAbsolute: string): SocketDir {
  // Absolute: `pg` takes a host that starts with "/" for a socket folder, anything else for a host name.
  const preferred = resolve(relativeOrAbsolute);
  if (join(preferred, SOCKET_FILE).length > MAX_SOCKET_PATH) {
    return { dir: mkdtempSync(join(tmpdir(), 'driftwatch-db-')), temporary: true };
  }
  if (!existsSync(preferred)) mkdirSync(preferred, { recursive: true, mode: 0o700 });
  const stat = lstatSync(preferred);
  if (!stat.isDirectory()) {
    throw new ConfigError(`database socket folder ${preferred} is not a folder; remove it`);
  }
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) {
    throw new ConfigError(
      `database socket folder ${preferred} belongs to uid ${stat.uid}, not to uid ${uid}`,
    );
  }
  chmodSync(preferred, 0o700);
  return { dir: preferred, temporary: false };
}
