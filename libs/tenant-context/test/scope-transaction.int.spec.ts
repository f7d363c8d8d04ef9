import { LockMode, MikroORM } from '@mikro-orm/core';
import { PostgreSqlDriver, type EntityManager } from '@mikro-orm/postgresql';
import type { TestDatabase } from '@tenantbus/testing';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { ScopeTransaction, TenantContext } from '../src';
import { createFixtureDatabase, initFixtureOrm } from './fixtures.db';
import { Widget } from './fixtures.entities';

/** Every statement the app's pg clients send, as Postgres receives it. */
function recordStatements(): { sent: string[]; stop(): void } {
  const sent: string[] = [];
  const query = Client.prototype.query;
  Client.prototype.query = function (this: Client, ...args: unknown[]) {
    const [config] = args as [string | { text: string }];
    sent.push(typeof config === 'string' ? config : config.text);
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  return { sent, stop: () => (Client.prototype.query = query) };
}

describe('scope transactions: BEGIN deferred to the first write (real Postgres)', () => {
  let db: TestDatabase;
  let orm: MikroORM<PostgreSqlDriver>;
  let context: TenantContext;
  const tenantA = randomUUID();
  const tenantB = randomUUID();
  let widgetA: string;

  const em = () => orm.em as EntityManager;
  const asA = <T>(fn: () => Promise<T>) => context.runWithTenant(tenantA, fn);
  const widgetCount = async (tenantId: string) =>
    Number(
      (
        await db.query<{ n: string }>('select count(*) n from widget where tenant_id = $1', [
          tenantId,
        ])
      )[0].n,
    );
  const sentDuring = async (fn: () => Promise<unknown>) => {
    const recorder = recordStatements();
    try {
      await fn();
    } finally {
      recorder.stop();
    }
    return recorder.sent;
  };

  beforeAll(async () => {
    const fixture = await createFixtureDatabase('tb_scopetx');
    db = fixture.db;
    // One connection: whatever a scope leaves on it, the next one would meet.
    ({ orm, context } = await initFixtureOrm(fixture, { pool: { min: 0, max: 1 } }));
    widgetA = await asA(async () => {
      const widget = em().create(Widget, { name: 'a', stock: 1 });
      await em().flush();
      return widget.id;
    });
    await context.runWithTenant(tenantB, async () => {
      em().create(Widget, { name: 'b', stock: 2 });
      await em().flush();
    });
  });

  afterAll(async () => {
    await orm?.close(true);
    await db?.drop();
  });

  it('a scope that only reads sends each read bound to its tenant, and neither BEGIN nor COMMIT', async () => {
    let seen: string[] = [];
    const sent = await sentDuring(() =>
      asA(async () => {
        seen = (await em().find(Widget, {}, { filters: false })).map((w) => w.id);
        await em().count(Widget, {});
      }),
    );
    expect(seen).toEqual([widgetA]); // RLS holds the read ahead of BEGIN, the filter off
    expect(sent).toHaveLength(2);
    for (const sql of sent)
      expect(sql).toMatch(/^select set_config\('app\.tenant_id', '[^']+', true\); select /);
    expect(sent.join('\n')).not.toMatch(/\b(begin|commit)\b/i);
  });

  it('a scope that makes no statement sends nothing', async () => {
    expect(await sentDuring(() => asA(async () => 'no query'))).toEqual([]);
  });

  it('the first write begins the transaction in its own round trip, and the scope is atomic', async () => {
    const before = await widgetCount(tenantA);
    const sent = await sentDuring(() =>
      expect(
        asA(async () => {
          await em().find(Widget, {});
          await em().insert(Widget, { id: randomUUID(), tenantId: tenantA, name: 'x' });
          em().create(Widget, { name: 'y' });
          await em().flush();
          throw new Error('planned failure after writing');
        }),
      ).rejects.toThrow('planned failure'),
    );
    expect(await widgetCount(tenantA)).toBe(before);
    expect(sent[1]).toMatch(
      /^begin; select set_config\('app\.tenant_id', '[^']+', true\); insert /,
    );
    expect(sent.at(-1)).toMatch(/^ROLLBACK/);
  });

  it('a committed scope keeps its writes, COMMIT being the one statement of its own', async () => {
    const before = await widgetCount(tenantA);
    const sent = await sentDuring(() =>
      asA(async () => {
        em().create(Widget, { name: `kept-${randomUUID()}` });
      }),
    );
    expect(await widgetCount(tenantA)).toBe(before + 1);
    expect(sent).toEqual([
      expect.stringMatching(/^begin; select set_config.*; insert /),
      'COMMIT;',
    ]);
  });

  it('a nested em.transactional() before any write begins with its savepoint', async () => {
    const before = await widgetCount(tenantA);
    await asA(async () => {
      await em().transactional(async (inner) => {
        inner.create(Widget, { name: `nested-${randomUUID()}` });
      });
      await expect(
        em().transactional(async (inner) => {
          inner.create(Widget, { name: `undone-${randomUUID()}` });
          await inner.flush();
          throw new Error('roll back to the savepoint only');
        }),
      ).rejects.toThrow('savepoint only');
    });
    expect(await widgetCount(tenantA)).toBe(before + 1);
  });

  it('a locking read begins the transaction and holds its lock until the scope ends', async () => {
    let lockedElsewhere = false;
    await asA(async () => {
      await em().findOneOrFail(Widget, { id: widgetA }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const other = await db.query<{ id: string }>(
        'select id from widget where id = $1 for update skip locked',
        [widgetA],
      );
      lockedElsewhere = other.length === 0;
    });
    expect(lockedElsewhere).toBe(true);
  });

  it('bound parameters begin first, then run in the same transaction', async () => {
    const name = `bound-${randomUUID()}`;
    const sent = await sentDuring(() =>
      asA(async () => {
        const transaction = em().getTransactionContext<ScopeTransaction>()!;
        await transaction.raw(
          `insert into widget (tenant_id, id, name) values (current_setting('app.tenant_id')::uuid, ?, ?)`,
          [randomUUID(), name],
        );
      }),
    );
    expect(sent[0]).toMatch(/^begin; select set_config\('app\.tenant_id', '[^']+', true\)$/);
    expect(sent[1]).toMatch(/^insert into widget/);
    expect(
      await db.query('select 1 from widget where tenant_id = $1 and name = $2', [tenantA, name]),
    ).toHaveLength(1);
  });

  it('asSystem reads ahead under the system role, seeing every tenant', async () => {
    const ids = await context.asSystem('test: reads ahead of BEGIN', async () =>
      (await em().find(Widget, {})).map((w) => w.tenantId),
    );
    expect(new Set(ids)).toEqual(new Set([tenantA, tenantB]));
  });

  it('an ended scope takes no more statements, and its connection goes back owing nothing', async () => {
    const leaked = await asA(async () => {
      await em().find(Widget, {});
      return em().getContext(); // the scope's own fork, kept past its end
    });
    await expect(leaked.execute('select id from widget')).rejects.toThrow(/scope has ended/);
    // The pool's only connection, reused outside any scope: no transaction open, no tenant set.
    const [state] = await orm.em
      .fork()
      .execute<{ own: boolean; tenant: string | null }[]>(
        `select transaction_timestamp() = statement_timestamp() as own, nullif(current_setting('app.tenant_id', true), '') as tenant`,
      );
    expect(state).toEqual({ own: true, tenant: null });
  });
});
