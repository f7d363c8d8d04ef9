import { Inject, Injectable } from '@nestjs/common';
import { SYNC_CONFIG, type SyncServiceConfig } from '../../config/sync-service.config';
import type { Credentials } from '../../credentials/credentials.cipher';
import {
  ProviderError,
  type MetricRecord,
  type ProviderAccount,
  type SyncBatch,
  type SyncProvider,
} from './sync-provider';

interface UpstreamPage {
  records?: { metric?: unknown; time?: unknown; value?: unknown }[];
  next_cursor?: unknown;
  has_more?: unknown;
}

/** The seed's cookie travels as `Cookie`; every other credential key as a header of its own name. */
const HEADER_NAMES: Record<string, string> = { airbnb_cookie: 'cookie' };

/**
 * Calls `GET <SYNC_HTTP_BASE_URL>/accounts/<id>/metrics?cursor=<checkpoint>` with the account's
 * decrypted credentials as request headers; the upstream answers
 * `{ records: [{ metric, time, value }], next_cursor, has_more }`. Errors carry the status only,
 * never the request (its headers are the credentials).
 */
@Injectable()
export class HttpProvider implements SyncProvider {
  readonly name = 'http';

  constructor(@Inject(SYNC_CONFIG) private readonly config: SyncServiceConfig) {}

  async fetch(account: ProviderAccount, checkpoint: string | null): Promise<SyncBatch> {
    const base = this.config.SYNC_HTTP_BASE_URL;
    if (!base) throw new ProviderError('PROVIDER_NOT_CONFIGURED', 'SYNC_HTTP_BASE_URL is not set');
    const url = new URL(
      `accounts/${encodeURIComponent(account.accountId)}/metrics`,
      `${base.replace(/\/$/, '')}/`,
    );
    if (checkpoint) url.searchParams.set('cursor', checkpoint);
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { accept: 'application/json', ...headersOf(account.credentials) },
        signal: AbortSignal.timeout(this.config.SYNC_HTTP_TIMEOUT_MS),
      });
    } catch (error) {
      const timeout = error instanceof Error && error.name === 'TimeoutError';
      throw new ProviderError(
        timeout ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_UNREACHABLE',
        timeout ? 'The upstream did not answer in time' : 'The upstream could not be reached',
      );
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new ProviderError(
        `UPSTREAM_HTTP_${response.status}`,
        `The upstream answered ${response.status}`,
        {
          status: response.status,
        },
      );
    }
    return parsePage((await response.json().catch(() => undefined)) as UpstreamPage | undefined);
  }
}

function headersOf(credentials: Credentials | null): Record<string, string> {
  if (!credentials) return {};
  return Object.fromEntries(
    Object.entries(credentials).map(([key, value]) => [
      HEADER_NAMES[key] ?? key.replace(/_/g, '-'),
      value,
    ]),
  );
}

function parsePage(page: UpstreamPage | undefined): SyncBatch {
  if (!page || !Array.isArray(page.records))
    throw new ProviderError('UPSTREAM_RESPONSE_INVALID', 'The upstream answered without records');
  const records: MetricRecord[] = page.records.map((record) => ({
    metric: String(record.metric),
    time: new Date(String(record.time)),
    value: Number(record.value),
  }));
  const next = typeof page.next_cursor === 'string' && page.next_cursor ? page.next_cursor : null;
  return { records, nextCheckpoint: next, hasMore: page.has_more === true && next !== null };
}
