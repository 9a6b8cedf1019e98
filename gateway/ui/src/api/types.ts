// The REST API's answers, as the console uses them (see /openapi.json and the console API
// contract). Fields that newer servers add are optional here, so the console degrades
// gracefully against an older one.

export type ExecutionStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";
export const EXECUTION_STATUSES: ExecutionStatus[] = [
  "RUNNING",
  "SUCCEEDED",
  "FAILED",
  "TIMED_OUT",
  "ABORTED",
];

export interface StateMachineView {
  name: string;
  arn: string;
  revision: number;
  type: "STANDARD" | "EXPRESS";
  roleArn?: string;
  createdAt: string;
  updatedAt: string;
  definition?: Definition;
  executionCounts?: Partial<Record<ExecutionStatus, number>>;
}

export interface StateMachineList {
  stateMachines: StateMachineView[];
  next?: string;
}

/** An ASL definition, as JSON. */
export type Definition = Record<string, unknown>;

export interface Diagnostic {
  severity: "ERROR" | "WARNING";
  code: string;
  message: string;
  /** JSON Pointer to the field (the contract's name). */
  pointer?: string;
  /** JSON Pointer to the field (older servers' name). */
  location?: string;
  line?: number;
  column?: number;
}

export interface ValidationResult {
  valid: boolean;
  diagnostics: Diagnostic[];
}

export interface Within {
  state: string;
  index: number;
}

export type CurrentStatus =
  | "RUNNING"
  | "WAITING_CALLBACK"
  | "WAITING_TIMER"
  | "RETRYING"
  | "WAITING_CHILDREN";

export interface CurrentState {
  name: string;
  status: CurrentStatus;
  enteredAt?: string;
  within?: Within[];
}

export interface OpenCallback {
  state: string;
  token: string;
  since?: string;
  within?: Within[];
}

export interface ExecutionView {
  name: string;
  arn: string;
  stateMachine: string;
  revision?: number;
  status: ExecutionStatus;
  startedAt: string;
  stoppedAt?: string;
  input?: unknown;
  output?: unknown;
  error?: string;
  cause?: string;
  currentStates?: CurrentState[];
  currentStatesTotal?: number;
  openCallbacks?: OpenCallback[];
}

export interface ExecutionList {
  executions: ExecutionView[];
  next?: string;
}

/** One event of the history, in AWS's HistoryEvent shape. */
export interface HistoryEvent {
  id: number;
  previousEventId: number;
  /** RFC 3339 text (newer servers) or epoch seconds (older ones). */
  timestamp: string | number;
  type: string;
  [details: string]: unknown;
}

export interface HistoryPage {
  events: HistoryEvent[];
  next?: string;
}

export type CallbackOutcome = "WAITING" | "ANSWERED" | "TIMED_OUT" | "CLOSED" | "EXECUTION_ENDED" | "GONE";

export interface CallbackInfo {
  execution: {
    name: string;
    stateMachine: string;
    arn: string;
    status: ExecutionStatus;
    startedAt: string;
  };
  state: string;
  /** 1 for the first attempt. */
  attempt?: number;
  since?: string;
  input?: unknown;
  parameters?: unknown;
  waiting: boolean;
  outcome: CallbackOutcome;
}

export interface ErrorBody {
  error: string;
  message: string;
  diagnostics?: Diagnostic[];
}
