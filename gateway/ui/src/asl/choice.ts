// Choice rules in a few words: `$.x == 1`, `$.name matches "a*"`, `not ($.ok == true)`.

type Json = Record<string, unknown>;

const OPERATORS: [suffix: string, symbol: string][] = [
  ["Equals", "=="],
  ["LessThanEquals", "<="],
  ["GreaterThanEquals", ">="],
  ["LessThan", "<"],
  ["GreaterThan", ">"],
  ["Matches", "matches"],
];

const TYPES = ["String", "Numeric", "Boolean", "Timestamp"];

const CHECKS: Record<string, [yes: string, no: string]> = {
  IsNull: ["is null", "is not null"],
  IsPresent: ["is present", "is absent"],
  IsNumeric: ["is a number", "is not a number"],
  IsString: ["is a string", "is not a string"],
  IsBoolean: ["is a boolean", "is not a boolean"],
  IsTimestamp: ["is a timestamp", "is not a timestamp"],
};

const MAX = 36;

/** The rule as text, whole and shortened for an edge label. */
export function summarizeRule(rule: Json): { short: string; full: string } {
  const full = describe(rule, 0);
  const short = full.length > MAX ? `${full.slice(0, MAX - 1)}…` : full;
  return { short, full };
}

function describe(rule: unknown, depth: number): string {
  if (typeof rule !== "object" || rule === null || depth > 8) return "?";
  const r = rule as Json;
  if (typeof r.Condition === "string") return r.Condition;
  if (Array.isArray(r.And)) return join(r.And, "and", depth);
  if (Array.isArray(r.Or)) return join(r.Or, "or", depth);
  if (r.Not !== undefined) return `not (${describe(r.Not, depth + 1)})`;
  const variable = typeof r.Variable === "string" ? r.Variable : "?";
  for (const [key, value] of Object.entries(r)) {
    const check = CHECKS[key];
    if (check) return `${variable} ${value === false ? check[1] : check[0]}`;
    const comparison = comparisonOf(key);
    if (comparison) {
      const right = comparison.path ? String(value) : JSON.stringify(value);
      return `${variable} ${comparison.symbol} ${right}`;
    }
  }
  return variable;
}

function comparisonOf(key: string): { symbol: string; path: boolean } | undefined {
  const path = key.endsWith("Path");
  const base = path ? key.slice(0, -4) : key;
  const type = TYPES.find((t) => base.startsWith(t));
  if (!type) return undefined;
  const op = OPERATORS.find(([suffix]) => base === type + suffix);
  return op ? { symbol: op[1], path } : undefined;
}

function join(rules: unknown[], word: string, depth: number): string {
  return rules.map((r) => `(${describe(r, depth + 1)})`).join(` ${word} `);
}
