// Add a state machine or store a new revision: the definition as JSON or YAML (typed, pasted
// or loaded from a file), checked by `POST /v1/validate` as it is edited, with each problem
// shown beside the editor and its line highlighted.

import { useEffect, useMemo, useState } from "preact/hooks";
import { ApiError, api, apiPath } from "../api/client";
import type { Diagnostic, StateMachineView, ValidationResult } from "../api/types";
import { lineOfPointer } from "../asl/locate";
import { ErrorBox } from "./common";
import { Editor } from "./Editor";

export interface DefinitionFormProps {
  /** Editing this machine (its name is fixed); absent to add one. */
  name?: string;
  initial?: string;
  onSaved(view: StateMachineView): void;
  onCancel(): void;
}

const EXAMPLE = `{
  "Comment": "A first state machine",
  "StartAt": "Hello",
  "States": {
    "Hello": {"Type": "Pass", "Result": {"hello": "world"}, "Next": "Done"},
    "Done": {"Type": "Succeed"}
  }
}
`;

function contentType(text: string): string {
  const t = text.trimStart();
  return t.startsWith("{") || t.startsWith("[") ? "application/json" : "application/yaml";
}

interface Located extends Diagnostic {
  at?: number;
}

export function DefinitionForm({ name: fixedName, initial, onSaved, onCancel }: DefinitionFormProps) {
  const [name, setName] = useState(fixedName ?? "");
  const [type, setType] = useState("STANDARD");
  const [text, setText] = useState(initial ?? EXAMPLE);
  const [result, setResult] = useState<ValidationResult | null>(null);
  const [checking, setChecking] = useState(false);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const [focus, setFocus] = useState<{ line?: number; seq: number }>({ seq: 0 });

  useEffect(() => {
    const controller = new AbortController();
    const timer = setTimeout(() => {
      setChecking(true);
      api<ValidationResult>(apiPath("validate"), {
        method: "POST",
        body: text,
        contentType: contentType(text),
        signal: controller.signal,
      })
        .then(setResult, (e) => !controller.signal.aborted && setResult(errorResult(e)))
        .finally(() => !controller.signal.aborted && setChecking(false));
    }, 400);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [text]);

  const diagnostics: Located[] = useMemo(
    () =>
      (result?.diagnostics ?? []).map((d) => {
        const pointer = d.pointer ?? d.location;
        return { ...d, at: d.line ?? (pointer === undefined ? undefined : lineOfPointer(text, pointer)) };
      }),
    [result],
  );
  const marks = useMemo(() => {
    const m = new Map<number, "error" | "warning">();
    for (const d of diagnostics) {
      if (d.at === undefined) continue;
      if (d.severity === "ERROR" || !m.has(d.at)) m.set(d.at, d.severity === "ERROR" ? "error" : "warning");
    }
    return m;
  }, [diagnostics]);
  const errors = diagnostics.filter((d) => d.severity === "ERROR").length;

  const save = async (e: Event) => {
    e.preventDefault();
    setSaving(true);
    setSaveError(null);
    try {
      const view = await api<StateMachineView>(apiPath("state-machines", name.trim()), {
        method: "PUT",
        body: text,
        contentType: contentType(text),
        query: fixedName ? undefined : { type },
      });
      onSaved(view);
    } catch (err) {
      setSaveError(err);
      if (err instanceof ApiError && err.body?.diagnostics) {
        setResult({ valid: false, diagnostics: err.body.diagnostics });
      }
    } finally {
      setSaving(false);
    }
  };

  const loadFile = async (file: File | undefined) => {
    if (file) setText(await file.text());
  };

  return (
    <form class="definition-form" onSubmit={save} aria-label={fixedName ? `Edit ${fixedName}` : "New state machine"}>
      <div class="fields">
        {!fixedName && (
          <>
            <label>
              Name
              <input
                name="name"
                required
                maxLength={80}
                value={name}
                onInput={(e) => setName(e.currentTarget.value)}
              />
            </label>
            <label>
              Type
              <select value={type} onChange={(e) => setType(e.currentTarget.value)}>
                <option value="STANDARD">STANDARD</option>
                <option value="EXPRESS">EXPRESS</option>
              </select>
            </label>
          </>
        )}
        <label>
          Load from a file
          <input type="file" accept=".json,.yaml,.yml,application/json,application/yaml" onChange={(e) => loadFile(e.currentTarget.files?.[0])} />
        </label>
      </div>
      <div class="editor-with-diagnostics">
        <Editor
          id="definition"
          label="Definition (JSON or YAML)"
          value={text}
          onInput={setText}
          marks={marks}
          focusLine={focus.line}
          focusSeq={focus.seq}
          describedBy="diagnostics"
        />
        <div id="diagnostics" class="diagnostics" data-testid="diagnostics" aria-live="polite">
          <h3>
            {checking
              ? "Checking…"
              : !result
                ? "Not checked yet"
                : diagnostics.length === 0
                  ? "✓ Valid"
                  : `${errors} error${errors === 1 ? "" : "s"}, ${diagnostics.length - errors} warning${diagnostics.length - errors === 1 ? "" : "s"}`}
          </h3>
          <ul>
            {diagnostics.map((d, i) => (
              <li key={i} class={`diagnostic ${d.severity.toLowerCase()}`} data-line={d.at}>
                <button
                  type="button"
                  class="link"
                  disabled={d.at === undefined}
                  onClick={() => setFocus({ line: d.at, seq: focus.seq + 1 })}
                >
                  <span aria-hidden="true">{d.severity === "ERROR" ? "✗ " : "⚠ "}</span>
                  {d.severity === "ERROR" ? "Error" : "Warning"}
                  {d.at !== undefined ? ` on line ${d.at}${d.column ? `:${d.column}` : ""}` : ""}
                </button>
                <div class="message">{d.message}</div>
                <code class="pointer">{d.pointer ?? d.location ?? ""}</code> <span class="muted">{d.code}</span>
              </li>
            ))}
          </ul>
        </div>
      </div>
      <ErrorBox error={saveError} />
      <div class="actions">
        <button type="submit" class="primary" disabled={saving || errors > 0 || !name.trim()}>
          {fixedName ? "Save new revision" : "Create"}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function errorResult(error: unknown): ValidationResult {
  const message = error instanceof ApiError ? `${error.code}: ${error.message}` : String(error);
  return {
    valid: false,
    diagnostics: [{ severity: "ERROR", code: "REQUEST_FAILED", message }],
  };
}
