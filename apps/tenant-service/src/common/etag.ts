import { InvalidRequestError } from './registry.errors';

/** Our ETags are the row version: `"7"`. */
export function etag(version: number): string {
  return `"${version}"`;
}

/** Parses `If-Match` (`"7"`, `W/"7"` or `7`); undefined when absent. */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header === '*') return undefined;
  const match = /^(?:W\/)?"?(\d+)"?$/.exec(header.trim());
  if (!match)
    throw new InvalidRequestError(
      'IF_MATCH_INVALID',
      'If-Match must be the ETag of the tenant, e.g. "3"',
    );
  return Number(match[1]);
}
