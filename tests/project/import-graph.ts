/**
 * The repository's import graph, read from the source text (no bundler): every relative `import … from`,
 * `export … from` and `import('…')` between the project's own folders. Used by import-graph.test.ts to keep the
 * layering one way (docs/ARCHITECTURE: shared ← hardware ← firmware, shared ← gateway, clients and tools on top).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** Which top-level folders each folder may import from (itself always included). */
export const LAYERS: Readonly<Record<string, readonly string[]>> = {
  shared: [],
  hardware: ['shared'],
  firmware: ['shared', 'hardware'],
  gateway: ['shared'],
  // The public display is a client: it reads the gateway over HTTP, and may drive the LCD.
  display: ['shared', 'hardware'],
  // Beside hardware: encodes frames for the decoders under test and for demos.
  simulator: ['shared', 'hardware'],
  cli: ['shared', 'hardware', 'firmware', 'gateway', 'display', 'simulator'],
  bench: ['shared', 'hardware', 'firmware', 'gateway', 'display', 'simulator', 'cli'],
  bin: ['cli'],
};

const SOURCE = /\.(ts|js|mjs)$/;
const SPECIFIER = /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) yield path;
  }
}

/** Without comments, so an example in a doc comment is not an edge. */
const stripComments = (text: string): string => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');

/** file → the project files it imports (paths relative to root, '/' separated). */
export function importGraph(root: string, folders: readonly string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const rel = (p: string): string => relative(root, p).split(sep).join('/');
  for (const folder of folders) {
    for (const file of walk(join(root, folder))) {
      const edges: string[] = [];
      for (const m of stripComments(readFileSync(file, 'utf8')).matchAll(SPECIFIER)) {
        const spec = m[1] ?? m[2] ?? '';
        if (spec.startsWith('.')) edges.push(rel(resolve(dirname(file), spec)));
      }
      graph.set(rel(file), edges);
    }
  }
  return graph;
}

export const layerOf = (path: string): string => path.split('/')[0] ?? '';

/** Edges that go against LAYERS, as "from → to". */
export function wrongWayEdges(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const wrong: string[] = [];
  for (const [from, tos] of graph) {
    const allowed = LAYERS[layerOf(from)];
    for (const to of tos) {
      const layer = layerOf(to);
      if (layer === layerOf(from)) continue;
      if (!allowed || !allowed.includes(layer)) wrong.push(`${from} → ${to}`);
    }
  }
  return wrong;
}

/** Import cycles (strongly connected components of more than one file, or a file importing itself). */
export function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    indices.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) ?? 0, indices.get(w) ?? 0));
      }
    }
    if (low.get(v) === indices.get(v)) {
      const scc: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop();
        if (w === undefined) break;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!indices.has(v)) visit(v);
  return out;
}

/**
 * The rooms inside gateway/ and which rooms each may import from. Files directly in gateway/ and in store/ are its
 * base (register, registration, credentials, refusal reasons, the HTTP kit, the store); the composition root
 * (ROOT_FILES) may import every room. So a broker hook cannot reach a page, nor a feed the admin side.
 */
export const GATEWAY_ROOMS: Readonly<Record<string, readonly string[]>> = {
  base: [],
  mqtt: ['base'],
  ingest: ['base', 'mqtt'],
  feeds: ['base', 'ingest'],
  pages: ['base', 'ingest'],
  http: ['base', 'mqtt', 'ingest', 'feeds', 'pages'],
};
export const GATEWAY_ROOT_FILES: readonly string[] = ['gateway/gateway.ts', 'gateway/options.ts', 'gateway/report.ts', 'gateway/components.ts'];

/** The room of a gateway file ('root', 'base', 'mqtt', …), or null outside gateway/. */
export function roomOf(path: string): string | null {
  const parts = path.split('/');
  if (parts[0] !== 'gateway') return null;
  if (GATEWAY_ROOT_FILES.includes(path)) return 'root';
  if (parts.length === 2 || parts[1] === 'store') return 'base';
  return parts[1]!;
}

/** Edges between gateway rooms that go against GATEWAY_ROOMS (a room unknown to it is an error too). */
export function wrongRoomEdges(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const wrong: string[] = [];
  for (const [from, tos] of graph) {
    const room = roomOf(from);
    if (room === null || room === 'root') continue;
    const allowed = GATEWAY_ROOMS[room];
    for (const to of tos) {
      const target = roomOf(to);
      if (target === null || target === room) continue;
      if (!allowed || !allowed.includes(target)) wrong.push(`${from} → ${to}`);
    }
  }
  return wrong;
}
