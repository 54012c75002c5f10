import { chmodSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/errors.ts';
import { ownerOnlySocketDir, SOCKET_FILE } from '../src/store/socket-dir.ts';

describe('the embedded database socket folder', () => {
  const root = mkdtempSync(join(tmpdir(), 'dw-sock-'));

  it('is made absolute from a relative home, with mode 0700', () => {
    const dir = join(root, 'rel', 'db.sock');
    const got = ownerOnlySocketDir(relative(process.cwd(), dir));
    expect(got).toEqual({ dir, temporary: false });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('repairs a folder that others could enter to 0700', () => {
    const dir = join(root, 'loose');
    mkdirSync(dir, { mode: 0o777 });
    chmodSync(dir, 0o777);
    expect(ownerOnlySocketDir(dir)).toEqual({ dir, temporary: false });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('refuses a file in the folder’s place', () => {
    const path = join(root, 'file');
    writeFileSync(path, '');
    expect(() => ownerOnlySocketDir(path)).toThrow(ConfigError);
    expect(() => ownerOnlySocketDir(path)).toThrow(
      `database socket folder ${path} is not a folder; remove it`,
    );
  });

  it('uses a fresh 0700 temporary folder when the socket path would be too long', () => {
    const long = join(root, 'x'.repeat(120));
    const got = ownerOnlySocketDir(long);
    expect(got.temporary).toBe(true);
    expect(got.dir.startsWith(join(tmpdir(), 'driftwatch-db-'))).toBe(true);
    expect(join(got.dir, SOCKET_FILE).length).toBeLessThanOrEqual(100);
    expect(statSync(got.dir).mode & 0o777).toBe(0o700);
  });
});
