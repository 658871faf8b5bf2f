/** Types of bundle-size.mjs (used by the size-budget test and the bench). */
export interface SizeResult {
  code: string;
  raw: number;
  brotli: number;
  gzip: number;
  /** With `split`: brotli bytes of every chunk, lazily loaded ones included. */
  total?: number;
}
export interface SizeOptions {
  resolveDir?: string;
  format?: 'es' | 'iife';
  terserOptions?: Record<string, any>;
  /** Keep dynamic imports as separate chunks: `brotli` is then the entry chunk only. */
  split?: boolean;
}
export const sdkDir: string;
export const repoRoot: string;
export function productionTerser(): Promise<Record<string, any>>;
export function bundleSize(code: string, opts?: SizeOptions): Promise<SizeResult>;
export const SDK_CASES: Record<
  'createTracker + track' | '+ IndexedDB queue' | '+ vitals' | 'script tag (IIFE)' | 'script tag + vitals (IIFE)',
  { code: string; format?: 'es' | 'iife' }
>;
export function measureSdk(): Promise<Record<keyof typeof SDK_CASES, SizeResult>>;
