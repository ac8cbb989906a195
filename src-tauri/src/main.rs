//! The Venuedesk desktop console: a thin Tauri shell. Every command forwards to
//! `venuedesk_console_app::Console`, where the logic lives and is tested headless.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod setup;

fn main() {
    if let Err(e) = setup::run() {
        eprintln!("venuedesk-console: {e:#}");
        std::process::exit(1);
    }
}
