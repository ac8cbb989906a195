//! Builds the app: plugins, the console (data directory, OS keychain, progress events),
//! background sync, and the command table.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tauri::{Emitter, Manager};
use venuedesk_console_app::Console;
use venuedesk_console_core::OsKeychain;

/// How often the console syncs on its own while it is open.
const SYNC_EVERY: Duration = Duration::from_secs(15);

fn device_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname").ok().map(|h| h.trim().to_string()).filter(|h| !h.is_empty());
    format!("Venuedesk console on {}", host.unwrap_or_else(|| std::env::consts::OS.to_string()))
}

/// Syncs now in the background (after a change, a sign-in, a venue switch).
pub fn sync_soon(console: &Arc<Console>) {
    let console = console.clone();
    tauri::async_runtime::spawn(async move {
        if let Err(e) = console.sync_now().await {
            log::info!("sync: {}", e.code);
        }
    });
}

pub fn run() -> anyhow::Result<()> {
    // `VENUEDESK_DATA_DIR`, else the OS data directory: one rule, shared with the CLI.
    let dir = venuedesk_console_core::settings::data_dir(None)
        .context("no data directory on this system; set VENUEDESK_DATA_DIR")?;
    let server = std::env::var("VENUEDESK_SERVER").ok().filter(|s| !s.is_empty());
    tauri::Builder::default()
        // First, so a second launch focuses the running console instead of opening another.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            if let Some(w) = app.get_webview_window("main") {
                let _ = w.unminimize();
                let _ = w.set_focus();
            }
        }))
        .plugin(
            tauri_plugin_log::Builder::new()
                .level(log::LevelFilter::Info)
                .target(tauri_plugin_log::Target::new(tauri_plugin_log::TargetKind::Stdout))
                .target(tauri_plugin_log::Target::new(tauri_plugin_log::TargetKind::LogDir { file_name: None }))
                .build(),
        )
        .plugin(tauri_plugin_window_state::Builder::new().build())
        .plugin(tauri_plugin_dialog::init())
        .setup(move |app| {
            let handle = app.handle().clone();
            let console = Console::new(
                dir.clone(),
                Arc::new(OsKeychain),
                device_name(),
                server.clone(),
                Arc::new(move |p| {
                    let _ = handle.emit("progress", p);
                }),
            )
            .map_err(|e| anyhow::anyhow!("{}", e.message))?;
            let console = Arc::new(console);
            app.manage(console.clone());
            log::info!("data directory {}", dir.display());
            tauri::async_runtime::spawn(async move {
                loop {
                    if console.state().signed_in {
                        let _ = console.sync_now().await;
                    }
                    tokio::time::sleep(SYNC_EVERY).await;
                }
            });
            Ok(())
        })
        .invoke_handler(crate::commands::handler())
        .run(tauri::generate_context!())
        .context("running the console")
}
