//! The OpenAPI 3.1 document: the paths come from the handlers' `#[utoipa::path]`
//! annotations (through the same routers that serve them); this module adds the document's
//! info, the bearer security of the `/v1` API routes with their 401, the 500 every route can
//! answer, and the outline schema of a definition.

use std::borrow::Cow;

use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::request_body::RequestBody;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{Components, ContentBuilder, Ref, RefOr, Required, ResponseBuilder, Schema};
use utoipa::{OpenApi, PartialSchema, ToSchema};

use super::ResourceName;
use super::callbacks::TaskTokenText;
use super::errors::ErrorBody;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Baton",
        description = "Baton's REST API: state machines (JSON or YAML definitions), executions, \
            history and callbacks. Errors are `{\"error\": CODE, \"message\": …}`. The AWS Step \
            Functions JSON API is served on `POST /` and documented by AWS.",
        license(name = "Apache-2.0"),
    ),
    tags(
        (name = "state machines", description = "Definitions and their revisions"),
        (name = "versions", description = "Published versions (immutable snapshots of a revision) and aliases routing starts to them"),
        (name = "executions", description = "Starting, watching and stopping executions"),
        (name = "callbacks", description = "Answers to tasks waiting for a task token"),
        (name = "operations", description = "Health, metrics and this document"),
    ),
    components(schemas(ErrorBody, ResourceName, TaskTokenText))
)]
struct ApiDoc;

const BEARER: &str = "bearerAuth";

/// The whole document, as `GET /openapi.json` serves it.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, api) = super::api_router().split_for_parts();
    let (_, callbacks) = super::callback_router().split_for_parts();
    let (_, system) = super::system_router().split_for_parts();
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc.merge(api);
    doc.merge(callbacks);
    doc.merge(system);
    let components = doc.components.get_or_insert_with(Components::new);
    components.add_security_scheme(
        BEARER,
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "Required on /v1 API routes (callbacks apart) when the server runs with --auth-token; with --aws-credentials a SigV4 signature is accepted instead",
                ))
                .build(),
        ),
    );
    for (path, item) in doc.paths.paths.iter_mut() {
        let secured = path.starts_with("/v1/") && !path.starts_with("/v1/callbacks/");
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            finish(op, secured);
        }
    }
    add_links(&mut doc);
    doc
}

/// A link: its name, the operation it leads to, and that operation's parameters.
type LinkSpec = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const MACHINE: &[(&str, &str)] = &[("name", "$response.body#/name")];
const EXECUTION: &[(&str, &str)] = &[
    ("name", "$response.body#/stateMachine"),
    ("execution", "$response.body#/name"),
];
const MACHINE_LINKS: &[LinkSpec] = &[
    ("GetStateMachine", "get_state_machine", MACHINE),
    ("StartExecution", "start_execution", MACHINE),
    ("ListExecutions", "list_executions", MACHINE),
    ("DeleteStateMachine", "delete_state_machine", MACHINE),
];
const EXECUTION_LINKS: &[LinkSpec] = &[
    ("DescribeExecution", "describe_execution", EXECUTION),
    ("GetHistory", "get_history", EXECUTION),
    ("StopExecution", "stop_execution", EXECUTION),
];

/// Links from a created resource to what can be done with it (clients and schemathesis's
/// stateful phase follow them).
fn add_links(doc: &mut utoipa::openapi::OpenApi) {
    let targets = [
        ("/v1/state-machines/{name}", "put", MACHINE_LINKS),
        (
            "/v1/state-machines/{name}/executions",
            "post",
            EXECUTION_LINKS,
        ),
    ];
    for (path, method, links) in targets {
        let Some(item) = doc.paths.paths.get_mut(path) else {
            continue;
        };
        let op = match method {
            "put" => item.put.as_mut(),
            _ => item.post.as_mut(),
        };
        let Some(op) = op else { continue };
        for (status, response) in op.responses.responses.iter_mut() {
            let RefOr::T(response) = response else {
                continue;
            };
            if !status.starts_with('2') {
                continue;
            }
            for (name, operation, parameters) in links {
                let link = parameters
                    .iter()
                    .fold(LinkBuilder::new().operation_id(*operation), |l, (k, v)| {
                        l.parameter(*k, *v)
                    })
                    .build();
                response.links.insert((*name).to_owned(), link.into());
            }
        }
    }
}

fn error_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(ErrorBody::name())))
                .build(),
        )
        .build()
        .into()
}

/// Bearer security and its 401 on API routes; 500 everywhere; bodies that may be empty are
/// optional.
fn finish(op: &mut Operation, secured: bool) {
    let responses = &mut op.responses.responses;
    if secured {
        op.security = Some(vec![SecurityRequirement::new::<_, _, &str>(BEARER, [])]);
        responses.insert(
            "401".into(),
            error_response("Unauthorized: a missing or wrong bearer token"),
        );
    }
    responses.insert(
        "500".into(),
        error_response("InternalError: the store failed"),
    );
    let optional_body = matches!(
        op.operation_id.as_deref(),
        Some("validate" | "start_execution" | "stop_execution" | "failure" | "publish_version")
    );
    if let Some(RefOr::T(body)) = &mut op.request_body {
        set_required(body, !optional_body);
    }
}

fn set_required(body: &mut RequestBody, required: bool) {
    body.required = Some(if required {
        Required::True
    } else {
        Required::False
    });
}

/// The outline of an Amazon States Language definition, for documentation and request
/// generation. Every rule it states is enforced; the server checks many more (targets,
/// paths, fields of each state type) and reports them as diagnostics.
#[derive(Debug)]
pub struct Definition;

impl ToSchema for Definition {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Definition")
    }
}

impl PartialSchema for Definition {
    fn schema() -> RefOr<Schema> {
        let schema = serde_json::json!({
            "type": "object",
            "description": "An Amazon States Language definition (outline: the server checks \
                every rule and answers 400 InvalidDefinition with located diagnostics)",
            "required": ["StartAt", "States"],
            "properties": {
                "Comment": {"type": "string"},
                "StartAt": {"type": "string", "minLength": 1},
                "States": {
                    "type": "object",
                    "minProperties": 1,
                    "additionalProperties": {
                        "type": "object",
                        "required": ["Type"],
                        "properties": {"Type": {"type": "string", "enum": [
                            "Pass", "Task", "Callback", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"
                        ]}}
                    }
                }
            },
            "example": {
                "Comment": "Hello",
                "StartAt": "Hello",
                "States": {"Hello": {"Type": "Pass", "Result": {"hello": "world"}, "End": true}}
            }
        });
        serde_json::from_value(schema).expect("the definition schema is a valid schema")
    }
}
