import { fieldsInvalid, objectOf, onlyKnown } from '../../common/parse.js';
import type { DailyBlock } from '../api/daily-blocks.js';

/** The kinds of scope a daily-limit block can close (see DailyBlock.scope). */
export const BLOCK_SCOPE_KINDS = [
  'account',
  'host',
  'registrant',
  'registrant_status',
  'operation',
] as const;

/** Long enough for an operation scope on a long Zoom path; a block scope is never longer. */
export const MAX_BLOCK_SCOPE_CHARS = 400;

const KIND_PREFIXES = BLOCK_SCOPE_KINDS.map((kind) => `${kind}:`);

const invalid = (message: string) => fieldsInvalid([{ field: 'scope', message }]);

/**
 * A block's scope as an operator names it (`host:jane@example.com`, `account:heavy+resource_intensive`):
 * 1 to 400 characters, starting with its kind. Anything else is a 400 `validation_failed`: a name
 * that can never be a block is told apart from a block that is not in force (404).
 */
export function parseBlockScope(value: unknown): string {
  if (typeof value !== 'string' || value === '') throw invalid('Must be given, once.');
  if (value.length > MAX_BLOCK_SCOPE_CHARS)
    throw invalid(`Must be at most ${MAX_BLOCK_SCOPE_CHARS} characters.`);
  if (!KIND_PREFIXES.some((prefix) => value.startsWith(prefix) && value.length > prefix.length))
    throw invalid(`Must start with one of ${KIND_PREFIXES.join(', ')} and name what it blocks.`);
  return value;
}

/** `DELETE /api/admin/zoom/limits/blocks?scope=`: the one query field, for scopes with a `/`. */
export function parseBlockScopeQuery(value: unknown): string {
  const query = objectOf(value, 'query');
  onlyKnown(query, ['scope']);
  return parseBlockScope(query.scope);
}

/** `2026-12-07T00:00:00Z`: the end of a block, to the second. */
export function blockEnd(until: number): string {
  return new Date(until).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** One block in words, for the doctor and diagnostics. */
export function blockInWords(block: DailyBlock): string {
  return `Zoom's daily limit blocks ${block.scope} until ${blockEnd(block.until)}: ${block.reason}`;
}
