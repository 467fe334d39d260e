import type { MixedList } from 'typeorm';
import { ApiKeys1764320000000 } from './1764320000000-api-keys.js';

/** Every migration, in order. Written by hand with TypeORM's portable Table API (SQLite and PostgreSQL). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const MIGRATIONS: MixedList<Function> = [ApiKeys1764320000000];
