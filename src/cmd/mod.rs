//! One module per subcommand: its clap arguments and one `execute` function. Commands are thin:
//! they discover the project, call into the pipeline or the lab harness, and print.

pub mod build;
pub mod check;
pub mod init;
pub mod lab;
pub mod serve;
