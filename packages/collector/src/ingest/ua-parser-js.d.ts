// ua-parser-js 1.x (MIT) ships no type declarations; v2 does but is AGPL, so we stay on 1.x
// and declare the small part we use.
declare module 'ua-parser-js' {
  interface UAParserResult {
    browser: { name?: string; version?: string; major?: string };
    os: { name?: string; version?: string };
    device: { type?: string; vendor?: string; model?: string };
  }
  interface UAParserInstance {
    getResult(): UAParserResult;
  }
  const UAParser: {
    (ua?: string): UAParserResult;
    new (ua?: string): UAParserInstance;
  };
  export default UAParser;
}
