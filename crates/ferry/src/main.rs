//! `ferry`: the command-line entry point. Parses arguments, runs one command, and turns any
//! error into one line on stderr with what to do next.

mod alerting;
mod cli;
mod commands;
mod connectors;
mod context;
mod flows_setup;
mod output;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(code) => code,
        Err(err) => {
            // One line: the chain of causes joined, no backtrace.
            eprintln!("error: {}", one_line(&err));
            ExitCode::FAILURE
        }
    }
}

/// An error and its causes on one line.
fn one_line(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for (n, cause) in err.chain().enumerate() {
        let cause = cause.to_string();
        if n > 0 {
            if text.contains(&cause) {
                continue;
            }
            text.push_str(": ");
        }
        text.push_str(&cause.replace('\n', " "));
    }
    text
}
