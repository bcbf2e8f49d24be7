//! The ports of the client, catalogue and appointment use cases, and the field-level validation
//! failures they report.

use crate::appointments::{CreateAppointment, GetAppointment, ListAppointments, UpdateAppointment};
use crate::catalog::{CreateService, GetService, ListServices, UpdateService};
use crate::clients::{CreateClient, GetClient, ListClients, UpdateClient};
use domain::ports::appointments::AppointmentRepository;
use domain::ports::catalog::ServiceRepository;
use domain::ports::clients::{ClientRepository, PhoneRegion};
use domain::ports::clock::Clock;
use std::sync::Arc;

/// One invalid input of a command (the one shape, in `domain`).
pub use domain::validation::FieldIssue;

/// The ports behind clients, services and appointments, built once by the composition root.
#[derive(Clone)]
pub struct Crm {
    /// Clients and identities.
    pub clients: Arc<dyn ClientRepository>,
    /// The clinic's phone region.
    pub regions: Arc<dyn PhoneRegion>,
    /// Services.
    pub services: Arc<dyn ServiceRepository>,
    /// Appointments.
    pub appointments: Arc<dyn AppointmentRepository>,
    /// Time (status rules).
    pub clock: Arc<dyn Clock>,
}

impl Crm {
    /// `POST /api/clients`.
    #[must_use]
    pub fn create_client(&self) -> CreateClient {
        CreateClient::new(self.clients.clone(), self.regions.clone())
    }
    /// `PATCH /api/clients/{id}`.
    #[must_use]
    pub fn update_client(&self) -> UpdateClient {
        UpdateClient::new(self.clients.clone(), self.regions.clone())
    }
    /// `GET /api/clients/{id}`.
    #[must_use]
    pub fn get_client(&self) -> GetClient {
        GetClient::new(self.clients.clone())
    }
    /// `GET /api/clients`.
    #[must_use]
    pub fn list_clients(&self) -> ListClients {
        ListClients::new(self.clients.clone())
    }
    /// `POST /api/services`.
    #[must_use]
    pub fn create_service(&self) -> CreateService {
        CreateService::new(self.services.clone())
    }
    /// `PATCH /api/services/{id}`.
    #[must_use]
    pub fn update_service(&self) -> UpdateService {
        UpdateService::new(self.services.clone())
    }
    /// `GET /api/services/{id}`.
    #[must_use]
    pub fn get_service(&self) -> GetService {
        GetService::new(self.services.clone())
    }
    /// `GET /api/services`.
    #[must_use]
    pub fn list_services(&self) -> ListServices {
        ListServices::new(self.services.clone())
    }
    /// `POST /api/appointments`.
    #[must_use]
    pub fn create_appointment(&self) -> CreateAppointment {
        CreateAppointment::new(self.appointments.clone(), self.clock.clone())
    }
    /// `PATCH /api/appointments/{id}`.
    #[must_use]
    pub fn update_appointment(&self) -> UpdateAppointment {
        UpdateAppointment::new(self.appointments.clone(), self.clock.clone())
    }
    /// `GET /api/appointments/{id}`.
    #[must_use]
    pub fn get_appointment(&self) -> GetAppointment {
        GetAppointment::new(self.appointments.clone())
    }
    /// `GET /api/appointments`.
    #[must_use]
    pub fn list_appointments(&self) -> ListAppointments {
        ListAppointments::new(self.appointments.clone())
    }
}
