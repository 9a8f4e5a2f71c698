//! Credentials and profiles: named connection settings in the config directory, client secrets
//! in the OS keyring, `login` that verifies before it keeps anything, and the resolution of
//! which live environment a command reads (profile, then `PINGONE_*` overrides).

pub mod login;
pub mod profiles;
pub mod resolve;
pub mod store;
pub mod verify;

pub use resolve::{LiveSource, SecretOrigin, live_configured, resolve_live};

/// What `pingscope` says when nothing is configured yet: how to connect a real environment,
/// and the demo to try first.
pub fn first_run_message() -> String {
    format!(
        "pingscope explores who has what, and why, in a PingOne environment (read-only).\n\
     \n\
     No environment is set up yet. To connect one:\n\
     \n\
     1. In the PingOne admin console, open the environment, then Applications > Applications > +:\n\
     \x20   create a Worker application (it uses the client credentials grant) and enable it.\n\
     2. On the app's Roles tab, give it Identity Data Read Only and Configuration Read Only\n\
     \x20   on that environment.\n\
     3. Note the environment id, the region (NA, EU, CA, AU, SG or AP) and the app's client id;\n\
     \x20   copy its client secret from the Configuration tab.\n\
     4. Run:  pingscope login --environment-id ENV_ID --client-id CLIENT_ID --region EU\n\
     \x20   It asks for the secret, checks it against PingOne, keeps it in your OS keyring\n\
     \x20   and saves a profile (add --profile NAME --label prod for several environments).\n\
     \n\
     In CI, set PINGONE_ENVIRONMENT_ID, PINGONE_CLIENT_ID, PINGONE_CLIENT_SECRET and\n\
     PINGONE_REGION_CODE instead; no keyring is needed.\n\
     \n\
     No account at hand? Explore the bundled demo:  pingscope --demo stats\n\
     \x20                                           pingscope --demo access {}\n",
        crate::demo::people_of_note::DEEP_NESTING
    )
}
