use serde_json::{Value, json};

use super::*;

fn select(path: &str, input: &Value) -> Option<Value> {
    let ctx = json!({"Execution": {"Name": "exec-1"}});
    Path::parse(path).unwrap().select(&Env::new(input, &ctx))
}

#[test]
fn reference_paths_select_single_nodes() {
    let input = json!({"a": {"b": [10, 20, {"c": "x"}]}, "foo-bar": 1, "a b": 2, "k.d": 3});
    assert_eq!(select("$", &input), Some(input.clone()));
    assert_eq!(select("$.a.b[1]", &input), Some(json!(20)));
    assert_eq!(select("$.a.b[2].c", &input), Some(json!("x")));
    assert_eq!(select("$.a.b[-1].c", &input), Some(json!("x")));
    assert_eq!(select("$.foo-bar", &input), Some(json!(1)));
    assert_eq!(select("$['a b']", &input), Some(json!(2)));
    assert_eq!(select("$[\"a b\"]", &input), Some(json!(2)));
    assert_eq!(select("$.k\\.d", &input), Some(json!(3)));
    // Inside quotes only the quote is escaped (AWS corpus: escape_sequences_jsonpath).
    let odd = json!({"Test\\\"\"Name\"": 1, "it's": 2});
    assert_eq!(select(r#"$['Test\""Name"']"#, &odd), Some(json!(1)));
    assert_eq!(select(r"$['it\'s']", &odd), Some(json!(2)));
    assert_eq!(select("$.missing", &input), None);
    assert_eq!(select("$.a.b[7]", &input), None);
    assert_eq!(select("$.a.b.c", &input), None);
    assert_eq!(select("$$.Execution.Name", &input), Some(json!("exec-1")));
    assert!(Path::parse("$.a.b[0]").unwrap().is_definite());
}

#[test]
fn queries_select_arrays() {
    let input = json!({"items": [{"n": 1, "id": "a"}, {"n": 5, "id": "b"}, {"n": 9, "id": "c"}]});
    assert_eq!(
        select("$.items[*].id", &input),
        Some(json!(["a", "b", "c"]))
    );
    assert_eq!(
        select("$.items[?(@.n > 3)].id", &input),
        Some(json!(["b", "c"]))
    );
    assert_eq!(select("$.items[0:2].n", &input), Some(json!([1, 5])));
    assert_eq!(select("$.items[0,2].id", &input), Some(json!(["a", "c"])));
    assert_eq!(select("$..id", &input), Some(json!(["a", "b", "c"])));
    assert_eq!(select("$.nothing[*]", &input), Some(json!([])));
    assert!(!Path::parse("$.items[*]").unwrap().is_definite());
}

#[test]
fn rejects_malformed_paths() {
    for bad in [
        "", "a.b", "$.", "$.a[", "$.a[x]", "$.a['b'", "$ .a", "$.a\\", "$.a[1",
    ] {
        assert!(Path::parse(bad).is_err(), "{bad} should be rejected");
    }
    assert!(Path::parse("$9var").is_err());
}

/// A variable is read through the context object, which knows the scope.
struct Vars(Value, serde_json::Map<String, Value>);

impl super::ContextObject for Vars {
    fn context_value(&self) -> &Value {
        &self.0
    }
    fn variable(&self, name: &str) -> Option<&Value> {
        self.1.get(name)
    }
}

#[test]
fn variables_are_read_from_the_scope() {
    let vars = Vars(
        json!({}),
        json!({"x": {"a": [1, 2]}}).as_object().unwrap().clone(),
    );
    let input = json!({"x": "input"});
    let env = Env::new(&input, &vars);
    let path = Path::parse("$x.a[1]").unwrap();
    assert_eq!(path.root(), super::Root::Variable);
    assert_eq!(path.variable(), Some("x"));
    assert_eq!(path.select(&env), Some(json!(2)));
    assert_eq!(
        Path::parse("$x").unwrap().select(&env),
        Some(json!({"a": [1, 2]}))
    );
    assert_eq!(Path::parse("$y").unwrap().select(&env), None);
    assert_eq!(
        Path::parse("$.x").unwrap().select(&env),
        Some(json!("input"))
    );
    // A variable cannot be written (ResultPath).
    assert!(
        Path::parse("$x")
            .unwrap()
            .write(json!({}), json!(1))
            .is_err()
    );
}

#[test]
fn reference_paths_still_parse() {
    assert!(Path::parse_reference("$.a[*]").is_err());
    assert!(Path::parse_reference("$.a.b").is_ok());
}

#[test]
fn normalized_form_matches_jayway() {
    assert_eq!(
        Path::parse("$.NoSuchInputPath").unwrap().normalized(),
        "$['NoSuchInputPath']"
    );
    assert_eq!(
        Path::parse("$.a[0].b").unwrap().normalized(),
        "$['a'][0]['b']"
    );
}

#[test]
fn write_creates_missing_fields() {
    let path = Path::parse_reference("$.a.b.c").unwrap();
    assert_eq!(
        path.write(json!({"x": 1}), json!(7)).unwrap(),
        json!({"x": 1, "a": {"b": {"c": 7}}})
    );
    let path = Path::parse_reference("$.x").unwrap();
    assert_eq!(
        path.write(json!({"x": 1}), json!(2)).unwrap(),
        json!({"x": 2})
    );
    let path = Path::parse_reference("$").unwrap();
    assert_eq!(path.write(json!({"x": 1}), json!("r")).unwrap(), json!("r"));
    let path = Path::parse_reference("$.l[1]").unwrap();
    assert_eq!(
        path.write(json!({"l": [0, 0]}), json!(5)).unwrap(),
        json!({"l": [0, 5]})
    );
}

#[test]
fn write_fails_without_changing_the_target() {
    let path = Path::parse_reference("$.a.b").unwrap();
    assert_eq!(
        path.write(json!({"a": "str"}), json!(1)).unwrap_err(),
        json!({"a": "str"})
    );
    assert_eq!(
        path.write(json!("text"), json!(1)).unwrap_err(),
        json!("text")
    );
    let path = Path::parse_reference("$.l[5]").unwrap();
    assert_eq!(
        path.write(json!({"l": []}), json!(1)).unwrap_err(),
        json!({"l": []})
    );
    let path = Path::parse_reference("$$.a").unwrap();
    assert!(path.write(json!({}), json!(1)).is_err());
}
