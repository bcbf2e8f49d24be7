//! infra-openai
