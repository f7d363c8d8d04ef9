import { parseUsageEventFast, UsageEventSchema } from '../src';

const valid = {
  id: 'evt-1',
  type: 'api.requests',
  source: 'sync-service',
  time: '2026-11-25T09:59:45.500+01:00',
  data: { value: 2, route: '/a' },
};

/** Values each field is tried with: valid, invalid and borderline for the schema. */
const TRIES: unknown[] = [
  undefined,
  null,
  '',
  'x',
  'x'.repeat(200),
  'x'.repeat(201),
  'Api.Requests',
  'api..requests',
  'users.seen',
  '1.0',
  '1.1',
  0,
  42,
  true,
  [],
  ['a'],
  {},
  { value: 1 },
  JSON.parse('{"__proto__": {"value": 1}}'),
  '2026-11-25T10:00:00Z',
  '2026-11-25T10:00:00.123456789Z',
  '2026-11-25T10:00:00',
  '2026-02-29T10:00:00Z',
  '2028-02-29T10:00:00+14:00',
  '2026-11-25 10:00:00Z',
  '2026-11-25T24:00:00Z',
];
const FIELDS = ['specversion', 'id', 'type', 'source', 'time', 'subject', 'data', 'extra'];

describe('parseUsageEventFast', () => {
  it('takes the common case without the schema', () => {
    expect(parseUsageEventFast(valid)).toStrictEqual(UsageEventSchema.parse(valid));
    const full = { ...valid, specversion: '1.0', subject: 'acct-1', extension: 'dropped' };
    expect(parseUsageEventFast(full)).toStrictEqual(UsageEventSchema.parse(full));
  });

  it('accepts only what the schema accepts, and returns exactly what it returns', () => {
    const inputs: unknown[] = [null, 'event', 42, [], [valid]];
    for (const field of FIELDS)
      for (const value of TRIES) {
        inputs.push({ ...valid, [field]: value });
        // Two fields at once, so one valid change cannot hide another.
        for (const other of FIELDS)
          if (other !== field)
            inputs.push({
              ...valid,
              [field]: value,
              [other]: TRIES[(TRIES.indexOf(value) * 7 + 3) % TRIES.length],
            });
      }
    let fast = 0;
    for (const input of inputs) {
      const parsed = parseUsageEventFast(input);
      const schema = UsageEventSchema.safeParse(input);
      if (parsed === undefined) continue;
      fast += 1;
      expect({ input, success: schema.success }).toEqual({ input, success: true });
      expect(parsed).toStrictEqual(schema.data);
    }
    // The check above is not vacuous: most valid variations took the fast path.
    expect(fast).toBeGreaterThan(100);
  });
});
