import type { MixedList } from 'typeorm';
import { ApiKeyEntity } from '../auth/api-key.entity.js';

/** Every entity, listed explicitly (no globs: the build is ESM and bundle-friendly). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const ENTITIES: MixedList<Function> = [ApiKeyEntity];
