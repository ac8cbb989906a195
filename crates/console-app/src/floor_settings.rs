//! Settings › Floor, for those with `settings:manage`: tables, opening hours and booking
//! rules. Read from the platform (the copy kept here when it cannot be reached); every change
//! needs the platform — version checks and symmetric combinations are its to keep — and
//! offline says so, changing nothing.

use reqwest::Method;
use uuid::Uuid;
use venuedesk_api::front_desk::{
    DurationRule, HoursException, NewTable, OpeningHours, OpeningHoursPut, Table, TablePatch, WeeklyPeriod,
};
use venuedesk_api::permission::Permission;
use venuedesk_api::venue::{Page, Venue, VenuePatch};
use venuedesk_console_core::CoreError;
use venuedesk_console_core::cache::Kind;

use crate::bookings::parse_id;
use crate::console::Console;
use crate::error::AppError;
use crate::views::{
    BookingRulesView, DurationRuleView, FloorSettingsView, HoursExceptionView, TableInput, TableView, WeeklyPeriodView,
};

fn table_view(t: &Table) -> TableView {
    TableView {
        id: t.id.to_string(),
        name: t.name.clone(),
        area: t.area.clone(),
        seats_min: t.seats_min,
        seats_max: t.seats_max,
        combinable_with: t.combinable_with.iter().map(Uuid::to_string).collect(),
    }
}

fn rules_view(v: &Venue) -> BookingRulesView {
    BookingRulesView {
        slot_minutes: v.slot_minutes,
        default_duration_minutes: v
            .default_duration_minutes
            .iter()
            .map(|r| DurationRuleView { party_size_from: r.party_size_from, minutes: r.minutes })
            .collect(),
        min_notice_minutes: v.min_notice_minutes,
        max_advance_days: v.max_advance_days,
        turnover_minutes: v.turnover_minutes,
    }
}

fn hours_views(h: &OpeningHours) -> (Vec<WeeklyPeriodView>, Vec<HoursExceptionView>) {
    (
        h.weekly
            .iter()
            .map(|w| WeeklyPeriodView { weekday: w.weekday, opens: w.opens.clone(), closes: w.closes.clone() })
            .collect(),
        h.exceptions
            .iter()
            .map(|x| HoursExceptionView {
                date: x.date.clone(),
                closed: x.closed,
                opens: x.opens.clone(),
                closes: x.closes.clone(),
            })
            .collect(),
    )
}

impl Console {
    pub async fn floor_settings(&self) -> Result<FloorSettingsView, AppError> {
        self.require(Permission::SettingsManage)?;
        let online = self.online()?;
        let base = format!("/v1/venues/{}", online.venue_id);
        let read = async {
            let tables: Page<Table> = online.session.get(&format!("{base}/tables?limit=200")).await?;
            let hours: OpeningHours = online.session.get(&format!("{base}/opening-hours")).await?;
            let venue: Venue = online.session.get(&base).await?;
            Ok::<_, CoreError>((tables.items, hours, venue))
        };
        match read.await {
            Ok((tables, hours, venue)) => {
                self.mark_online();
                self.side_cache()?.remember_venue(&venue)?;
                let (weekly, exceptions) = hours_views(&hours);
                Ok(FloorSettingsView {
                    tables: tables.iter().map(table_view).collect(),
                    weekly,
                    exceptions,
                    rules: Some(rules_view(&venue)),
                    offline: false,
                })
            }
            Err(CoreError::Network(_)) => {
                let _ = self.fail(CoreError::Network("offline".into()));
                self.with_cache(|cache, _| {
                    let tables: Vec<TableView> =
                        cache.records::<Table>(Kind::Table, None, None)?.iter().map(|(t, _)| table_view(t)).collect();
                    let hours = cache.records::<OpeningHours>(Kind::OpeningHours, None, None)?.into_iter().next();
                    let (weekly, exceptions) = hours.map(|(h, _)| hours_views(&h)).unwrap_or_default();
                    let rules = cache.remembered_venue()?.as_ref().map(rules_view);
                    Ok(FloorSettingsView { tables, weekly, exceptions, rules, offline: true })
                })
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    /// Adds a table (`id` None) or changes one; the tables it names combine with it both ways.
    pub async fn save_table(&self, id: Option<&str>, input: &TableInput) -> Result<TableView, AppError> {
        self.require(Permission::SettingsManage)?;
        let name = input.name.trim().to_string();
        if name.is_empty() {
            return Err(AppError::invalid("A table needs a name."));
        }
        if !(1..=100).contains(&input.seats_max) || !(1..=input.seats_max).contains(&input.seats_min) {
            return Err(AppError::invalid("Seats: at least 1, and the fewest not more than the most (100 at most)."));
        }
        let with = input.combinable_with.iter().map(|t| parse_id(t, "table")).collect::<Result<Vec<_>, _>>()?;
        let area = Some(input.area.trim().to_string()).filter(|a| !a.is_empty());
        let online = self.online()?;
        let base = format!("/v1/venues/{}/tables", online.venue_id);
        let saved: Result<Table, CoreError> = match id {
            None => {
                let body = NewTable {
                    id: None,
                    name,
                    area,
                    seats_min: Some(input.seats_min),
                    seats_max: input.seats_max,
                    combinable_with: with,
                };
                online.session.call(Method::POST, &base, Some(&body), None, None).await
            }
            Some(id) => {
                let tid = parse_id(id, "table")?;
                // Its version now (there is no single-table GET: the floor is one list).
                let current = self.table_on_platform(&online, &base, tid).await?;
                let body = TablePatch {
                    name: Some(name),
                    area,
                    seats_min: Some(input.seats_min),
                    seats_max: Some(input.seats_max),
                    combinable_with: Some(with),
                };
                online
                    .session
                    .call(Method::PATCH, &format!("{base}/{tid}"), Some(&body), None, Some(current.version))
                    .await
            }
        };
        let t = saved.map_err(|e| self.change_failed(e))?;
        self.mark_online();
        Ok(table_view(&t))
    }

    /// One table as the platform has it now, from the floor's pages.
    async fn table_on_platform(
        &self,
        online: &crate::console::Online,
        base: &str,
        id: Uuid,
    ) -> Result<Table, AppError> {
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("{base}?limit=200&cursor={c}"),
                None => format!("{base}?limit=200"),
            };
            let page: Page<Table> = online.session.get(&path).await.map_err(|e| self.change_failed(e))?;
            if let Some(t) = page.items.into_iter().find(|t| t.id == id) {
                return Ok(t);
            }
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => return Err(AppError::invalid("That table is not there any more.")),
            }
        }
    }

    pub async fn delete_table(&self, id: &str) -> Result<(), AppError> {
        self.require(Permission::SettingsManage)?;
        let tid = parse_id(id, "table")?;
        self.delete_on_platform(&format!("tables/{tid}")).await
    }

    /// Replaces the weekly hours and the exceptions (on the version read just before).
    pub async fn save_opening_hours(
        &self,
        weekly: &[WeeklyPeriodView],
        exceptions: &[HoursExceptionView],
    ) -> Result<(), AppError> {
        self.require(Permission::SettingsManage)?;
        let body = OpeningHoursPut {
            weekly: weekly
                .iter()
                .map(|w| WeeklyPeriod { weekday: w.weekday, opens: w.opens.clone(), closes: w.closes.clone() })
                .collect(),
            exceptions: exceptions
                .iter()
                .map(|x| HoursException {
                    date: x.date.clone(),
                    closed: x.closed,
                    opens: x.opens.clone(),
                    closes: x.closes.clone(),
                })
                .collect(),
        };
        let online = self.online()?;
        let path = format!("/v1/venues/{}/opening-hours", online.venue_id);
        let put = async {
            let current: OpeningHours = online.session.get(&path).await?;
            let if_match = (current.version > 0).then_some(current.version);
            online.session.call::<_, OpeningHours>(Method::PUT, &path, Some(&body), None, if_match).await
        };
        put.await.map_err(|e| self.change_failed(e))?;
        self.mark_online();
        Ok(())
    }

    pub async fn save_booking_rules(&self, rules: &BookingRulesView) -> Result<(), AppError> {
        self.require(Permission::SettingsManage)?;
        let online = self.online()?;
        let path = format!("/v1/venues/{}", online.venue_id);
        let body = VenuePatch {
            slot_minutes: Some(rules.slot_minutes),
            default_duration_minutes: Some(
                rules
                    .default_duration_minutes
                    .iter()
                    .map(|r| DurationRule { party_size_from: r.party_size_from, minutes: r.minutes })
                    .collect(),
            ),
            min_notice_minutes: Some(rules.min_notice_minutes),
            max_advance_days: Some(rules.max_advance_days),
            turnover_minutes: Some(rules.turnover_minutes),
            ..VenuePatch::default()
        };
        let patch = async {
            let current: Venue = online.session.get(&path).await?;
            online.session.call::<_, Venue>(Method::PATCH, &path, Some(&body), None, Some(current.version)).await
        };
        let venue = patch.await.map_err(|e| self.change_failed(e))?;
        self.mark_online();
        self.side_cache()?.remember_venue(&venue)?;
        Ok(())
    }
}
