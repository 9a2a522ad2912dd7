/**
 * Zone test: is a point inside the monitored zone?
 *
 * The zone is a simple polygon in the sensor's own coordinates (millimetres), as declared in the sensor manifest
 * (`area.zone`). Targets outside it — people walking past, reflections from a wall — are not counted.
 *
 * Algorithm: even–odd ray casting (W. Randolph Franklin, "PNPOLY"). A ray from the point towards +x crosses the
 * polygon's edges; an odd number of crossings means inside. Points exactly on an edge may fall either way, which
 * for a counting zone of several square metres is immaterial (the radar's own resolution is ~360 mm).
 */
import type { PointMm } from '../../shared/minimisation.ts';

export function insideZone(xMm: number, yMm: number, zone: readonly PointMm[]): boolean {
  let inside = false;
  for (let i = 0, j = zone.length - 1; i < zone.length; j = i++) {
    const [xi, yi] = zone[i]!;
    const [xj, yj] = zone[j]!;
    const crosses = yi > yMm !== yj > yMm && xMm < ((xj - xi) * (yMm - yi)) / (yj - yi) + xi;
    if (crosses) inside = !inside;
  }
  return inside;
}
