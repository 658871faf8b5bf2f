/**
 * Attribution: channel rules, conversion paths and models. Pure functions, no I/O.
 *
 * @example
 * import { attribute, createClassifier } from './attribution';
 * const result = await attribute(store.journeys(siteId, { from, to, lookbackMs }), { from, to });
 */
export * from './apportion';
export * from './channels';
export * from './engine';
export type * from './journey';
export * from './markov';
export * from './models';
export * from './paths';
export * from './rules';
export * from './shapley';
export * from './sources';
