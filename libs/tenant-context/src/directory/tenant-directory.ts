import { Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import {
  DirectoryLookupReplySchema,
  Subjects,
  TENANT_LIFECYCLE_WILDCARD,
  TenantLifecycleEventSchema,
  type BusNaming,
  type DirectoryLookup,
  type TenantDirectoryEntry,
} from '@tenantbus/contracts';
import { JSONCodec, type NatsConnection, type Subscription } from 'nats';
import { outboundHeaders } from '../nats/tenant-headers';
import { readTenantContext } from '../context/tenant-context';
import { TenantDirectoryUnavailableError } from '../errors/tenantbus.error';
import { SingleFlight } from '../util/single-flight';

export interface TenantDirectoryOptions {
  /** How long a cached entry is trusted before it is looked up again (events refresh it sooner). */
  readonly ttlMs?: number;
  /** How long "no such tenant" is remembered, so unknown hosts/keys cannot flood the registry. */
  readonly negativeTtlMs?: number;
  readonly requestTimeoutMs?: number;
}

interface Cached {
  entry: TenantDirectoryEntry;
  fetchedAt: number;
}

const codec = JSONCodec<unknown>();

/**
 * Each service's local view of the tenant registry, used to resolve requests and check status
 * without a per-request call to the tenant-service. Filled on demand by request/reply (one flight
 * per key), kept fresh by lifecycle events (state-carrying, ordered by `entry.version`), and it
 * serves a stale entry when the registry is unreachable rather than failing every request.
 */
export class TenantDirectory implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(TenantDirectory.name);
  private readonly byId = new Map<string, Cached>();
  private readonly index = new Map<string, string>();
  private readonly misses = new Map<string, number>();
  private readonly flights = new SingleFlight<string, TenantDirectoryEntry | undefined>();
  private subscription?: Subscription;
  private readonly ttlMs: number;
  private readonly negativeTtlMs: number;
  private readonly requestTimeoutMs: number;

  constructor(
    private readonly nc: NatsConnection,
    private readonly naming: BusNaming,
    options: TenantDirectoryOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.ttlMs = options.ttlMs ?? 5 * 60_000;
    this.negativeTtlMs = options.negativeTtlMs ?? 30_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 2_000;
  }

  /** Subscribes to lifecycle events; call once at boot. */
  start(): void {
    this.subscription ??= this.nc.subscribe(this.naming.subject(TENANT_LIFECYCLE_WILDCARD), {
      callback: (error, msg) => {
        if (error) return;
        const event = TenantLifecycleEventSchema.safeParse(safeDecode(msg.data));
        if (!event.success) {
          this.logger.warn({ msg: 'ignoring malformed lifecycle event', subject: msg.subject });
          return;
        }
        if (event.data.type === 'tenant.purged') this.forget(event.data.tenantId);
        else this.apply(event.data.data.entry);
      },
    });
  }

  onModuleInit(): void {
    this.start();
  }

  onModuleDestroy(): void {
    this.stop();
  }

  stop(): void {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
  }

  findById(id: string): Promise<TenantDirectoryEntry | undefined> {
    return this.find({ by: 'id', value: id.toLowerCase() });
  }

  findBySlug(slug: string): Promise<TenantDirectoryEntry | undefined> {
    return this.find({ by: 'slug', value: slug.toLowerCase() });
  }

  findByHost(host: string): Promise<TenantDirectoryEntry | undefined> {
    return this.find({ by: 'host', value: host.toLowerCase() });
  }

  findByApiKeyPrefix(prefix: string): Promise<TenantDirectoryEntry | undefined> {
    return this.find({ by: 'apiKeyPrefix', value: prefix });
  }

  /** Whether the id names a tenant that exists (any status but purged). */
  async exists(id: string): Promise<boolean> {
    return (await this.findById(id)) !== undefined;
  }

  /** Adds or replaces an entry unless the cache already holds a newer version. */
  apply(entry: TenantDirectoryEntry): void {
    const current = this.byId.get(entry.id);
    if (current && current.entry.version > entry.version) return;
    if (current) this.unindex(current.entry);
    this.byId.set(entry.id, { entry, fetchedAt: this.now() });
    for (const key of indexKeys(entry)) {
      this.index.set(key, entry.id);
      this.misses.delete(key);
    }
  }

  forget(id: string): void {
    const current = this.byId.get(id);
    if (!current) return;
    this.unindex(current.entry);
    this.byId.delete(id);
  }

  private unindex(entry: TenantDirectoryEntry): void {
    for (const key of indexKeys(entry)) {
      if (this.index.get(key) === entry.id) this.index.delete(key);
    }
  }

  private async find(lookup: DirectoryLookup): Promise<TenantDirectoryEntry | undefined> {
    const key = `${lookup.by}:${lookup.value}`;
    const id = lookup.by === 'id' ? lookup.value : this.index.get(key);
    const cached = id ? this.byId.get(id) : undefined;
    if (cached && this.now() - cached.fetchedAt < this.ttlMs) return cached.entry;
    const missedAt = this.misses.get(key);
    if (!cached && missedAt !== undefined && this.now() - missedAt < this.negativeTtlMs)
      return undefined;
    return this.flights.run(key, () => this.fetch(lookup, key, cached?.entry));
  }

  private async fetch(
    lookup: DirectoryLookup,
    key: string,
    stale: TenantDirectoryEntry | undefined,
  ): Promise<TenantDirectoryEntry | undefined> {
    const subject = this.naming.subject(Subjects.directoryLookup.name);
    try {
      const headers = outboundHeaders(readTenantContext(), subject, 'system');
      const reply = await this.nc.request(subject, codec.encode(lookup), {
        headers,
        timeout: this.requestTimeoutMs,
      });
      const { entry } = DirectoryLookupReplySchema.parse(codec.decode(reply.data));
      if (!entry) {
        if (stale) this.forget(stale.id);
        this.misses.set(key, this.now());
        return undefined;
      }
      this.apply(entry);
      return entry;
    } catch (error) {
      if (stale) {
        this.logger.warn({
          msg: 'tenant registry unreachable; serving cached entry',
          lookup: lookup.by,
          error: String(error),
        });
        return stale;
      }
      this.logger.error({
        msg: 'tenant registry unreachable',
        lookup: lookup.by,
        error: String(error),
      });
      throw new TenantDirectoryUnavailableError();
    }
  }
}

function indexKeys(entry: TenantDirectoryEntry): string[] {
  return [
    `slug:${entry.slug}`,
    ...entry.domains.map((domain) => `host:${domain.toLowerCase()}`),
    ...entry.apiKeys.map((key) => `apiKeyPrefix:${key.prefix}`),
  ];
}

function safeDecode(data: Uint8Array): unknown {
  try {
    return codec.decode(data);
  } catch {
    return undefined;
  }
}
