import type { ZoomQuery } from './zoom-api.types.js';

/**
 * Zoom's ids are int64. JSON.parse would round any id above 2^53 (16+ digits) to a nearby
 * double, so such ids are turned into exact decimal strings before parsing. Smaller ids stay
 * numbers, exactly as Zoom sent them.
 */
export function parseZoomJson(text: string): unknown {
  if (!text) return text;
  const exact = text.replace(
    /(?<!\\)("(?:id|meeting_id|occurrence_id)"\s*:\s*)(\d{16,})(?=\s*[,}\]])/g,
    '$1"$2"',
  );
  try {
    return JSON.parse(exact) as unknown;
  } catch {
    return text;
  }
}

/** A query's defined parameters as strings, in the caller's order (also a stable cache variant). */
export function queryString(query: ZoomQuery | undefined): Record<string, string> {
  if (!query) return {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(query))
    if (value !== undefined) out[key] = String(value);
  return out;
}
