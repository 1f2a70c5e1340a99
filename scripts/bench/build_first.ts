/**
 * The npm build the benchmarks measure, made from the current sources
 * first unless the command line says `--no-build`.
 * @module
 */

/**
 * Runs `deno task build` in `root` unless `--no-build` was given.
 * @param root the repository's root folder
 */
export async function buildUnlessAsked(root: string): Promise<void> {
  if (Deno.args.includes("--no-build")) return;
  console.error("building npm/ from the current sources ...");
  const built = await new Deno.Command(Deno.execPath(), {
    args: ["task", "build"],
    cwd: root,
    stdout: "null",
    stderr: "inherit",
  }).output();
  if (!built.success) throw new Error("deno task build failed");
}
