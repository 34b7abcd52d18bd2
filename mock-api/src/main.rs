//! `mock-api`: see `mock-api --help` and the crate's README.

use std::io::Write;
use std::process::ExitCode;

use mock_api::config::{parse_args, Command, USAGE};
use mock_api::server::MockServer;

fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(Command::Run(options)) => *options,
        Ok(Command::Help) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("mock-api: {e}\nRun `mock-api --help` for the list of flags.");
            return ExitCode::from(2);
        }
    };
    let server = match MockServer::bind(&options) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("mock-api: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Scripts wait for exactly this line to learn the port.
    println!("mock-api listening on {}", server.url());
    let _ = std::io::stdout().flush();
    server.run();
    ExitCode::SUCCESS
}
