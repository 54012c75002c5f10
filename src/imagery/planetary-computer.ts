/**
 * Microsoft Planetary Computer SAS signing: one token per collection, shared by all readers, fetched from
 * the token endpoint and refreshed five minutes before `msft:expiry`. Concurrent callers share one fetch.
 */
import { z } from 'zod';
import { SourceError } from '../errors.ts';
import { httpRequest, type HttpOptions } from './http.ts';

const tokenResponse = z.object({ token: z.string().min(1), 'msft:expiry': z.string() });

/** The public token endpoint of a collection. */
export function planetaryComputerTokenUrl(collection: string): string {
  return `https://planetarycomputer.microsoft.com/api/sas/v1/token/${encodeURIComponent(collection)}`;
}

const REFRESH_MARGIN_MS = 5 * 60 * 1000;
const tokens = new Map<string, Promise<{ token: string; expiresAt: number }>>();

/** A SAS token for the endpoint, cached until five minutes before it expires. */
export async function sasToken(
  tokenUrl: string,
  options: HttpOptions & { signal?: AbortSignal } = {},
): Promise<string> {
  const cached = tokens.get(tokenUrl);
  if (cached) {
    const t = await cached.catch(() => null);
    if (t && t.expiresAt - REFRESH_MARGIN_MS > Date.now()) return t.token;
    if (tokens.get(tokenUrl) !== cached) return sasToken(tokenUrl, options);
  }
  const fresh = (async () => {
    const { body } = await httpRequest(tokenUrl, { method: 'GET' }, options);
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(body));
    } catch {
      throw new SourceError(`SAS token endpoint ${tokenUrl} did not return JSON`);
    }
    const parsed = tokenResponse.safeParse(json);
    if (!parsed.success)
      throw new SourceError(`SAS token endpoint ${tokenUrl} returned no token/msft:expiry`);
    const expiresAt = Date.parse(parsed.data['msft:expiry']);
    if (Number.isNaN(expiresAt))
      throw new SourceError(`SAS token endpoint ${tokenUrl} returned expiry ${parsed.data['msft:expiry']}`);
    return { token: parsed.data.token.replace(/^\?/, ''), expiresAt };
  })();
  tokens.set(tokenUrl, fresh);
  fresh.catch(() => {
    if (tokens.get(tokenUrl) === fresh) tokens.delete(tokenUrl);
  });
  return (await fresh).token;
}

/** A URL signer using the endpoint's shared token (URLs already carrying a query keep it, the token is appended). */
export function planetaryComputerSigner(
  tokenUrl: string,
  http: HttpOptions = {},
): (url: string, signal?: AbortSignal) => Promise<string> {
  return async (url, signal) => {
    const token = await sasToken(tokenUrl, { ...http, signal });
    return url + (url.includes('?') ? '&' : '?') + token;
  };
}
