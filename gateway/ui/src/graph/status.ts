// How each status is shown: a word and a symbol (never colour alone).

import type { NodeStatus } from "../execution/activity";

export const STATUS_TEXT: Record<NodeStatus, { icon: string; text: string }> = {
  "not-started": { icon: "○", text: "not started" },
  running: { icon: "▶", text: "running" },
  "waiting-timer": { icon: "◷", text: "waiting (timer)" },
  "waiting-callback": { icon: "✉", text: "waiting for callback" },
  retrying: { icon: "↻", text: "retrying" },
  succeeded: { icon: "✓", text: "succeeded" },
  caught: { icon: "⚠", text: "error caught" },
  failed: { icon: "✗", text: "failed" },
  aborted: { icon: "■", text: "stopped" },
};

/** `✓ 248 · ▶ 2` for a state visited more than once. */
export function countsText(counts: Partial<Record<NodeStatus, number>>, order: NodeStatus[]): string {
  return order
    .filter((s) => (counts[s] ?? 0) > 0)
    .map((s) => `${STATUS_TEXT[s].icon} ${counts[s]}`)
    .join("  ");
}
