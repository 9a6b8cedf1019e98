//! The generated part of the differential corpus: random, type-directed JSONata
//! expressions over a few fixed documents, from a seeded generator (so the cases, their ids
//! and their count are the same on every run).

use serde_json::{Map, Value, json};

use super::corpus::Case;

/// splitmix64: small, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

fn documents() -> Vec<Value> {
    vec![
        json!({
            "n": 5, "f": 2.5, "neg": -3, "big": 1e21, "small": 1.5e-7, "s": "Hello World",
            "e": "", "t": true, "z": null,
            "arr": [3, 1, 4, 1, 5, 9, 2, 6], "strs": ["b", "a", "c", "a"],
            "nested": [[1, 2], [3, [4, 5]], 6],
            "people": [
                {"name": "Ann", "age": 31, "tags": ["x", "y"], "addr": {"city": "Oslo"}},
                {"name": "Bob", "age": 25, "tags": ["y"], "addr": {"city": "Rome"}},
                {"name": "Cid", "age": 40, "tags": [], "addr": {"city": "Oslo"}}
            ],
            "obj": {"a": 1, "b": "two", "c": [1, 2], "d": {"e": null}}
        }),
        json!({
            "n": 0, "f": -0.5, "neg": -10, "big": 12345678901234567_i64, "small": 0.1, "s": "  padded  ",
            "e": "x", "t": false, "z": null,
            "arr": [10], "strs": ["only"],
            "nested": [],
            "people": {"name": "Dee", "age": 19, "tags": "solo", "addr": {"city": "Lima"}},
            "obj": {"a": [1, 2, 3]}
        }),
        json!({
            "n": 100, "f": 0.1, "neg": -1, "big": -1e300, "small": 3.25, "s": "ünïcödé ✓ 😀",
            "e": "a,b,,c", "t": true, "z": [null],
            "arr": [], "strs": [],
            "nested": [[[]]],
            "people": [],
            "obj": {}
        }),
    ]
}

struct Gen {
    rng: Rng,
}

impl Gen {
    fn num(&mut self, d: usize) -> String {
        let leaf = [
            "n",
            "f",
            "neg",
            "0",
            "1",
            "2",
            "-1",
            "3.5",
            "0.1",
            "1e3",
            "people[0].age",
            "arr[0]",
            "arr[-1]",
            "$count(arr)",
            "$length(s)",
            "small",
            "big",
        ];
        if d == 0 || self.rng.below(4) == 0 {
            return self.rng.pick(&leaf).to_string();
        }
        match self.rng.below(16) {
            0..=3 => {
                let op = self.rng.pick(&["+", "-", "*", "/", "%"]);
                format!("({} {op} {})", self.num(d - 1), self.num(d - 1))
            }
            4 => format!("$sum({})", self.arr(d - 1)),
            5 => format!(
                "${}({})",
                self.rng.pick(&["max", "min", "average"]),
                self.arr(d - 1)
            ),
            6 => format!(
                "${}({})",
                self.rng.pick(&["abs", "floor", "ceil", "sqrt"]),
                self.num(d - 1)
            ),
            7 => format!(
                "$round({}, {})",
                self.num(d - 1),
                self.rng.pick(&["0", "1", "2", "-1"])
            ),
            8 => format!(
                "$power({}, {})",
                self.num(d - 1),
                self.rng.pick(&["2", "0.5", "-1", "3"])
            ),
            9 => format!("$length({})", self.str(d - 1)),
            10 => format!("$count({})", self.arr(d - 1)),
            11 => format!("$number({})", self.any(d - 1)),
            12 => format!(
                "({} ? {} : {})",
                self.bool(d - 1),
                self.num(d - 1),
                self.num(d - 1)
            ),
            13 => format!("-{}", self.num(d - 1)),
            14 => format!(
                "$reduce({}, function($a, $b) {{ $a + $b }}, 0)",
                self.arr(d - 1)
            ),
            _ => format!(
                "{}[{}]",
                self.arr(d - 1),
                self.rng.pick(&["0", "1", "-1", "5"])
            ),
        }
    }

    fn str(&mut self, d: usize) -> String {
        let leaf = [
            "s",
            "e",
            "'abc'",
            "\"x y\"",
            "''",
            "people[0].name",
            "strs[1]",
            "obj.b",
            "'Oslo'",
            "'a-b-c'",
        ];
        if d == 0 || self.rng.below(4) == 0 {
            return self.rng.pick(&leaf).to_string();
        }
        match self.rng.below(18) {
            0..=2 => format!("({} & {})", self.str(d - 1), self.any(d - 1)),
            3 => format!(
                "${}({})",
                self.rng.pick(&["uppercase", "lowercase", "trim"]),
                self.str(d - 1)
            ),
            4 => format!("$substring({}, {})", self.str(d - 1), self.num(d - 1)),
            5 => format!(
                "$substring({}, {}, {})",
                self.str(d - 1),
                self.rng.pick(&["0", "1", "-3"]),
                self.rng.pick(&["2", "0", "10"])
            ),
            6 => format!(
                "$pad({}, {}, {})",
                self.str(d - 1),
                self.rng.pick(&["5", "-6", "0"]),
                self.rng.pick(&["'*'", "'ab'", "' '"])
            ),
            7 => format!("$string({})", self.any(d - 1)),
            8 => format!(
                "$join({}, {})",
                self.arr(d - 1),
                self.rng.pick(&["','", "''", "' - '"])
            ),
            9 => format!(
                "$replace({}, {}, {})",
                self.str(d - 1),
                self.rng.pick(&["'a'", "'l'", "/[aeiou]/", "/(o)/"]),
                self.rng.pick(&["'_'", "'$1$1'", "''"])
            ),
            10 => format!(
                "${}({}, {})",
                self.rng.pick(&["substringBefore", "substringAfter"]),
                self.str(d - 1),
                self.rng.pick(&["'o'", "' '", "'-'"])
            ),
            11 => format!(
                "$formatNumber({}, {})",
                self.num(d - 1),
                self.rng.pick(&["'#,##0.00'", "'0.000'", "'#'", "'0%'"])
            ),
            12 => format!(
                "$formatBase({}, {})",
                self.num(d - 1),
                self.rng.pick(&["2", "16", "36"])
            ),
            13 => format!(
                "$formatInteger({}, {})",
                self.num(d - 1),
                self.rng.pick(&["'w'", "'I'", "'000'", "'#,##0'", "'Ww'"])
            ),
            14 => format!("$base64encode({})", self.str(d - 1)),
            15 => format!(
                "$fromMillis({}, {})",
                self.rng.pick(&["0", "1700000000123", "n * 86400000", "-1"]),
                self.rng.pick(&[
                    "'[Y0001]-[M01]-[D01]'",
                    "'[H01]:[m01]:[s01].[f001]'",
                    "'[FNn], [D1o] [MNn] [Y]'",
                    "'[Y,2]-[M,2]'"
                ])
            ),
            16 => format!("$type({})", self.any(d - 1)),
            _ => format!(
                "({} ? {} : {})",
                self.bool(d - 1),
                self.str(d - 1),
                self.str(d - 1)
            ),
        }
    }

    fn bool(&mut self, d: usize) -> String {
        let leaf = [
            "t",
            "true",
            "false",
            "z = null",
            "n > 3",
            "$exists(obj.a)",
            "e = ''",
        ];
        if d == 0 || self.rng.below(4) == 0 {
            return self.rng.pick(&leaf).to_string();
        }
        match self.rng.below(12) {
            0..=2 => {
                let op = self.rng.pick(&["=", "!=", "<", "<=", ">", ">="]);
                format!("({} {op} {})", self.num(d - 1), self.num(d - 1))
            }
            3 => {
                let op = self.rng.pick(&["=", "!=", "<", ">"]);
                format!("({} {op} {})", self.any(d - 1), self.any(d - 1))
            }
            4 => format!("({} and {})", self.bool(d - 1), self.bool(d - 1)),
            5 => format!("({} or {})", self.bool(d - 1), self.bool(d - 1)),
            6 => format!("$not({})", self.any(d - 1)),
            7 => format!("$boolean({})", self.any(d - 1)),
            8 => format!(
                "$contains({}, {})",
                self.str(d - 1),
                self.rng.pick(&["'o'", "/l+/", "''"])
            ),
            9 => format!("$exists({})", self.any(d - 1)),
            10 => format!("({} in {})", self.any(d - 1), self.arr(d - 1)),
            _ => format!("({} = {})", self.str(d - 1), self.str(d - 1)),
        }
    }

    fn arr(&mut self, d: usize) -> String {
        let leaf = [
            "arr",
            "strs",
            "nested",
            "people.name",
            "people.age",
            "people.tags",
            "people[age > 30].name",
            "[1, 2, 3]",
            "[]",
            "[n, f]",
            "[1..4]",
            "obj.c",
            "people.addr.city",
            "$keys(obj)",
        ];
        if d == 0 || self.rng.below(4) == 0 {
            return self.rng.pick(&leaf).to_string();
        }
        match self.rng.below(20) {
            0 => format!("$sort({})", self.arr(d - 1)),
            1 => format!("$reverse({})", self.arr(d - 1)),
            2 => format!("$distinct({})", self.arr(d - 1)),
            3 => format!("$append({}, {})", self.arr(d - 1), self.any(d - 1)),
            4 => format!(
                "$map({}, function($v, $i) {{ {} }})",
                self.arr(d - 1),
                self.rng
                    .pick(&["$v * 2", "$i", "[$v, $i]", "$string($v)", "$v.name"])
            ),
            5 => format!(
                "$filter({}, function($v) {{ {} }})",
                self.arr(d - 1),
                self.rng.pick(&[
                    "$v > 2",
                    "$type($v) = 'string'",
                    "$exists($v)",
                    "$v.age > 26"
                ])
            ),
            6 => format!("$zip({}, {})", self.arr(d - 1), self.arr(d - 1)),
            7 => format!(
                "$split({}, {})",
                self.str(d - 1),
                self.rng.pick(&["''", "' '", "','", "/[lo]/"])
            ),
            8 => format!(
                "{}[{}]",
                self.arr(d - 1),
                self.rng
                    .pick(&["$ > 2", "0", "-1", "[0, 2]", "$ = 'a'", "age > 26", "true"])
            ),
            9 => format!(
                "{}^({})",
                self.arr(d - 1),
                self.rng.pick(&["$", ">$", "<$", "age", ">name"])
            ),
            10 => format!("[{}, {}]", self.any(d - 1), self.any(d - 1)),
            11 => format!(
                "[{}..{}]",
                self.rng.pick(&["0", "1", "n", "-2"]),
                self.rng.pick(&["3", "n", "0", "f"])
            ),
            12 => format!(
                "{}.({})",
                self.arr(d - 1),
                self.rng
                    .pick(&["$ * 10", "$string()", "$", "[$]", "{'v': $}"])
            ),
            13 => format!(
                "$match({}, {})",
                self.str(d - 1),
                self.rng.pick(&["/l+/", "/[A-Z]\\w*/", "/(\\w)(\\w)/"])
            ),
            14 => format!("$spread({})", self.obj(d - 1)),
            15 => format!("{}[]", self.arr(d - 1)),
            16 => format!("$sort({}, function($a, $b) {{ $a > $b }})", self.arr(d - 1)),
            17 => format!("{}#$i[$i < 2]", self.arr(d - 1)),
            18 => format!(
                "$each({}, function($v, $k) {{ $k & '=' & $string($v) }})",
                self.obj(d - 1)
            ),
            _ => format!("{}.*", self.obj(d - 1)),
        }
    }

    fn obj(&mut self, d: usize) -> String {
        let leaf = [
            "obj",
            "people[0]",
            "people[0].addr",
            "{}",
            "{'k': 1}",
            "obj.d",
        ];
        if d == 0 || self.rng.below(4) == 0 {
            return self.rng.pick(&leaf).to_string();
        }
        match self.rng.below(9) {
            0 | 1 => format!("{{'a': {}, 'b': {}}}", self.any(d - 1), self.any(d - 1)),
            2 => format!("$merge([{}, {}])", self.obj(d - 1), self.obj(d - 1)),
            3 => format!(
                "people{{{}: {}}}",
                self.rng.pick(&["addr.city", "name", "$string(age > 30)"]),
                self.rng.pick(&["name", "age", "$sum(age)", "$count(name)"])
            ),
            4 => format!("{}{{$string($): $}}", self.arr(d - 1)),
            5 => format!(
                "$sift({}, function($v) {{ $type($v) = 'number' }})",
                self.obj(d - 1)
            ),
            6 => format!("{} ~> |$|{{'added': true}}|", self.obj(d - 1)),
            7 => format!("{} ~> |$|{{}}, ['a']|", self.obj(d - 1)),
            _ => format!(
                "$lookup({}, {})",
                self.arr(d - 1),
                self.rng.pick(&["'name'", "'a'", "'x'"])
            ),
        }
    }

    fn any(&mut self, d: usize) -> String {
        match self.rng.below(6) {
            0 => self.num(d),
            1 => self.str(d),
            2 => self.bool(d),
            3 => self.arr(d),
            4 => self.obj(d),
            _ => self
                .rng
                .pick(&["z", "nothing", "people.nothing", "obj.d.e", "$", "$$.n"])
                .to_string(),
        }
    }
}

/// `count` distinct generated cases from `seed`.
pub fn cases(count: usize, seed: u64) -> Vec<Case> {
    let docs = documents();
    let mut generator = Gen { rng: Rng(seed) };
    let mut seen = std::collections::BTreeSet::new();
    let mut cases = Vec::with_capacity(count);
    while cases.len() < count {
        let doc = generator.rng.below(docs.len());
        let depth = 1 + generator.rng.below(3);
        let expr = generator.any(depth);
        let id = format!("gen/d{doc}/{expr}");
        if !seen.insert(id.clone()) {
            continue;
        }
        cases.push(Case {
            id,
            expr,
            input: Some(docs[doc].clone()),
            bindings: Map::new(),
        });
    }
    cases
}
