//! The offline part of the dependency audit (`docs/security.md`, "Dependencies"): every crate
//! comes from crates.io, its licence is one we accept, no banned crate is in the tree, and the
//! cryptography comes from one RustCrypto generation. Read from `cargo metadata --locked
//! --offline` for the build platform, so it runs wherever the build did. Security advisories need the RustSec database
//! from the network: `just audit` (see docs/security.md).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Licences a dependency may be used under (an SPDX expression passes when it can be satisfied
/// with these).
const ACCEPTED_LICENSES: &[&str] = &[
    "MIT",
    "MIT-0",
    "Apache-2.0",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "ISC",
    "Zlib",
    "Unlicense",
    "Unicode-3.0",
    "Unicode-DFS-2016",
    "0BSD",
    "CC0-1.0",
    "BSL-1.0",
    "CDLA-Permissive-2.0",
];

/// Crates that must never enter the tree: C TLS and database client libraries (the build is
/// pure Rust + aws-lc/ring for TLS, and diesel talks to PostgreSQL without libpq).
const BANNED: &[&str] = &[
    "openssl-sys",
    "openssl",
    "native-tls",
    "pq-sys",
    "libsqlite3-sys",
    "mysqlclient-sys",
];

/// Crates that must exist in one version only: one RustCrypto generation.
const SINGLE_VERSION: &[&str] = &[
    "sha2",
    "hmac",
    "digest",
    "hkdf",
    "chacha20poly1305",
    "aead",
    "cipher",
    "crypto-common",
    "argon2",
];

/// The platform this test was built for (`rustc -vV`'s `host`).
fn host() -> String {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let out = std::process::Command::new(rustc)
        .arg("-vV")
        .output()
        .expect("run rustc -vV");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .expect("rustc -vV names its host")
}

/// The dependency graph for this platform. Filtering by platform keeps `--offline` working on a
/// fresh machine, where only this platform's crates were downloaded by the build.
fn metadata() -> Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml");
    let host = host();
    let out = std::process::Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--offline",
            "--filter-platform",
            &host,
            "--manifest-path",
            root,
        ])
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Third-party packages (workspace members left out).
fn dependencies(meta: &Value) -> Vec<&Value> {
    let members: BTreeSet<&str> = meta["workspace_members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| !members.contains(p["id"].as_str().unwrap()))
        .collect()
}

/// Whether an SPDX licence expression can be satisfied with [`ACCEPTED_LICENSES`]. `A/B` (the
/// old crates.io form) means `A OR B`; `A WITH exception` counts as `A`.
fn accepted(expression: &str) -> bool {
    let spaced = expression
        .replace('/', " OR ")
        .replace('(', " ( ")
        .replace(')', " ) ");
    let tokens: Vec<&str> = spaced.split_whitespace().collect();
    let mut pos = 0;
    let ok = or_expr(&tokens, &mut pos);
    ok && pos == tokens.len()
}

fn or_expr(t: &[&str], pos: &mut usize) -> bool {
    let mut ok = and_expr(t, pos);
    while t.get(*pos) == Some(&"OR") {
        *pos += 1;
        ok |= and_expr(t, pos);
    }
    ok
}

fn and_expr(t: &[&str], pos: &mut usize) -> bool {
    let mut ok = term(t, pos);
    while t.get(*pos) == Some(&"AND") {
        *pos += 1;
        ok &= term(t, pos);
    }
    ok
}

fn term(t: &[&str], pos: &mut usize) -> bool {
    let Some(token) = t.get(*pos) else {
        return false;
    };
    *pos += 1;
    let ok = if *token == "(" {
        let inner = or_expr(t, pos);
        if t.get(*pos) == Some(&")") {
            *pos += 1;
            inner
        } else {
            false
        }
    } else {
        ACCEPTED_LICENSES.contains(token)
    };
    if t.get(*pos) == Some(&"WITH") {
        *pos += 2;
    }
    ok
}

#[test]
fn the_licence_evaluator_follows_spdx_or_and_with() {
    assert!(accepted("MIT OR Apache-2.0"));
    assert!(accepted("MIT/Apache-2.0"));
    assert!(accepted("(MIT OR Apache-2.0) AND Unicode-3.0"));
    assert!(accepted("Apache-2.0 WITH LLVM-exception OR MIT"));
    assert!(accepted("MIT OR Apache-2.0 OR LGPL-2.1-or-later"));
    assert!(!accepted("GPL-3.0-only"));
    assert!(!accepted("MIT AND GPL-3.0-only"));
    assert!(!accepted("(MIT"));
    assert!(!accepted(""));
}

#[test]
fn every_dependency_comes_from_crates_io_under_an_accepted_licence() {
    let meta = metadata();
    let deps = dependencies(&meta);
    assert!(deps.len() > 100, "the tree was read");
    let mut refused = Vec::new();
    for p in deps {
        let name = p["name"].as_str().unwrap();
        let source = p["source"].as_str().unwrap_or("a path");
        if source != "registry+https://github.com/rust-lang/crates.io-index" {
            refused.push(format!("{name}: source {source}"));
        }
        match p["license"].as_str() {
            Some(l) if accepted(l) => {}
            other => refused.push(format!("{name}: licence {other:?}")),
        }
    }
    assert!(refused.is_empty(), "{refused:#?}");
}

#[test]
fn no_banned_crate_and_one_rustcrypto_generation() {
    let meta = metadata();
    let mut versions: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for p in dependencies(&meta) {
        versions
            .entry(p["name"].as_str().unwrap())
            .or_default()
            .insert(p["version"].as_str().unwrap());
    }
    for banned in BANNED {
        assert!(!versions.contains_key(banned), "{banned} is in the tree");
    }
    for name in SINGLE_VERSION {
        let found = versions.get(name).map(BTreeSet::len).unwrap_or(0);
        assert_eq!(found, 1, "{name}: {:?}", versions.get(name));
    }
}
