//! The scripting CLI, through the binary, on the bundled demo: one case per access rule, the
//! reverse questions, exports, and the error paths.

#[path = "support/pipe.rs"]
mod pipe;

use std::collections::{BTreeSet, HashMap};

use assert_cmd::Command;
use pingscope::demo::names_of_note as app;
use pingscope::demo::people_of_note as who;
use serde_json::Value;

fn pingscope() -> Command {
    let mut c = Command::cargo_bin("pingscope").unwrap();
    // Live settings from the developer's shell must not leak into tests.
    for var in [
        "PINGONE_ENVIRONMENT_ID",
        "PINGONE_CLIENT_ID",
        "PINGONE_CLIENT_SECRET",
        "PINGONE_REGION_CODE",
        "PINGONE_API_URL",
        "PINGONE_AUTH_URL",
    ] {
        c.env_remove(var);
    }
    // Nor the developer's saved profiles: a config directory with none.
    c.env(
        "XDG_CONFIG_HOME",
        std::env::temp_dir().join("pingscope-tests-no-config"),
    )
    .env_remove("PINGSCOPE_PROFILE");
    c
}

fn json(args: &[&str]) -> Value {
    let out = pingscope().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

fn access(user: &str) -> Value {
    json(&["--demo", "access", user, "--json"])
}

fn names(list: &Value, field: &str) -> BTreeSet<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|x| x[field].as_str().unwrap().to_owned())
        .collect()
}

fn app_entry<'a>(a: &'a Value, key: &str, name: &str) -> Option<&'a Value> {
    a[key]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == name)
}

fn links(path: &Value) -> Vec<String> {
    path.as_array()
        .unwrap()
        .iter()
        .skip(1)
        .map(|h| h["link"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn deep_nesting_reaches_an_app_with_the_whole_chain() {
    let a = access(who::DEEP_NESTING);
    assert_eq!(a["user"]["username"], who::DEEP_NESTING);
    assert_eq!(a["complete"], true);
    let e = app_entry(&a, "applications", app::DEEP_APP).expect("admitted to Confluence");
    let path = &e["path"];
    assert_eq!(path[0]["kind"], "user");
    assert_eq!(path[0]["name"], who::DEEP_NESTING);
    assert_eq!(
        links(path),
        [
            "direct",
            "nested",
            "nested",
            "nested",
            "nested",
            "ANY_GROUP"
        ],
        "{path}"
    );
    assert_eq!(
        path.as_array().unwrap().last().unwrap()["kind"],
        "application"
    );
    // Every group on the chain is among her effective groups, the first one direct.
    let groups = names(&a["groups"], "name");
    for hop in path
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["kind"] == "group")
    {
        assert!(groups.contains(hop["name"].as_str().unwrap()));
    }
    assert!(
        a["groups"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["direct"] == true)
    );
}

#[test]
fn an_admin_through_a_group_gets_the_admin_console_with_the_role_hop() {
    let a = access(who::ADMIN_VIA_GROUP);
    let role = a["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["role"]["name"] == "Environment Admin")
        .expect("holds Environment Admin");
    assert_eq!(role["via"]["kind"], "group");
    assert_eq!(role["via"]["name"], app::ADMIN_GROUP);
    assert_eq!(role["scope"]["type"], "ENVIRONMENT");
    assert_eq!(role["scope"]["resolved"], true);
    let console = app_entry(&a, "applications", app::ADMIN_CONSOLE).expect("admitted");
    // One condition, one chain: no `alsoPaths`.
    assert!(console.get("alsoPaths").is_none(), "{console}");
    let l = links(&console["path"]);
    assert_eq!(l.last().unwrap(), "ADMIN_USERS_ONLY");
    assert!(l.contains(&"assigned".to_owned()), "{l:?}");
}

#[test]
fn all_groups_refuses_for_one_missing_group_and_admits_with_every_chain() {
    let a = access(who::MISSING_ONE_GROUP);
    let refused = app_entry(&a, "refused", app::ALL_GROUPS_APP).expect("refused AWS Console");
    let reason = refused["reasons"][0].as_str().unwrap();
    assert!(
        reason.contains("missing group Production Access"),
        "{reason}"
    );
    assert!(reason.contains("ALL_GROUPS"), "{reason}");

    let a = access(who::ALL_GROUPS_MEMBER);
    let e = app_entry(&a, "applications", app::ALL_GROUPS_APP).expect("admitted");
    // `path` and one more chain: one per listed group, none given twice.
    let mut paths = vec![e["path"].clone()];
    paths.extend(e["alsoPaths"].as_array().unwrap().iter().cloned());
    assert_eq!(paths.len(), 2, "one chain per listed group: {e}");
    let ends: BTreeSet<String> = paths
        .iter()
        .map(|p| {
            let hops = p.as_array().unwrap();
            hops[hops.len() - 2]["name"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(
        ends,
        BTreeSet::from(["SRE".to_owned(), "Production Access".to_owned()])
    );
}

#[test]
fn a_custom_role_named_like_an_admin_role_does_not_open_the_admin_console() {
    let a = access(who::CUSTOM_ROLE_LOOKALIKE);
    assert!(
        a["roles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["role"]["name"] == "Environment Admin")
    );
    let refused = app_entry(&a, "refused", app::ADMIN_CONSOLE).expect("refused");
    assert!(
        refused["reasons"][0]
            .as_str()
            .unwrap()
            .contains("ADMIN_USERS_ONLY")
    );
}

#[test]
fn disabled_users_still_show_what_the_policy_gives_them() {
    let a = access(who::DISABLED_WITH_ROLE);
    assert_eq!(a["user"]["enabled"], false);
    assert!(
        a["roles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["role"]["name"] == "Identity Data Admin")
    );
    let w = json(&["--demo", "who-can", app::OPEN_APP, "--json"]);
    let me = w["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == who::DISABLED_WITH_ROLE)
        .expect("listed");
    assert_eq!(me["enabled"], false);
    // Its chain once: an open application has one condition.
    assert!(me["path"].is_array() && me.get("alsoPaths").is_none() && me.get("paths").is_none());
}

#[test]
fn an_open_app_admits_everyone_and_a_dynamic_membership_is_named() {
    let stats = json(&["--demo", "stats", "--json"]);
    let users = stats["counts"]["users"].as_u64().unwrap();
    let w = json(&["--demo", "who-can", app::OPEN_APP, "--json"]);
    assert_eq!(w["count"].as_u64(), Some(users));
    assert_eq!(w["users"].as_array().unwrap().len() as u64, users);
    assert_eq!(w["policy"], "open to every user");
    assert_eq!(links(&w["users"][0]["path"]), ["open"]);

    let a = access(who::GOOGLE_CUSTOMER);
    let dynamic = a["groups"].as_array().unwrap();
    assert!(
        dynamic
            .iter()
            .any(|g| g["name"] == "Google Sign-In Users" && links(&g["path"]) == ["dynamic"])
    );
}

#[test]
fn a_rule_listing_a_deleted_group_names_it_and_still_admits_through_the_other() {
    let w = json(&["--demo", "who-can", app::DANGLING_APP, "--json"]);
    assert!(
        w["policy"].as_str().unwrap().contains("deleted group"),
        "{}",
        w["policy"]
    );
    let users = names(&w["users"], "username");
    assert!(users.contains(who::EXECUTIVE));
    assert!(!users.contains(who::DEEP_NESTING));
}

#[test]
fn nesting_cycles_terminate_in_members_and_access() {
    let m = json(&["--demo", "members", app::CYCLE[1], "--json"]);
    assert!(names(&m["users"], "username").contains(who::IN_NESTING_CYCLE));
    let a = access(who::IN_NESTING_CYCLE);
    let groups = names(&a["groups"], "name");
    for g in app::CYCLE {
        assert!(groups.contains(g), "{g} missing from {groups:?}");
    }
}

#[test]
fn holders_include_users_through_groups_and_worker_apps() {
    let id = role_id("Environment Admin", false);
    let h = json(&["--demo", "holders", &id, "--json"]);
    assert_eq!(h["role"]["type"], "BUILT_IN");
    let list = h["holders"].as_array().unwrap();
    assert!(
        list.iter()
            .any(|x| x["name"] == who::ADMIN_VIA_GROUP && x["via"]["name"] == app::ADMIN_GROUP)
    );
    assert!(
        list.iter()
            .any(|x| x["kind"] == "application" && x["name"] == app::ADMIN_WORKER)
    );
    assert!(
        list.iter()
            .any(|x| x["name"] == who::LOCKED_ADMIN_NO_MFA && x["via"].is_null())
    );
    // The custom look-alike is a different role: its holder is not here.
    assert!(!list.iter().any(|x| x["name"] == who::CUSTOM_ROLE_LOOKALIKE));
}

#[test]
fn scopes_outside_the_environment_are_kept_and_marked() {
    let a = access(who::OTHER_ENV_ADMIN);
    assert!(
        a["roles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["scope"]["resolved"] == false)
    );
    let a = access(who::POPULATION_ADMIN);
    assert!(
        a["roles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["scope"]["type"] == "POPULATION" && r["scope"]["resolved"] == true)
    );
}

#[test]
fn export_agrees_with_who_can_and_access() {
    let rows = json(&[
        "--demo",
        "export",
        "--format",
        "json",
        "--what",
        "applications",
    ]);
    let mut by_app: HashMap<String, BTreeSet<String>> = HashMap::new();
    for r in rows.as_array().unwrap() {
        by_app
            .entry(r["targetName"].as_str().unwrap().to_owned())
            .or_default()
            .insert(r["username"].as_str().unwrap().to_owned());
    }
    for name in [
        app::ALL_GROUPS_APP,
        app::ADMIN_CONSOLE,
        app::DANGLING_APP,
        app::DEEP_APP,
    ] {
        let w = json(&["--demo", "who-can", name, "--json"]);
        assert_eq!(
            by_app.get(name).cloned().unwrap_or_default(),
            names(&w["users"], "username"),
            "{name}"
        );
    }
    let a = access(who::DEEP_NESTING);
    let from_export: BTreeSet<String> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["username"] == who::DEEP_NESTING)
        .map(|r| r["targetName"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(from_export, names(&a["applications"], "name"));
}

#[test]
fn csv_export_is_well_formed_and_hostile_strings_are_neutralised() {
    let out = pingscope()
        .args(["--demo", "export", "--format", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        !out.stdout.contains(&0x1b),
        "an escape byte reached the CSV"
    );
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "user_id");
    assert_eq!(headers.len(), 11);
    assert_eq!(&headers[9], "subject_kind");
    assert_eq!(&headers[10], "target_type");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert!(rows.len() > 1000, "{} rows", rows.len());
    assert!(rows.iter().any(|r| &r[3] == "role"));
    assert!(rows.iter().all(|r| r.len() == 11));
    // The non-human admins' roles come last: worker applications and gateways.
    assert!(
        rows.iter().any(|r| &r[9] == "gateway"
            && &r[1] == app::PF_GATEWAY
            && &r[5] == "Identity Data Admin")
    );
    assert!(
        rows.iter()
            .any(|r| &r[9] == "application" && &r[1] == app::ADMIN_WORKER)
    );
    // A custom role says so.
    assert!(rows.iter().any(|r| &r[3] == "role" && &r[10] == "CUSTOM"));
}

#[test]
fn human_output_never_carries_escape_sequences_or_bidi_overrides() {
    for user in [who::BIDI_NAME, who::RTL_NAME, who::EMOJI_NAME] {
        let out = pingscope()
            .args(["--demo", "access", user])
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{202e}'),
            "{user}: {text}"
        );
        assert!(text.contains(user));
    }
    let out = pingscope()
        .args(["--demo", "members", app::ESCAPE_GROUP])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("␛[31mRed Team"), "{text}");
    assert!(!text.contains('\u{1b}'));
}

#[test]
fn unknown_names_exit_non_zero_with_one_line_and_no_stdout() {
    for args in [
        vec!["--demo", "access", "nobody.at.all"],
        vec!["--demo", "who-can", "No Such App", "--json"],
        vec!["--demo", "holders", "Wizard"],
        vec!["--demo", "members", "Ghosts"],
    ] {
        let out = pingscope().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.starts_with("pingscope: no "), "{err}");
    }
}

/// A user is found by username, e-mail or id; a near miss says what was meant.
#[test]
fn look_ups_take_any_address_and_a_miss_suggests_the_closest() {
    let a = access(who::DEEP_NESTING);
    let id = a["user"]["id"].as_str().unwrap().to_owned();
    let email = format!("{}@acme.example", who::DEEP_NESTING);
    for key in [id.as_str(), email.as_str(), "ALICE.NGUYEN"] {
        let v = json(&["--demo", "access", key, "--json"]);
        assert_eq!(v["user"]["username"], who::DEEP_NESTING, "{key}");
    }
    for (kind, miss, meant) in [
        ("access", "alice.nguyn", "\"alice.nguyen\""),
        ("access", "alise.nguyen", "\"alice.nguyen\""),
        ("who-can", "Payroll", "\"ADP Payroll\""),
        ("members", "Incident Responce", "\"Incident Response\""),
    ] {
        let out = pingscope().args(["--demo", kind, miss]).output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(
            err.contains("did you mean") && err.contains(meant),
            "{miss}: {err}"
        );
    }
    // Nothing near: no suggestion.
    let out = pingscope()
        .args(["--demo", "access", "zzzzqqqq"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("did you mean"));
}

#[test]
fn snapshot_files_round_trip_and_bad_files_get_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut bad = Vec::new();
    for format in ["compact", "jsonl"] {
        let file = dir.path().join(format!("demo.{format}"));
        let f = file.to_str().unwrap();
        pingscope()
            .args(["--demo", "snapshot", "save", f, "--format", format])
            .assert()
            .success();
        let from_file = json(&["--snapshot", f, "access", who::DEEP_NESTING, "--json"]);
        assert_eq!(from_file, access(who::DEEP_NESTING), "{format}");
        let bytes = std::fs::read(&file).unwrap();
        assert_eq!(bytes.starts_with(b"{"), format == "jsonl");
        let truncated = dir.path().join(format!("cut.{format}"));
        std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
        bad.push((truncated.to_str().unwrap().to_owned(), "is truncated"));
    }
    let garbage = dir.path().join("garbage.json");
    std::fs::write(&garbage, b"\x89PNG\r\n").unwrap();
    bad.push((
        garbage.to_str().unwrap().to_owned(),
        "not a pingscope snapshot",
    ));
    bad.push(("/nonexistent/x.json".into(), "cannot read snapshot"));
    for (path, want) in &bad {
        let path = path.as_str();
        let out = pingscope()
            .args(["--snapshot", path, "stats"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(want) && err.contains(path), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    }
}

#[test]
fn generated_environments_have_the_requested_size() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("g.json");
    let f = file.to_str().unwrap();
    pingscope()
        .args([
            "demo", "generate", "--users", "1500", "--groups", "120", "--apps", "40", "--out", f,
        ])
        .assert()
        .success();
    let s = json(&["--snapshot", f, "stats", "--json"]);
    assert_eq!(s["counts"]["users"], 1500);
    assert_eq!(s["counts"]["groups"], 120);
    assert_eq!(s["counts"]["applications"], 40);
}

#[test]
fn no_source_explains_itself() {
    let out = pingscope().args(["access", "x"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("--demo") && err.contains("PINGONE_ENVIRONMENT_ID"),
        "{err}"
    );
}

#[test]
fn audit_summary_agrees_with_each_lens_and_findings_carry_reasons() {
    let summary = json(&["--demo", "audit", "--json"]);
    let lenses = summary["lenses"].as_array().unwrap();
    assert_eq!(lenses.len(), 9);
    for l in lenses {
        let key = l["lens"].as_str().unwrap();
        let detail = json(&["--demo", "audit", key, "--json"]);
        assert_eq!(detail["count"], l["count"], "{key}");
        let findings = detail["findings"].as_array().unwrap();
        assert_eq!(findings.len() as u64, l["count"].as_u64().unwrap(), "{key}");
        for f in findings {
            assert!(!f["reason"].as_str().unwrap().is_empty(), "{key}: {f}");
            assert!(
                f["user"].is_object()
                    || f["application"].is_object()
                    || f["gateway"].is_object()
                    || f["group"].is_object(),
                "{f}"
            );
        }
    }
    let weak = json(&["--demo", "audit", "privileged-weak", "--json"]);
    let weak_names: BTreeSet<String> = weak["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["user"]["username"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        weak_names.contains(who::LOCKED_ADMIN_NO_MFA),
        "{weak_names:?}"
    );
    assert!(!weak_names.contains(who::ADMIN_VIA_GROUP), "{weak_names:?}");

    // A shorter stale period can only list more people.
    let stale = |days: &str| {
        json(&["--demo", "audit", "stale", "--stale-days", days, "--json"])["count"]
            .as_u64()
            .unwrap()
    };
    assert!(stale("30") > stale("365"));

    let out = pingscope()
        .args(["--demo", "audit", "nonsense"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("privileged-weak"));
}

#[test]
fn a_worker_app_with_client_credentials_only_admits_nobody() {
    let v = json(&["--demo", "who-can", app::ADMIN_WORKER, "--json"]);
    assert_eq!(v["count"], 0, "{v}");
    assert!(
        v["policy"].as_str().unwrap().contains("no user sign-on"),
        "{v}"
    );
    let a = access(who::DEEP_NESTING);
    let refused = a["refused"].as_array().unwrap();
    let entry = refused
        .iter()
        .find(|r| r["name"] == app::ADMIN_WORKER)
        .unwrap_or_else(|| panic!("the worker is refused: {a}"));
    assert!(
        entry["reasons"][0]
            .as_str()
            .unwrap()
            .contains("nobody signs on"),
        "{entry}"
    );
    assert!(app_entry(&a, "applications", app::ADMIN_WORKER).is_none());
}

/// The id of the demo's role with this name, built-in or custom.
fn role_id(name: &str, custom: bool) -> String {
    let s = pingscope::demo::generate(&pingscope::demo::Params::demo());
    s.roles
        .iter()
        .find(|r| r.name == name && r.is_custom() == custom)
        .map(|r| r.id.to_string())
        .unwrap_or_else(|| panic!("{name}"))
}

#[test]
fn a_role_name_two_roles_share_is_an_error_listing_both() {
    let out = pingscope()
        .args(["--demo", "holders", "Environment Admin"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    for (custom, kind) in [(false, "built-in"), (true, "custom")] {
        let id = role_id("Environment Admin", custom);
        assert!(err.contains(&format!("({kind}, id {id})")), "{err}");
    }
    // By id, the custom one: its holder is helen, and it says it is custom.
    let h = json(&[
        "--demo",
        "holders",
        &role_id("Environment Admin", true),
        "--json",
    ]);
    assert_eq!(h["role"]["type"], "CUSTOM");
    let names: Vec<&str> = h["holders"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x["name"].as_str())
        .collect();
    assert!(names.contains(&who::CUSTOM_ROLE_LOOKALIKE), "{names:?}");
}

#[test]
fn holders_list_every_kind_with_status_and_gateways() {
    let h = json(&["--demo", "holders", "Identity Data Admin", "--json"]);
    let list = h["holders"].as_array().unwrap();
    let gw = list
        .iter()
        .find(|x| x["kind"] == "gateway")
        .expect("the PingFederate gateway holds it");
    assert_eq!(gw["name"], app::PF_GATEWAY);
    assert_eq!(gw["type"], "PING_FEDERATE");
    assert_eq!(gw["path"][0]["kind"], "gateway");
    assert_eq!(gw["path"][1]["scope"]["type"], "ENVIRONMENT");
    let derek = list
        .iter()
        .find(|x| x["name"] == who::DISABLED_WITH_ROLE)
        .expect("derek");
    assert_eq!(derek["enabled"], false);
    assert!(
        derek["locked"].is_boolean() && derek.get("mfaEnabled").is_some(),
        "{derek}"
    );
    assert_eq!(h["counts"]["gateways"], 1);
    // Human output says DISABLED beside him, and names the gateway's kind.
    let out = pingscope()
        .args(["--demo", "holders", "Identity Data Admin"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains(who::DISABLED_WITH_ROLE))
        .expect("derek");
    assert!(line.contains("DISABLED"), "{line}");
    let line = text
        .lines()
        .find(|l| l.contains(app::PF_GATEWAY))
        .expect("gateway");
    assert!(line.contains("gateway"), "{line}");
    // Members: status words too.
    let out = pingscope()
        .args(["--demo", "members", "All Staff"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.lines().any(|l| l.contains("DISABLED")),
        "a disabled member is marked"
    );
}

#[test]
fn access_and_who_can_pick_the_same_chain_and_a_role_hop_shows_its_scope() {
    let a = access(who::OTHER_ENV_ADMIN);
    let console = a["applications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == app::ADMIN_CONSOLE)
        .expect("ravi reaches the console");
    let role_hop = &console["path"][1];
    assert_eq!(role_hop["name"], "Client Application Developer");
    assert_eq!(role_hop["type"], "BUILT_IN");
    assert_eq!(role_hop["scope"]["label"], "this environment");
    let w = json(&["--demo", "who-can", app::ADMIN_CONSOLE, "--json"]);
    let ravi = w["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == who::OTHER_ENV_ADMIN)
        .expect("ravi");
    assert_eq!(ravi["path"], console["path"]);
}

#[test]
fn gateways_reach_stats_audit_and_the_grant_rule() {
    let s = json(&["--demo", "stats", "--json"]);
    assert_eq!(s["counts"]["gateways"], 3);
    let a = json(&["--demo", "audit", "non-human-admins", "--json"]);
    let findings = a["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f["gateway"]["name"] == app::PF_GATEWAY)
    );
    // The old lens name still works.
    let old = json(&["--demo", "audit", "worker-admins", "--json"]);
    assert_eq!(old["count"], a["count"]);
    // A SERVICE app with client credentials only admits nobody.
    let w = json(&["--demo", "who-can", app::CLIENT_ONLY_SERVICE, "--json"]);
    assert_eq!(w["count"], 0);
    assert_eq!(w["application"]["grantTypes"][0], "CLIENT_CREDENTIALS");
    let open = json(&["--demo", "audit", "open-apps", "--json"]);
    assert!(
        !open["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["application"]["name"] == app::CLIENT_ONLY_SERVICE)
    );
}

/// `--encrypt` needs the OS keyring: without one, a one-line error and no file.
#[test]
fn encrypting_a_saved_snapshot_without_a_keyring_is_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sealed.pscope");
    let out = pingscope()
        .env("PINGSCOPE_KEYRING", "none")
        .args([
            "--demo",
            "snapshot",
            "save",
            file.to_str().unwrap(),
            "--encrypt",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("--encrypt needs the OS keyring"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(!file.exists());
}

/// Piped or redirected, table cells stay whole (ids are for tools); only a terminal cuts them.
#[test]
fn piped_tables_keep_whole_ids() {
    let out = assert_cmd::Command::cargo_bin("pingscope")
        .unwrap()
        .args(["--demo", "holders", "Environment Admin"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    // Two roles share the name: the error lists both ids; take the built-in one's.
    let id = err
        .split(|c: char| !(c.is_ascii_hexdigit() || c == '-'))
        .find(|w| w.len() == 36)
        .expect("an id");
    let out = assert_cmd::Command::cargo_bin("pingscope")
        .unwrap()
        .args(["--demo", "holders", id])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().count() > 3, "{text}");
    assert!(!text.contains('…'), "{text}");
}

fn run_bin(args: &[&str]) -> std::process::Output {
    assert_cmd::Command::cargo_bin("pingscope")
        .unwrap()
        .env("PINGSCOPE_KEYRING", "none")
        .env_remove("PINGSCOPE_PROFILE")
        .args(args)
        .output()
        .unwrap()
}

/// Each command's help shows the options it uses, and an option given where it means nothing is
/// refused in one line.
#[test]
fn each_command_shows_and_takes_only_its_options() {
    let help = |args: &[&str]| String::from_utf8(run_bin(args).stdout).unwrap();
    let login = help(&["login", "--help"]);
    for absent in ["--demo", "--snapshot", "--mouse", "--max-age", "--no-store"] {
        assert!(!login.contains(absent), "login --help lists {absent}");
    }
    assert!(login.contains("--environment-id") && login.contains("--profile"));
    let generate = help(&["demo", "generate", "--help"]);
    assert!(!generate.contains("[default: 0]"), "{generate}");
    assert!(!generate.contains("--environment-id") && !generate.contains("--demo "));
    assert!(
        generate.contains("--out <FILE>       The snapshot file to write"),
        "{generate}"
    );
    let access = help(&["access", "--help"]);
    assert!(
        access.contains("--snapshot") && !access.contains("--mouse"),
        "{access}"
    );
    // Refused where they mean nothing, in one line.
    let out = run_bin(&["login", "--demo"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--demo does not apply to `pingscope login`"),
        "{err}"
    );
    let out = run_bin(&["demo", "generate", "--users", "0", "--out", "x.pscope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 19"));
    // Still taken before or after the command.
    assert!(run_bin(&["stats", "--demo"]).status.success());
    assert!(run_bin(&["--demo", "stats"]).status.success());
}

#[test]
fn completions_and_the_man_page_are_generated() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = run_bin(&["completions", shell]);
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.contains("who-can") && text.contains("audit"),
            "{shell}"
        );
    }
    let out = run_bin(&["man"]);
    assert!(out.status.success());
    let man = String::from_utf8(out.stdout).unwrap();
    assert!(man.contains(".TH pingscope 1"), "{man}");
    assert!(man.contains("who\\-can"), "{man}");
    assert!(!run_bin(&["completions", "tcsh"]).status.success());
}

/// A reader that stops early (`| head -1`): every command ends quietly, status 0.
#[test]
fn a_closed_stdout_ends_every_command_quietly() {
    let cases: [&[&str]; 5] = [
        &["--demo", "export", "--format", "csv"],
        &["--demo", "export", "--format", "json"],
        &["--demo", "who-can", app::OPEN_APP, "--json"],
        &["--demo", "who-can", app::OPEN_APP],
        &["--demo", "members", "All Staff", "--json"],
    ];
    for args in cases {
        let (first, out) = pipe::first_line_then_close(args);
        assert!(!first.is_empty(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?}: {err}");
    }
}

#[test]
fn audit_findings_are_structured() {
    let v = json(&["--demo", "audit", "privileged", "--json"]);
    let derek = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["user"]["username"] == who::DISABLED_WITH_ROLE)
        .expect("listed");
    assert_eq!(derek["flags"], serde_json::json!(["disabled"]));
    let role = &derek["roles"][0];
    assert!(
        role["role"]["id"].is_string() && role["role"]["name"].is_string(),
        "{derek}"
    );
    assert!(role["scope"]["type"].is_string(), "{derek}");
    let v = json(&["--demo", "audit", "stale", "--json"]);
    assert!(v["graceDays"].is_u64());
    let first = &v["findings"][0];
    assert_eq!(
        first["flags"],
        serde_json::json!(["never-signed-on"]),
        "{first}"
    );
    assert!(first.get("lastSignOn").is_none());
    let later = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["daysSinceSignOn"].is_i64())
        .expect("a stale sign-on");
    assert!(later["lastSignOn"].is_string(), "{later}");
    let v = json(&["--demo", "audit", "nesting-cycles", "--json"]);
    let f = &v["findings"][0];
    assert!(
        f["group"]["name"].is_string() && f["cycle"].as_array().is_some_and(|c| !c.is_empty()),
        "{f}"
    );
}

/// PingOne's guides have the admin copy the worker's token endpoint: taken as it is, and
/// anything else is refused in one line before any request.
#[test]
fn a_token_endpoint_that_is_not_pingone_is_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = assert_cmd::Command::cargo_bin("pingscope")
        .unwrap()
        .env("XDG_CONFIG_HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path())
        .env("PINGSCOPE_KEYRING", "none")
        .env_remove("PINGSCOPE_PROFILE")
        .env("PINGONE_TOKEN_ENDPOINT", "https://sso.example.com/as/token")
        .env("PINGONE_CLIENT_ID", "c")
        .env("PINGONE_CLIENT_SECRET", "s")
        .args(["stats"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("is not a PingOne token endpoint"), "{err}");
}
