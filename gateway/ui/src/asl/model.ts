// A definition read for drawing: every state with its transitions, Choice rules, Catchers,
// Retriers and nested scopes (Parallel branches, a Map's item processor). Reading is
// lenient: a definition with errors still draws what can be drawn.

import { summarizeRule } from "./choice";

export interface ChoiceEdge {
  /** Short text for the edge. */
  label: string;
  /** The whole rule. */
  full: string;
  next: string;
}

export interface CatchEdge {
  errors: string[];
  next: string;
}

export interface StateNode {
  name: string;
  type: string;
  comment?: string;
  next?: string;
  end: boolean;
  choices: ChoiceEdge[];
  default?: string;
  catches: CatchEdge[];
  /** ErrorEquals of each retrier, and its MaxAttempts (3 when absent). */
  retries: { errors: string[]; maxAttempts: number }[];
  /** Parallel branches; a Map's item processor (one scope). */
  scopes: Scope[];
  /** Task states that wait for a callback. */
  waitsForCallback: boolean;
}

export interface Scope {
  startAt?: string;
  states: StateNode[];
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function errorsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((e): e is string => typeof e === "string") : [];
}

/** The top scope of a definition (empty when it is not an object with States). */
export function readDefinition(definition: unknown): Scope {
  return readScope(definition, 0);
}

function readScope(value: unknown, depth: number): Scope {
  if (!isObject(value) || depth > 32) return { states: [] };
  const states = isObject(value.States) ? value.States : {};
  return {
    startAt: text(value.StartAt),
    states: Object.entries(states).map(([name, state]) => readState(name, state, depth)),
  };
}

function readState(name: string, value: unknown, depth: number): StateNode {
  const state = isObject(value) ? value : {};
  const type = text(state.Type) ?? "?";
  const choices = Array.isArray(state.Choices)
    ? state.Choices.filter(isObject).map((rule) => {
        const { short, full } = summarizeRule(rule);
        return { label: short, full, next: text(rule.Next) ?? "" };
      })
    : [];
  const catches = Array.isArray(state.Catch)
    ? state.Catch.filter(isObject).map((c) => ({ errors: errorsOf(c.ErrorEquals), next: text(c.Next) ?? "" }))
    : [];
  const retries = Array.isArray(state.Retry)
    ? state.Retry.filter(isObject).map((r) => ({
        errors: errorsOf(r.ErrorEquals),
        maxAttempts: typeof r.MaxAttempts === "number" ? r.MaxAttempts : 3,
      }))
    : [];
  let scopes: Scope[] = [];
  if (type === "Parallel" && Array.isArray(state.Branches)) {
    scopes = state.Branches.map((b) => readScope(b, depth + 1));
  } else if (type === "Map") {
    const processor = state.ItemProcessor ?? state.Iterator;
    if (processor !== undefined) scopes = [readScope(processor, depth + 1)];
  }
  const resource = text(state.Resource) ?? "";
  return {
    name,
    type,
    comment: text(state.Comment),
    next: text(state.Next),
    end: state.End === true || type === "Succeed" || type === "Fail",
    choices,
    default: text(state.Default),
    catches,
    retries,
    scopes,
    waitsForCallback: type === "Callback" || resource.endsWith(".waitForTaskToken"),
  };
}

/** Every state of the definition, nested ones included, by name. */
export function statesByName(scope: Scope, into = new Map<string, StateNode>()): Map<string, StateNode> {
  for (const state of scope.states) {
    into.set(state.name, state);
    for (const inner of state.scopes) statesByName(inner, into);
  }
  return into;
}
