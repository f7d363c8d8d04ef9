import { aggregate, compareInstants } from '../src/ingest/usage-aggregates';
import type { Contribution } from '../src/ingest/usage-event.evaluator';

const W = '2026-11-25T09:59:00.000Z';
const P = '2026-11-01T00:00:00.000Z';
/** The minute after `W`. */
const NEXT = '2026-11-25T10:00:00.000Z';
const contribution = (overrides: Partial<Contribution>): Contribution => ({
  eventId: 'e',
  meter: 'm',
  windowStart: W,
  periodStart: P,
  groupKey: '{}',
  value: 1,
  time: '2026-11-25T09:59:10.000Z',
  uniqueValue: null,
  ...overrides,
});

describe('aggregate', () => {
  it('folds count, sum, max and the latest value per minute group and per period', () => {
    const folded = aggregate([
      contribution({ groupKey: '{"route":"/a"}', value: 2, time: '2026-11-25T09:59:30.000Z' }),
      contribution({ groupKey: '{"route":"/a"}', value: 5, time: '2026-11-25T09:59:10.000Z' }),
      contribution({ groupKey: '{"route":"/b"}', value: 1, time: '2026-11-25T10:59:20.000+01:00' }),
      contribution({ windowStart: NEXT, value: 3, time: '2026-11-25T10:00:01.000Z' }),
    ]);
    expect(folded.minutes).toEqual([
      {
        meter: 'm',
        start: W,
        groupKey: '{"route":"/a"}',
        count: 2,
        sum: 7,
        max: 5,
        latestValue: 2,
        latestTime: '2026-11-25T09:59:30.000Z',
      },
      expect.objectContaining({ groupKey: '{"route":"/b"}', count: 1, sum: 1, latestValue: 1 }),
      expect.objectContaining({ start: NEXT, groupKey: '{}', count: 1 }),
    ]);
    expect(folded.periods).toEqual([
      {
        meter: 'm',
        start: P,
        groupKey: '{}',
        count: 4,
        sum: 11,
        max: 5,
        latestValue: 3,
        latestTime: '2026-11-25T10:00:01.000Z',
      },
    ]);
    expect(folded.uniques).toEqual([]);
    expect(folded.periodUniques).toEqual([]);
  });

  it('keeps each distinct key once per minute group and once per period', () => {
    const folded = aggregate([
      contribution({ meter: 'u', value: 0, uniqueValue: 'alice' }),
      contribution({ meter: 'u', value: 0, uniqueValue: 'alice' }),
      contribution({ meter: 'u', value: 0, uniqueValue: 'alice', windowStart: NEXT }),
      contribution({ meter: 'u', value: 0, uniqueValue: 'bob' }),
    ]);
    expect(folded.uniques.map((u) => [u.start, u.value])).toEqual([
      [W, 'alice'],
      [NEXT, 'alice'],
      [W, 'bob'],
    ]);
    expect(folded.periodUniques).toEqual([
      { meter: 'u', start: P, groupKey: '{}', value: 'alice' },
      { meter: 'u', start: P, groupKey: '{}', value: 'bob' },
    ]);
    expect(folded.periods[0]).toEqual(expect.objectContaining({ count: 4, sum: 0 }));
  });

  it('orders event times finer than the millisecond, across offsets', () => {
    expect(
      compareInstants('2026-11-25T10:00:00.123456Z', '2026-11-25T10:00:00.123455Z'),
    ).toBeGreaterThan(0);
    expect(compareInstants('2026-11-25T11:00:00.123+01:00', '2026-11-25T10:00:00.123000Z')).toBe(0);
    expect(compareInstants('2026-11-25T10:00:00Z', '2026-11-25T10:00:00.0001Z')).toBeLessThan(0);
    const folded = aggregate([
      contribution({ value: 1, time: '2026-11-25T09:59:10.0005Z' }),
      contribution({ value: 2, time: '2026-11-25T09:59:10.0004Z' }),
    ]);
    expect(folded.minutes[0]).toEqual(expect.objectContaining({ latestValue: 1 }));
  });

  it('orders UTC times of one length by their text exactly as by their instants', () => {
    // The parsing comparison, as the fast path must agree with it.
    const parsed = (a: string, b: string) =>
      Math.sign(Date.parse(a) - Date.parse(b) || micros(a) - micros(b));
    const micros = (time: string) =>
      Number((/\.\d{3}(\d{1,6})/.exec(time)?.[1] ?? '').padEnd(6, '0'));
    const base = Date.UTC(2026, 10, 25, 9, 59, 58);
    const times: string[] = [];
    for (let i = 0; i < 400; i += 1) {
      const iso = new Date(base + ((i * 7919) % 5_000)).toISOString(); // …SS.mmmZ, over 5 s
      const extra = String((i * 104_729) % 1_000).padStart(3, '0');
      times.push(iso, iso.replace('Z', `${extra}Z`), iso.replace(/\.\d{3}Z$/, 'Z'));
    }
    times.push('2026-11-25T10:59:59.999+01:00', '2026-11-25T09:59:59.9991234Z');
    for (const a of times)
      for (const b of times.slice(0, 60))
        expect(Math.sign(compareInstants(a, b))).toBe(parsed(a, b));
  });
});
