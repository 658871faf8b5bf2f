// Unit tests run in happy-dom, which has no IndexedDB: fake-indexeddb provides a spec-complete one.
import 'fake-indexeddb/auto';
