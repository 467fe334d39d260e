import { Injectable } from '@nestjs/common';

/** The one source of time, so tests can move it. */
@Injectable()
export class Clock {
  now(): number {
    return Date.now();
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms).unref?.());
  }
}
