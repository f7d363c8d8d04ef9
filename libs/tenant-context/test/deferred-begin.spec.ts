import {
  clearDeferred,
  deferBegin,
  deferBinding,
  sendingOf,
  type PooledConnection,
} from '../src/orm/deferred-begin';

const BINDING = `select set_config('app.tenant_id', 'a1', true)`;

function owing({ readsAhead = true, scoped = true } = {}): PooledConnection {
  const connection: PooledConnection = {};
  deferBegin(connection, { begin: 'begin', binding: scoped ? BINDING : undefined, readsAhead });
  return connection;
}

describe('deferred BEGIN: how each statement of a scope goes out', () => {
  it('a plain read runs ahead of BEGIN, bound in its own implicit transaction', () => {
    const connection = owing();
    expect(sendingOf(connection, { sql: 'select * from widget' })).toEqual({
      kind: 'prefix',
      sql: `${BINDING}; select * from widget`,
    });
    // Still owed: the next write begins.
    expect(sendingOf(connection, { sql: 'insert into widget values (1)' })).toEqual({
      kind: 'prefix',
      sql: `begin; ${BINDING}; insert into widget values (1)`,
    });
    expect(sendingOf(connection, { sql: 'select 1' })).toEqual({ kind: 'as-is' });
  });

  it.each([
    'select * from widget for update',
    'select * from widget where id = 1 for no key update skip locked',
    'select * from widget for share',
    `select nextval('seq')`,
    'select pg_advisory_xact_lock(42)',
    `select pg_notify('outbox', '')`,
    `select set_config('x', 'y', true)`,
    'with moved as (delete from widget returning *) select * from moved',
    'update widget set stock = 1',
    'savepoint trx1',
  ])('%s begins the transaction first', (sql) => {
    expect(sendingOf(owing(), { sql })).toEqual({
      kind: 'prefix',
      sql: `begin; ${BINDING}; ${sql}`,
    });
  });

  it('a transaction with its own isolation level or read-only mode never reads ahead', () => {
    expect(sendingOf(owing({ readsAhead: false }), { sql: 'select 1' })).toEqual({
      kind: 'prefix',
      sql: `begin; ${BINDING}; select 1`,
    });
  });

  it('bound parameters cannot share the simple query: what is owed is pipelined ahead', () => {
    const connection = owing();
    expect(sendingOf(connection, { sql: 'select $1', bindings: [1] })).toEqual({
      kind: 'pipeline',
      ahead: [BINDING],
    });
    expect(
      sendingOf(connection, { sql: 'delete from widget where id = $1', bindings: [1] }),
    ).toEqual({ kind: 'pipeline', ahead: ['begin', BINDING] });
    expect(sendingOf(connection, { sql: 'select $1', bindings: [1] })).toEqual({ kind: 'as-is' });
  });

  it('COMMIT and ROLLBACK of a transaction that never began are not sent', () => {
    expect(sendingOf(owing(), { sql: 'COMMIT;' })).toEqual({ kind: 'skip' });
    expect(sendingOf(owing(), { sql: 'ROLLBACK' })).toEqual({ kind: 'skip' });
    const begun = owing();
    sendingOf(begun, { sql: 'delete from widget' });
    expect(sendingOf(begun, { sql: 'COMMIT;' })).toEqual({ kind: 'as-is' });
  });

  it('without a scope the reads go out as they are (and RLS shows them nothing)', () => {
    expect(sendingOf(owing({ scoped: false }), { sql: 'select 1' })).toEqual({ kind: 'as-is' });
    expect(sendingOf(owing({ scoped: false }), { sql: 'delete from widget' })).toEqual({
      kind: 'prefix',
      sql: 'begin; delete from widget',
    });
  });

  it('a connection that owes nothing, or no longer does, is left alone', () => {
    expect(sendingOf({}, { sql: 'COMMIT;' })).toEqual({ kind: 'as-is' });
    const connection = owing();
    clearDeferred(connection);
    expect(sendingOf(connection, { sql: 'insert into widget values (1)' })).toEqual({
      kind: 'as-is',
    });
  });
});

describe('deferred binding: one transaction, scopes taking turns', () => {
  const bindingOf = (tenant: string) => `select set_config('app.tenant_id', '${tenant}', true)`;

  it('before BEGIN, the new binding replaces the one BEGIN carries', () => {
    const connection: PooledConnection = {};
    deferBegin(connection, { begin: 'begin', binding: bindingOf('a'), readsAhead: true });
    deferBinding(connection, bindingOf('b'));
    expect(sendingOf(connection, { sql: 'insert into widget values (1)' })).toEqual({
      kind: 'prefix',
      sql: `begin; ${bindingOf('b')}; insert into widget values (1)`,
    });
  });

  it('after BEGIN, the next statement carries it (pipelined when it has parameters)', () => {
    const connection: PooledConnection = {};
    deferBinding(connection, bindingOf('c'));
    expect(sendingOf(connection, { sql: 'select * from widget' })).toEqual({
      kind: 'prefix',
      sql: `${bindingOf('c')}; select * from widget`,
    });
    expect(sendingOf(connection, { sql: 'select 1' })).toEqual({ kind: 'as-is' });
    deferBinding(connection, bindingOf('d'));
    expect(sendingOf(connection, { sql: 'insert into widget values ($1)', bindings: [1] })).toEqual(
      { kind: 'pipeline', ahead: [bindingOf('d')] },
    );
  });

  it('COMMIT after a rebinding is sent, not skipped: the transaction began', () => {
    const connection: PooledConnection = {};
    deferBinding(connection, bindingOf('e'));
    expect(sendingOf(connection, { sql: 'COMMIT;' })).toEqual({ kind: 'as-is' });
  });
});
