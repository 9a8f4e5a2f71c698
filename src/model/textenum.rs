//! Enumerations whose unknown values are kept as text.
//!
//! PingOne adds enum values over time (application types, identity providers, statuses). A value
//! pingscope does not know yet must survive a load and a snapshot round trip and still be shown,
//! so every such enum has an `Other` variant holding the text as received.

/// Declares an enum with known string values plus `Other`, serialised as a plain string. The
/// unknown text sits behind one more box: 16 bytes instead of 24 for every value (a million
/// users have six million memberships, each with its kind).
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash, Debug)]
        pub enum $name {
            $($variant,)+
            Other(Box<Box<str>>),
        }

        impl $name {
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)+
                    $name::Other(t) => t,
                }
            }

            pub fn parse(text: &str) -> Self {
                match text {
                    $($text => $name::$variant,)+
                    other => $name::Other(Box::new(other.into())),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl serde::de::Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(concat!("a ", stringify!($name), " string"))
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        Ok($name::parse(v))
                    }
                }
                d.deserialize_str(V)
            }
        }
    };
}

text_enum!(
    /// `account.status` of a user.
    AccountStatus { Ok => "OK", Locked => "LOCKED" }
);
text_enum!(
    /// `lifecycle.status` of a user.
    LifecycleStatus { AccountOk => "ACCOUNT_OK", VerificationRequired => "VERIFICATION_REQUIRED" }
);
text_enum!(
    /// `identityProvider.type` of a user.
    IdpType {
        PingOne => "PING_ONE", Google => "GOOGLE", Saml => "SAML", OpenIdConnect => "OPENID_CONNECT",
        Facebook => "FACEBOOK", Microsoft => "MICROSOFT", Apple => "APPLE", LinkedIn => "LINKEDIN",
        Amazon => "AMAZON", Twitter => "TWITTER", Yahoo => "YAHOO", Paypal => "PAYPAL", Github => "GITHUB",
    }
);
text_enum!(
    /// `type` of an entry of a user's `memberOfGroups`.
    MembershipKind { Direct => "DIRECT", Indirect => "INDIRECT" }
);
text_enum!(
    /// `sourceType` of a group: set for external groups.
    GroupSource { Gateway => "GATEWAY", Idp => "IDP" }
);
text_enum!(
    /// `scope.type` of a role assignment, and a role's `applicableTo` entries.
    ScopeType {
        Organization => "ORGANIZATION", Environment => "ENVIRONMENT", Population => "POPULATION",
        Application => "APPLICATION", Group => "GROUP",
    }
);
text_enum!(
    /// `type` of a gateway (`EnumGatewayType`).
    GatewayType {
        PingFederate => "PING_FEDERATE", Ldap => "LDAP", PingIntelligence => "PING_INTELLIGENCE",
        ApiGatewayIntegration => "API_GATEWAY_INTEGRATION", Radius => "RADIUS",
    }
);
text_enum!(
    /// `type` of a role (absent on built-in roles read from `/roles`).
    RoleType { Custom => "CUSTOM", Platform => "PLATFORM" }
);
text_enum!(
    /// `type` of an application.
    AppType {
        WebApp => "WEB_APP", NativeApp => "NATIVE_APP", SinglePageApp => "SINGLE_PAGE_APP",
        Worker => "WORKER", Service => "SERVICE", CustomApp => "CUSTOM_APP",
        SelfService => "PING_ONE_SELF_SERVICE", AdminConsole => "PING_ONE_ADMIN_CONSOLE",
        Portal => "PING_ONE_PORTAL", TemplateApp => "TEMPLATE_APP", PortalLinkApp => "PORTAL_LINK_APP",
    }
);
text_enum!(
    /// `protocol` of an application.
    Protocol {
        OpenIdConnect => "OPENID_CONNECT", Saml => "SAML", WsFed => "WS_FED",
        ExternalLink => "EXTERNAL_LINK",
    }
);
text_enum!(
    /// `accessControl.group.type` of an application.
    GroupRule { AnyGroup => "ANY_GROUP", AllGroups => "ALL_GROUPS" }
);
text_enum!(
    /// `accessControl.role.type` of an application.
    RoleRule { AdminUsersOnly => "ADMIN_USERS_ONLY" }
);
text_enum!(
    /// `type` of an environment.
    EnvironmentType { Production => "PRODUCTION", Sandbox => "SANDBOX" }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_values_survive_a_round_trip() {
        let t: AppType = serde_json::from_str("\"QUANTUM_APP\"").unwrap();
        assert_eq!(t, AppType::Other(Box::new("QUANTUM_APP".into())));
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"QUANTUM_APP\"");
        let k: AppType = serde_json::from_str("\"WORKER\"").unwrap();
        assert_eq!(k, AppType::Worker);
    }
}
