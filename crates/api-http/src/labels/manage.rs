//! `GET/POST /api/labels`, `GET/PATCH/DELETE /api/labels/{id}`.

use actix_web::{HttpResponse, web};
use app::labels::{DeleteLabelError, LabelPatch, WriteLabelError};
use domain::LabelId;
use domain::labels::LabelCursor;
use domain::page::PageRequest;
use uuid::Uuid;

use super::dto::{CreateLabelRequest, LabelDto, LabelList, UpdateLabelRequest};
use super::label_exists;
use crate::crm::{QueryParser, body};
use crate::pagination::{List, PageQuery};
use crate::problem::{Problem, ProblemDoc};
use crate::security::principal::{Admin, Caller};
use crate::state::AppState;

/// The list's cursors.
const LIST: List<LabelCursor> = List::new("labels");

fn write_error(e: WriteLabelError) -> Problem {
    match e {
        WriteLabelError::Invalid(issues) => Problem::invalid(issues),
        WriteLabelError::NameTaken => label_exists(),
        WriteLabelError::NotFound => Problem::not_found(),
        WriteLabelError::Unknown(e) => Problem::from_internal(&e),
    }
}

/// The clinic's labels, by name (any member).
///
/// # Errors
/// 401, 422 naming a bad `limit` or `cursor`.
#[utoipa::path(get, path = "/api/labels", tag = "labels", operation_id = "labels_list",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of labels", body = LabelList),
        (status = 422, description = "Bad query parameter", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn list(
    Caller(caller): Caller,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, Problem> {
    let mut p = QueryParser::default();
    let PageRequest { after, limit } =
        LIST.parse(&mut p, query.limit.as_deref(), query.cursor.as_deref());
    p.finish()?;
    let page = state
        .labels
        .list(caller.company_id, after, limit)
        .await
        .map_err(|e| Problem::from_internal(&e))?;
    Ok(HttpResponse::Ok().json(LabelList {
        next_cursor: LIST.encode(page.next.as_ref()),
        data: page.data.into_iter().map(LabelDto::from).collect(),
    }))
}

/// Creates a label (admin only): a name unique in the clinic ignoring case, and a `#rrggbb`
/// colour.
///
/// # Errors
/// 401, 403 `forbidden` (staff), 409 `label_exists`, 422 naming each bad field.
#[utoipa::path(post, path = "/api/labels", tag = "labels", operation_id = "labels_create",
    request_body = CreateLabelRequest,
    responses(
        (status = 201, description = "Created", body = LabelDto),
        (status = 403, description = "Staff may not manage labels", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Name taken (`label_exists`)", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn create(
    Admin(caller): Admin,
    state: web::Data<AppState>,
    json: web::Json<serde_json::Value>,
) -> Result<HttpResponse, Problem> {
    let req: CreateLabelRequest = body(json.into_inner())?;
    match state
        .labels
        .create(caller.company_id, &req.name, &req.colour)
        .await
    {
        Ok(label) => Ok(HttpResponse::Created().json(LabelDto::from(label))),
        Err(e) => Err(write_error(e)),
    }
}

/// One label (any member); another clinic's id is 404.
///
/// # Errors
/// 401, 404.
#[utoipa::path(get, path = "/api/labels/{id}", tag = "labels", operation_id = "labels_get",
    params(("id" = Uuid, Path, description = "Label id")),
    responses(
        (status = 200, description = "The label", body = LabelDto),
        (status = 404, description = "No such label in this clinic", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn get(
    Caller(caller): Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    match state
        .labels
        .get(caller.company_id, LabelId(id.into_inner()))
        .await
    {
        Ok(Some(label)) => Ok(HttpResponse::Ok().json(LabelDto::from(label))),
        Ok(None) => Err(Problem::not_found()),
        Err(e) => Err(Problem::from_internal(&e)),
    }
}

/// Renames or recolours a label (admin only); absent fields are kept.
///
/// # Errors
/// 401, 403 `forbidden` (staff), 404, 409 `label_exists`, 422 naming each bad field.
#[utoipa::path(patch, path = "/api/labels/{id}", tag = "labels", operation_id = "labels_update",
    params(("id" = Uuid, Path, description = "Label id")), request_body = UpdateLabelRequest,
    responses(
        (status = 200, description = "The label", body = LabelDto),
        (status = 403, description = "Staff may not manage labels", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such label in this clinic", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Name taken (`label_exists`)", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn update(
    Admin(caller): Admin,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    json: web::Json<serde_json::Value>,
) -> Result<HttpResponse, Problem> {
    let req: UpdateLabelRequest = body(json.into_inner())?;
    let patch = LabelPatch {
        name: req.name,
        colour: req.colour,
    };
    match state
        .labels
        .update(caller.company_id, LabelId(id.into_inner()), patch)
        .await
    {
        Ok(label) => Ok(HttpResponse::Ok().json(LabelDto::from(label))),
        Err(e) => Err(write_error(e)),
    }
}

/// Deletes a label (admin only); it is detached from every conversation that had it.
///
/// # Errors
/// 401, 403 `forbidden` (staff), 404.
#[utoipa::path(delete, path = "/api/labels/{id}", tag = "labels", operation_id = "labels_delete",
    params(("id" = Uuid, Path, description = "Label id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Staff may not manage labels", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such label in this clinic", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn delete(
    Admin(caller): Admin,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    match state
        .labels
        .delete(caller.company_id, LabelId(id.into_inner()))
        .await
    {
        Ok(()) => Ok(HttpResponse::NoContent().finish()),
        Err(DeleteLabelError::NotFound) => Err(Problem::not_found()),
        Err(DeleteLabelError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
