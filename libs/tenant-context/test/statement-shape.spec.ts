import { statementShape } from '../src/observability/tracing';

describe('statementShape (the SQL a pg span keeps)', () => {
  it('replaces string literals, escaped quotes included, and keeps the rest', () => {
    expect(
      statementShape(
        `update "tenant" set "settings" = '{"note":"it''s private"}' where "id" = 'x' and n = 3`,
      ),
    ).toBe(`update "tenant" set "settings" = ? where "id" = ? and n = 3`);
  });

  it('cuts a batch insert to a readable length', () => {
    const values = Array.from({ length: 500 }, (_, i) => `(${i}, 'event ${i}')`).join(', ');
    const shape = statementShape(`insert into usage_event (n, name) values ${values}`);
    expect(shape).toHaveLength(2_001);
    expect(shape.endsWith('…')).toBe(true);
    expect(shape).not.toContain('event 1');
  });
});
