import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

const DOC_HEADER = `# Benchmarks

Numbers measured by \`npm run bench\` (see \`bench/\`). Each section is written by one benchmark and
rewritten in place between its \`<!-- bench:<id>:start -->\` and \`<!-- bench:<id>:end -->\`
markers whenever that benchmark runs; everything outside the markers is kept as written.
`;

/**
 * Replaces the section `id` of the markdown file at `file` with `markdown`, appending the section
 * (and creating the file) when it is not there yet. Other sections are left untouched.
 */
export async function writeDocSection(file: string, id: string, markdown: string): Promise<void> {
  const start = `<!-- bench:${id}:start -->`;
  const end = `<!-- bench:${id}:end -->`;
  const section = `${start}\n${markdown.trim()}\n${end}`;
  const current = await readExisting(file);
  let next: string;
  const from = current.indexOf(start);
  const to = current.indexOf(end, from);
  if (from >= 0 && to >= 0) {
    next = current.slice(0, from) + section + current.slice(to + end.length);
  } else {
    const base = current.trim() === "" ? DOC_HEADER : current;
    next = `${base.trimEnd()}\n\n${section}\n`;
  }
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, next);
}

async function readExisting(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw error;
  }
}
