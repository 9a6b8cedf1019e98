//! Task and Callback states.

use serde_json::Value;

use super::fields::Obj;
use super::states::template;
use crate::diagnostics::{Code, Diagnostics};
use crate::jsonata_lang::expression_text;
use crate::model::{Invoke, Seconds, Task};

pub(super) const TASK_FIELDS: &[&str] = &[
    "Resource",
    "Parameters",
    "TimeoutSeconds",
    "TimeoutSecondsPath",
    "HeartbeatSeconds",
    "HeartbeatSecondsPath",
    "Credentials",
];

pub(super) const CALLBACK_FIELDS: &[&str] = &[
    "Notify",
    "Parameters",
    "TimeoutSeconds",
    "TimeoutSecondsPath",
    "HeartbeatSeconds",
    "HeartbeatSecondsPath",
];

/// The AWS HTTP Task resource.
pub const HTTP_INVOKE: &str = "arn:aws:states:::http:invoke";
const WAIT_SUFFIX: &str = ".waitForTaskToken";

/// Fields of an HTTP request (`http:invoke` Parameters and the Callback's `Notify`).
const REQUEST_FIELDS: &[&str] = &[
    "ApiEndpoint",
    "Method",
    "Headers",
    "QueryParameters",
    "RequestBody",
    "Authentication",
    "Transform",
];
const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"];

pub(super) fn parse_task(obj: &Obj<'_>, jsonata: bool, d: &mut Diagnostics) -> Option<Task> {
    let resource = obj.required_string("Resource", "a Task state", d)?;
    let loc = obj.at("Resource");
    let (base, wait_for_callback) = match resource.strip_suffix(WAIT_SUFFIX) {
        Some(base) => (base, true),
        None => (resource, false),
    };
    let invoke = if base.starts_with("http://") || base.starts_with("https://") {
        if wait_for_callback || base.chars().any(char::is_whitespace) {
            d.error(
                Code::SchemaValidationFailed,
                &loc,
                format!("'{resource}' is not a valid HTTP URL resource"),
            );
            return None;
        }
        Invoke::Url(base.to_owned())
    } else if base == HTTP_INVOKE {
        let key = if jsonata { "Arguments" } else { "Parameters" };
        match obj.get(key) {
            Some(params) => check_request(params, &obj.at(key), d),
            None => d.error(
                Code::SchemaValidationFailed,
                obj.loc,
                format!("an http:invoke Task needs {key} with at least ApiEndpoint and Method"),
            ),
        }
        Invoke::HttpInvoke
    } else if wait_for_callback && base.starts_with("arn:") {
        d.warning(
            Code::Unsupported,
            &loc,
            format!("Baton does not call '{base}'; this task only waits for its task token to be sent back"),
        );
        Invoke::Nothing
    } else {
        d.error(
            Code::Unsupported,
            &loc,
            format!(
                "resource '{resource}' is not supported: Baton runs http(s):// URLs, {HTTP_INVOKE} and .waitForTaskToken callbacks"
            ),
        );
        return None;
    };
    if obj.has("Credentials") {
        d.warning(
            Code::Unsupported,
            &obj.at("Credentials"),
            "Credentials are ignored by Baton",
        );
    }
    // A JSONata task's timeouts may be expressions: they are in its JSONata fields.
    let (timeout, heartbeat) = if jsonata {
        (None, None)
    } else {
        timeouts(obj, d)
    };
    Some(Task {
        resource: resource.to_owned(),
        invoke,
        notify: None,
        wait_for_callback,
        timeout,
        heartbeat,
    })
}

pub(super) fn parse_callback(obj: &Obj<'_>, jsonata: bool, d: &mut Diagnostics) -> Option<Task> {
    let notify = match obj.get("Notify") {
        Some(value) => {
            check_request(value, &obj.at("Notify"), d);
            // A JSONata state's Notify is compiled with its JSONata fields.
            if jsonata {
                None
            } else {
                Some(template(obj, "Notify", d)?)
            }
        }
        None => None,
    };
    let (timeout, heartbeat) = if jsonata {
        (None, None)
    } else {
        timeouts(obj, d)
    };
    Some(Task {
        resource: "Callback".to_owned(),
        invoke: if obj.has("Notify") {
            Invoke::HttpInvoke
        } else {
            Invoke::Nothing
        },
        notify,
        wait_for_callback: true,
        timeout,
        heartbeat,
    })
}

/// Checks the static shape of an HTTP request object (literal or `.$` fields).
fn check_request(value: &Value, loc: &crate::Loc, d: &mut Diagnostics) {
    // A JSONata expression builds the whole request: checked when it runs.
    if expression_text(value).is_some() {
        return;
    }
    let Some(obj) = Obj::new(value, loc, "an HTTP request", d) else {
        return;
    };
    for key in obj.map.keys() {
        let field = key.strip_suffix(".$").unwrap_or(key);
        if !REQUEST_FIELDS.contains(&field) {
            d.error(
                Code::SchemaValidationFailed,
                &obj.at(key),
                format!("field '{key}' is not part of an HTTP request"),
            );
        }
    }
    for required in ["ApiEndpoint", "Method"] {
        if !obj.has(required) && !obj.has(&format!("{required}.$")) {
            d.error(
                Code::SchemaValidationFailed,
                loc,
                format!("an HTTP request needs '{required}'"),
            );
        }
    }
    if let Some(method) = obj.string("Method", d)
        && !METHODS.contains(&method)
        && expression_text(&Value::from(method)).is_none()
    {
        d.error(
            Code::SchemaValidationFailed,
            &obj.at("Method"),
            format!(
                "Method must be one of {}, not '{method}'",
                METHODS.join(", ")
            ),
        );
    }
    if let Some(endpoint) = obj.string("ApiEndpoint", d)
        && expression_text(&Value::from(endpoint)).is_none()
        && !(endpoint.starts_with("http://") || endpoint.starts_with("https://"))
    {
        d.error(
            Code::SchemaValidationFailed,
            &obj.at("ApiEndpoint"),
            "ApiEndpoint must be an http:// or https:// URL",
        );
    }
    for key in ["Headers", "QueryParameters"] {
        if let Some(v) = obj.get(key)
            && !v.is_object()
            && expression_text(v).is_none()
        {
            d.error(
                Code::SchemaValidationFailed,
                &obj.at(key),
                format!("'{key}' must be an object"),
            );
        }
    }
}

fn timeouts(obj: &Obj<'_>, d: &mut Diagnostics) -> (Option<Seconds>, Option<Seconds>) {
    obj.at_most_one_of(&["TimeoutSeconds", "TimeoutSecondsPath"], d);
    obj.at_most_one_of(&["HeartbeatSeconds", "HeartbeatSecondsPath"], d);
    let seconds = |key: &str, d: &mut Diagnostics| match obj.integer(key, 1, 99_999_999, d) {
        Some(n) => Some(Seconds::Fixed(n as u64)),
        None => obj
            .reference_path(&format!("{key}Path"), d)
            .map(Seconds::Path),
    };
    let timeout = seconds("TimeoutSeconds", d);
    let heartbeat = seconds("HeartbeatSeconds", d);
    if let (Some(Seconds::Fixed(t)), Some(Seconds::Fixed(h))) = (&timeout, &heartbeat)
        && h >= t
    {
        d.error(
            Code::SchemaValidationFailed,
            &obj.at("HeartbeatSeconds"),
            format!("HeartbeatSeconds ({h}) must be smaller than TimeoutSeconds ({t})"),
        );
    }
    (timeout, heartbeat)
}
