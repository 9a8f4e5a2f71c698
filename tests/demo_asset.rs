//! The bundled demo asset is exactly what the generator makes, so the two can never drift.

use std::path::Path;

use pingscope::demo::{Params, generate};
use pingscope::model::Snapshot;
use pingscope::source::DEMO_SNAPSHOT;

#[test]
fn the_bundled_demo_is_what_the_generator_makes() {
    let asset = Snapshot::from_bytes(DEMO_SNAPSHOT, Path::new("assets/demo.json")).unwrap();
    let mut fresh = generate(&Params::demo());
    fresh.meta.tool_version = asset.meta.tool_version.clone();
    assert!(
        asset == fresh,
        "assets/demo.json is stale: run `cargo run --release -- demo generate --out assets/demo.json --format jsonl`"
    );
}
