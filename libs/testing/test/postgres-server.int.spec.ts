import { Client } from 'pg';
import { startPostgresServer, type PostgresServerProcess } from '../src';

describe('startPostgresServer: a private cluster a test may kill and restart', () => {
  let server: PostgresServerProcess;

  beforeAll(async () => {
    server = await startPostgresServer();
  });
  afterAll(async () => {
    await server?.destroy();
  });

  const query = async (sql: string) => {
    const client = new Client({ connectionString: server.adminUrl });
    await client.connect();
    try {
      return (await client.query<{ n: number }>(sql)).rows;
    } finally {
      await client.end();
    }
  };

  it('keeps committed rows across a SIGKILL (WAL recovery) and a clean stop', async () => {
    await query('create table kept (n int)');
    await query('insert into kept values (1), (2)');
    await server.kill();
    await expect(query('select 1 as n')).rejects.toThrow();
    await server.start();
    await server.stop();
    await server.start();
    expect(await query('select n from kept order by n')).toEqual([{ n: 1 }, { n: 2 }]);
  });
});
