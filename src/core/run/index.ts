export * from "./events";
export * from "./layout";
export * from "./record";
