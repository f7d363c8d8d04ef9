import { Query, type QueryConfig, type QueryResult } from 'pg';

/** The extended-protocol messages node-pg's connection writes (its typings are out of date). */
interface ProtocolWriter {
  parse(message: { text: string }): void;
  bind(message: { values: readonly unknown[] }): void;
  describe(message: { type: 'P'; name: string }): void;
  execute(message: { portal: string; rows: number }): void;
}

/** node-pg's query as our subclass extends it: `prepare` writes its extended-protocol messages. */
const PgQuery = Query as unknown as new (config: QueryConfig) => {
  prepare(connection: ProtocolWriter): void;
};

/**
 * A query with bound parameters that carries parameterless statements ahead of it in the same
 * round trip: each is parsed, bound and executed in front of the query's own messages, before the
 * one Sync. Everything up to Sync runs in one implicit transaction (or in the transaction an
 * `ahead` BEGIN opens), so a transaction-local `set_config` ahead binds the query.
 *
 * The simple protocol can carry several statements, but not parameters; this is what lets a
 * parameterized read run bound to its scope without BEGIN, COMMIT and their round trips.
 */
export class PipelinedQuery extends PgQuery {
  constructor(
    /** Sent and executed in order, ahead of the query. */
    readonly ahead: readonly string[],
    config: QueryConfig,
  ) {
    super(config);
  }

  override prepare(connection: ProtocolWriter): void {
    for (const text of this.ahead) {
      connection.parse({ text });
      connection.bind({ values: [] });
      // Described, so node-pg reads its rows as a result of their own before the query's.
      connection.describe({ type: 'P', name: '' });
      connection.execute({ portal: '', rows: 0 });
    }
    super.prepare(connection);
  }
}

/** What a pg client offers a submittable query: its results, one per statement executed. */
interface SubmittingClient {
  query(
    query: PipelinedQuery,
    callback: (error: Error | null, results: QueryResult | QueryResult[]) => void,
  ): void;
}

/** Runs `config` with `ahead` in front of it in one round trip; resolves to the query's result. */
export function queryPipelined(
  client: unknown,
  ahead: readonly string[],
  config: QueryConfig,
): Promise<QueryResult> {
  return new Promise((resolve, reject) => {
    (client as SubmittingClient).query(new PipelinedQuery(ahead, config), (error, results) => {
      if (error) reject(error);
      // One result per statement, the query's last.
      else resolve(Array.isArray(results) ? results[results.length - 1] : results);
    });
  });
}
