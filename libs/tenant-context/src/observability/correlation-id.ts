import { randomUUID } from 'node:crypto';

export { CORRELATION_ID_HEADER } from '@tenantbus/contracts';

/**
 * The id ends up in logs, spans and response headers, so it is validated, not trusted:
 * bounded length and a charset that cannot inject JSON, log lines or headers.
 */
export const CORRELATION_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** The header value when it is an acceptable id, else undefined. Repeated headers are refused. */
export function acceptCorrelationId(value: unknown): string | undefined {
  return typeof value === 'string' && CORRELATION_ID_PATTERN.test(value) ? value : undefined;
}

export function correlationIdOrNew(value: unknown): string {
  return acceptCorrelationId(value) ?? randomUUID();
}
