/**
 * Credentials of the imagery services, against local servers that record the headers they receive: the
 * Planetary Computer subscription key goes to the SAS token endpoint only when PC_SDK_SUBSCRIPTION_KEY is
 * set, the Earthdata token goes as a bearer only to Earthdata hosts and not across a redirect to another
 * origin, and a redirect to the Earthdata login becomes an AccessError naming the asset URL.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AccessError } from '../src/errors.ts';
import { HttpByteSource } from '../src/imagery/byte-source.ts';
import { sendsEarthdataToken } from '../src/imagery/earthdata.ts';
import { sasToken } from '../src/imagery/planetary-computer.ts';
import { shownUrl } from '../src/imagery/shown-url.ts';
import { startRangeServer, type RangeServer } from './helpers/range-server.ts';

const HTTP = { retries: 2, backoffMs: 1, timeoutMs: 5000 };
const LOGIN = 'https://urs.earthdata.nasa.gov/oauth/authorize?client_id=lpdaac&response_type=code';

describe('imagery credentials', () => {
  let dir: string;
  let earthdata: RangeServer;
  let other: RangeServer;
  /** Header values received, by server, path and header name. */
  const seen: Array<{ server: string; path: string; authorization?: string; key?: string }> = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'driftwatch-creds-'));
    writeFileSync(join(dir, 'asset.bin'), Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]));
    earthdata = await startRangeServer(dir);
    other = await startRangeServer(dir);
    for (const [name, server] of [
      ['earthdata', earthdata],
      ['other', other],
    ] as const) {
      server.routes.push((req) => {
        const path = new URL(req.url ?? '/', 'http://x').pathname;
        const key = req.headers['ocp-apim-subscription-key'];
        seen.push({
          server: name,
          path,
          ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
          ...(typeof key === 'string' ? { key } : {}),
        });
        return false;
      });
    }
    earthdata.routes.push((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/to-other.bin') {
        res.writeHead(307, { Location: `${other.url}/asset.bin?signed=1` }).end();
        return true;
      }
      if (path === '/denied.tif') {
        res.writeHead(401).end('unauthorized');
        return true;
      }
      if (path === '/protected.tif') {
        res.writeHead(302, { Location: LOGIN }).end('<html>login</html>');
        return true;
      }
      if (path.startsWith('/token/')) {
        const key = req.headers['ocp-apim-subscription-key'];
        if (key !== 'pc-key-123') {
          res.writeHead(403).end('{"message":"subscription key required"}');
          return true;
        }
        res
          .writeHead(200, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ token: 'sv=2024&sig=keyed', 'msft:expiry': '2999-01-01T00:00:00Z' }));
        return true;
      }
      return false;
    });
  });

  afterAll(async () => {
    await earthdata.close();
    await other.close();
    rmSync(dir, { recursive: true, force: true });
  });

  afterEach(() => {
    vi.unstubAllEnvs();
    seen.length = 0;
  });

  /** Options that make the local Earthdata stand-in (by its host:port) an Earthdata host. */
  const asEarthdata = () => ({ ...HTTP, earthdataHosts: [new URL(earthdata.url).host] });

  it('sends PC_SDK_SUBSCRIPTION_KEY as Ocp-Apim-Subscription-Key to the SAS token endpoint', async () => {
    vi.stubEnv('PC_SDK_SUBSCRIPTION_KEY', 'pc-key-123');
    expect(await sasToken(`${earthdata.url}/token/sentinel-1-rtc`, HTTP)).toBe('sv=2024&sig=keyed');
    expect(seen).toEqual([{ server: 'earthdata', path: '/token/sentinel-1-rtc', key: 'pc-key-123' }]);
  });

  it('sends no key when PC_SDK_SUBSCRIPTION_KEY is unset, and a refusal is an AccessError saying so', async () => {
    vi.stubEnv('PC_SDK_SUBSCRIPTION_KEY', undefined);
    const tokenUrl = `${earthdata.url}/token/sentinel-1-rtc-unkeyed`;
    const err = await sasToken(tokenUrl, HTTP).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AccessError);
    expect((err as AccessError).retryable).toBe(false);
    expect((err as AccessError).message).toBe(
      `SAS token endpoint ${tokenUrl} refused access (HTTP 403): it needs a Planetary Computer subscription key in PC_SDK_SUBSCRIPTION_KEY`,
    );
    expect(seen).toEqual([{ server: 'earthdata', path: '/token/sentinel-1-rtc-unkeyed' }]);
  });

  it('a refused key is an AccessError naming the variable, not its value', async () => {
    vi.stubEnv('PC_SDK_SUBSCRIPTION_KEY', 'wrong-key');
    const tokenUrl = `${earthdata.url}/token/sentinel-1-rtc-wrong`;
    await expect(sasToken(tokenUrl, HTTP)).rejects.toThrow(
      new AccessError(
        `SAS token endpoint ${tokenUrl} refused access (HTTP 403): it refused the Planetary Computer subscription key in PC_SDK_SUBSCRIPTION_KEY`,
      ),
    );
    expect(seen).toEqual([{ server: 'earthdata', path: '/token/sentinel-1-rtc-wrong', key: 'wrong-key' }]);
  });

  it('sends EARTHDATA_TOKEN as a bearer to an Earthdata host and not to another host', async () => {
    vi.stubEnv('EARTHDATA_TOKEN', 'edl-token-xyz');
    const fromEarthdata = new HttpByteSource(`${earthdata.url}/asset.bin`, asEarthdata());
    const fromOther = new HttpByteSource(`${other.url}/asset.bin`, asEarthdata());
    expect([...new Uint8Array(await fromEarthdata.fetch(2, 3))]).toEqual([3, 4, 5]);
    expect([...new Uint8Array(await fromOther.fetch(2, 3))]).toEqual([3, 4, 5]);
    expect(seen).toEqual([
      { server: 'earthdata', path: '/asset.bin', authorization: 'Bearer edl-token-xyz' },
      { server: 'other', path: '/asset.bin' },
    ]);
  });

  it('does not carry the bearer across a redirect to another origin', async () => {
    vi.stubEnv('EARTHDATA_TOKEN', 'edl-token-xyz');
    const source = new HttpByteSource(`${earthdata.url}/to-other.bin`, asEarthdata());
    expect([...new Uint8Array(await source.fetch(0, 4))]).toEqual([1, 2, 3, 4]);
    // The read and its redirect are two requests.
    expect(source.requests).toBe(2);
    expect(seen).toEqual([
      { server: 'earthdata', path: '/to-other.bin', authorization: 'Bearer edl-token-xyz' },
      { server: 'other', path: '/asset.bin' },
    ]);
  });

  it('a redirect to the Earthdata login is an AccessError naming the asset URL, made once', async () => {
    vi.stubEnv('EARTHDATA_TOKEN', undefined);
    const url = `${earthdata.url}/protected.tif`;
    const before = earthdata.requests.get('/protected.tif') ?? 0;
    const err = await new HttpByteSource(url, asEarthdata()).fetch(0, 16).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AccessError);
    expect((err as AccessError).retryable).toBe(false);
    expect((err as AccessError).message).toBe(
      `GET ${url} was redirected to the NASA Earthdata login (urs.earthdata.nasa.gov): it needs a NASA Earthdata user token in EARTHDATA_TOKEN (sent only over https to Earthdata hosts)`,
    );
    expect(earthdata.requests.get('/protected.tif')! - before).toBe(1);

    vi.stubEnv('EARTHDATA_TOKEN', 'expired-token');
    await expect(new HttpByteSource(url, asEarthdata()).fetch(0, 16)).rejects.toThrow(
      new AccessError(
        `GET ${url} was redirected to the NASA Earthdata login (urs.earthdata.nasa.gov): the Earthdata token in EARTHDATA_TOKEN was refused (expired or revoked?)`,
      ),
    );
    expect(seen).toEqual([
      { server: 'earthdata', path: '/protected.tif' },
      { server: 'earthdata', path: '/protected.tif', authorization: 'Bearer expired-token' },
    ]);
  });

  it('a 401 from an Earthdata host is an AccessError saying whether a token was sent; from another host a SourceError', async () => {
    const url = `${earthdata.url}/denied.tif`;
    vi.stubEnv('EARTHDATA_TOKEN', undefined);
    const without = await new HttpByteSource(url, asEarthdata()).fetch(0, 16).catch((e: unknown) => e);
    expect(without).toBeInstanceOf(AccessError);
    expect((without as Error).message).toBe(
      `GET ${url} answered HTTP 401 from NASA Earthdata: it needs a NASA Earthdata user token in EARTHDATA_TOKEN (sent only over https to Earthdata hosts)`,
    );
    vi.stubEnv('EARTHDATA_TOKEN', 'revoked-token');
    await expect(new HttpByteSource(url, asEarthdata()).fetch(0, 16)).rejects.toThrow(
      new AccessError(
        `GET ${url} answered HTTP 401 from NASA Earthdata: the Earthdata token in EARTHDATA_TOKEN was refused (expired, revoked, or without access to this collection?)`,
      ),
    );
    const plain = await new HttpByteSource(url, HTTP).fetch(0, 16).catch((e: unknown) => e);
    expect([plain instanceof AccessError, (plain as Error).message]).toEqual([
      false,
      `GET ${url} failed with HTTP 401: unauthorized`,
    ]);
  });

  it('errors name a signed asset URL without its signature', async () => {
    const url = `${other.url}/missing.tif?sv=2024-05-04&se=2999-01-01&sp=rl&sig=SECRET%2Bsig`;
    const err = await new HttpByteSource(url, HTTP).fetch(0, 16).catch((e: unknown) => e);
    expect((err as Error).message).toBe(
      `GET ${other.url}/missing.tif?sv=2024-05-04&se=2999-01-01&sp=rl&sig=[redacted] failed with HTTP 404: not found`,
    );
    expect(
      [
        'https://a.blob.core.windows.net/c/x.tif?st=1&sig=abc&sp=r#frag',
        'https://b.s3.amazonaws.com/x.tif?X-Amz-Credential=AK%2F1&X-Amz-Signature=f00&X-Amz-Expires=3600',
        'https://example.com/x.tif?signature=kept&sigma=2',
        'https://example.com/x.tif',
      ].map(shownUrl),
    ).toEqual([
      'https://a.blob.core.windows.net/c/x.tif?st=1&sig=[redacted]&sp=r#frag',
      'https://b.s3.amazonaws.com/x.tif?X-Amz-Credential=[redacted]&X-Amz-Signature=[redacted]&X-Amz-Expires=3600',
      'https://example.com/x.tif?signature=kept&sigma=2',
      'https://example.com/x.tif',
    ]);
  });

  it('by default only https URLs on Earthdata domains get the token', () => {
    const cases = [
      'https://data.lpdaac.earthdatacloud.nasa.gov/lp-prod-protected/HLSL30.020/x.B04.tif',
      'https://cmr.earthdata.nasa.gov/stac/LPCLOUD',
      'https://earthdata.nasa.gov/',
      'http://data.lpdaac.earthdatacloud.nasa.gov/x.tif',
      'https://lp-prod-protected.s3.us-west-2.amazonaws.com/x.tif',
      'https://earthdatacloud.nasa.gov.example.com/x.tif',
      'https://notearthdata.nasa.gov/x.tif',
      'https://planetarycomputer.microsoft.com/api/sas/v1/token/sentinel-1-rtc',
    ];
    expect(cases.map((u) => sendsEarthdataToken(new URL(u)))).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});
