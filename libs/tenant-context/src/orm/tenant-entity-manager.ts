import type { FilterQuery, FindOneOptions, FindOptions } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';

type Where = Record<string, unknown>;

function isPlainWhere(value: unknown): value is Where {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * `{ $and: [filter, where] }` as one object when its parts share no key: the same condition
 * (an object's keys are a conjunction), which MikroORM's criteria nodes and query builder walk
 * for ~45 µs less CPU per query than the nested one (bench: context). Parts that share a key
 * stay a conjunction. Strictness MikroORM marks on a filter's condition stays on the merged one.
 */
export function flattenConjunction<T>(where: T): T {
  if (!isPlainWhere(where)) return where;
  const parts = where.$and;
  if (!Array.isArray(parts) || Object.keys(where).length !== 1) return where;
  const merged: Where = {};
  let strict = false;
  for (const part of parts) {
    if (!isPlainWhere(part) || Object.getOwnPropertySymbols(part).length) return where;
    for (const key of Object.keys(part)) {
      if (key in merged) return where;
      merged[key] = part[key];
    }
    strict ||= (part as { __strict?: boolean }).__strict === true;
  }
  if (strict) Object.defineProperty(merged, '__strict', { value: true, enumerable: false });
  return merged as T;
}

/**
 * The EntityManager of a tenancy-enabled ORM (`withTenancy`): the filters of a find, count,
 * update or delete folded into the query's own where. Joined and populated entities' filters
 * are MikroORM's as they are.
 */
export class TenantEntityManager extends EntityManager {
  protected override async processWhere<
    Entity extends object,
    Hint extends string = never,
    Fields extends string = '*',
    Excludes extends string = never,
  >(
    entityName: string,
    where: FilterQuery<Entity>,
    options:
      FindOptions<Entity, Hint, Fields, Excludes> | FindOneOptions<Entity, Hint, Fields, Excludes>,
    type: 'read' | 'update' | 'delete',
  ): Promise<FilterQuery<Entity>> {
    return flattenConjunction(await super.processWhere(entityName, where, options, type));
  }
}
