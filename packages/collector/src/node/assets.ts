import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AssetReader, AssetSources } from '../routes/demo';

/** A reader of bare file names inside one directory (names are validated by the route). */
function dirReader(dir: string): AssetReader {
  return async (name) => {
    if (name.includes('/') || name.includes('\\') || name.includes('..')) return null;
    try {
      return new Uint8Array(await readFile(join(dir, name)));
    } catch {
      return null;
    }
  };
}

/** Walk up from this module until `rel` exists (works from src/ under vitest and from dist/). */
function findUp(rel: string): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const p = join(dir, rel);
    if (existsSync(p)) return p;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

/**
 * The SDK script-tag builds and the demo shop, read from disk: `OMNITRAIL_SDK_DIR` /
 * `OMNITRAIL_DEMO_DIR` when set, else `packages/sdk/dist` and `examples/shop-script-tag/site`
 * of the repository this collector runs from.
 *
 * @example
 * createCollector({ store, assets: nodeAssets() });
 */
export function nodeAssets(env: Record<string, string | undefined> = process.env): AssetSources {
  const sdkPkg = findUp('packages/sdk/package.json') ?? findUp('node_modules/@omnitrail/sdk/package.json');
  // The dist folder may be built after the server starts: point at it even if absent now.
  const sdk = env.OMNITRAIL_SDK_DIR ? resolve(env.OMNITRAIL_SDK_DIR) : sdkPkg ? join(dirname(sdkPkg), 'dist') : null;
  const shop = env.OMNITRAIL_DEMO_DIR ? resolve(env.OMNITRAIL_DEMO_DIR) : findUp('examples/shop-script-tag/site');
  return { sdk: sdk ? dirReader(sdk) : undefined, shop: shop ? dirReader(shop) : undefined };
}
