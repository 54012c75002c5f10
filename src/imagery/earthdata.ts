/**
 * NASA Earthdata access: the EDL user token (`EARTHDATA_TOKEN`) goes as `Authorization: Bearer …` only to
 * Earthdata hosts, only over https (or to this machine's loopback), and is dropped on a redirect to
 * another origin (LP DAAC redirects an authorised asset request to a signed S3 URL, which must not see
 * it). A request redirected to the Earthdata login instead lacks a token or had it refused.
 */
import { AccessError } from '../errors.ts';

/** Domains (with their subdomains) that get the Earthdata token. */
export const EARTHDATA_HOSTS: readonly string[] = ['earthdatacloud.nasa.gov', 'earthdata.nasa.gov'];

/** The Earthdata login, where LP DAAC redirects asset requests that carry no valid token. */
export const EARTHDATA_LOGIN_HOST = 'urs.earthdata.nasa.gov';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Whether a request to `url` gets the Earthdata token: an https (or loopback) URL whose host is one of `hosts` or under one. */
export function sendsEarthdataToken(url: URL, hosts: readonly string[] = EARTHDATA_HOSTS): boolean {
  if (url.protocol !== 'https:' && !LOOPBACK.has(url.hostname)) return false;
  return hosts.some((h) => url.host === h || url.host.endsWith(`.${h}`));
}

/** Whether `url` is the Earthdata login (its production or UAT host). */
export function isEarthdataLogin(url: URL): boolean {
  return url.hostname === EARTHDATA_LOGIN_HOST || url.hostname.endsWith(`.${EARTHDATA_LOGIN_HOST}`);
}

/** The error of a request redirected to the Earthdata login, naming the URL requested. */
export function earthdataLoginError(request: string, tokenSent: boolean): AccessError {
  return new AccessError(
    tokenSent
      ? `${request} was redirected to the NASA Earthdata login (${EARTHDATA_LOGIN_HOST}): the Earthdata token in EARTHDATA_TOKEN was refused (expired or revoked?)`
      : `${request} was redirected to the NASA Earthdata login (${EARTHDATA_LOGIN_HOST}): it needs a NASA Earthdata user token in EARTHDATA_TOKEN (sent only over https to Earthdata hosts)`,
  );
}

/** The error of an Earthdata host answering 401 or 403: the token is missing or was refused. */
export function earthdataRefusedError(request: string, status: number, tokenSent: boolean): AccessError {
  return new AccessError(
    tokenSent
      ? `${request} answered HTTP ${status} from NASA Earthdata: the Earthdata token in EARTHDATA_TOKEN was refused (expired, revoked, or without access to this collection?)`
      : `${request} answered HTTP ${status} from NASA Earthdata: it needs a NASA Earthdata user token in EARTHDATA_TOKEN (sent only over https to Earthdata hosts)`,
  );
}
