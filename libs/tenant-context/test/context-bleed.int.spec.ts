import { MikroORM } from '@mikro-orm/core';
import { PostgreSqlDriver, type EntityManager } from '@mikro-orm/postgresql';
import { BusNaming, defineSubject } from '@tenantbus/contracts';
import { createTestBus, waitFor, type TestBus, type TestDatabase } from '@tenantbus/testing';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { DeadLetterPublisher, JetStreamTenantConsumer, TenantBus, TenantContext } from '../src';
import { createFixtureDatabase, initFixtureOrm } from './fixtures.db';
import { Widget } from './fixtures.entities';

const TENANTS = 50;
const DIRECT_OPERATIONS = 1_500;
const MESSAGES = 500;

const Probe = defineSubject({
  name: 'bleed.probe',
  scope: 'tenant',
  schema: z.object({ expected: z.uuid(), op: z.number() }),
});

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const randomPause = () =>
  Math.random() < 0.3
    ? new Promise<void>((resolve) => setImmediate(resolve))
    : pause(Math.random() * 4);

/**
 * ≥ 2,000 interleaved operations across 50 tenants — direct scopes with random awaits and
 * timers, plus concurrent JetStream messages — and every one sees only its own tenant.
 */
describe('no tenant bleed under concurrency (real NATS + Postgres)', () => {
  let db: TestDatabase;
  let bus: TestBus;
  let orm: MikroORM<PostgreSqlDriver>;
  let context: TenantContext;
  let consumer: JetStreamTenantConsumer<typeof Probe.schema>;
  const tenants = Array.from({ length: TENANTS }, () => randomUUID());
  const violations: string[] = [];
  const handledMessages = new Set<number>();

  /** What a scope must see: its own tenant in the context and exactly its own widget in the DB. */
  async function check(expected: string, label: string): Promise<void> {
    if (context.tenantId !== expected)
      violations.push(`${label}: context says ${context.tenantId}`);
    const widgets = await (orm.em as EntityManager).find(Widget, {});
    if (widgets.length !== 1 || widgets[0].name !== expected) {
      violations.push(`${label}: saw ${widgets.map((w) => w.name).join(',')}`);
    }
    const raw = await (orm.em as EntityManager).execute<{ name: string }[]>(
      'select name from widget',
    );
    if (raw.length !== 1 || raw[0].name !== expected)
      violations.push(`${label}: raw SQL saw ${raw.length} rows`);
  }

  beforeAll(async () => {
    const fixture = await createFixtureDatabase('tb_bleed');
    db = fixture.db;
    for (const tenantId of tenants) {
      await db.query(
        `insert into widget (tenant_id, id, name) values ($1, gen_random_uuid(), $2)`,
        [tenantId, tenantId],
      );
    }
    ({ orm, context } = await initFixtureOrm(fixture, { pool: { min: 2, max: 20 } }));
    bus = await createTestBus('tb_bleed');
    const naming = new BusNaming(bus.prefix);
    const jsm = await bus.nc.jetstreamManager();
    await jsm.streams.add({ name: naming.stream('bleed'), subjects: [naming.subject('bleed.>')] });
    consumer = new JetStreamTenantConsumer(
      bus.nc,
      context,
      new DeadLetterPublisher(bus.nc, naming),
      {
        stream: naming.stream('bleed'),
        durable: 'bleed',
        filterSubject: naming.subject(Probe.name),
        schema: Probe.schema,
        scope: { kind: 'tenant' },
        concurrency: 16,
        handle: async ({ expected, op }) => {
          await randomPause();
          await check(expected, `message ${op}`);
          handledMessages.add(op);
        },
      },
    );
    await consumer.start();
    const publisher = new TenantBus(bus.nc, naming, context);

    const direct = Array.from({ length: DIRECT_OPERATIONS }, async (_, op) => {
      const tenantId = tenants[op % TENANTS];
      await randomPause();
      await context.runWithTenant(tenantId, async () => {
        await randomPause();
        await check(tenantId, `op ${op}`);
        // A timer and parallel sub-tasks inherit the scope that started them.
        await new Promise<void>((resolve, reject) =>
          setTimeout(
            () => void check(tenantId, `op ${op} timer`).then(resolve, reject),
            Math.random() * 3,
          ),
        );
        await Promise.all([
          randomPause().then(() => expectTenant(tenantId, op)),
          randomPause().then(() => expectTenant(tenantId, op)),
        ]);
      });
    });
    const published = Array.from({ length: MESSAGES }, async (_, op) => {
      const tenantId = tenants[(op * 7) % TENANTS];
      await randomPause();
      await context.runWithTenant(tenantId, () =>
        publisher.publishDurable(Probe, { expected: tenantId, op }),
      );
    });
    await Promise.all([...direct, ...published]);
    await waitFor(() => (handledMessages.size === MESSAGES ? true : undefined), {
      timeoutMs: 45_000,
      what: 'all messages',
    });
  });

  function expectTenant(tenantId: string, op: number): void {
    if (context.tenantId !== tenantId) violations.push(`op ${op} sub-task: ${context.tenantId}`);
  }

  afterAll(async () => {
    await consumer?.stop();
    await bus?.close();
    await orm?.close(true);
    await db?.drop();
  });

  it(`ran ${DIRECT_OPERATIONS + MESSAGES} operations across ${TENANTS} tenants`, () => {
    expect(handledMessages.size).toBe(MESSAGES);
  });

  it('every operation saw only its own tenant', () => {
    expect(violations).toEqual([]);
  });

  it('leaves no scope behind once the work is done', () => {
    expect(context.maybeTenantId).toBeUndefined();
  });
});
