/**
 * Native addons (`.node` files) in a bundle and the machine they were compiled for.
 *
 * A `.node` file is a shared library: on Linux an ELF file whose header names its machine (e_machine, u16 at offset
 * 18, in the byte order of EI_DATA at offset 5; ELF specification, "ELF Header"). An arm64 Raspberry Pi cannot load
 * an x86-64 addon, and Node says only "invalid ELF header" or "wrong ELF class" at the first `import`; so the bundle
 * build refuses to ship a file for another machine, and the sensor (checkBundle) and `drukte doctor` check every
 * file against the machine they run on, with the fix.
 */
import { closeSync, existsSync, openSync, readdirSync, readSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import type { Arch } from '../../shared/manifest.ts';

/** ELF e_machine values (System V ABI): EM_386 3, EM_ARM 40, EM_X86_64 62, EM_AARCH64 183. */
const MACHINES: Record<number, string> = { 3: 'x86 (32-bit)', 40: 'arm (32-bit)', 62: 'x64', 183: 'arm64' };
/** The e_machine each bundle target needs. */
export const ARCH_MACHINE: Record<Arch, number> = { arm64: 183, armv7: 40, x64: 62 };
/** Node's process.arch for each bundle target (the names prebuilds/ folders use: linux-arm64, linux-arm, linux-x64). */
export const NODE_ARCH: Record<Arch, string> = { arm64: 'arm64', armv7: 'arm', x64: 'x64' };

/** The bundle target of the machine this runs on, or null for one drukte has no target for. */
export function hostArch(arch: string = process.arch): Arch | null {
  return arch === 'arm64' ? 'arm64' : arch === 'arm' ? 'armv7' : arch === 'x64' ? 'x64' : null;
}

export interface NativeFile {
  /** Path relative to the bundle directory. */
  path: string;
  /** ELF e_machine, or null when the file is not an ELF shared library (a macOS or Windows build). */
  machine: number | null;
}

/** A readable name for an e_machine value. */
export const machineName = (machine: number | null): string => (machine === null ? 'not a Linux (ELF) library' : MACHINES[machine] ?? `machine ${machine}`);

/** The e_machine of an ELF file, or null when the file is not ELF. */
export function elfMachine(file: string): number | null {
  const head = Buffer.alloc(20);
  const fd = openSync(file, 'r');
  try {
    if (readSync(fd, head, 0, 20, 0) < 20) return null;
  } finally {
    closeSync(fd);
  }
  if (head.readUInt32BE(0) !== 0x7f454c46) return null; // "\x7fELF"
  return head[5] === 2 ? head.readUInt16BE(18) : head.readUInt16LE(18);
}

/** Every `.node` file under `dir/node_modules`, sorted, with its machine. */
export function nativeFiles(dir: string): NativeFile[] {
  const out: NativeFile[] = [];
  const walk = (rel: string) => {
    const st = lstatSync(join(dir, rel));
    if (st.isDirectory()) for (const name of readdirSync(join(dir, rel))) walk(`${rel}/${name}`);
    else if (st.isFile() && rel.endsWith('.node')) out.push({ path: rel, machine: elfMachine(join(dir, rel)) });
  };
  if (existsSync(join(dir, 'node_modules'))) walk('node_modules');
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The `.node` files in `dir` that the given target cannot load. */
export function foreignNativeFiles(dir: string, arch: Arch): NativeFile[] {
  return nativeFiles(dir).filter((f) => f.machine !== ARCH_MACHINE[arch]);
}
