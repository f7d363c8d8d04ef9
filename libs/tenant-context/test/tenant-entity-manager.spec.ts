import { flattenConjunction } from '../src/orm/tenant-entity-manager';

const strict = (condition: object) =>
  Object.defineProperty(condition, '__strict', { value: true, enumerable: false });

describe('flattenConjunction (the tenant filter folded into a query where)', () => {
  it('merges parts that share no key into one condition', () => {
    expect(flattenConjunction({ $and: [{ tenantId: 't' }, { id: 1, $or: [{ a: 1 }] }] })).toEqual({
      tenantId: 't',
      id: 1,
      $or: [{ a: 1 }],
    });
  });

  it('keeps the conjunction when parts name the same key', () => {
    const where = { $and: [{ tenantId: 't' }, { tenantId: 'u' }] };
    expect(flattenConjunction(where)).toBe(where);
  });

  it('leaves anything else as it is', () => {
    const shapes = [
      { id: 1 },
      { $and: [{ a: 1 }], b: 2 },
      { $and: [{ a: 1 }, 'raw'] },
      { $and: [{ a: 1 }, new Date(0)] },
      { $and: [{ a: 1 }, { [Symbol('hidden')]: 1, b: 2 }] },
      { $and: 'x' },
    ];
    for (const where of shapes) expect(flattenConjunction(where)).toBe(where);
    expect(flattenConjunction(undefined)).toBeUndefined();
  });

  it('keeps a strict filter strict, without making it a condition', () => {
    const merged = flattenConjunction({ $and: [strict({ tenantId: 't' }), { id: 1 }] });
    expect(Object.keys(merged)).toEqual(['tenantId', 'id']);
    expect((merged as { __strict?: boolean }).__strict).toBe(true);
    const loose = flattenConjunction({ $and: [{ tenantId: 't' }, { id: 1 }] });
    expect((loose as { __strict?: boolean }).__strict).toBeUndefined();
  });
});
