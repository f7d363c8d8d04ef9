import { BusNaming } from '@tenantbus/contracts';
import {
  createTestBus,
  DirectoryStub,
  makeTenant,
  waitFor,
  type TestBus,
} from '@tenantbus/testing';
import { TenantDirectory, TenantDirectoryUnavailableError } from '../src';

describe('TenantDirectory against a stub registry on real NATS', () => {
  let bus: TestBus;
  let naming: BusNaming;
  let stub: DirectoryStub;
  let clock: number;
  let directory: TenantDirectory;

  beforeEach(async () => {
    bus = await createTestBus('tb_dir');
    naming = new BusNaming(bus.prefix);
    stub = new DirectoryStub(bus.nc, naming);
    clock = 1_000_000;
    directory = new TenantDirectory(
      bus.nc,
      naming,
      { ttlMs: 60_000, negativeTtlMs: 5_000, requestTimeoutMs: 500 },
      () => clock,
    );
    directory.start();
  });

  afterEach(async () => {
    directory.stop();
    stub.stop();
    await bus.close();
  });

  it('resolves by id, slug, host and API key prefix, then answers from its cache', async () => {
    const tenant = makeTenant({ domains: ['app.example.org'] });
    stub.add(tenant.entry);
    expect((await directory.findBySlug(tenant.entry.slug))?.id).toBe(tenant.entry.id);
    expect(stub.lookups).toHaveLength(1);
    expect((await directory.findById(tenant.entry.id))?.slug).toBe(tenant.entry.slug);
    expect((await directory.findByHost('APP.example.org'))?.id).toBe(tenant.entry.id);
    expect((await directory.findByApiKeyPrefix(tenant.entry.apiKeys[0].prefix))?.id).toBe(
      tenant.entry.id,
    );
    expect(stub.lookups).toHaveLength(1);
  });

  it('concurrent misses for one key make one request', async () => {
    const tenant = makeTenant();
    stub.add(tenant.entry);
    const results = await Promise.all(
      Array.from({ length: 25 }, () => directory.findBySlug(tenant.entry.slug)),
    );
    expect(new Set(results.map((entry) => entry?.id))).toEqual(new Set([tenant.entry.id]));
    expect(stub.lookups).toHaveLength(1);
  });

  it('remembers an unknown tenant for the negative TTL only', async () => {
    expect(await directory.findBySlug('ghost')).toBeUndefined();
    expect(await directory.findBySlug('ghost')).toBeUndefined();
    expect(stub.lookups).toHaveLength(1);
    clock += 5_001;
    const ghost = makeTenant({ slug: 'ghost' });
    stub.add(ghost.entry);
    expect((await directory.findBySlug('ghost'))?.id).toBe(ghost.entry.id);
  });

  it('lifecycle events update the cache; an older version never overwrites a newer one', async () => {
    const tenant = makeTenant();
    stub.add(tenant.entry);
    await directory.findById(tenant.entry.id);
    const suspended = await stub.change(tenant.entry.id, 'tenant.suspended', {
      status: 'suspended',
    });
    await waitFor(async () =>
      (await directory.findById(tenant.entry.id))?.status === 'suspended' ? true : undefined,
    );
    directory.apply({ ...tenant.entry, status: 'active', version: suspended.version - 1 });
    expect((await directory.findById(tenant.entry.id))?.status).toBe('suspended');
    expect(stub.lookups).toHaveLength(1);
  });

  it('a purge event drops the tenant and its keys', async () => {
    const tenant = makeTenant();
    stub.add(tenant.entry);
    await directory.findById(tenant.entry.id);
    await stub.change(tenant.entry.id, 'tenant.purged', { status: 'deleted' });
    stub.entries.delete(tenant.entry.id);
    await waitFor(async () =>
      (await directory.findByApiKeyPrefix(tenant.entry.apiKeys[0].prefix)) === undefined
        ? true
        : undefined,
    );
  });

  it('serves a stale entry when the registry is down, and says unavailable when it has nothing', async () => {
    const tenant = makeTenant();
    stub.add(tenant.entry);
    await directory.findById(tenant.entry.id);
    stub.stop();
    clock += 120_000;
    expect((await directory.findById(tenant.entry.id))?.id).toBe(tenant.entry.id);
    await expect(directory.findBySlug('never-seen')).rejects.toBeInstanceOf(
      TenantDirectoryUnavailableError,
    );
  });
});
