import { quoteIdent } from '@tenantbus/tenant-context';

/** What dashboards read: the usage tables, the meters and the tenants' names and limits. */
const TENANT_TABLES = [
  'usage_event',
  'usage_rollup',
  'usage_unique',
  'usage_period',
  'usage_threshold',
];
const GLOBAL_TABLES = ['meter', 'tenant_state'];

/**
 * A read-only role for reporting (Grafana): `select` and nothing else, across tenants — the
 * dashboards are operator tools. Row-level security stays on; this role gets its own
 * select-only policy instead of the system role (which can write). Idempotent; run after the
 * migrations by the owner.
 */
export function reportingRoleSql(role: string): string[] {
  const r = quoteIdent(role);
  return [
    `grant usage on schema public to ${r}`,
    ...[...TENANT_TABLES, ...GLOBAL_TABLES].map(
      (table) => `grant select on ${quoteIdent(table)} to ${r}`,
    ),
    ...TENANT_TABLES.flatMap((table) => [
      `drop policy if exists reporting_read on ${quoteIdent(table)}`,
      `create policy reporting_read on ${quoteIdent(table)} for select to ${r} using (true)`,
    ]),
  ];
}
