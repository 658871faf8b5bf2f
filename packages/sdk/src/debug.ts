/** Defined as `false` by the production (minified) builds, so debug strings vanish from them. */
declare const __DEBUG__: boolean;

/** True unless a build defines `__DEBUG__` as false. */
export const DEBUG_BUILD = typeof __DEBUG__ == 'undefined' || __DEBUG__;
