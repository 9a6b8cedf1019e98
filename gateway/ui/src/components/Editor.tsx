// A plain-text editor for JSON or YAML: a textarea with line numbers, where lines that have
// a diagnostic are marked in the gutter and highlighted behind the text.

import { useEffect, useRef, useState } from "preact/hooks";

export interface EditorProps {
  id: string;
  label: string;
  value: string;
  onInput(value: string): void;
  /** 1-based lines to highlight, with their severity. */
  marks?: Map<number, "error" | "warning">;
  /** A line to scroll to and select; changes each time `focusSeq` does. */
  focusLine?: number;
  focusSeq?: number;
  rows?: number;
  describedBy?: string;
}

const LINE_HEIGHT = 20;

export function Editor({ id, label, value, onInput, marks, focusLine, focusSeq, rows = 18, describedBy }: EditorProps) {
  const area = useRef<HTMLTextAreaElement>(null);
  const [scroll, setScroll] = useState(0);
  const lines = Math.max(1, value.split("\n").length);

  useEffect(() => {
    const el = area.current;
    if (!el || !focusLine) return;
    const starts = [0];
    for (let i = 0; i < value.length; i++) if (value[i] === "\n") starts.push(i + 1);
    const start = starts[focusLine - 1] ?? value.length;
    const end = starts[focusLine] !== undefined ? starts[focusLine] - 1 : value.length;
    el.focus();
    el.setSelectionRange(start, end);
    el.scrollTop = Math.max(0, (focusLine - 3) * LINE_HEIGHT);
  }, [focusSeq]);

  return (
    <div class="editor" style={{ height: `${rows * LINE_HEIGHT + 16}px` }}>
      <div class="editor-gutter" aria-hidden="true">
        <div style={{ transform: `translateY(${-scroll}px)` }}>
          {Array.from({ length: lines }, (_, i) => {
            const mark = marks?.get(i + 1);
            return (
              <div key={i} class={mark ? `gutter-line mark-${mark}` : "gutter-line"} data-line={i + 1}>
                {mark ? (mark === "error" ? "✗ " : "⚠ ") : ""}
                {i + 1}
              </div>
            );
          })}
        </div>
      </div>
      <div class="editor-body">
        <div class="editor-marks" aria-hidden="true" style={{ transform: `translateY(${-scroll}px)` }}>
          {[...(marks ?? new Map<number, string>())].map(([line, kind]) => (
            <div
              key={line}
              class={`line-mark mark-${kind}`}
              data-testid="line-mark"
              data-line={line}
              style={{ top: `${8 + (line - 1) * LINE_HEIGHT}px` }}
            />
          ))}
        </div>
        <textarea
          id={id}
          ref={area}
          aria-label={label}
          aria-describedby={describedBy}
          spellcheck={false}
          autocomplete="off"
          wrap="off"
          value={value}
          onInput={(e) => onInput(e.currentTarget.value)}
          onScroll={(e) => setScroll(e.currentTarget.scrollTop)}
        />
      </div>
    </div>
  );
}
