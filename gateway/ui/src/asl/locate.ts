// The line of a JSON Pointer in a definition's text, for diagnostics that carry only a
// pointer: exact for JSON, by indentation for YAML.

/** 1-based line of the value `pointer` names in `text`, or undefined when not found. */
export function lineOfPointer(text: string, pointer: string): number | undefined {
  const path = parsePointer(pointer);
  if (path === undefined) return undefined;
  if (path.length === 0) return 1;
  const trimmed = text.trimStart();
  const found = trimmed.startsWith("{") || trimmed.startsWith("[") ? inJson(text, path) : inYaml(text, path);
  return found === undefined ? undefined : lineAt(text, found);
}

function parsePointer(pointer: string): string[] | undefined {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) return undefined;
  return pointer
    .slice(1)
    .split("/")
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Offset of the key (or array element) the path ends at, scanning the JSON text. */
function inJson(text: string, path: string[]): number | undefined {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const skipString = () => {
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    i++;
  };
  const readString = (): string => {
    const start = i;
    skipString();
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return "";
    }
  };
  const skipValue = (depth: number): void => {
    ws();
    const c = text[i];
    if (c === '"') return skipString();
    if (c === "{" || c === "[") {
      const close = c === "{" ? "}" : "]";
      i++;
      for (;;) {
        ws();
        if (i >= text.length || text[i] === close) {
          i++;
          return;
        }
        if (c === "{") {
          readString();
          ws();
          i++; // ':'
        }
        if (depth > 200) return;
        skipValue(depth + 1);
        ws();
        if (text[i] === ",") i++;
      }
    }
    while (i < text.length && !/[\s,\]}]/.test(text[i])) i++;
  };
  let level = 0;
  for (;;) {
    ws();
    const want = path[level];
    const c = text[i];
    if (c !== "{" && c !== "[") return undefined;
    i++;
    let index = 0;
    let found = false;
    while (!found) {
      ws();
      if (i >= text.length || text[i] === "}" || text[i] === "]") return undefined;
      const at = i;
      let matches: boolean;
      if (c === "{") {
        matches = readString() === want;
        ws();
        i++; // ':'
      } else {
        matches = String(index) === want;
      }
      if (matches) {
        if (level === path.length - 1) return at;
        found = true;
        break;
      }
      skipValue(0);
      ws();
      if (text[i] === ",") i++;
      index++;
    }
    level++;
  }
}

/** Offset of the line holding the path's last key or item, following YAML indentation. */
function inYaml(text: string, path: string[]): number | undefined {
  const lines = text.split("\n");
  const offsets: number[] = [];
  let sum = 0;
  for (const line of lines) {
    offsets.push(sum);
    sum += line.length + 1;
  }
  let from = 0;
  let start = 0;
  let parentIndent = -1;
  for (const segment of path) {
    let index = -1;
    let childIndent = -1;
    let hit = -1;
    for (let n = start; n < lines.length; n++) {
      const line = lines[n];
      if (!line.trim() || line.trimStart().startsWith("#")) continue;
      const indent = line.length - line.trimStart().length;
      if (indent <= parentIndent) break;
      const body = line.trimStart();
      if (childIndent < 0) childIndent = indent;
      if (indent !== childIndent) continue;
      if (body.startsWith("- ") || body === "-") {
        index++;
        if (String(index) === segment) {
          hit = n;
          break;
        }
        continue;
      }
      const key = body.match(/^(["']?)(.*?)\1\s*:(\s|$)/)?.[2];
      if (key === segment) {
        hit = n;
        break;
      }
    }
    if (hit < 0) return undefined;
    from = hit;
    const indent = lines[hit].length - lines[hit].trimStart().length;
    const body = lines[hit].trimStart();
    if (body.startsWith("- ") && /^[^\s].*:(\s|$)/.test(body.slice(2))) {
      // `- key: value`: the item's keys sit after the dash, this line included.
      lines[hit] = " ".repeat(indent + 2) + body.slice(2);
      parentIndent = indent;
      start = hit;
    } else {
      parentIndent = indent;
      start = hit + 1;
    }
  }
  return offsets[from];
}
