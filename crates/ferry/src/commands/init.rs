//! `ferry init`: a starter config and a master key file.

use crate::cli::InitArgs;
use anyhow::{Context as _, Result, bail};
use ferry_vault::MasterKey;
use std::io::Write;
use std::process::ExitCode;

pub fn run(args: &InitArgs) -> Result<ExitCode> {
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create directory {}", args.dir.display()))?;
    let config = args.dir.join("ferry.toml");
    if config.exists() && !args.force {
        bail!(
            "{} already exists; pass --force to overwrite it, or check it with `ferry config check`",
            config.display()
        );
    }
    std::fs::write(&config, ferry_config::STARTER_TOML)
        .with_context(|| format!("cannot write {}", config.display()))?;
    println!("wrote {}", config.display());

    let key_file = args.dir.join("ferry-master.key");
    if std::env::var_os("FERRY_MASTER_KEY").is_some() {
        println!("FERRY_MASTER_KEY is set, so no key file was written (it takes precedence)");
    } else if key_file.exists() {
        println!("kept the existing master key {}", key_file.display());
    } else {
        write_private(&key_file, MasterKey::generate().to_base64().as_bytes())?;
        println!(
            "wrote a new master key to {} (mode 600); back it up: without it the vault cannot be opened",
            key_file.display()
        );
    }
    println!("next: `ferry config check` then `ferry store migrate`");
    Ok(ExitCode::SUCCESS)
}

/// Creates a file only the owner can read, failing if it exists.
pub fn write_private(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.write_all(b"\n"))
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
