/**
 * Quota periods are calendar months in UTC for every tenant: invoices, limits and alerts agree on
 * one boundary no matter where a tenant's users are (usage queries may still use any time zone).
 */
export function monthStartUtc(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
}

export function nextMonthStartUtc(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));
}
