/** Read a manifest file (YAML or JSON) and validate it, with every error reported at once. */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { formatManifestErrors, validateManifest, type Manifest } from '../shared/manifest.ts';
import { CliError } from '../shared/args.ts';

/** `prepare` may complete the raw data before validation (provision --gateway fills in the gateway's URLs). */
export function loadManifest(path: string, provisionedAt: number | null, prepare?: (data: unknown) => unknown): Manifest {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read manifest ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let data: unknown;
  try {
    data = parseYaml(text, { uniqueKeys: true });
  } catch (err) {
    throw new CliError(`manifest ${path} is not valid YAML/JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  const result = validateManifest(prepare ? prepare(data) : data, provisionedAt);
  if (!result.ok) throw new CliError(`manifest ${path} has ${result.errors.length} problem(s):\n${formatManifestErrors(result.errors)}`);
  return result.manifest;
}
