import fc from 'fast-check';

/** Strings an attacker tries first: injections, traversal, encodings, confusables, control chars. */
export const HOSTILE_STRINGS = [
  "' OR '1'='1",
  "'; drop table account; --",
  '1; select pg_sleep(5)--',
  "') union select tenant_id, null from account --",
  '{"$ne":null}',
  '{"__proto__":{"admin":true}}',
  '"},"tenant_id":"00000000-0000-4000-8000-000000000000',
  '../../../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  '%00',
  '%s%s%s%n',
  '${jndi:ldap://127.0.0.1/x}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '\u202etxt.exe',
  'ℌ𝔢𝔩𝔩𝔬 ｔｅｎａｎｔ',
  '😀'.repeat(64),
  'null',
  'undefined',
  'NaN',
  'Infinity',
  '-1',
  '1e400',
  '0x7fffffff',
  ' ',
  '',
  'x'.repeat(10_000),
] as const;

/** Text no field may store: Postgres refuses NUL, and a lone surrogate cannot be encoded. */
export const POISON_STRINGS = [
  'a\u0000b',
  '\u0000',
  'x\ud800y',
  '\udfff',
  "'\u0000; drop table tenant",
] as const;

const URL_POISON_STRINGS = POISON_STRINGS.filter((value) => value.includes('\u0000'));

export const HOSTILE_NUMBERS = [
  -1,
  0,
  -0,
  1.5,
  -2_147_483_649,
  2_147_483_648,
  Number.MAX_SAFE_INTEGER + 2,
  -Number.MAX_SAFE_INTEGER - 2,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  5e-324,
] as const;

/** Keys that try to reach an object's prototype, built with JSON.parse so they stay own keys. */
export const pollutingObject = (inner: unknown): Record<string, unknown> =>
  JSON.parse(
    `{"__proto__":${JSON.stringify(inner)},"constructor":{"prototype":${JSON.stringify(inner)}},"prototype":${JSON.stringify(inner)}}`,
  ) as Record<string, unknown>;

/** `{"a":{"a":…}}` `depth` levels down. */
export const deeplyNested = (depth: number): unknown =>
  JSON.parse(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`) as unknown;

const hostileString = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);
const poison = fc.constantFrom(...POISON_STRINGS);

/** Any JSON value a field should refuse or survive: wrong types, extremes, nesting, pollution. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  poison,
  fc.constantFrom(...HOSTILE_NUMBERS),
  fc.boolean(),
  fc.constant(null),
  fc.array(hostileString, { maxLength: 5 }),
  fc.constant(deeplyNested(200)),
  fc.constantFrom(pollutingObject({ admin: true }), pollutingObject({ tenantId: 'x' })),
  fc.dictionary(hostileString, hostileString, { maxKeys: 4 }),
);

/** A fuzz case for one route: where the poison goes, and the hostile values everywhere else. */
export interface FuzzCase {
  readonly params: Record<string, string>;
  readonly query: Record<string, unknown>;
  /** `undefined`: no body; a string: raw text sent as JSON (broken JSON, top-level scalars). */
  readonly body: unknown;
}

/** Whole bodies that are not an object of fields at all. */
const hostileBody = fc.oneof(
  fc.constantFrom(
    '{"unterminated": ',
    '{"a":1}{"b":2}',
    '[',
    'nul',
    '"just a string"',
    '12345678901234567890123456789',
    '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]',
    `{"a":"${'\\ud800'.repeat(4)}"}`,
  ),
  fc.array(hostileValue, { maxLength: 3 }),
  fc.constant(`${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`),
  fc.constant(pollutingObject({ tenant_id: '00000000-0000-4000-8000-000000000000' })),
);

const queryValue = fc.oneof(
  hostileString,
  poison,
  fc.constantFrom(...HOSTILE_NUMBERS).map(String),
  fc.array(hostileString, { minLength: 2, maxLength: 3 }),
);

/**
 * Cases for a route, drawn from a fixed seed. Routes that write get at least one poison value in
 * every case (so a correct service must refuse it whole and write nothing); reads may get anything.
 */
export function fuzzCases(
  inputs: {
    params: readonly string[];
    query: readonly string[];
    body: readonly string[] | undefined;
  },
  options: { writes: boolean; runs: number; seed: number },
): FuzzCase[] {
  const fieldsOf = (names: readonly string[], value: fc.Arbitrary<unknown>) =>
    fc.record(Object.fromEntries(names.map((name) => [name, value])), { requiredKeys: [] });
  const params = fc.record(
    Object.fromEntries(inputs.params.map((name) => [name, fc.oneof(hostileString, poison)])),
  );
  const query = fc
    .tuple(
      fieldsOf(inputs.query, queryValue),
      fc.dictionary(hostileString, queryValue, { maxKeys: 2 }),
    )
    .map(([known, extra]) => ({ ...extra, ...known }));
  const body =
    inputs.body === undefined
      ? fc.constant(undefined)
      : fc.oneof(
          { weight: 3, arbitrary: fieldsOf(inputs.body, hostileValue) },
          { weight: 1, arbitrary: hostileBody },
        );
  const draw = fc.record({ params, query, body });
  const cases = fc.sample(draw, { seed: options.seed, numRuns: options.runs }) as FuzzCase[];
  return options.writes
    ? cases.map((fuzzCase, index) => withPoison(fuzzCase, index, inputs.body ?? []))
    : cases;
}

/** Puts a poison string into a path parameter, a documented body field or the query, in turn. */
function withPoison(fuzzCase: FuzzCase, index: number, fields: readonly string[]): FuzzCase {
  const value = POISON_STRINGS[index % POISON_STRINGS.length];
  // A URL carries UTF-8, where a lone surrogate cannot exist: only NUL reaches paths and queries.
  const urlValue = URL_POISON_STRINGS[index % URL_POISON_STRINGS.length];
  const params = Object.keys(fuzzCase.params);
  const spot = index % 3;
  if (spot === 0 && params.length) {
    return {
      ...fuzzCase,
      params: { ...fuzzCase.params, [params[index % params.length]]: urlValue },
    };
  }
  if (spot === 1 && fields.length) {
    const body = isPlainObject(fuzzCase.body) ? fuzzCase.body : {};
    return { ...fuzzCase, body: { ...body, [fields[index % fields.length]]: value } };
  }
  return { ...fuzzCase, query: { ...fuzzCase.query, poisoned: urlValue } };
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `/a/:id` with the case's values, each encoded as a client would. */
export function fillPath(path: string, params: Record<string, string>): string {
  return path.replace(/:(\w+)/g, (_match, name: string) => encodeSegment(params[name] ?? 'x'));
}

/** Lone surrogates replaced by U+FFFD, as a client's UTF-8 encoder would send them. */
const wellFormed = (value: string) =>
  value.replace(
    /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    '\ufffd',
  );

/** encodeURIComponent throws on lone surrogates; send their replacement bytes' escape instead. */
function encodeSegment(value: string): string {
  return encodeURIComponent(wellFormed(value)).replace(/\./g, '%2E');
}

export function queryString(query: Record<string, unknown>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    for (const item of Array.isArray(value) ? value : [value])
      search.append(wellFormed(name), wellFormed(String(item)));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
