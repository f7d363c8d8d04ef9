import type { Request } from 'express';

/** The credential a caller presented, from `Authorization: Bearer` or `x-api-key`. */
export function presentedCredential(request: Request): string | undefined {
  const apiKey = request.headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey) return apiKey.trim();
  const authorization = request.headers.authorization;
  const match = authorization ? /^Bearer\s+(.+)$/i.exec(authorization) : null;
  return match ? match[1].trim() : undefined;
}

/** The host the caller addressed, lower-cased and without port. */
export function requestHost(request: Request): string | undefined {
  const host = request.headers.host;
  if (!host) return undefined;
  return host.replace(/:\d+$/, '').replace(/\.$/, '').toLowerCase();
}
