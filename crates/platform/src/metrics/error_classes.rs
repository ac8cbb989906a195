//! An error class is a stable fingerprint of a server error: the failure's kind (e.g.
//! `database:42P01`, `crypto`, `panic`) and the route template it happened on. No ids, no
//! query, no message: the same fault gives the same class on every node and every day.

pub fn fingerprint(kind: &str, method: &str, route: &str) -> String {
    format!("{kind} {method} {route}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_class_names_the_kind_and_the_route_template_only() {
        assert_eq!(
            fingerprint("database:42P01", "GET", "/v1/venues/{vid}/payments"),
            "database:42P01 GET /v1/venues/{vid}/payments"
        );
    }
}
