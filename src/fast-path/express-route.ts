import type { Express } from 'express';

/** What this module reads of Express 5's router (the `router` package, 2.x). */
interface RouteLayer {
  route?: { path?: unknown; methods?: Record<string, boolean | undefined> };
  match(path: string): { params: Record<string, unknown> } | false;
}

/** The route Express would run for a request, with its parameters as Express decodes them. */
export interface MatchedRoute {
  route: string;
  params: Record<string, string>;
}

function isRouteLayer(layer: unknown): layer is RouteLayer {
  return (
    typeof layer === 'object' &&
    layer !== null &&
    'match' in layer &&
    typeof layer.match === 'function' &&
    'route' in layer &&
    typeof layer.route === 'object' &&
    layer.route !== null
  );
}

/**
 * The first of the app's routes under `prefix` (in the order Express tries them) that takes
 * `method` on `pathname`, as Express's router would pick it; undefined when none does. Routes
 * elsewhere are not consulted: Nest registers its middleware as catch-all routes (`/{*path}`),
 * whose work the fast paths do themselves.
 */
export function expressRouteOf(
  express: Express,
  prefix: string,
  method: string,
  pathname: string,
): MatchedRoute | undefined {
  const stack: unknown = (express.router as { stack?: unknown }).stack;
  if (!Array.isArray(stack)) return undefined;
  const verb = method.toLowerCase();
  for (const layer of stack as unknown[]) {
    if (!isRouteLayer(layer)) continue;
    const path = layer.route?.path;
    if (typeof path !== 'string' || !path.startsWith(prefix)) continue;
    const methods = layer.route?.methods ?? {};
    // `_all`: a route registered with app.all() (Nest's @All), as the router spells it.
    if (!methods[verb] && !methods['_all']) continue;
    const match = layer.match(pathname);
    if (!match) continue;
    const params: Record<string, string> = {};
    for (const [name, value] of Object.entries(match.params))
      if (typeof value === 'string') params[name] = value;
    return { route: path, params };
  }
  return undefined;
}
