import { Logger } from '@nestjs/common';
import { z } from 'zod';

/** Where a failpoint can kill the process; each name says which guarantee it exercises. */
export const FAILPOINT_NAMES = [
  /** The relay claimed outbox rows and is about to publish them. */
  'outbox.before-publish',
  /** The relay published the rows and has not yet marked them published. */
  'outbox.after-publish',
] as const;
export type FailpointName = (typeof FAILPOINT_NAMES)[number];

/** `TENANTBUS_FAILPOINTS`: a comma-separated list of known failpoint names; unknown names fail boot. */
export const FailpointsSchema = z
  .string()
  .optional()
  .transform((value) =>
    (value ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.enum(FAILPOINT_NAMES)));

/**
 * Crash injection for reliability tests: an armed failpoint kills the process with SIGKILL (no
 * shutdown hooks, no flush — like a power cut) when the code passes it. Refused in production
 * by `loadConfig`.
 */
export class Failpoints {
  private readonly armed: ReadonlySet<FailpointName>;

  constructor(names: readonly FailpointName[] = []) {
    this.armed = new Set(names);
  }

  hit(name: FailpointName): void {
    if (!this.armed.has(name)) return;
    new Logger('Failpoints').warn({ msg: 'failpoint hit: killing the process', failpoint: name });
    process.kill(process.pid, 'SIGKILL');
  }
}
