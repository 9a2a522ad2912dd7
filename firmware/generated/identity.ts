/**
 * The compiled-in identity of a provisioned sensor bundle. In a source checkout there is none: this placeholder is
 * what the repository holds, and `drukte provision` compiles a bundle with a generated version of this module in its
 * place (firmware/bundle/build.ts). The sensor never reads its identity from anywhere else.
 */
import type { BundleIdentity } from '../bundle/identity.ts';

export const BUNDLE_IDENTITY: BundleIdentity | null = null;
