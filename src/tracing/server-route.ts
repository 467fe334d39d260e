import { context } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';

/**
 * Names the incoming request's span by its route template (`GET /v2/meetings/:meetingId`), from
 * the HTTP pipeline's first hook, once Fastify's router matched it. A no-op without traces.
 */
export function setServerRoute(route: string): void {
  const metadata = getRPCMetadata(context.active());
  if (metadata?.type === RPCType.HTTP) metadata.route = route;
}
