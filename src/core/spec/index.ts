export * from "./model";
export * from "./hosts";
export * from "./load";
export * from "./positions";
export * from "./semantic";
export * from "./validate";
export * from "./advisories";
