// The hash is driver-agnostic (orders use it on the edge too); sqlite modules import it from here.
export { keyHash } from '../key-hash';
