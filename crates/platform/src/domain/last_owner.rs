//! A venue always keeps an owner. Both backends count the other owners inside the
//! transaction that serialises the venue's writes, then ask this rule.

use crate::store::DomainError;

/// What a member change does to an owner (a removed member does not stay one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OwnerChange {
    pub is_owner_now: bool,
    pub stays_owner: bool,
}

/// Refuses the change that would leave the venue without an owner.
pub fn check(change: OwnerChange, other_owners: i64) -> Result<(), DomainError> {
    if change.is_owner_now && !change.stays_owner && other_owners == 0 { Err(DomainError::LastOwner) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_owner_cannot_leave_but_any_other_change_can_be_made() {
        let leaving = OwnerChange { is_owner_now: true, stays_owner: false };
        assert_eq!(check(leaving, 0), Err(DomainError::LastOwner));
        assert_eq!(check(leaving, 1), Ok(()));
        assert_eq!(check(OwnerChange { is_owner_now: true, stays_owner: true }, 0), Ok(()));
        assert_eq!(check(OwnerChange { is_owner_now: false, stays_owner: false }, 0), Ok(()));
    }
}
