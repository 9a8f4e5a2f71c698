//! What `login` checks before it keeps anything, each failure with its own message: a wrong
//! secret, a disabled app, a wrong region, an unreachable host, missing roles.

mod support;

use pingscope::demo::{Params, generate};
use support::cred::*;
use support::mock::{Forbidden, MockConfig, MockPingOne};

#[test]
fn a_wrong_secret_a_disabled_app_and_a_wrong_region_each_get_their_own_message() {
    let ctx = Ctx::new("refusals", config());
    if !keyutils_works() {
        eprintln!("kernel keyutils unavailable: skipped");
        return;
    }
    let err = failed(&ctx.login("bad", "not-the-secret", &[]));
    assert!(err.contains("refused the client secret"), "{err}");
    assert!(!err.contains("not-the-secret"), "{err}");

    ctx.mock.set_app_disabled(true);
    let err = failed(&ctx.login("bad", SECRET, &[]));
    assert!(
        err.contains("is disabled") && err.contains("enable it"),
        "{err}"
    );
    ctx.mock.set_app_disabled(false);

    // A wrong region: the other region's auth server does not know the environment.
    let other = MockPingOne::spawn_blocking(
        generate(&Params::sized(5, 60, 30, 9)),
        MockConfig {
            unknown_env_not_found: true,
            ..config()
        },
    );
    let env = ctx.mock.environment_id();
    let (api, auth) = (other.api_url(), other.auth_url());
    let out = ctx
        .cmd()
        .args([
            "login",
            "--profile",
            "bad",
            "--environment-id",
            &env,
            "--client-id",
            CLIENT_ID,
        ])
        .args([
            "--region",
            "EU",
            "--api-url",
            &api,
            "--auth-url",
            &auth,
            "--client-secret-stdin",
        ])
        .write_stdin(SECRET)
        .output()
        .unwrap();
    let err = failed(&out);
    assert!(err.contains("wrong region") && err.contains("EU"), "{err}");

    // An auth host nothing answers on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead = format!("http://127.0.0.1:{port}");
    let out = ctx
        .cmd()
        .args([
            "login",
            "--profile",
            "bad",
            "--environment-id",
            &env,
            "--client-id",
            CLIENT_ID,
        ])
        .args([
            "--region",
            "SG",
            "--api-url",
            &dead,
            "--auth-url",
            &dead,
            "--client-secret-stdin",
        ])
        .write_stdin(SECRET)
        .output()
        .unwrap();
    let err = failed(&out);
    assert!(
        err.contains("cannot reach 127.0.0.1") && err.contains("region"),
        "{err}"
    );

    // None of these saved anything.
    assert!(
        profiles_json(&ctx)["profiles"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(ctx.stored("bad"), None);
}

#[test]
fn missing_roles_are_named_and_no_role_at_all_is_refused() {
    let ctx = Ctx::new("roles", config());
    if !keyutils_works() {
        eprintln!("kernel keyutils unavailable: skipped");
        return;
    }
    ctx.mock
        .set_forbidden(vec![Forbidden::Users, Forbidden::AppRoleAssignments]);
    let said = ok(&ctx.login("prod", SECRET, &[]));
    assert!(
        said.contains("cannot read users (403)") && said.contains("Identity Data Read Only"),
        "{said}"
    );
    assert!(
        said.contains("cannot read role assignments (403)"),
        "the assignment probe falls back to an application: {said}"
    );
    assert!(!said.contains("cannot read applications"), "{said}");
    assert_eq!(ctx.stored("prod").as_deref(), Some(SECRET));

    ctx.mock.set_forbidden(vec![Forbidden::Applications]);
    let said = ok(&ctx.login("prod", SECRET, &[]));
    assert!(
        said.contains("cannot read applications (403)") && said.contains("Configuration Read Only"),
        "{said}"
    );

    ctx.mock.set_forbidden(vec![Forbidden::Environment]);
    let err = failed(&ctx.login("sandbox", SECRET, &[]));
    assert!(err.contains("holds no role"), "{err}");
    assert!(
        err.contains("Identity Data Read Only and Configuration Read Only"),
        "{err}"
    );
    assert_eq!(ctx.stored("sandbox"), None);
}
