export * from "./claims.ts";
export * from "./common.ts";
export * from "./errors.ts";
export * from "./installations.ts";
export * from "./resources.ts";
