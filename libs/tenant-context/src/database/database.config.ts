import { z } from 'zod';

const roleName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/);

/** Settings of a service that owns a database; `.extend()` a service schema with this shape. */
export const DatabaseConfigShape = {
  /** The app role's connection: not the owner, so row-level security binds it. Secret. */
  DATABASE_URL: z.string().min(1),
  /** Schema owner; when set, pending migrations run at boot (dev, tests, single-replica). Secret. */
  DATABASE_OWNER_URL: z.string().min(1).optional(),
  DB_APP_ROLE: roleName.default('tenantbus_app'),
};
