interface ImportMetaEnv {
  readonly VITE_OMNITRAIL_WRITE_KEY?: string;
  readonly VITE_OMNITRAIL_ENDPOINT?: string;
}
interface ImportMeta {
  readonly env: ImportMetaEnv;
}
