import { randomBytes } from 'node:crypto';

/** Names that never collide across parallel runs and never depend on leftovers. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`.toLowerCase();
}
