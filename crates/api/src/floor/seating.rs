//! Which tables a party gets when the person booking does not choose: the smallest free
//! table that fits, else the smallest free pair of tables that combine. The store checks
//! the choice again under the venue's lock (the answer here can be stale by then).

use std::collections::HashSet;

use crate::front_desk::Table;
use uuid::Uuid;

/// Tables for `party`, none of them in `held`; `None` when nothing fits.
pub fn choose(tables: &[&Table], held: &HashSet<Uuid>, party: i64) -> Option<Vec<Uuid>> {
    // By name, whatever order the tables come in: the same floor always gives the same
    // answer (availability names the tables a booking then gets).
    let mut free: Vec<&&Table> = tables.iter().filter(|t| !held.contains(&t.id)).collect();
    free.sort_by(|a, b| (&a.name, a.id).cmp(&(&b.name, b.id)));
    let single = free
        .iter()
        .filter(|t| t.seats_min <= party && party <= t.seats_max)
        .min_by(|a, b| (a.seats_max, &a.name).cmp(&(b.seats_max, &b.name)));
    if let Some(t) = single {
        return Some(vec![t.id]);
    }
    let mut best: Option<(i64, String, Vec<Uuid>)> = None;
    for (i, a) in free.iter().enumerate() {
        for b in &free[i + 1..] {
            let seats = a.seats_max + b.seats_max;
            if seats < party || !a.combinable_with.contains(&b.id) {
                continue;
            }
            let key = (seats, format!("{}+{}", a.name, b.name));
            if best.as_ref().is_none_or(|(s, n, _)| (key.0, &key.1) < (*s, n)) {
                best = Some((key.0, key.1, vec![a.id, b.id]));
            }
        }
    }
    best.map(|(_, _, ids)| ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str, min: i64, max: i64) -> Table {
        Table {
            id: Uuid::now_v7(),
            name: name.into(),
            area: "Main".into(),
            seats_min: min,
            seats_max: max,
            combinable_with: Vec::new(),
            version: 1,
        }
    }

    #[test]
    fn the_smallest_free_fit_then_the_smallest_combination() {
        let (mut a, mut b) = (table("A", 1, 2), table("B", 1, 4));
        let (c, d) = (table("C", 4, 6), table("D", 2, 4));
        a.combinable_with.push(b.id);
        b.combinable_with.push(a.id);
        let all = [&a, &b, &c, &d];
        let none = HashSet::new();
        assert_eq!(choose(&all, &none, 2), Some(vec![a.id]));
        // B and D both seat 4 at most: by name.
        assert_eq!(choose(&all, &none, 3), Some(vec![b.id]));
        assert_eq!(choose(&all, &none, 5), Some(vec![c.id]));
        // Too big for any one table: A and B together (6 seats).
        let held_c: HashSet<Uuid> = [c.id].into();
        assert_eq!(choose(&all, &held_c, 5), Some(vec![a.id, b.id]));
        assert_eq!(choose(&all, &held_c, 7), None);
        // seats_min keeps a couple off the big table when it is all that is left.
        let only_c: HashSet<Uuid> = [a.id, b.id, d.id].into();
        assert_eq!(choose(&all, &only_c, 2), None);
        assert_eq!(choose(&all, &only_c, 4), Some(vec![c.id]));
    }

    #[test]
    fn the_order_tables_come_in_does_not_change_the_answer() {
        let (mut a, mut b) = (table("A", 1, 2), table("B", 1, 2));
        a.combinable_with.push(b.id);
        b.combinable_with.push(a.id);
        let none = HashSet::new();
        assert_eq!(choose(&[&a, &b], &none, 4), Some(vec![a.id, b.id]));
        assert_eq!(choose(&[&b, &a], &none, 4), Some(vec![a.id, b.id]), "found by the property test");
    }
}
