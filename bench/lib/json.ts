import { z } from 'zod';

/** The JSON shapes the bench reads, checked rather than asserted. */
export const TokenResponse = z.object({ access_token: z.string(), expires_in: z.number() });
export const SimulatorStats = z.object({
  tokensMinted: z.number(),
  tokenRequests: z.number(),
  apiCalls: z.number(),
  rateLimited: z.number(),
});
export const CreatedMeeting = z.object({ id: z.union([z.number(), z.string()]).optional() });

export async function readJson<T>(response: Response, schema: z.ZodType<T>): Promise<T> {
  const body: unknown = await response.json();
  return schema.parse(body);
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
