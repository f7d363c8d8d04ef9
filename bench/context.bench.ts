import { MikroORM } from '@mikro-orm/core';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { EntityManager, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Controller, Inject, Module, type INestApplication } from '@nestjs/common';
import {
  ClientProxyFactory,
  MessagePattern,
  Payload,
  Transport,
  type ClientProxy,
} from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { BusNaming } from '@tenantbus/contracts';
import {
  connectTenantMicroservice,
  TenantContext,
  TenantContextModule,
  TenantOrmModule,
  tenantNatsClient,
  tenantTableSql,
  withTenancy,
} from '@tenantbus/tenant-context';
import {
  createTestBus,
  createTestDatabase,
  DirectoryStub,
  makeTenant,
  TEST_NATS_URL,
} from '@tenantbus/testing';
import { ClsServiceManager } from 'nestjs-cls';
import { lastValueFrom } from 'rxjs';
import { BenchItem, OpenBenchItem } from './bench.entity';
import { measureLatencyInterleaved, type Sample } from './measure';

const REPS = Number(process.env.BENCH_REPS ?? 5);
const TENANTS = 50;
const ROWS = 100;
const WIDTHS = [
  { inFlight: 1, count: 1_000 },
  { inFlight: 64, count: 5_000 },
];

/** Row names, so the targets can find them. */
export const CONTEXT_ROWS = {
  tenant: (inFlight: number) =>
    `tenant-context (headers, CLS, EM + tx, set_config, filter, RLS), ${inFlight} in flight`,
  open: (inFlight: number) =>
    `tenant-context on a table without RLS policies, ${inFlight} in flight`,
  cpu: (row: string) => `Node CPU per request (client + service): ${row}`,
  plainNoQuery: (inFlight: number) =>
    `plain Nest NATS, handler makes no query, ${inFlight} in flight (baseline)`,
  tenantNoQuery: (inFlight: number) =>
    `tenant-context, handler makes no query (headers, CLS, admission, scope), ${inFlight} in flight`,
};

interface ItemRequest {
  readonly tenantId?: string;
  readonly id: number;
}

/**
 * NATS request → handler → one tenant-scoped read → reply. Baseline: plain Nest NATS transport and
 * a hand-written `where tenant_id` (superuser connection, no RLS, no tenant context). Ours: the
 * tenant in headers, restored into CLS, a fresh EntityManager and transaction bound with
 * `set_config`, the ORM filter and RLS — with and without the policies on the table.
 */
export async function contextBenchmarks(): Promise<Sample[]> {
  const db = await createTestDatabase('tb_bctx');
  const bus = await createTestBus('tb_bctx');
  const naming = new BusNaming(bus.prefix);
  const roles = { appRole: db.appRole, systemRole: db.systemRole };
  const tenants = Array.from({ length: TENANTS }, () => makeTenant());
  const directory = new DirectoryStub(bus.nc, naming);
  directory.add(...tenants.map((tenant) => tenant.entry));
  for (const table of ['bench_item', 'bench_item_open']) {
    await db.query(
      `create table ${table} (tenant_id uuid not null, id int not null, label text not null, primary key (tenant_id, id))`,
    );
    await db.query(
      `insert into ${table} select t, g, 'item ' || g from unnest($1::uuid[]) t, generate_series(1, ${ROWS}) g`,
      [tenants.map((tenant) => tenant.entry.id)],
    );
  }
  for (const sql of tenantTableSql('bench_item', { roles, indexTenantId: false }))
    await db.query(sql);
  await db.query(`grant select on bench_item_open to "${db.appRole}", "${db.systemRole}"`);

  const subjects = {
    plain: naming.subject('bench.plain'),
    rls: naming.subject('bench.tenant'),
    open: naming.subject('bench.tenant_open'),
    plainNoQuery: naming.subject('bench.plain_no_query'),
    tenantNoQuery: naming.subject('bench.tenant_no_query'),
  };
  const noQuery = (request: ItemRequest) => Promise.resolve({ label: `item ${request.id}` });

  @Controller()
  class PlainHandler {
    constructor(@Inject(MikroORM) private readonly orm: MikroORM) {}

    @MessagePattern<string>(subjects.plain)
    async item(@Payload() request: ItemRequest) {
      const item = await this.orm.em
        .fork()
        .findOneOrFail(
          BenchItem,
          { tenantId: request.tenantId, id: request.id },
          { filters: false },
        );
      return { label: item.label };
    }

    @MessagePattern<string>(subjects.plainNoQuery)
    itemWithoutQuery(@Payload() request: ItemRequest) {
      return noQuery(request);
    }
  }

  @Controller()
  class TenantHandler {
    constructor(@Inject(EntityManager) private readonly em: EntityManager) {}

    @MessagePattern<string>(subjects.rls)
    async item(@Payload() request: ItemRequest) {
      return { label: (await this.em.findOneOrFail(BenchItem, { id: request.id })).label };
    }

    @MessagePattern<string>(subjects.tenantNoQuery)
    itemWithoutQuery(@Payload() request: ItemRequest) {
      return noQuery(request);
    }

    @MessagePattern<string>(subjects.open)
    async openItem(@Payload() request: ItemRequest) {
      return { label: (await this.em.findOneOrFail(OpenBenchItem, { id: request.id })).label };
    }
  }

  @Module({
    imports: [
      MikroOrmModule.forRoot({
        driver: PostgreSqlDriver,
        clientUrl: db.ownerUrl,
        entities: [BenchItem],
        registerRequestContext: false,
      }),
    ],
    controllers: [PlainHandler],
  })
  class PlainModule {}

  @Module({
    imports: [
      TenantContextModule.forRoot({
        serviceName: 'bench',
        natsUrl: TEST_NATS_URL,
        busPrefix: bus.prefix,
      }),
      MikroOrmModule.forRoot({
        ...withTenancy(
          {
            driver: PostgreSqlDriver,
            clientUrl: db.appUrl,
            entities: [BenchItem, OpenBenchItem],
          },
          roles,
        ),
        registerRequestContext: false,
      }),
      TenantOrmModule.forRoot(),
    ],
    controllers: [TenantHandler],
  })
  class TenantModule {}

  const apps: INestApplication[] = [];
  const start = async (module: unknown, attach: (app: INestApplication) => void) => {
    const ref = await Test.createTestingModule({ imports: [module as never] }).compile();
    const app = ref.createNestApplication({ logger: false });
    attach(app);
    await app.startAllMicroservices();
    await app.init();
    apps.push(app);
  };
  await start(PlainModule, (app) =>
    app.connectMicroservice({ transport: Transport.NATS, options: { servers: TEST_NATS_URL } }),
  );
  await start(TenantModule, (app) => connectTenantMicroservice(app, TEST_NATS_URL, 'bench'));

  const plainClient = ClientProxyFactory.create({
    transport: Transport.NATS,
    options: { servers: TEST_NATS_URL },
  });
  const tenantClient = ClientProxyFactory.create(tenantNatsClient(TEST_NATS_URL));
  const clients: ClientProxy[] = [plainClient, tenantClient];
  await Promise.all(clients.map((client) => client.connect()));
  const context = new TenantContext(ClsServiceManager.getClsService());
  const pick = (i: number) => ({ tenantId: tenants[i % TENANTS].entry.id, id: (i % ROWS) + 1 });

  const samples: Sample[] = [];
  const viaPlain = (subject: string) => (i: number) =>
    lastValueFrom(plainClient.send<{ label: string }>(subject, pick(i)));
  const viaContext = (subject: string) => (i: number) =>
    context.runWithTenant(pick(i).tenantId, () =>
      lastValueFrom(tenantClient.send<{ label: string }>(subject, { id: pick(i).id })),
    );
  /** Each row, and beside it this process's CPU per request (client and server share it). */
  const record = (measured: (Sample & { readonly cpuMicros: number[] })[], baseline: string) => {
    samples.push(...measured);
    samples.push(
      ...measured.map(({ name, cpuMicros }) => ({
        name: CONTEXT_ROWS.cpu(name),
        baseline: CONTEXT_ROWS.cpu(baseline),
        rates: cpuMicros,
        unit: 'µs CPU/request',
      })),
    );
  };
  try {
    for (const width of WIDTHS) {
      const baseline = `plain Nest NATS + where tenant_id, ${width.inFlight} in flight (baseline)`;
      const measured = await measureLatencyInterleaved(
        [
          { name: baseline, operation: viaPlain(subjects.plain) },
          {
            name: CONTEXT_ROWS.tenant(width.inFlight),
            baseline,
            operation: viaContext(subjects.rls),
          },
          {
            name: CONTEXT_ROWS.open(width.inFlight),
            baseline,
            operation: viaContext(subjects.open),
          },
        ],
        { repetitions: REPS, ...width },
      );
      record(measured, baseline);
    }
    // The same hop with no query: what the transport and the scope cost apart from the ORM.
    const width = WIDTHS[WIDTHS.length - 1];
    const baseline = CONTEXT_ROWS.plainNoQuery(width.inFlight);
    const measured = await measureLatencyInterleaved(
      [
        { name: baseline, operation: viaPlain(subjects.plainNoQuery) },
        {
          name: CONTEXT_ROWS.tenantNoQuery(width.inFlight),
          baseline,
          operation: viaContext(subjects.tenantNoQuery),
        },
      ],
      { repetitions: REPS, ...width },
    );
    record(measured, baseline);
  } finally {
    for (const client of clients) await client.close();
    for (const app of apps) await app.close();
    directory.stop();
    await bus.close();
    await db.drop();
  }
  return samples;
}
