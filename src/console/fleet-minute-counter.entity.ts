import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One counter of the whole fleet for one UTC minute: each replica adds its own counts once a minute. */
@Entity('fleet_minute_counters')
export class FleetMinuteCounterEntity {
  /** The minute's start, in ms since the epoch (a multiple of 60 000). */
  @PrimaryColumn({
    type: 'bigint',
    transformer: { to: (v: number) => v, from: (v: unknown) => Number(v) },
  })
  minute: number;

  /** `calls`, `refusals`, `zoom_429s` or `mints`; per app `calls:<app>` and `refusals:<app>`. */
  @PrimaryColumn({ type: 'varchar', length: 96 })
  name: string;

  @Column({ type: 'integer' })
  value: number;
}
