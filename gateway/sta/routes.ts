import type { Reply } from '../http-kit.ts';
import type { RouteDeps } from '../routes.ts';
export function staRoutes(_d: RouteDeps, _url: URL, _origin: string): Reply | null {
  return null;
}
