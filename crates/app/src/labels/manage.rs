//! `GET/POST /api/labels`, `GET/PATCH/DELETE /api/labels/{id}`: the clinic's labels.

use super::Labels;
use crate::crm::FieldIssue;
use domain::labels::{Label, LabelCursor, LabelFields};
use domain::page::Page;
use domain::ports::labels::LabelWriteError;
use domain::{CompanyId, LabelId};

/// Why a label was not created or changed.
#[derive(Debug, thiserror::Error)]
pub enum WriteLabelError {
    /// Invalid fields (each named).
    #[error("invalid label")]
    Invalid(Vec<FieldIssue>),
    /// The clinic already has a label with this name (ignoring case).
    #[error("a label with this name already exists")]
    NameTaken,
    /// No such label in this clinic.
    #[error("label not found")]
    NotFound,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

impl From<LabelWriteError> for WriteLabelError {
    fn from(e: LabelWriteError) -> Self {
        match e {
            LabelWriteError::NameTaken => Self::NameTaken,
            LabelWriteError::NotFound => Self::NotFound,
            LabelWriteError::Other(e) => Self::Unknown(e),
        }
    }
}

/// Why a label was not deleted.
#[derive(Debug, thiserror::Error)]
pub enum DeleteLabelError {
    /// No such label in this clinic.
    #[error("label not found")]
    NotFound,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// A partial change of a label (absent fields are kept).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelPatch {
    /// A new name.
    pub name: Option<String>,
    /// A new colour (`#rrggbb`).
    pub colour: Option<String>,
}

impl Labels {
    /// A page of the clinic's labels, by name.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn list(
        &self,
        company: CompanyId,
        after: Option<LabelCursor>,
        limit: u32,
    ) -> anyhow::Result<Page<Label, LabelCursor>> {
        self.repo.list(company, after, limit).await
    }

    /// One label of the clinic (`None` for another clinic's id).
    ///
    /// # Errors
    /// When the store fails.
    pub async fn get(&self, company: CompanyId, id: LabelId) -> anyhow::Result<Option<Label>> {
        self.repo.get(company, id).await
    }

    /// Creates a label: a name (trimmed, 1–50 characters, unique in the clinic ignoring case)
    /// and a colour (`#rrggbb`, stored lower-case).
    ///
    /// # Errors
    /// [`WriteLabelError::Invalid`], [`WriteLabelError::NameTaken`].
    pub async fn create(
        &self,
        company: CompanyId,
        name: &str,
        colour: &str,
    ) -> Result<Label, WriteLabelError> {
        let fields = LabelFields::parse(name, colour).map_err(WriteLabelError::Invalid)?;
        Ok(self
            .repo
            .create(company, LabelId::new(), fields, self.clock.now())
            .await?)
    }

    /// Renames and/or recolours a label under the same rules as [`Labels::create`].
    ///
    /// # Errors
    /// [`WriteLabelError::Invalid`], [`WriteLabelError::NotFound`],
    /// [`WriteLabelError::NameTaken`].
    pub async fn update(
        &self,
        company: CompanyId,
        id: LabelId,
        patch: LabelPatch,
    ) -> Result<Label, WriteLabelError> {
        let current = self
            .repo
            .get(company, id)
            .await?
            .ok_or(WriteLabelError::NotFound)?;
        let name = patch.name.unwrap_or(current.fields.name);
        let colour = patch.colour.unwrap_or(current.fields.colour);
        let fields = LabelFields::parse(&name, &colour).map_err(WriteLabelError::Invalid)?;
        Ok(self.repo.update(company, id, fields).await?)
    }

    /// Deletes a label; it is detached from every thread that had it.
    ///
    /// # Errors
    /// [`DeleteLabelError::NotFound`].
    pub async fn delete(&self, company: CompanyId, id: LabelId) -> Result<(), DeleteLabelError> {
        if self.repo.delete(company, id).await? {
            Ok(())
        } else {
            Err(DeleteLabelError::NotFound)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::super::testing::stored;
    use super::*;
    use crate::conversations::testing::{clock_at, t0};
    use domain::ports::labels::MockLabelRepository;
    use std::sync::Arc;

    fn labels(repo: MockLabelRepository) -> Labels {
        Labels::new(Arc::new(repo), Arc::new(clock_at(t0())))
    }

    #[tokio::test]
    async fn a_label_is_stored_trimmed_with_a_lower_case_colour() {
        let mut repo = MockLabelRepository::new();
        repo.expect_create()
            .withf(|_, _, f, at| f.name == "Retorno" && f.colour == "#ffaa00" && *at == t0())
            .times(1)
            .returning(|_, id, fields, _| {
                let mut l = stored("x", "#000000");
                l.id = id;
                l.fields = fields;
                Ok(l)
            });
        let l = labels(repo)
            .create(CompanyId::new(), " Retorno ", "#FFAA00")
            .await
            .unwrap();
        assert_eq!(l.fields.colour, "#ffaa00");
    }

    #[tokio::test]
    async fn bad_fields_never_reach_the_store() {
        let mut repo = MockLabelRepository::new();
        repo.expect_create().never();
        let err = labels(repo)
            .create(CompanyId::new(), "", "blue")
            .await
            .unwrap_err();
        let WriteLabelError::Invalid(issues) = err else {
            panic!("{err:?}")
        };
        assert_eq!(issues.len(), 2);
    }

    #[tokio::test]
    async fn a_duplicate_name_is_a_conflict() {
        let mut repo = MockLabelRepository::new();
        repo.expect_create()
            .returning(|_, _, _, _| Err(LabelWriteError::NameTaken));
        let err = labels(repo)
            .create(CompanyId::new(), "retorno", "#000000")
            .await
            .unwrap_err();
        assert!(matches!(err, WriteLabelError::NameTaken));
    }

    #[tokio::test]
    async fn a_patch_keeps_absent_fields() {
        let current = stored("Retorno", "#00aa00");
        let id = current.id;
        let mut repo = MockLabelRepository::new();
        repo.expect_get()
            .returning(move |_, _| Ok(Some(current.clone())));
        repo.expect_update()
            .withf(move |_, i, f| *i == id && f.name == "Retorno" && f.colour == "#112233")
            .times(1)
            .returning(|_, _, f| {
                let mut l = stored("x", "#000000");
                l.fields = f;
                Ok(l)
            });
        let patch = LabelPatch {
            name: None,
            colour: Some("#112233".into()),
        };
        let l = labels(repo)
            .update(CompanyId::new(), id, patch)
            .await
            .unwrap();
        assert_eq!(l.fields.name, "Retorno");
    }

    #[tokio::test]
    async fn another_clinics_label_is_not_found() {
        let mut repo = MockLabelRepository::new();
        repo.expect_get().returning(|_, _| Ok(None));
        repo.expect_update().never();
        repo.expect_delete().returning(|_, _| Ok(false));
        let uc = labels(repo);
        let err = uc
            .update(CompanyId::new(), LabelId::new(), LabelPatch::default())
            .await
            .unwrap_err();
        assert!(matches!(err, WriteLabelError::NotFound));
        let err = uc
            .delete(CompanyId::new(), LabelId::new())
            .await
            .unwrap_err();
        assert!(matches!(err, DeleteLabelError::NotFound));
    }
}
