//! The `aftersales` command-line tool: argument parsing and printing only.

fn main() -> std::process::ExitCode {
    aftersales::cli::main()
}
