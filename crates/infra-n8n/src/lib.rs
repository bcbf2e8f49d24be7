//! infra-n8n
