/** Small helpers shared by the CLI verbs: argument parsing with clear errors, ports from flag or env. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** An error meant for the person at the terminal: printed without a stack trace. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
    this.name = 'CliError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

export function parse<O extends Options>(verb: string, argv: string[], options: O, help: string) {
  let values: Record<string, string | boolean | undefined>;
  try {
    const all: Options = { ...options, help: { type: 'boolean', short: 'h' } };
    values = parseArgs({ args: argv, options: all, allowPositionals: false, strict: true }).values as Record<string, string | boolean | undefined>;
  } catch (err) {
    throw new CliError(`${verb}: ${(err as Error).message}\n\n${help}`);
  }
  if (values.help) {
    process.stdout.write(`${help}\n`);
    return null;
  }
  return values as { [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string };
}

/** A TCP port from a flag, else an environment variable, else the default. 0 = any free port. */
export function port(flag: string | undefined, envName: string, fallback: number, what: string): number {
  const raw = flag ?? process.env[envName];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new CliError(`${what} port must be 0–65535, got '${raw}' (from ${flag !== undefined ? 'the flag' : envName})`);
  return n;
}
