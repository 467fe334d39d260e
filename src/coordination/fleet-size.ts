import { Injectable } from '@nestjs/common';

/**
 * How many replicas the fleet had when Redis last answered (the replica heartbeats). While Redis
 * is unusable each replica paces in-process to its share of the account's limits, limit ÷ this,
 * so the fleet together stays within Zoom's limit instead of sending it once per replica.
 */
@Injectable()
export class FleetSize {
  private known = 1;

  /** The replicas last seen alive, this one included: at least 1. */
  get replicas(): number {
    return this.known;
  }

  /** Called with the replicas whose heartbeats were read through Redis. */
  seen(replicas: number): void {
    if (Number.isFinite(replicas)) this.known = Math.max(1, Math.floor(replicas));
  }

  /** A replica's in-process share of a limit the fleet shares: at least 1. */
  shareOf(limit: number): number {
    return Math.max(1, Math.floor(limit / this.known));
  }
}
