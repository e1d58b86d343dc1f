export declare const hostTestsOut: string;
/** Compiles test/e2e/host/*.ts into dist/test/e2e-host/ and returns the path of its index.js. */
export declare function buildHostTests(): string;
