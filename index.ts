export { defineConfig } from "./config/define.js";
