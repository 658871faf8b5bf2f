/**
 * Chains a hook of the tracker's Core after the one already installed (another plugin's), so
 * plugins compose in the order they are listed. `after(mine, c._hook)` puts a hook first instead.
 *
 * @example
 * c._forget = after(c._forget, () => (session = undefined));
 */
export const after =
  <A extends unknown[]>(prev: ((...a: A) => unknown) | undefined, f: ((...a: A) => unknown) | undefined) =>
  (...a: A) => {
    prev?.(...a);
    f?.(...a);
  };
