import { LockMode, MikroORM } from '@mikro-orm/core';
import { PostgreSqlDriver, type EntityManager } from '@mikro-orm/postgresql';
import type { TestDatabase } from '@tenantbus/testing';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { TenantEntityManager, type ScopeTransaction, type TenantContext } from '../src';
import { createFixtureDatabase, initFixtureOrm } from './fixtures.db';
import { Widget } from './fixtures.entities';

/**
 * What the app's pg clients send, one entry per round trip: statements pipelined ahead of a query
 * (`PipelinedQuery`) are joined to it with `; `, like a simple query's.
 */
function recordStatements(): { sent: string[]; stop(): void } {
  const sent: string[] = [];
  const query = Client.prototype.query;
  Client.prototype.query = function (this: Client, ...args: unknown[]) {
    const [config] = args as [string | { text: string; ahead?: readonly string[] }];
    sent.push(
      typeof config === 'string' ? config : [...(config.ahead ?? []), config.text].join('; '),
    );
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

  it('a write with bound parameters goes out with BEGIN and the binding pipelined ahead', async () => {
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
    expect(sent).toEqual([
      expect.stringMatching(
        /^begin; select set_config\('app\.tenant_id', '[^']+', true\); insert /,
      ),
      'COMMIT;',
    ]);
    expect(
      await db.query('select 1 from widget where tenant_id = $1 and name = $2', [tenantA, name]),
    ).toHaveLength(1);
  });

  it('a read with bound parameters runs ahead of BEGIN too: the binding pipelined, one round trip', async () => {
    const byId = `select id from widget where id = ?`;
    let own: unknown[] = [];
    let other: unknown[] = [];
    const [{ id: widgetB }] = await db.query<{ id: string }>(
      'select id from widget where tenant_id = $1',
      [tenantB],
    );
    const sent = await sentDuring(() =>
      asA(async () => {
        const transaction = em().getTransactionContext<ScopeTransaction>()!;
        ({ rows: own } = await transaction.raw<{ rows: unknown[] }>(byId, [widgetA]));
        ({ rows: other } = await transaction.raw<{ rows: unknown[] }>(byId, [widgetB]));
      }),
    );
    expect(own).toEqual([{ id: widgetA }]);
    expect(other).toEqual([]); // RLS binds the pipelined read
    expect(sent).toEqual([
      expect.stringMatching(/^select set_config\('app\.tenant_id', '[^']+', true\); select id /),
      expect.stringMatching(/^select set_config\('app\.tenant_id', '[^']+', true\); select id /),
    ]);
  });

  it('a pipelined read that fails leaves nothing behind: no transaction, no binding', async () => {
    await expect(
      asA(() => em().getTransactionContext<ScopeTransaction>()!.raw('select 1 / ?::int', [0])),
    ).rejects.toThrow(/division by zero/);
    const [state] = await orm.em
      .fork()
      .execute<{ own: boolean; tenant: string | null }[]>(
        `select transaction_timestamp() = statement_timestamp() as own, nullif(current_setting('app.tenant_id', true), '') as tenant`,
      );
    expect(state).toEqual({ own: true, tenant: null });
  });

  it('asSystem binds pipelined reads to the system role', async () => {
    const tenants = await context.asSystem('test: pipelined system read', async () => {
      const transaction = em().getTransactionContext<ScopeTransaction>()!;
      const { rows } = await transaction.raw<{ rows: { tenant_id: string }[] }>(
        'select tenant_id from widget where name = any(?)',
        [['a', 'b']],
      );
      return rows.map((row) => row.tenant_id);
    });
    expect(new Set(tenants)).toEqual(new Set([tenantA, tenantB]));
  });

  it('a scope holds its connection only while a statement runs or a transaction is open', async () => {
    const pool = () =>
      (em().getConnection().getKnex().client as { pool: { numUsed(): number } }).pool.numUsed();
    const outside = () => orm.em.fork().execute('select 1'); // on the pool's only connection
    await asA(async () => {
      expect(pool()).toBe(0); // nothing sent yet: nothing taken
      await em().find(Widget, {});
      expect(pool()).toBe(0); // the read began no transaction: given back
      await outside();
      const transaction = em().getTransactionContext<ScopeTransaction>()!;
      const pid = `select pg_backend_pid() pid, txid_current_if_assigned() tx`;
      await em().insert(Widget, { id: randomUUID(), tenantId: tenantA, name: 'held' });
      expect(pool()).toBe(1); // the transaction began: held until the scope ends
      const [first, second] = [
        (await transaction.raw<{ rows: unknown[] }>(pid)).rows,
        (await transaction.raw<{ rows: unknown[] }>(pid)).rows,
      ];
      expect(second).toEqual(first);
    });
    expect(pool()).toBe(0);
  });

  it('asSystem reads ahead under the system role, seeing every tenant', async () => {
    const ids = await context.asSystem('test: reads ahead of BEGIN', async () =>
      (await em().find(Widget, {})).map((w) => w.tenantId),
    );
    expect(new Set(ids)).toEqual(new Set([tenantA, tenantB]));
  });

  it('a scope that only read skips the flush; one that changed what it loaded writes it', async () => {
    const flush = jest.spyOn(TenantEntityManager.prototype, 'flush');
    try {
      await asA(async () => void (await em().findOneOrFail(Widget, { id: widgetA })));
      expect(flush).not.toHaveBeenCalled();
      await asA(async () => {
        (await em().findOneOrFail(Widget, { id: widgetA })).stock = 41;
      });
      expect(flush).toHaveBeenCalledTimes(1);
    } finally {
      flush.mockRestore();
    }
    const [{ stock }] = await db.query<{ stock: number }>(
      'select stock from widget where id = $1',
      [widgetA],
    );
    expect(stock).toBe(41);
  });

  it("an app's flush listener still hears every scope's flush, with nothing to write", async () => {
    const heard: number[] = [];
    let listening = true;
    orm.em.getEventManager().registerSubscriber({
      afterFlush: () => void (listening && heard.push(1)),
    });
    try {
      await asA(async () => void (await em().find(Widget, {})));
      expect(heard).toHaveLength(1);
    } finally {
      listening = false;
    }
  });

  it('work a scope left running cannot start a unit of work once the scope has ended', async () => {
    let resume!: () => void;
    const gate = new Promise<void>((resolve) => (resume = resolve));
    let leftRunning!: Promise<unknown>;
    await asA(async () => {
      leftRunning = gate.then(() => em().find(Widget, {})); // never touched the EM in the scope
    });
    resume();
    await expect(leftRunning).rejects.toThrow(/scope has ended/);
    expect(
      (em().getConnection().getKnex().client as { pool: { numUsed(): number } }).pool.numUsed(),
    ).toBe(0);
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
