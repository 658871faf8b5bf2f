// Minimal types for the part of pngjs the QR tests use (pngjs ships no types and
// @types/pngjs is not installed). pngjs is a dev dependency: tests decode PNGs with it.
declare module 'pngjs' {
  export class PNG {
    width: number;
    height: number;
    data: Buffer;
    static sync: { read(buffer: Buffer): PNG };
  }
}
