import type { AppConfig } from '../../config/app-config.js';
import type { ZoomToken } from '../token/token-store/token-store.js';

/**
 * Where a call made with `token` goes: ZOOM_API_BASE_URL when it was set; otherwise the
 * regional host Zoom named in the token answer's `api_url` (accounts hosted outside the US are
 * served by their region's host, https://developers.zoom.us/docs/internal-apps/s2s-oauth/);
 * otherwise Zoom's default.
 */
export function zoomApiBase(config: AppConfig, token: Pick<ZoomToken, 'apiUrl'>): string {
  if (config.zoomApiBaseUrlExplicit || !token.apiUrl) return config.zoomApiBaseUrl;
  return `${token.apiUrl}/v2`;
}
