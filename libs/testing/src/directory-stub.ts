import { randomUUID } from 'node:crypto';
import {
  DirectoryLookupSchema,
  Subjects,
  type BusNaming,
  type DirectoryLookup,
  type TenantDirectoryEntry,
  type TenantLifecycleEvent,
  type TenantLifecycleType,
} from '@tenantbus/contracts';
import { JSONCodec, type NatsConnection } from 'nats';

const codec = JSONCodec<unknown>();

/**
 * Plays the tenant-service's side of the directory on real NATS: answers lookups from an
 * in-memory list and publishes lifecycle events. Counts lookups so tests can prove caching.
 */
export class DirectoryStub {
  readonly entries = new Map<string, TenantDirectoryEntry>();
  lookups: DirectoryLookup[] = [];
  private readonly subscription;

  constructor(
    private readonly nc: NatsConnection,
    private readonly naming: BusNaming,
  ) {
    this.subscription = nc.subscribe(naming.subject(Subjects.directoryLookup.name), {
      callback: (_error, msg) => {
        const lookup = DirectoryLookupSchema.parse(codec.decode(msg.data));
        this.lookups.push(lookup);
        msg.respond(codec.encode({ entry: this.find(lookup) ?? null }));
      },
    });
  }

  add(...entries: TenantDirectoryEntry[]): void {
    for (const entry of entries) this.entries.set(entry.id, entry);
  }

  /** Changes an entry (bumping its version) and announces it like the tenant-service would. */
  async change(
    id: string,
    type: TenantLifecycleType,
    patch: Partial<TenantDirectoryEntry>,
  ): Promise<TenantDirectoryEntry> {
    const current = this.entries.get(id);
    if (!current) throw new Error(`unknown tenant ${id}`);
    const entry = { ...current, ...patch, version: current.version + 1 };
    this.entries.set(id, entry);
    const event: TenantLifecycleEvent = {
      specversion: '1.0',
      id: randomUUID(),
      type,
      source: 'directory-stub',
      time: new Date().toISOString(),
      tenantId: id,
      dataVersion: 1,
      data: { entry, name: entry.slug, settings: {}, plan: { code: entry.plan, limits: {} } },
    };
    this.nc.publish(this.naming.subject(type), codec.encode(event));
    await this.nc.flush();
    return entry;
  }

  stop(): void {
    this.subscription.unsubscribe();
  }

  private find(lookup: DirectoryLookup): TenantDirectoryEntry | undefined {
    const all = [...this.entries.values()];
    switch (lookup.by) {
      case 'id':
        return this.entries.get(lookup.value);
      case 'slug':
        return all.find((entry) => entry.slug === lookup.value);
      case 'host':
        return all.find((entry) => entry.domains.includes(lookup.value));
      case 'apiKeyPrefix':
        return all.find((entry) => entry.apiKeys.some((key) => key.prefix === lookup.value));
    }
  }
}
