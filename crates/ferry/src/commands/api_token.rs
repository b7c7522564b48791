//! `ferry api-token new`: a random admin-API token, printed once, with the configuration entry
//! that holds only its SHA-256.

use crate::cli::{ApiTokenCommand, ApiTokenNewArgs};
use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::process::ExitCode;

/// Runs an `api-token` subcommand.
pub fn run(command: ApiTokenCommand) -> anyhow::Result<ExitCode> {
    match command {
        ApiTokenCommand::New(args) => new(&args),
    }
}

fn new(args: &ApiTokenNewArgs) -> anyhow::Result<ExitCode> {
    let name = args.name.trim();
    anyhow::ensure!(
        !name.is_empty() && !name.contains('"') && !name.contains('\n'),
        "--name {:?} cannot name a token: use a plain name such as \"ci\" or \"ana\"",
        args.name
    );
    let role = args.role.trim().to_lowercase();
    anyhow::ensure!(
        matches!(role.as_str(), "viewer" | "operator" | "admin"),
        "--role {:?} is not a role: use viewer (reads), operator (also retries and discards dead \
         letters) or admin",
        args.role
    );
    let (token, digest) = generate()?;
    println!("{token}");
    eprintln!(
        "The token above is shown once: keep it in your password manager or CI secrets.\n\
         Add this to ferry.toml (it holds only the token's SHA-256), then restart `ferry serve`:\n\n\
         [[server.api_tokens]]\n\
         name = \"{name}\"\n\
         role = \"{}\"\n\
         sha256 = \"{digest}\"\n\n\
         Use it as `Authorization: Bearer <token>` on /api/... (see /api/openapi.json).",
        role
    );
    Ok(ExitCode::SUCCESS)
}

/// A new random token (`fy_` + 256 random bits, URL-safe base64) and its SHA-256 in hex.
pub fn generate() -> anyhow::Result<(String, String)> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| anyhow::anyhow!("no randomness from the operating system: {e}"))?;
    let token = format!(
        "fy_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    let digest = hex::encode(Sha256::digest(token.as_bytes()));
    Ok((token, digest))
}
