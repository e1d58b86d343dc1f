export * from "./events";
export * from "./layout";
export * from "./record";
export * from "./plan";
export * from "./event-log";
