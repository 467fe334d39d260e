import { decodePathSegment } from '../../common/zoom-path.js';
import {
  type DailyScope,
  type ZoomProduct,
  type ZoomRateCategory,
  ZoomRouteTable,
} from '@zoom-gateway/zoom-routes';

export { UNKNOWN_CATEGORY as DEFAULT_CATEGORY } from '@zoom-gateway/zoom-routes';

/**
 * What the gateway needs to know of one call to Zoom, from the route table built from Zoom's own
 * reference (route-table/, `npm run zoom:routes`): the operation's label for metrics and logs,
 * the category and product table it counts against, and the per-scope daily limit it spends.
 */
export interface ZoomRouteInfo {
  /** The route template, e.g. `/users/:userId/meetings`: a bounded label for metrics and logs. */
  template: string;
  category: ZoomRateCategory;
  product: ZoomProduct;
  daily: DailyScope | null;
  /** The host user named in the path (`/users/{userId}/...`), decoded, for the host's daily limit. */
  pathUser?: string;
  /** The meeting or webinar named in the path, decoded, for the per-registrant daily limits. */
  pathResource?: string;
}

/** The route's facts for a path relative to `/v2` (still percent-encoded, no query). */
export function describeZoomRoute(method: string, path: string): ZoomRouteInfo {
  const match = ZoomRouteTable.default().lookup(method, path);
  const info: ZoomRouteInfo = {
    template: match.template,
    category: match.category,
    product: match.product,
    daily: match.daily,
  };
  if (match.daily === null) return info;
  const { userId, meetingId, webinarId } = match.params;
  if (userId !== undefined) info.pathUser = decodePathSegment(userId);
  const resource = meetingId ?? webinarId;
  if (resource !== undefined)
    info.pathResource = `${meetingId !== undefined ? 'meeting' : 'webinar'}:${decodePathSegment(resource)}`;
  return info;
}
