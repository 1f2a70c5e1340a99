/**
 * README.md as the tests read it: its fenced code blocks, each with the
 * heading it sits under, and its headings' anchors as GitHub makes them.
 * Runtime-neutral.
 * @module
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./util.ts";

/** One fenced code block. */
export interface CodeBlock {
  /** The fence's language word (`ts`, `sh`, ...), or "" for none. */
  lang: string;
  /** The block's text, without the fences. */
  code: string;
  /** The nearest heading above it, without its `#`s. */
  heading: string;
  /** Its place among the blocks of its language under that heading: 1, 2... */
  nth: number;
  /** The line of its opening fence, counted from 1. */
  line: number;
}

/** README.md's text. */
export function readme(): string {
  return readFileSync(join(repoRoot(), "README.md"), "utf8");
}

/** The fenced code blocks of `text` (top-level fences only: ``` at column 0). */
export function codeBlocks(text: string = readme()): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const seen = new Map<string, number>();
  let heading = "";
  let open: { lang: string; line: number; lines: string[] } | undefined;
  text.split("\n").forEach((row, i) => {
    if (open) {
      if (row.startsWith("```")) {
        const key = `${heading}\n${open.lang}`;
        const nth = (seen.get(key) ?? 0) + 1;
        seen.set(key, nth);
        blocks.push({
          lang: open.lang,
          code: open.lines.join("\n") + "\n",
          heading,
          nth,
          line: open.line,
        });
        open = undefined;
      } else open.lines.push(row);
    } else if (row.startsWith("```")) {
      open = {
        lang: row.slice(3).trim().split(/\s/)[0],
        line: i + 1,
        lines: [],
      };
    } else if (/^#{1,6} /.test(row)) {
      heading = row.replace(/^#+ /, "");
    }
  });
  return blocks;
}

/** A heading's anchor, as GitHub makes it: `peer_type: "json"` -> `peer_type-json`. */
export function anchor(heading: string): string {
  return heading.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** The anchors of `text`'s headings (outside code blocks). */
export function anchors(text: string = readme()): Set<string> {
  const found = new Set<string>();
  let inCode = false;
  for (const row of text.split("\n")) {
    if (row.startsWith("```")) inCode = !inCode;
    else if (!inCode && /^#{1,6} /.test(row)) {
      found.add(anchor(row.replace(/^#+ /, "")));
    }
  }
  return found;
}
