import { MikroORM } from '@mikro-orm/core';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { EntityManager } from '@mikro-orm/postgresql';
import { Controller, Module, type INestApplication } from '@nestjs/common';
import {
  ClientProxyFactory,
  EventPattern,
  MessagePattern,
  Payload,
  type ClientProxy,
} from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { trace } from '@opentelemetry/api';
import { BusNaming, DEAD_LETTER_TOKEN } from '@tenantbus/contracts';
import {
  createTestBus,
  DirectoryStub,
  makeTenant,
  readStream,
  TEST_NATS_URL,
  waitFor,
  type TestBus,
  type TestDatabase,
} from '@tenantbus/testing';
import { IsBoolean, IsOptional, IsString } from 'class-validator';
import { headers as natsHeaders, JSONCodec } from 'nats';
import { lastValueFrom } from 'rxjs';
import {
  connectTenantMicroservice,
  TenantContext,
  TenantContextMissingError,
  SystemScoped,
  TenantContextModule,
  TenantOrmModule,
  tenantNatsClient,
} from '../src';
import { installTestTracing } from '../src/observability';
import { createFixtureDatabase, fixtureOrmOptions } from './fixtures.db';
import { Widget } from './fixtures.entities';

interface Seen {
  tenantId: string;
  visibleWidgets: string[];
  traceId?: string;
}

const codec = JSONCodec<unknown>();

class AddWidget {
  @IsString()
  name!: string;

  /** Fail after the write: the reply must report it and the write must not stay. */
  @IsOptional()
  @IsBoolean()
  fail?: boolean;
}

describe('NATS round trip through a Nest hybrid app (real NATS + Postgres)', () => {
  const tracing = installTestTracing();
  let db: TestDatabase;
  let bus: TestBus;
  let stub: DirectoryStub;
  let app: INestApplication;
  let client: ClientProxy;
  let context: TenantContext;
  let naming: BusNaming;
  const seen: Seen[] = [];
  const a = makeTenant();
  const b = makeTenant();
  const subjects = { touch: '', count: '', lifecycle: '', add: '', audit: '' };
  const systemSeen: { isSystem: boolean; widgets: number; tenantId?: string }[] = [];

  beforeAll(async () => {
    const fixture = await createFixtureDatabase('tb_nats');
    db = fixture.db;
    await db.query(
      `insert into widget (tenant_id, id, name) values ($1, gen_random_uuid(), 'a-widget'), ($2, gen_random_uuid(), 'b-widget')`,
      [a.entry.id, b.entry.id],
    );
    bus = await createTestBus('tb_nats');
    naming = new BusNaming(bus.prefix);
    stub = new DirectoryStub(bus.nc, naming);
    stub.add(a.entry, b.entry);
    subjects.touch = naming.subject('widget.touch');
    subjects.count = naming.subject('widget.count');
    subjects.lifecycle = naming.subject('tenant.rebuilt');
    subjects.add = naming.subject('widget.add');
    subjects.audit = naming.subject('widget.audit');

    @Controller()
    class WidgetHandlers {
      constructor(
        private readonly em: EntityManager,
        private readonly tenant: TenantContext,
      ) {}

      @EventPattern<string>(subjects.touch)
      async touch(): Promise<void> {
        const widgets = await this.em.find(Widget, {});
        seen.push({
          tenantId: this.tenant.tenantId,
          visibleWidgets: widgets.map((widget) => widget.name),
          traceId: trace.getActiveSpan()?.spanContext().traceId,
        });
      }

      /** System-level by nature: it declares so, and may then run without a tenant header. */
      @SystemScoped('test: lifecycle handler')
      @EventPattern<string>(subjects.lifecycle)
      async lifecycle(): Promise<void> {
        systemSeen.push({
          isSystem: this.tenant.isSystem,
          tenantId: this.tenant.maybeTenantId,
          widgets: await this.em.count(Widget, {}),
        });
      }

      @MessagePattern<string>(subjects.add)
      async add(@Payload() input: AddWidget): Promise<{ id: string }> {
        const widget = this.em.create(Widget, { name: input.name });
        await this.em.flush();
        if (input.fail) throw new Error('failed after writing');
        return { id: widget.id };
      }

      @MessagePattern<string>(subjects.count)
      async count(): Promise<{ tenantId: string; count: number }> {
        return { tenantId: this.tenant.tenantId, count: await this.em.count(Widget, {}) };
      }
    }

    /** Declared system-level as a whole: every handler of the class runs so. */
    @SystemScoped('test: audit across tenants')
    @Controller()
    class AuditHandlers {
      constructor(private readonly em: EntityManager) {}

      @MessagePattern<string>(subjects.audit)
      async audit(): Promise<{ widgets: number }> {
        return { widgets: await this.em.count(Widget, {}) };
      }
    }

    @Module({
      imports: [
        TenantContextModule.forRoot({
          serviceName: 'roundtrip',
          natsUrl: TEST_NATS_URL,
          busPrefix: bus.prefix,
        }),
        MikroOrmModule.forRoot({ ...fixtureOrmOptions(fixture), registerRequestContext: false }),
        TenantOrmModule.forRoot(),
      ],
      controllers: [WidgetHandlers, AuditHandlers],
    })
    class RoundTripModule {}

    const moduleRef = await Test.createTestingModule({ imports: [RoundTripModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    connectTenantMicroservice(app, TEST_NATS_URL, 'roundtrip');
    await app.startAllMicroservices();
    await app.init();
    context = app.get(TenantContext);
    client = ClientProxyFactory.create(tenantNatsClient(TEST_NATS_URL));
    await client.connect();
  });

  afterAll(async () => {
    await client?.close();
    await app?.close();
    stub?.stop();
    await bus?.close();
    await app
      ?.get(MikroORM)
      .close(true)
      .catch(() => undefined);
    await db?.drop();
  });

  it('publish in tenant A → handler sees A, its queries are scoped to A, one trace spans the hop', async () => {
    const publisherTraceId = await context.runWithTenant(a.entry.id, () =>
      trace.getTracer('test').startActiveSpan('publisher', async (span) => {
        await lastValueFrom(client.emit(subjects.touch, { note: 'hello' }));
        span.end();
        return span.spanContext().traceId;
      }),
    );
    const handled = await waitFor(() => seen.find((entry) => entry.traceId === publisherTraceId), {
      what: 'handler',
    });
    expect(handled).toEqual({
      tenantId: a.entry.id,
      visibleWidgets: ['a-widget'],
      traceId: publisherTraceId,
    });
    // The consumer span ends after the handler returns: wait for it rather than racing it.
    const consumerSpan = await waitFor(
      async () => {
        await tracing.provider.forceFlush();
        return tracing.exporter
          .getFinishedSpans()
          .find(
            (span) =>
              span.name === `process ${subjects.touch}` &&
              span.spanContext().traceId === publisherTraceId,
          );
      },
      { what: 'consumer span' },
    );
    expect(consumerSpan.attributes['tenant.id']).toBe(a.entry.id);
  });

  it('request/reply runs in the caller tenant', async () => {
    const reply = await context.runWithTenant(b.entry.id, () =>
      lastValueFrom(client.send(subjects.count, {})),
    );
    expect(reply).toEqual({ tenantId: b.entry.id, count: 1 });
  });

  it('sending a tenant-scoped message with no context throws', async () => {
    await expect(lastValueFrom(client.emit(subjects.touch, {}))).rejects.toBeInstanceOf(
      TenantContextMissingError,
    );
    await expect(lastValueFrom(client.send(subjects.count, {}))).rejects.toBeInstanceOf(
      TenantContextMissingError,
    );
  });

  it.each([
    ['missing', undefined, 'TENANT_HEADER_MISSING'],
    ['malformed', 'not-a-uuid', 'TENANT_HEADER_MALFORMED'],
    ['forged (unknown tenant)', '00000000-0000-4000-8000-000000000000', 'TENANT_UNKNOWN'],
  ])(
    'event with a %s tenant header never reaches the handler and is dead-lettered',
    async (_label, tenantHeader, reason) => {
      const before = seen.length;
      const headers = natsHeaders();
      if (tenantHeader) headers.set('x-tenant-id', tenantHeader);
      const marker = `${reason}-${Date.now()}`;
      bus.nc.publish(subjects.touch, codec.encode({ pattern: subjects.touch, data: { marker } }), {
        headers,
      });
      const letters = await waitFor(
        async () => {
          const stored = await readStream(bus.nc, naming.stream(DEAD_LETTER_TOKEN), 1).catch(
            () => [],
          );
          return stored.find((letter) => JSON.stringify(letter.data).includes(marker));
        },
        { what: `dead letter ${reason}` },
      );
      expect(letters.headers['x-dead-letter-reason']).toBe(reason);
      expect(letters.subject).toBe(naming.deadLetter(subjects.touch));
      expect(seen.length).toBe(before);
    },
  );

  it('a request with a bad tenant header gets an error reply and the handler does not run', async () => {
    const headers = natsHeaders();
    headers.set('x-tenant-id', 'drop table widget');
    const reply = await bus.nc.request(
      subjects.count,
      codec.encode({ id: '1', pattern: subjects.count, data: {} }),
      {
        headers,
        timeout: 2_000,
      },
    );
    expect(codec.decode(reply.data)).toMatchObject({ err: { code: 'TENANT_HEADER_MALFORMED' } });
  });

  it("a request's write is committed when its reply arrives, in the caller's tenant", async () => {
    const name = `added-${Date.now()}`;
    const reply = await context.runWithTenant(a.entry.id, () =>
      lastValueFrom(client.send<{ id: string }>(subjects.add, { name })),
    );
    const rows = await db.query('select tenant_id from widget where id = $1 and name = $2', [
      reply.id,
      name,
    ]);
    expect(rows).toEqual([{ tenant_id: a.entry.id }]);
  });

  it('a request whose handler fails gets an error reply and leaves nothing written', async () => {
    const name = `failed-${Date.now()}`;
    await expect(
      context.runWithTenant(a.entry.id, () =>
        lastValueFrom(client.send(subjects.add, { name, fail: true })),
      ),
    ).rejects.toEqual({ code: 'INTERNAL', message: 'Internal error' });
    const rows = await db.query('select 1 from widget where name = $1', [name]);
    expect(rows).toHaveLength(0);
  });

  it('a request with an invalid payload is refused by validation before its handler', async () => {
    const name = `invalid-${Date.now()}`;
    await expect(
      context.runWithTenant(a.entry.id, () =>
        lastValueFrom(client.send(subjects.add, { name, extra: 'not declared' })),
      ),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const rows = await db.query('select 1 from widget where name = $1', [name]);
    expect(rows).toHaveLength(0);
  });

  it('a controller declared system-level answers requests in system scope, without a tenant', async () => {
    const reply = await bus.nc.request(
      subjects.audit,
      codec.encode({ id: '1', pattern: subjects.audit, data: {} }),
      { timeout: 2_000 },
    );
    const [all] = await db.query<{ widgets: number }>(
      'select count(*)::int as widgets from widget',
    );
    expect(codec.decode(reply.data)).toMatchObject({ response: { widgets: all.widgets } });
  });

  it('a handler declared system-level runs in system scope without a tenant header', async () => {
    bus.nc.publish(subjects.lifecycle, codec.encode({ pattern: subjects.lifecycle, data: {} }));
    const handled = await waitFor(() => systemSeen[0], { what: 'system handler' });
    const [all] = await db.query<{ widgets: number }>(
      'select count(*)::int as widgets from widget',
    );
    expect(all.widgets).toBeGreaterThan(1); // both tenants' rows, and it sees them all
    expect(handled).toEqual({ isSystem: true, tenantId: undefined, widgets: all.widgets });
  });
});
