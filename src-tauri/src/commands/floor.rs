//! The floor: timeline, availability, waitlist and walk-ins. Local changes trigger a
//! background sync.

use venuedesk_console_app::AppError;
use venuedesk_console_app::views::{
    AvailabilityView, BookingRulesView, BookingView, FloorSettingsView, FloorView, HoursExceptionView, TableInput,
    TableView, WaitlistInput, WaitlistView, WalkInInput, WeeklyPeriodView,
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

#[tauri::command]
pub async fn floor_settings(c: Con<'_>) -> Result<FloorSettingsView, AppError> {
    c.floor_settings().await
}

#[tauri::command]
pub async fn save_table(c: Con<'_>, id: Option<String>, input: TableInput) -> Result<TableView, AppError> {
    let t = c.save_table(id.as_deref(), &input).await?;
    sync_soon(&c);
    Ok(t)
}

#[tauri::command]
pub async fn delete_table(c: Con<'_>, id: String) -> Result<(), AppError> {
    c.delete_table(&id).await?;
    sync_soon(&c);
    Ok(())
}

#[tauri::command]
pub async fn save_opening_hours(
    c: Con<'_>,
    weekly: Vec<WeeklyPeriodView>,
    exceptions: Vec<HoursExceptionView>,
) -> Result<(), AppError> {
    c.save_opening_hours(&weekly, &exceptions).await?;
    sync_soon(&c);
    Ok(())
}

#[tauri::command]
pub async fn save_booking_rules(c: Con<'_>, rules: BookingRulesView) -> Result<(), AppError> {
    c.save_booking_rules(&rules).await
}
