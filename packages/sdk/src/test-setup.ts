// Unit tests run in happy-dom, which has no IndexedDB: fake-indexeddb provides a spec-complete one.
import 'fake-indexeddb/auto';

// Unit tests never touch the network: trackers left over from earlier tests (their retry timers)
// see a failing fetch instead of happy-dom's real one. Tests stub fetch per case (test-helpers.ts).
globalThis.fetch = () => Promise.reject(new TypeError('no network in unit tests'));
