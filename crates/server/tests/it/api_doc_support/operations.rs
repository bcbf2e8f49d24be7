//! The operations of the OpenAPI document, in rendering order, and the coverage check that
//! ties every recorded call to one of them.

use super::recorder::{Call, Purpose};
use serde_json::Value;

const METHODS: [&str; 8] = [
    "get", "post", "put", "patch", "delete", "head", "options", "trace",
];

/// One operation (method + path template) of the document.
#[derive(Clone, Debug)]
pub struct Operation {
    /// Upper case (`GET`).
    pub method: String,
    /// `/api/clients/{id}`.
    pub template: String,
    pub tag: String,
    pub summary: String,
    pub description: String,
}

impl Operation {
    /// `GET /api/clients/{id}`.
    pub fn name(&self) -> String {
        format!("{} {}", self.method, self.template)
    }

    /// Whether `method path` (the path with or without a query) is a call of this operation.
    fn matches(&self, method: &str, path: &str) -> bool {
        let path = path.split_once('?').map_or(path, |(p, _)| p);
        let want: Vec<&str> = self.template.split('/').collect();
        let got: Vec<&str> = path.split('/').collect();
        self.method == method
            && want.len() == got.len()
            && want
                .iter()
                .zip(&got)
                .all(|(w, g)| (w.starts_with('{') && w.ends_with('}') && !g.is_empty()) || w == g)
    }

    /// Literal segments: a literal match beats a parameter (`/snapshots/generate` vs `{id}`).
    fn literal_segments(&self) -> usize {
        self.template
            .split('/')
            .filter(|s| !s.starts_with('{'))
            .count()
    }
}

/// The tag names in the document's order, then tags used but not declared, alphabetically.
pub fn tag_order(doc: &Value, ops: &[Operation]) -> Vec<String> {
    let mut tags: Vec<String> = doc["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["name"].as_str().map(str::to_owned))
        .collect();
    let mut extra: Vec<String> = ops
        .iter()
        .map(|o| o.tag.clone())
        .filter(|t| !tags.contains(t))
        .collect();
    extra.sort();
    extra.dedup();
    tags.extend(extra);
    tags
}

/// Every operation of the document: grouped by tag in [`tag_order`], then by path, then by
/// method in the order of [`METHODS`].
pub fn operations(doc: &Value) -> Vec<Operation> {
    let mut ops = Vec::new();
    for (template, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let text = |k: &str| op[k].as_str().unwrap_or_default().trim().to_owned();
            ops.push(Operation {
                method: method.to_ascii_uppercase(),
                template: template.clone(),
                tag: op["tags"][0].as_str().unwrap_or("other").to_owned(),
                summary: text("summary"),
                description: text("description"),
            });
        }
    }
    let order = tag_order(doc, &ops);
    let rank = |o: &Operation| {
        (
            order.iter().position(|t| *t == o.tag),
            o.template.clone(),
            METHODS
                .iter()
                .position(|m| m.eq_ignore_ascii_case(&o.method)),
        )
    };
    ops.sort_by_key(rank);
    ops
}

/// The operation `call` belongs to.
pub fn operation_of<'a>(ops: &'a [Operation], call: &Call) -> Option<&'a Operation> {
    ops.iter()
        .filter(|o| o.matches(&call.method, &call.path))
        .max_by_key(|o| o.literal_segments())
}

/// Fails listing every operation without a success example and every call outside the
/// document.
pub fn check_coverage(ops: &[Operation], calls: &[Call]) -> Result<(), String> {
    let mut problems = Vec::new();
    for call in calls {
        if operation_of(ops, call).is_none() {
            problems.push(format!(
                "recorded call {} {} is not an operation of the OpenAPI document",
                call.method, call.path
            ));
        }
    }
    for op in ops {
        let covered = calls.iter().any(|c| {
            c.purpose == Purpose::Example
                && operation_of(ops, c).is_some_and(|o| o.name() == op.name())
        });
        if !covered {
            problems.push(format!(
                "{} has no recorded example: add a call to the tour in crates/server/tests/it/api_doc.rs",
                op.name()
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn call(method: &str, path: &str, purpose: Purpose) -> Call {
        Call {
            purpose,
            method: method.into(),
            path: path.into(),
            headers: Vec::new(),
            body: None,
            status: 200,
            response_headers: Vec::new(),
            response: None,
        }
    }

    #[test]
    fn coverage_names_operations_without_an_example_and_calls_outside_the_document() {
        let doc = json!({
            "tags": [{"name": "b"}, {"name": "a"}],
            "paths": {
                "/a": {"get": {"tags": ["a"], "summary": "List"}},
                "/a/{id}": {"get": {"tags": ["a"]}, "patch": {"tags": ["a"]}},
                "/a/new": {"post": {"tags": ["b"]}},
                "/z": {"get": {"tags": ["undeclared"]}}
            }
        });
        let ops = operations(&doc);
        let names: Vec<String> = ops.iter().map(Operation::name).collect();
        assert_eq!(
            names,
            [
                "POST /a/new",
                "GET /a",
                "GET /a/{id}",
                "PATCH /a/{id}",
                "GET /z"
            ],
            "declared tags first, in the document's order, then by path and method"
        );
        let calls = [
            call("GET", "/a?limit=1", Purpose::Example),
            call("POST", "/a/new", Purpose::Example),
            call("GET", "/a/123", Purpose::Example),
            call("GET", "/z", Purpose::Example),
            call("PATCH", "/a/123", Purpose::Error("422".into())),
            call("GET", "/b", Purpose::Example),
        ];
        assert_eq!(
            operation_of(&ops, &calls[1])
                .map(Operation::name)
                .as_deref(),
            Some("POST /a/new")
        );
        let problems = check_coverage(&ops, &calls).unwrap_err();
        assert!(
            problems.contains("recorded call GET /b is not an operation"),
            "{problems}"
        );
        assert!(
            problems.contains("PATCH /a/{id} has no recorded example"),
            "{problems}"
        );
        assert_eq!(problems.lines().count(), 2, "{problems}");
        assert!(
            check_coverage(&ops, &calls[..4]).is_err(),
            "PATCH is still missing"
        );
    }
}
