//! Granular permissions: names on the wire, a bitset in storage, and the built-in roles.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

macro_rules! permissions {
    ($($variant:ident => ($name:literal, $bit:literal)),+ $(,)?) => {
        /// One thing a member may do inside a venue.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
        pub enum Permission {
            $(#[serde(rename = $name)] $variant),+
        }

        impl Permission {
            pub const ALL: &'static [Permission] = &[$(Permission::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $(Permission::$variant => $name),+ }
            }

            pub fn parse(name: &str) -> Option<Permission> {
                match name { $($name => Some(Permission::$variant),)+ _ => None }
            }

            pub fn bit(self) -> u64 {
                match self { $(Permission::$variant => 1u64 << $bit),+ }
            }
        }
    };
}

// Bits are stored: never renumber, only append.
permissions! {
    BookingsRead => ("bookings:read", 0),
    BookingsWrite => ("bookings:write", 1),
    OrdersRead => ("orders:read", 2),
    OrdersWrite => ("orders:write", 3),
    CustomersRead => ("customers:read", 4),
    CustomersWrite => ("customers:write", 5),
    CustomersErase => ("customers:erase", 6),
    ProductsRead => ("products:read", 7),
    ProductsWrite => ("products:write", 8),
    MembersRead => ("members:read", 9),
    MembersManage => ("members:manage", 10),
    RolesManage => ("roles:manage", 11),
    AuditRead => ("audit:read", 12),
    AuditExport => ("audit:export", 13),
    SettingsManage => ("settings:manage", 14),
    ApiClientsManage => ("api_clients:manage", 15),
    WebhooksManage => ("webhooks:manage", 16),
    PaymentsManage => ("payments:manage", 17),
}

impl std::fmt::Display for Permission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of permissions as stored (one bit each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PermissionSet(pub u64);

impl PermissionSet {
    pub fn all() -> Self {
        PermissionSet(Permission::ALL.iter().fold(0, |acc, p| acc | p.bit()))
    }

    pub fn of(perms: &[Permission]) -> Self {
        PermissionSet(perms.iter().fold(0, |acc, p| acc | p.bit()))
    }

    pub fn contains(self, p: Permission) -> bool {
        self.0 & p.bit() != 0
    }

    /// Permission names in the documented order.
    pub fn names(self) -> Vec<String> {
        Permission::ALL.iter().filter(|p| self.contains(**p)).map(|p| p.as_str().to_string()).collect()
    }

    /// Parses names; the first unknown name is the error.
    pub fn parse(names: &[String]) -> Result<Self, String> {
        let mut bits = 0;
        for n in names {
            bits |= Permission::parse(n).ok_or_else(|| n.clone())?.bit();
        }
        Ok(PermissionSet(bits))
    }

    /// Only bits that name a permission (stored values from the future are ignored).
    pub fn from_stored(bits: i64) -> Self {
        PermissionSet(bits as u64 & PermissionSet::all().0)
    }
}

/// The four built-in roles of every venue (API.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuiltinRole {
    Owner,
    Manager,
    FrontDesk,
    Kitchen,
}

impl BuiltinRole {
    pub const ALL: &'static [BuiltinRole] =
        &[BuiltinRole::Owner, BuiltinRole::Manager, BuiltinRole::FrontDesk, BuiltinRole::Kitchen];

    pub fn name(self) -> &'static str {
        match self {
            BuiltinRole::Owner => "owner",
            BuiltinRole::Manager => "manager",
            BuiltinRole::FrontDesk => "front_desk",
            BuiltinRole::Kitchen => "kitchen",
        }
    }

    pub fn permissions(self) -> PermissionSet {
        use Permission::*;
        match self {
            BuiltinRole::Owner => PermissionSet::all(),
            BuiltinRole::Manager => PermissionSet::of(&[
                BookingsRead,
                BookingsWrite,
                OrdersRead,
                OrdersWrite,
                CustomersRead,
                CustomersWrite,
                CustomersErase,
                ProductsRead,
                ProductsWrite,
                MembersRead,
                AuditRead,
                AuditExport,
            ]),
            BuiltinRole::FrontDesk => PermissionSet::of(&[
                BookingsRead,
                BookingsWrite,
                CustomersRead,
                CustomersWrite,
                OrdersRead,
                ProductsRead,
            ]),
            BuiltinRole::Kitchen => PermissionSet::of(&[OrdersRead, OrdersWrite, ProductsRead]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_bits_and_roles() {
        assert_eq!(Permission::ALL.len(), 18);
        let all = PermissionSet::all();
        assert_eq!(all.names().len(), 18);
        assert_eq!(PermissionSet::parse(&all.names()).unwrap(), all);
        assert_eq!(PermissionSet::parse(&["nope".into()]).unwrap_err(), "nope");
        let kitchen = BuiltinRole::Kitchen.permissions();
        assert_eq!(kitchen.names(), vec!["orders:read", "orders:write", "products:read"]);
        assert!(!BuiltinRole::Manager.permissions().contains(Permission::MembersManage));
        assert!(BuiltinRole::Manager.permissions().contains(Permission::CustomersErase));
        assert_eq!(PermissionSet::from_stored(-1), all);
    }
}
