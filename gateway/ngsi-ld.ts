import type { Reply } from './http-kit.ts';
import type { RouteDeps } from './routes.ts';
export function ngsiLdRoutes(_d: RouteDeps, _url: URL): Reply | null {
  return null;
}
