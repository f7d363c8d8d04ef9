import { Injectable } from '@nestjs/common';

/** Time, behind a class so tests and the simulated provider can pin it. */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
