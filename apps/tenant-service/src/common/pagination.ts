import { InvalidRequestError } from './registry.errors';

export interface Cursor {
  readonly createdAt: Date;
  readonly id: string;
}

/** Opaque, stable cursors over (created_at, id): no offsets, so pages do not shift under inserts. */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`${cursor.createdAt.toISOString()}|${cursor.id}`).toString('base64url');
}

export function decodeCursor(value: string): Cursor {
  const [createdAt, id] = Buffer.from(value, 'base64url').toString('utf8').split('|');
  const date = new Date(createdAt ?? '');
  if (!id || Number.isNaN(date.getTime()))
    throw new InvalidRequestError('CURSOR_INVALID', 'The cursor is not valid');
  return { createdAt: date, id };
}

/** Rows after the cursor in (created_at, id) order, for MikroORM `where`. */
export function afterCursor(cursor: Cursor | undefined): Record<string, unknown> {
  if (!cursor) return {};
  return {
    $or: [
      { createdAt: { $gt: cursor.createdAt } },
      { createdAt: cursor.createdAt, id: { $gt: cursor.id } },
    ],
  };
}

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}

export function toPage<T extends { createdAt: Date; id: string }, V>(
  rows: T[],
  limit: number,
  view: (row: T) => V,
): Page<V> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items: items.map(view),
    nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
  };
}
