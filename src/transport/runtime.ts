/**
 * The one import that picks the runtime's transport. The npm build maps
 * `./deno.ts` to `./node.ts` here, like dnt's `mappings`.
 * @module
 */
export { transport } from "./deno.ts";
