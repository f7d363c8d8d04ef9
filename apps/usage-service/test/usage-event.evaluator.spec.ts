import type { UsageEvent } from '@tenantbus/contracts';
import { evaluateUsageEvent, groupKey } from '../src/ingest/usage-event.evaluator';
import type { Meter } from '../src/meters/meter.entity';
import { reachedThresholds, usedOf } from '../src/quotas/quota-math';

const meter = (overrides: Partial<Meter>): Meter => ({
  name: 'm',
  eventType: 't',
  aggregation: 'SUM',
  valueProperty: 'value',
  groupBy: [],
  limitKey: null,
  description: '',
  ...overrides,
});
const NOW = Date.parse('2026-11-25T10:00:30Z');
const limits = { maxAgeMs: 86_400_000, maxFutureMs: 300_000 };
const event = (overrides: Partial<UsageEvent> = {}): UsageEvent => ({
  specversion: '1.0',
  id: 'e1',
  type: 't',
  source: 's',
  time: '2026-11-25T09:59:45.500+01:00',
  data: { value: 2, route: '/a', user: 'u1' },
  ...overrides,
});

describe('evaluateUsageEvent', () => {
  it('normalises time to UTC minute and month, and groups by the meter properties in a fixed order', () => {
    const result = evaluateUsageEvent(
      event(),
      [meter({ groupBy: ['user', 'route'] })],
      limits,
      NOW,
    );
    expect(result).toEqual({
      ok: true,
      contributions: [
        {
          eventId: 'e1',
          meter: 'm',
          windowStart: '2026-11-25T08:59:00.000Z',
          periodStart: '2026-11-01T00:00:00.000Z',
          groupKey: '{"route":"/a","user":"u1"}',
          value: 2,
          time: '2026-11-25T09:59:45.500+01:00',
          uniqueValue: null,
        },
      ],
    });
  });

  it.each([
    ['no meter for the type', event({ type: 'x' }), [], 'METER_UNKNOWN'],
    ['a negative value', event({ data: { value: -1 } }), [meter({})], 'VALUE_INVALID'],
    ['a non-numeric value', event({ data: { value: 'many' } }), [meter({})], 'VALUE_INVALID'],
    ['a missing value', event({ data: {} }), [meter({})], 'VALUE_INVALID'],
    [
      'a missing distinct key',
      event({ data: {} }),
      [meter({ aggregation: 'UNIQUE_COUNT', valueProperty: 'user' })],
      'VALUE_INVALID',
    ],
    [
      'a NUL in data',
      event({ data: { value: 1, route: 'a\u0000b' } }),
      [meter({})],
      'VALUE_INVALID',
    ],
    ['a NUL in the id', event({ id: 'a\u0000' }), [meter({})], 'VALUE_INVALID'],
    [
      'a NUL in nested data',
      event({ data: { value: 1, meta: { note: '\u0000' } } }),
      [meter({})],
      'VALUE_INVALID',
    ],
    ['a time too old', event({ time: '2026-11-20T00:00:00Z' }), [meter({})], 'TIME_TOO_OLD'],
    [
      'a time in the future',
      event({ time: '2026-11-25T10:10:00Z' }),
      [meter({})],
      'TIME_IN_FUTURE',
    ],
  ] as const)('refuses %s', (_case, input, meters, reason) => {
    expect(evaluateUsageEvent(input, meters, limits, NOW)).toMatchObject({ ok: false, reason });
  });

  it('accepts numeric strings, counts COUNT events as 1 whatever their data, keys UNIQUE_COUNT by the property', () => {
    const ok = (m: Meter, data: Record<string, unknown>) => {
      const result = evaluateUsageEvent(event({ data }), [m], limits, NOW);
      if (!result.ok) throw new Error(result.detail);
      return result.contributions[0];
    };
    expect(ok(meter({}), { value: '2.5' }).value).toBe(2.5);
    expect(ok(meter({ aggregation: 'COUNT', valueProperty: null }), {}).value).toBe(1);
    expect(
      ok(meter({ aggregation: 'UNIQUE_COUNT', valueProperty: 'user' }), { user: 42 }),
    ).toMatchObject({ uniqueValue: '42' });
  });

  it('groups absent properties under null, and `subject` by the event subject', () => {
    expect(groupKey(['b', 'a'], { data: { a: 1 } })).toBe('{"a":"1","b":null}');
    expect(groupKey(['subject'], { subject: 'acct-1', data: { subject: 'x' } })).toBe(
      '{"subject":"acct-1"}',
    );
  });
});

describe('quota math', () => {
  it('reads usage by aggregation and reaches 80% and 100% thresholds', () => {
    const totals = { eventCount: 4, valueSum: 10, valueMax: 7, latestValue: 3, uniqueCount: 2 };
    expect(
      (['SUM', 'COUNT', 'MAX', 'LATEST', 'UNIQUE_COUNT'] as const).map((aggregation) =>
        usedOf({ aggregation }, totals),
      ),
    ).toEqual([10, 4, 7, 3, 2]);
    expect(reachedThresholds(79, 100)).toEqual([]);
    expect(reachedThresholds(80, 100)).toEqual([80]);
    expect(reachedThresholds(100, 100)).toEqual([80, 100]);
    expect(reachedThresholds(5, null)).toEqual([]);
    expect(reachedThresholds(0, 0)).toEqual([]);
  });
});
