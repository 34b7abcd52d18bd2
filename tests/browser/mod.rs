//! What the browser tests against the mock API share: its address, a run's
//! result and events, and the callback that collects them.
#![allow(dead_code)] // each test file uses part of it

use std::cell::RefCell;
use std::rc::Rc;

use customer_pipeline::web::RunOutput;
use wasm_bindgen::prelude::*;

/// The mock API's address, which `scripts/test.sh` passes at compile time.
pub fn mock_url() -> &'static str {
    match option_env!("MOCK_API_URL") {
        Some(url) => url,
        None => panic!("MOCK_API_URL must name the running mock API (scripts/test.sh starts it)"),
    }
}

/// What one run produced: its result and every event, as parsed JSON.
pub struct Run {
    pub result: Result<RunOutput, String>,
    pub events: Vec<serde_json::Value>,
}

impl Run {
    pub fn metadata(&self) -> serde_json::Value {
        match &self.result {
            Ok(output) => serde_json::from_str(&output.metadata()).expect("metadata is JSON"),
            Err(message) => panic!("the run failed: {message}"),
        }
    }

    /// Fails unless the run failed with `code` and a message that begins
    /// with `begins` and says each of `says`.
    pub fn assert_failed(&self, code: &str, begins: &str, says: &[&str]) {
        let message = match &self.result {
            Ok(_) => panic!("the run succeeded; expected {code}"),
            Err(message) => message,
        };
        assert!(
            message.starts_with(&format!("{code}: {begins}")),
            "{message}"
        );
        for needle in says {
            assert!(message.contains(needle), "no '{needle}' in {message}");
        }
    }

    pub fn of_kind(&self, kind: &str) -> Vec<&serde_json::Value> {
        self.events.iter().filter(|e| e["kind"] == kind).collect()
    }

    /// Fails, showing the log, unless some log message contains `needle`.
    pub fn assert_logged(&self, needle: &str) {
        let log = self.log();
        assert!(
            log.iter().any(|m| m.contains(needle)),
            "no '{needle}' in {log:?}"
        );
    }

    /// The log's messages (progress left out).
    pub fn log(&self) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| e["kind"] != "progress")
            .filter_map(|e| e["message"].as_str().map(str::to_owned))
            .collect()
    }
}

/// The events a run sends to its `onEvent` callback, parsed as they come.
pub struct Events {
    list: Rc<RefCell<Vec<serde_json::Value>>>,
    callback: Closure<dyn Fn(String)>,
}

impl Events {
    pub fn new() -> Self {
        let list = Rc::new(RefCell::new(Vec::new()));
        let sink = Rc::clone(&list);
        let callback = Closure::<dyn Fn(String)>::new(move |json: String| {
            sink.borrow_mut()
                .push(serde_json::from_str(&json).expect("events are JSON"));
        });
        Events { list, callback }
    }

    /// The callback to hand the run (valid as long as `self` lives).
    pub fn on_event(&self) -> js_sys::Function {
        self.callback
            .as_ref()
            .unchecked_ref::<js_sys::Function>()
            .clone()
    }

    /// The run's `result` with the events received so far.
    pub fn run(&self, result: Result<RunOutput, String>) -> Run {
        Run {
            result,
            events: self.list.borrow().clone(),
        }
    }
}
