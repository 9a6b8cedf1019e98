// The graph of a definition as SVG. Each state is a focusable element carrying its name
// (`data-state`), its status (`data-status`) and an aria-label saying both; Enter or a click
// selects it. Statuses are shown as a symbol and a word as well as a colour.

import type { TargetedKeyboardEvent } from "preact";
import type { Activity, StateActivity } from "../execution/activity";
import { STATUS_PRIORITY } from "../execution/activity";
import { GROUP_HEADER, type PlacedEdge, type PlacedScope, type PlacedState, type Point } from "./layout";
import { textWidth } from "./measure";
import { STATUS_TEXT, countsText } from "./status";

export interface GraphProps {
  graph: PlacedScope;
  /** What happened in an execution; absent for a definition alone. */
  activity?: Activity;
  selected?: string;
  onSelect?(name: string): void;
  label: string;
}

export function Graph({ graph, activity, selected, onSelect, label }: GraphProps) {
  const width = Math.ceil(graph.width);
  const height = Math.ceil(graph.height);
  return (
    <div class="graph-scroll">
      <svg
        class="graph"
        data-testid="graph"
        role="group"
        aria-label={label}
        viewBox={`0 0 ${width} ${height}`}
        width={width}
        height={height}
      >
        <defs>
          {(["next", "choice", "default", "catch"] as const).map((kind) => (
            <marker
              id={`arrow-${kind}`}
              key={kind}
              viewBox="0 0 10 10"
              refX="9"
              refY="5"
              markerWidth="7"
              markerHeight="7"
              orient="auto-start-reverse"
            >
              <path d="M 0 0 L 10 5 L 0 10 z" class={`arrow arrow-${kind}`} />
            </marker>
          ))}
        </defs>
        <ScopeView scope={graph} activity={activity} selected={selected} onSelect={onSelect} />
      </svg>
    </div>
  );
}

interface ScopeProps {
  scope: PlacedScope;
  activity?: Activity;
  selected?: string;
  onSelect?(name: string): void;
}

function ScopeView({ scope, activity, selected, onSelect }: ScopeProps) {
  return (
    <g transform={`translate(${scope.x} ${scope.y})`}>
      {scope.title && (
        <>
          <rect class="scope" x={0} y={0} width={scope.width} height={scope.height} rx={6} />
          <text class="scope-title" x={8} y={15}>
            {scope.title}
          </text>
        </>
      )}
      {scope.edges.map((edge, i) => (
        <EdgeView edge={edge} key={i} />
      ))}
      {scope.nodes.map((node) =>
        node.kind === "state" ? (
          <StateView
            key={`s:${node.state.name}`}
            node={node}
            activity={activity}
            selected={selected}
            onSelect={onSelect}
          />
        ) : (
          <g key={node.kind} class={`marker marker-${node.kind}`} aria-hidden="true">
            <rect x={node.x} y={node.y} width={node.width} height={node.height} rx={node.height / 2} />
            <text x={node.x + node.width / 2} y={node.y + node.height / 2 + 4} text-anchor="middle">
              {node.kind === "start" ? "Start" : "End"}
            </text>
          </g>
        ),
      )}
    </g>
  );
}

function EdgeView({ edge }: { edge: PlacedEdge }) {
  const box = edge.labelBox;
  return (
    <g class={`edge edge-${edge.kind}`}>
      <path d={curve(edge.points)} marker-end={`url(#arrow-${edge.kind})`} />
      {box && edge.label && (
        <g class="edge-label">
          {edge.title && edge.title !== edge.label && <title>{edge.title}</title>}
          <rect x={box.x} y={box.y} width={box.width} height={box.height} rx={3} />
          <text x={box.x + box.width / 2} y={box.y + box.height - 4} text-anchor="middle">
            {edge.label}
          </text>
        </g>
      )}
    </g>
  );
}

/** A smooth path through dagre's points. */
function curve(points: Point[]): string {
  if (points.length === 0) return "";
  let d = `M ${points[0].x} ${points[0].y}`;
  for (let i = 1; i < points.length - 1; i++) {
    const p = points[i];
    const q = points[i + 1];
    const mid = i === points.length - 2 ? q : { x: (p.x + q.x) / 2, y: (p.y + q.y) / 2 };
    d += ` Q ${p.x} ${p.y} ${mid.x} ${mid.y}`;
  }
  if (points.length === 2) d += ` L ${points[1].x} ${points[1].y}`;
  return d;
}

interface StateProps {
  node: PlacedState;
  activity?: Activity;
  selected?: string;
  onSelect?(name: string): void;
}

function StateView({ node, activity, selected, onSelect }: StateProps) {
  const { state } = node;
  const act = activity?.states.get(state.name);
  const status = activity ? (act?.status ?? "not-started") : undefined;
  const group = node.scopes.length > 0;
  const headerHeight = group ? GROUP_HEADER : node.height;
  const second = secondLine(state.type, act, status !== undefined);
  const retries = state.retries.reduce((n, r) => n + r.maxAttempts, 0);
  // The accessible name starts with the visible text (WCAG 2.5.3), then says the rest.
  const visible = [state.name, second, state.retries.length ? `↻ ${retries}` : ""].filter(Boolean).join(" ");
  const aria = [
    visible,
    `${state.type} state`,
    status ? STATUS_TEXT[status].text : undefined,
    act && act.visits.length > 1 ? `${act.visits.length} visits` : undefined,
    state.retries.length ? `retries up to ${retries} times` : undefined,
    state.catches.length ? `catches ${state.catches.map((c) => c.errors.join(" or ")).join("; ")}` : undefined,
  ]
    .filter(Boolean)
    .join(", ");
  const select = () => onSelect?.(state.name);
  const onKeyDown = (e: TargetedKeyboardEvent<SVGGElement>) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      select();
    }
  };
  const classes = ["node", `status-${status ?? "none"}`, group ? "group" : "", selected === state.name ? "selected" : ""];
  return (
    <g transform={`translate(${node.x} ${node.y})`} class={classes.join(" ")}>
      {group && <rect class="group-box" width={node.width} height={node.height} rx={8} />}
      <g
        class="node-hit"
        data-state={state.name}
        data-status={status}
        data-type={state.type}
        role="button"
        tabindex={0}
        aria-label={aria}
        aria-pressed={selected === state.name}
        onClick={select}
        onKeyDown={onKeyDown}
      >
        <rect class="node-box" width={node.width} height={headerHeight} rx={group ? 8 : 6} />
        <text class="node-name" x={12} y={23}>
          {fit(state.name, node.width - 24, 14, 600)}
          {/* Keeps the name and the next line apart in the text read out. */}{" "}
        </text>
        <text class="node-info" x={12} y={43}>
          {fit(second, node.width - 24, 12, 400)}{" "}
        </text>
        {state.retries.length > 0 && (
          <g class="badge" transform={`translate(${node.width - 46} -9)`}>
            <rect width={42} height={18} rx={9} />
            <text x={21} y={13} text-anchor="middle">
              ↻ {retries}
            </text>
          </g>
        )}
      </g>
      {node.scopes.map((scope, i) => (
        <ScopeView key={i} scope={scope} activity={activity} selected={selected} onSelect={onSelect} />
      ))}
    </g>
  );
}

function secondLine(type: string, act: StateActivity | undefined, running: boolean): string {
  if (!running) return type;
  const status = act?.status ?? "not-started";
  const map = act?.map;
  if (map) {
    const total = map.length ?? map.started;
    const done = map.succeeded + map.failed + map.aborted;
    const parts = [`${done}/${total} items`];
    if (map.succeeded) parts.push(`✓ ${map.succeeded}`);
    if (map.failed) parts.push(`✗ ${map.failed}`);
    if (map.aborted) parts.push(`■ ${map.aborted}`);
    const active = map.started - done;
    if (active > 0) parts.push(`▶ ${active}`);
    return `${STATUS_TEXT[status].icon} ${parts.join("  ")}`;
  }
  if (act && act.visits.length > 1) return countsText(act.counts, STATUS_PRIORITY);
  const { icon, text } = STATUS_TEXT[status];
  return status === "not-started" ? type : `${icon} ${text}`;
}

/** The text, shortened with … to fit `width`. */
function fit(text: string, width: number, size: number, weight: number): string {
  if (textWidth(text, size, weight) <= width) return text;
  let low = 0;
  let high = text.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (textWidth(`${text.slice(0, mid)}…`, size, weight) <= width) low = mid;
    else high = mid - 1;
  }
  return `${text.slice(0, low)}…`;
}
