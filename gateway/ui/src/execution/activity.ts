// What happened to each state of an execution, from its history (and `currentStates` of a
// running execution's describe): every visit of a state (a state is visited once per loop
// round, Map item and Parallel branch), its status, input, output and error, and per state
// the counts of its visits by status.

import type { CurrentState, CurrentStatus, ExecutionView, HistoryEvent } from "../api/types";
import { detailsOf, eventTime, str } from "./events";

export type NodeStatus =
  | "not-started"
  | "running"
  | "waiting-timer"
  | "waiting-callback"
  | "retrying"
  | "succeeded"
  | "caught"
  | "failed"
  | "aborted";

/** The status shown when a state has visits in several: the first one present wins. */
export const STATUS_PRIORITY: NodeStatus[] = [
  "waiting-callback",
  "retrying",
  "waiting-timer",
  "running",
  "failed",
  "caught",
  "aborted",
  "succeeded",
  "not-started",
];

/** Where visits run: the top of the execution, a Parallel branch or a Map item. */
interface Frame {
  parent?: Visit;
  index?: number;
  closed: boolean;
}

export interface Visit {
  name: string;
  type: string;
  enteredId: number;
  enteredAt: number;
  exitedAt?: number;
  frame: Frame;
  input?: string;
  output?: string;
  error?: string;
  cause?: string;
  /** An error happened in this visit (cleared when the state is retried). */
  failing: boolean;
  exited: boolean;
  retries: number;
  /** The last task event, for open Task visits. */
  task?: "scheduled" | "callback" | "submitted" | "failed";
  /** Map items, by index. */
  items?: Map<number, Frame>;
  status: NodeStatus;
}

export interface MapProgress {
  length?: number;
  started: number;
  succeeded: number;
  failed: number;
  aborted: number;
}

export interface StateActivity {
  name: string;
  status: NodeStatus;
  counts: Partial<Record<NodeStatus, number>>;
  visits: Visit[];
  map?: MapProgress;
}

export interface Activity {
  states: Map<string, StateActivity>;
  /** The state an event belongs to, by event id. */
  stateOfEvent: Map<number, string>;
}

const CURRENT: Record<CurrentStatus, NodeStatus> = {
  RUNNING: "running",
  WAITING_CALLBACK: "waiting-callback",
  WAITING_TIMER: "waiting-timer",
  RETRYING: "retrying",
  WAITING_CHILDREN: "running",
};

export function computeActivity(events: HistoryEvent[], execution?: ExecutionView): Activity {
  const owner = new Map<number, Visit>();
  const typeOf = new Map<number, string>();
  const visits: Visit[] = [];
  const maps = new Map<string, MapProgress>();
  const top: Frame = { closed: false };
  let ended = execution !== undefined && execution.status !== "RUNNING";

  for (const event of events) {
    typeOf.set(event.id, event.type);
    const d = detailsOf(event);
    const prev = owner.get(event.previousEventId);
    const type = event.type;
    if (type.endsWith("StateEntered")) {
      const visit: Visit = {
        name: str(d.name) ?? "?",
        type: type.slice(0, -"StateEntered".length),
        enteredId: event.id,
        enteredAt: eventTime(event),
        frame: frameOf(prev, typeOf.get(event.previousEventId), event, events, top),
        input: str(d.input),
        failing: false,
        exited: false,
        retries: 0,
        status: "running",
      };
      visits.push(visit);
      owner.set(event.id, visit);
      continue;
    }
    if (type.startsWith("Execution")) {
      if (type !== "ExecutionStarted") ended = true;
      if ((type === "ExecutionFailed" || type === "ExecutionTimedOut") && prev && !prev.exited) {
        prev.failing = true;
        prev.error ??= str(d.error);
        prev.cause ??= str(d.cause);
      }
      continue;
    }
    const name = str(d.name);
    const visit = name !== undefined ? ancestorNamed(prev, name) : prev;
    if (visit) owner.set(event.id, visit);
    if (type.startsWith("MapIteration") && visit) {
      const progress = mapProgress(maps, visit.name);
      const index = typeof d.index === "number" ? d.index : -1;
      if (type === "MapIterationStarted") {
        progress.started++;
        visit.items ??= new Map();
        visit.items.set(index, { parent: visit, index, closed: false });
      } else {
        if (type === "MapIterationSucceeded") progress.succeeded++;
        else if (type === "MapIterationFailed") progress.failed++;
        else progress.aborted++;
        const item = visit.items?.get(index);
        if (item) item.closed = true;
      }
      continue;
    }
    if (!visit) continue;
    if (type === "MapStateStarted" && typeof d.length === "number") {
      mapProgress(maps, visit.name).length = d.length;
    } else if (type.endsWith("StateExited")) {
      visit.exited = true;
      visit.exitedAt = eventTime(event);
      visit.output = str(d.output);
    } else if (type === "ParallelStateFailed" || type === "MapStateFailed" || type === "MapRunFailed") {
      visit.failing = true;
    } else if (type === "TaskScheduled") {
      if (visit.task === "failed") {
        visit.retries++;
        visit.failing = false;
      }
      const resource = str(d.resource) ?? "";
      const callback = resource.endsWith("waitForTaskToken") && str(d.resourceType) !== "http";
      visit.task = callback ? "callback" : "scheduled";
    } else if (type === "TaskSubmitted") {
      visit.task = "submitted";
    } else if (type === "TaskFailed" || type === "TaskTimedOut" || type === "TaskSubmitFailed") {
      visit.task = "failed";
      visit.failing = true;
      visit.error = str(d.error);
      visit.cause = str(d.cause);
    }
  }

  const current = execution?.status === "RUNNING" ? execution.currentStates : undefined;
  return summarize(visits, owner, maps, ended, current);
}

/** The frame a state entered in: a new Map item or Parallel branch, or its predecessor's. */
function frameOf(
  prev: Visit | undefined,
  prevType: string | undefined,
  event: HistoryEvent,
  events: HistoryEvent[],
  top: Frame,
): Frame {
  if (prev && prevType === "ParallelStateStarted") return { parent: prev, closed: false };
  if (prev && prevType === "MapIterationStarted") {
    const started = findEvent(events, event.previousEventId);
    const index = started ? detailsOf(started).index : undefined;
    if (typeof index === "number") return prev.items?.get(index) ?? { parent: prev, index, closed: false };
  }
  return prev ? prev.frame : top;
}

/** Events are in id order from 1, mostly without gaps: look there first. */
function findEvent(events: HistoryEvent[], id: number): HistoryEvent | undefined {
  const guess = events[id - events[0].id];
  if (guess?.id === id) return guess;
  return events.find((e) => e.id === id);
}

function ancestorNamed(visit: Visit | undefined, name: string): Visit | undefined {
  for (let v = visit, depth = 0; v && depth < 64; v = v.frame.parent, depth++) {
    if (v.name === name) return v;
  }
  return visit;
}

function mapProgress(maps: Map<string, MapProgress>, name: string): MapProgress {
  let progress = maps.get(name);
  if (!progress) {
    progress = { started: 0, succeeded: 0, failed: 0, aborted: 0 };
    maps.set(name, progress);
  }
  return progress;
}

function isClosed(frame: Frame, ended: boolean, depth = 0): boolean {
  if (ended || frame.closed) return true;
  const parent = frame.parent;
  if (!parent || depth > 64) return false;
  return parent.exited || isClosed(parent.frame, ended, depth + 1);
}

function visitStatus(visit: Visit, ended: boolean): NodeStatus {
  if (visit.exited) return visit.failing ? "caught" : "succeeded";
  if (isClosed(visit.frame, ended)) {
    return visit.failing || visit.type === "Fail" ? "failed" : "aborted";
  }
  if (visit.type === "Wait") return "waiting-timer";
  switch (visit.task) {
    case "failed":
      return "retrying";
    case "callback":
    case "submitted":
      return "waiting-callback";
    default:
      return "running";
  }
}

function summarize(
  visits: Visit[],
  owner: Map<number, Visit>,
  maps: Map<string, MapProgress>,
  ended: boolean,
  current: CurrentState[] | undefined,
): Activity {
  const states = new Map<string, StateActivity>();
  const pending = new Map<string, CurrentState[]>();
  for (const c of current ?? []) {
    const list = pending.get(c.name) ?? [];
    list.push(c);
    pending.set(c.name, list);
  }
  const get = (name: string): StateActivity => {
    let s = states.get(name);
    if (!s) {
      s = { name, status: "not-started", counts: {}, visits: [], map: maps.get(name) };
      states.set(name, s);
    }
    return s;
  };
  for (const visit of visits) {
    visit.status = visitStatus(visit, ended);
    if (!ended && !visit.exited && !isClosed(visit.frame, false)) {
      const reported = takeCurrent(pending.get(visit.name), visit);
      // A Wait state reported RUNNING has been entered and its timer not set yet (the
      // worker sets it next); no event follows until the timer fires, so keep "waiting".
      const entering = reported?.status === "RUNNING" && visit.type === "Wait";
      if (reported && !entering) visit.status = CURRENT[reported.status] ?? visit.status;
    }
    const s = get(visit.name);
    s.visits.push(visit);
    s.counts[visit.status] = (s.counts[visit.status] ?? 0) + 1;
  }
  // States the describe reports that the history read so far does not show yet.
  for (const [name, left] of pending) {
    const s = get(name);
    for (const c of left) {
      const status = CURRENT[c.status] ?? "running";
      s.counts[status] = (s.counts[status] ?? 0) + 1;
    }
  }
  for (const s of states.values()) {
    s.status = STATUS_PRIORITY.find((status) => (s.counts[status] ?? 0) > 0) ?? "not-started";
  }
  const stateOfEvent = new Map<number, string>();
  for (const [id, visit] of owner) stateOfEvent.set(id, visit.name);
  return { states, stateOfEvent };
}

/** The describe's entry for an open visit (same Map item when it says), taken off the list. */
function takeCurrent(list: CurrentState[] | undefined, visit: Visit): CurrentState | undefined {
  if (!list || list.length === 0) return undefined;
  const index = visit.frame.index;
  let at = list.findIndex((c) => {
    const within = c.within?.[c.within.length - 1];
    return index === undefined ? !within : within?.index === index && within.state === visit.frame.parent?.name;
  });
  if (at < 0) at = 0;
  return list.splice(at, 1)[0];
}
