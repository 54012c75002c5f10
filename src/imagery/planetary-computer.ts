/**
 * Microsoft Planetary Computer SAS signing: one token per collection, shared by all readers, fetched from
 * the token endpoint and refreshed five minutes before `msft:expiry`. Concurrent callers share one fetch.
 * The token request carries the subscription key of `PC_SDK_SUBSCRIPTION_KEY` (header
 * `Ocp-Apim-Subscription-Key`) when it is set, read from this process's environment at each fetch; some
 * collections' endpoints (`sentinel-1-rtc`) answer only requests that carry one.
 */
import { z } from 'zod';
import { loadConfig } from '../config.ts';
import { AccessError, SourceError } from '../errors.ts';
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
    const key = loadConfig().pcSubscriptionKey;
    const { response, body } = await httpRequest(
      tokenUrl,
      {
        method: 'GET',
        acceptStatus: [401, 403],
        ...(key ? { headers: { 'Ocp-Apim-Subscription-Key': key.reveal() } } : {}),
      },
      options,
    );
    if (response.status === 401 || response.status === 403)
      throw new AccessError(
        `SAS token endpoint ${tokenUrl} refused access (HTTP ${response.status}): ${
          key
            ? 'it refused the Planetary Computer subscription key in PC_SDK_SUBSCRIPTION_KEY'
            : 'it needs a Planetary Computer subscription key in PC_SDK_SUBSCRIPTION_KEY'
        }`,
      );
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
