//! What the fuzz targets share (each includes it as `mod common`; not a
//! target itself).

use std::sync::OnceLock;

use customer_pipeline::settings::RunSettings;

/// The run settings every target uses: seed 42, as of 2026-11-24.
pub fn settings() -> &'static RunSettings {
    static SETTINGS: OnceLock<RunSettings> = OnceLock::new();
    SETTINGS.get_or_init(|| {
        RunSettings::from_text("42", "2026-11-24", "2026-11-24T12:00:00Z")
            .expect("the fuzz settings are valid")
    })
}
