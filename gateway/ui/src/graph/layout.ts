// Places a definition's states with dagre. Each scope (the machine, a Parallel branch, a
// Map's item processor) is laid out on its own; a Parallel or Map state is then a node as
// large as its nested scopes, drawn as a group around them. Coordinates are relative to the
// enclosing scope (or group).

import dagre, { type EdgeLabel, type GraphLabel, type NodeLabel } from "@dagrejs/dagre";
import type { Scope, StateNode } from "../asl/model";
import { textWidth } from "./measure";

export interface Point {
  x: number;
  y: number;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedState extends Box {
  kind: "state";
  state: StateNode;
  /** Nested scopes of a Parallel or Map state, placed inside this box. */
  scopes: PlacedScope[];
}

export interface PlacedMarker extends Box {
  kind: "start" | "end";
}

export type EdgeKind = "next" | "choice" | "default" | "catch";

export interface PlacedEdge {
  kind: EdgeKind;
  points: Point[];
  label?: string;
  /** The whole text when `label` is shortened. */
  title?: string;
  labelBox?: Box;
}

export interface PlacedScope extends Box {
  title?: string;
  nodes: (PlacedState | PlacedMarker)[];
  edges: PlacedEdge[];
}

export const NODE_HEIGHT = 56;
export const GROUP_HEADER = 58;
const SCOPE_TITLE = 22;
const PAD = 12;
const GAP = 16;
const LABEL_SIZE = 11;
const MIN_WIDTH = 176;
const MAX_WIDTH = 280;
const MAX_DEPTH = 16;

const START = "\u0000start";
const END = "\u0000end";
const id = (name: string) => `s:${name}`;

/** The whole graph of a definition. */
export function layoutDefinition(scope: Scope): PlacedScope {
  return layoutScope(scope, true, undefined, 0);
}

function nodeWidth(state: StateNode): number {
  const name = textWidth(state.name, 14, 600) + 40;
  return Math.round(Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, name)));
}

function layoutScope(scope: Scope, markers: boolean, title: string | undefined, depth: number): PlacedScope {
  const g = new dagre.graphlib.Graph<GraphLabel, NodeLabel, EdgeLabel>({ multigraph: true });
  g.setGraph({ rankdir: "TB", nodesep: 28, ranksep: 40, edgesep: 14, marginx: PAD, marginy: PAD });
  g.setDefaultEdgeLabel(() => ({}));

  const inner = new Map<string, PlacedScope[]>();
  for (const state of scope.states) {
    let width = nodeWidth(state);
    let height = NODE_HEIGHT;
    if (state.scopes.length > 0 && depth < MAX_DEPTH) {
      const scopes = state.scopes.map((s, i) =>
        layoutScope(s, false, state.type === "Map" ? "Item processor" : `Branch ${i + 1}`, depth + 1),
      );
      const contentWidth = scopes.reduce((sum, s) => sum + s.width, 0) + GAP * (scopes.length - 1);
      const contentHeight = Math.max(0, ...scopes.map((s) => s.height));
      width = Math.max(width, contentWidth + 2 * PAD);
      height = GROUP_HEADER + contentHeight + PAD;
      let x = (width - contentWidth) / 2;
      for (const s of scopes) {
        s.x = x;
        s.y = GROUP_HEADER;
        x += s.width + GAP;
      }
      inner.set(state.name, scopes);
    }
    g.setNode(id(state.name), { width, height });
  }
  const names = new Set(scope.states.map((s) => s.name));
  if (markers) {
    g.setNode(START, { width: 64, height: 28 });
    g.setNode(END, { width: 64, height: 28 });
    if (scope.startAt && names.has(scope.startAt)) g.setEdge(START, id(scope.startAt), {}, "start");
  }

  const edges = new Map<string, { kind: EdgeKind; label?: string; title?: string }>();
  const add = (v: string, w: string, kind: EdgeKind, label?: string, title?: string) => {
    if (!names.has(w)) return;
    const key = `${kind}:${edges.size}`;
    edges.set(key, { kind, label, title });
    const size = label ? { width: textWidth(label, LABEL_SIZE) + 10, height: 16, labelpos: "c" as const } : {};
    g.setEdge(id(v), id(w), size, key);
  };
  for (const state of scope.states) {
    if (state.next) add(state.name, state.next, "next");
    state.choices.forEach((c) => add(state.name, c.next, "choice", c.label, c.full));
    if (state.default) add(state.name, state.default, "default", "Default");
    for (const c of state.catches) {
      const errors = c.errors.join(", ");
      const label = `Catch ${errors.length > 28 ? `${errors.slice(0, 27)}…` : errors}`;
      add(state.name, c.next, "catch", label, `Catch ${errors}`);
    }
    if (markers && state.end) g.setEdge(id(state.name), END, {}, "end");
  }

  dagre.layout(g);

  const nodes: (PlacedState | PlacedMarker)[] = [];
  for (const state of scope.states) {
    const n = g.node(id(state.name));
    nodes.push({ kind: "state", state, scopes: inner.get(state.name) ?? [], ...topLeft(n) });
  }
  if (markers) {
    nodes.push({ kind: "start", ...topLeft(g.node(START)) });
    nodes.push({ kind: "end", ...topLeft(g.node(END)) });
  }
  const placed: PlacedEdge[] = [];
  for (const e of g.edges()) {
    const label = g.edge(e);
    const meta = e.name === undefined ? undefined : edges.get(e.name);
    const points = (label.points ?? []).map((p) => ({ x: p.x, y: p.y }));
    const edge: PlacedEdge = { kind: meta?.kind ?? "next", points, label: meta?.label, title: meta?.title };
    if (meta?.label && label.x !== undefined && label.y !== undefined) {
      const width = label.width ?? 0;
      const height = label.height ?? 0;
      edge.labelBox = { x: label.x - width / 2, y: label.y - height / 2, width, height };
    }
    placed.push(edge);
  }
  const graph = g.graph();
  const titleSpace = title ? SCOPE_TITLE : 0;
  if (titleSpace) {
    for (const n of nodes) n.y += titleSpace;
    for (const e of placed) {
      for (const p of e.points) p.y += titleSpace;
      if (e.labelBox) e.labelBox.y += titleSpace;
    }
  }
  return {
    x: 0,
    y: 0,
    width: Math.max(graph.width ?? 0, title ? textWidth(title, 12) + 2 * PAD : 0),
    height: (graph.height ?? 0) + titleSpace,
    title,
    nodes,
    edges: placed,
  };
}

function topLeft(n: { x?: number; y?: number; width: number; height: number }): Box {
  return { x: (n.x ?? 0) - n.width / 2, y: (n.y ?? 0) - n.height / 2, width: n.width, height: n.height };
}
