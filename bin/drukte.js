#!/usr/bin/env node
// drukte command-line launcher.
// From a source checkout it runs the TypeScript sources through tsx; on a device (a compiled bundle without
// sources) it runs the compiled JavaScript, which starts faster on a Raspberry Pi.
import { existsSync } from 'node:fs';

const source = new URL('../cli/main.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import(new URL('../dist/cli/main.js', import.meta.url).href);
}
