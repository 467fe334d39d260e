import { context } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';

/**
 * Names the incoming request's span by its route template (`GET /v2/meetings/:meetingId`), as
 * the Express instrumentation does for the requests Express routes. A no-op without traces.
 */
export function setServerRoute(route: string): void {
  const metadata = getRPCMetadata(context.active());
  if (metadata?.type === RPCType.HTTP) metadata.route = route;
}
