//! The floor: timeline, availability, waitlist and walk-ins. Local changes trigger a
//! background sync.

use venuedesk_console_app::AppError;
use venuedesk_console_app::views::{
    AvailabilityView, BookingView, FloorView, WaitlistInput, WaitlistView, WalkInInput,
};

use super::Con;
use crate::setup::sync_soon;

#[tauri::command]
pub async fn floor_view(c: Con<'_>, date: Option<String>) -> Result<FloorView, AppError> {
    c.floor_view(date.as_deref())
}

#[tauri::command]
pub async fn availability(c: Con<'_>, date: String, party_size: i64) -> Result<AvailabilityView, AppError> {
    c.availability(&date, party_size).await
}

#[tauri::command]
pub async fn waitlist(c: Con<'_>) -> Result<Vec<WaitlistView>, AppError> {
    c.waitlist()
}

#[tauri::command]
pub async fn add_to_waitlist(c: Con<'_>, input: WaitlistInput) -> Result<WaitlistView, AppError> {
    let e = c.add_to_waitlist(&input)?;
    sync_soon(&c);
    Ok(e)
}

#[tauri::command]
pub async fn waitlist_step(
    c: Con<'_>,
    id: String,
    step: String,
    table_ids: Vec<String>,
) -> Result<WaitlistView, AppError> {
    let e = c.waitlist_step(&id, &step, &table_ids)?;
    sync_soon(&c);
    Ok(e)
}

#[tauri::command]
pub async fn walk_in(c: Con<'_>, input: WalkInInput) -> Result<BookingView, AppError> {
    let b = c.walk_in(&input)?;
    sync_soon(&c);
    Ok(b)
}

#[tauri::command]
pub async fn move_booking(
    c: Con<'_>,
    id: String,
    time: Option<String>,
    table_ids: Option<Vec<String>>,
) -> Result<BookingView, AppError> {
    let b = c.move_booking(&id, time.as_deref(), table_ids.as_deref())?;
    sync_soon(&c);
    Ok(b)
}
